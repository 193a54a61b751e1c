"""History > Reports…: a licence report (inventory, compliance, changes) from the history, as CSV, HTML or PDF.

The report is built by services.reports from the console's history and written by the same writers as
`avma-console report` (CSV and HTML in services, PDF in qt.reports_pdf), all on the executor, with a busy bar
and the current step in the dialog. What goes wrong (no scans in the period, an unreachable database, a
folder that cannot be written) is said in the dialog, in plain words, with what to do.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from avma_console.domain.i18n import no_translation
from avma_console.domain.periods import PeriodChoice, period_bounds
from avma_console.domain.states import ActivationState
from avma_console.qt import theme
from avma_console.qt.context import TaskRunner
from avma_console.qt.history_recording import HistoryRecording
from avma_console.qt.reports_pdf import render_pdf
from avma_console.qt.text import translate, translator
from avma_console.qt.widgets.detail_pane import plain_label
from avma_console.services.history_access import HistoryError, ReportError
from avma_console.services.report_documents import Report, ReportKind, report_csv, report_html

_tr = translator("ReportDialog")


def _noop(context: str, text: str) -> str:
    """Marks a string for lupdate (like QT_TRANSLATE_NOOP) and keeps its type a str."""
    return text


KIND_LABELS: dict[ReportKind, tuple[str, str]] = {
    ReportKind.INVENTORY: (
        _noop("ReportDialog", "Inventory"),
        _noop("ReportDialog", "Every host and VM with its activation state, as of the last scan in the period."),
    ),
    ReportKind.COMPLIANCE: (
        _noop("ReportDialog", "Compliance (SPLA)"),
        _noop("ReportDialog", "Per host and month: VMs seen running, how they were licensed, failed AVMA activations."),
    ),
    ReportKind.CHANGES: (
        _noop("ReportDialog", "Changes"),
        _noop("ReportDialog", "Every change of state, host or key in the period, with the AVMA events behind it."),
    ),
    ReportKind.EVENTS: (
        _noop("ReportDialog", "AVMA events"),
        _noop("ReportDialog", "Every AVMA event in the period: 12310 on the hosts and 12309 in the guests."),
    ),
}


PERIOD_LABELS: dict[PeriodChoice, str] = {
    PeriodChoice.THIS_MONTH: _noop("ReportDialog", "This month"),
    PeriodChoice.LAST_MONTH: _noop("ReportDialog", "Last month"),
    PeriodChoice.LAST_30_DAYS: _noop("ReportDialog", "Last 30 days"),
    PeriodChoice.THIS_YEAR: _noop("ReportDialog", "This year"),
    PeriodChoice.LAST_YEAR: _noop("ReportDialog", "Last year"),
    PeriodChoice.EVERYTHING: _noop("ReportDialog", "Everything recorded"),
    PeriodChoice.CUSTOM: _noop("ReportDialog", "From – to (days)"),
}
FORMATS = ("pdf", "html", "csv")
FORMAT_LABELS = {
    "pdf": _noop("ReportDialog", "PDF (to print and sign off)"),
    "html": _noop("ReportDialog", "HTML (to mail or archive)"),
    "csv": _noop("ReportDialog", "CSV (spreadsheet)"),
}


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")


def write_report(report: Report, path: Path, fmt: str) -> int:
    """Write in one of FORMATS; returns the number of pages (PDF) or 0. Raises OSError."""
    if fmt == "csv":
        _write_text(path, report_csv(report))
        return 0
    if fmt == "html":
        _write_text(path, report_html(report))
        return 0
    return render_pdf(report, path)


class ReportDialog(QDialog):
    written = Signal(str, int)  # path, pages (0 for CSV and HTML)
    failed = Signal(str)  # the message shown

    def __init__(self, recording: HistoryRecording, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportDialog")
        self.setWindowTitle(_tr("Licence report"))
        self._recording = recording
        self._tasks = tasks
        self._task: asyncio.Task[bool] | None = None
        self._auto_path = True
        self.last_path: Path | None = None

        self.kind_combo = QComboBox()
        for kind, (label, _about) in KIND_LABELS.items():
            self.kind_combo.addItem(_tr(label), kind.value)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(ReportKind.COMPLIANCE.value))
        self.kind_about = plain_label()
        self.kind_about.setEnabled(False)

        self.period_combo = QComboBox()
        for choice, label in PERIOD_LABELS.items():
            self.period_combo.addItem(_tr(label), choice.value)
        today = QDate.currentDate()
        self.from_edit = QDateEdit(today.addDays(1 - today.day()))
        self.to_edit = QDateEdit(today)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        dates = QHBoxLayout()
        dates.addWidget(self.from_edit)
        dates.addWidget(QLabel("–"))
        dates.addWidget(self.to_edit)
        dates.addStretch(1)
        self.period_note = plain_label()
        self.period_note.setEnabled(False)

        self.format_combo = QComboBox()
        for fmt in FORMATS:
            self.format_combo.addItem(_tr(FORMAT_LABELS[fmt]), fmt)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("reportPath")
        self.browse_button = QPushButton(_tr("Browse…"))
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.location_label = plain_label(recording.location_text())
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(_tr("Report:"), self.kind_combo)
        form.addRow("", self.kind_about)
        form.addRow(_tr("Period:"), self.period_combo)
        form.addRow("", dates)
        form.addRow("", self.period_note)
        form.addRow(_tr("Format:"), self.format_combo)
        form.addRow(_tr("Save to:"), path_row)
        form.addRow(_tr("History:"), self.location_label)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status_icon = QLabel()
        self.status_icon.setFixedSize(20, 20)
        self.status_label = plain_label()
        self.status_label.setObjectName("reportStatus")
        self.status_label.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)  # room for a long reason
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status = QHBoxLayout()
        status.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        status.addWidget(self.status_label, 1)

        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(_tr("Create report"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setDefault(True)
        self.open_button = self.buttons.addButton(_tr("Open"), QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.hide()
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addLayout(status)
        layout.addWidget(self.buttons)

        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.period_combo.currentIndexChanged.connect(self._period_changed)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.path_edit.textEdited.connect(self._path_edited)
        self.browse_button.clicked.connect(self._browse)
        self.create_button.clicked.connect(self.create_report)
        self.open_button.clicked.connect(self._open_result)
        self.close_button.clicked.connect(self.reject)
        self._kind_changed()
        self._period_changed()
        self._suggest_path()
        self.setMinimumWidth(560)
        self.resize(640, self.sizeHint().height())

    # -- choices ---------------------------------------------------------------------------------------------
    @property
    def kind(self) -> ReportKind:
        return ReportKind(str(self.kind_combo.currentData()))

    @property
    def output_format(self) -> str:
        return str(self.format_combo.currentData())

    @property
    def period(self) -> PeriodChoice:
        return PeriodChoice(str(self.period_combo.currentData()))

    def set_choices(
        self, kind: ReportKind, fmt: str, path: Path | None = None, period: PeriodChoice | None = None
    ) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind.value))
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))
        if period is not None:
            self.period_combo.setCurrentIndex(self.period_combo.findData(period.value))
        if path is not None:
            self.path_edit.setText(str(path))
            self._auto_path = False

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        first, last = self.from_edit.date().toPython(), self.to_edit.date().toPython()
        assert isinstance(first, date)
        assert isinstance(last, date)
        return period_bounds(self.period, self._recording.clock.now().date(), first, last)

    def _kind_changed(self) -> None:
        self.kind_about.setText(_tr(KIND_LABELS[self.kind][1]))
        self._period_changed()
        self._suggest_path()

    def _period_changed(self) -> None:
        custom = self.period is PeriodChoice.CUSTOM
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        start, end = self.bounds()
        if start is None and end is None:
            note = _tr("Everything in the history.")
        else:
            assert start is not None
            assert end is not None
            note = _tr("{start} to {end} (excluded), UTC.").format(
                start=start.strftime("%Y-%m-%d"), end=end.strftime("%Y-%m-%d")
            )
        if self.kind is ReportKind.INVENTORY:
            note += " " + _tr("The inventory shows the last scan before the end of the period.")
        self.period_note.setText(note)
        self._suggest_path()

    def _format_changed(self) -> None:
        text = self.path_edit.text().strip()
        if self._auto_path or not text:
            self._suggest_path()
        else:
            self.path_edit.setText(str(Path(text).with_suffix("." + self.output_format)))

    def _path_edited(self) -> None:
        self._auto_path = False

    def _suggest_path(self) -> None:
        if not self._auto_path:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        start, _end = self.bounds()
        stamp = start.strftime("%Y-%m") if start is not None else self._recording.clock.now().strftime("%Y-%m-%d")
        self.path_edit.setText(str(Path(folder) / f"avma-{self.kind.value}-{stamp}.{self.output_format}"))

    def _browse(self) -> None:
        fmt = self.output_format
        path, _ = QFileDialog.getSaveFileName(
            self, _tr("Save report"), self.path_edit.text(), f"{fmt.upper()} (*.{fmt})"
        )
        if path:
            self.path_edit.setText(path)
            self._auto_path = False

    # -- making it ---------------------------------------------------------------------------------------------
    def create_report(self) -> asyncio.Task[bool] | None:
        """Build and write the report on the executor; None if the input is not usable (said in the dialog)."""
        if self._task is not None and not self._task.done():
            return None
        text = self.path_edit.text().strip()
        if not text:
            self._show_error(_tr("Choose where to save the report (Save to)."))
            return None
        path = Path(text).expanduser()
        if not path.parent.is_dir():
            self._show_error(
                _tr("The folder {folder} does not exist; choose an existing folder.").format(folder=str(path.parent))
            )
            return None
        start, end = self.bounds()
        if start is not None and end is not None and start >= end:
            self._show_error(_tr("The period ends before it starts; swap the dates."))
            return None
        self._busy(True)
        self._show_step(_tr("Reading the history and building the report…"))
        self._task = self._tasks.spawn(self._create(self.kind, start, end, self.output_format, path), name="report")
        return self._task

    async def _create(
        self, kind: ReportKind, start: datetime | None, end: datetime | None, fmt: str, path: Path
    ) -> bool:
        try:
            # CSV is a machine format (English headers); HTML and PDF speak the console's language.
            words = no_translation if fmt == "csv" else translate
            report = await self._recording.run(
                lambda history: history.report(kind, start=start, end=end, translate=words)
            )
            step = _tr("Writing {format}…").format(format=fmt.upper())
            self._show_step(step)
            pages = await self._tasks.run_blocking(write_report, report, path, fmt)
        except ReportError as error:
            self._show_error(_tr("No report: {reason}").format(reason=str(error)))
            return False
        except HistoryError as error:
            self._show_error(_tr("The history could not be read: {reason}").format(reason=str(error)))
            return False
        except OSError as error:
            self._show_error(
                _tr("Cannot write {path}: {reason}; choose a writable place.").format(
                    path=str(path), reason=error.strerror or str(error)
                )
            )
            return False
        finally:
            self._busy(False)
        self.last_path = path
        rows = len(report.main_table.rows)
        done = _tr("Written {path}: {pages} page(s), {rows} rows.") if pages else _tr("Written {path}: {rows} rows.")
        self.status_icon.setPixmap(theme.state_pixmap(ActivationState.AVMA_ACTIVATED, 20))
        self.status_label.setText(done.format(path=str(path), pages=pages, rows=rows))
        self.open_button.show()
        self.written.emit(str(path), pages)
        return True

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.create_button.setEnabled(not busy)
        if busy:
            self.open_button.hide()

    def _show_step(self, text: str) -> None:
        self.status_icon.clear()
        self.status_label.setText(text)

    def _show_error(self, message: str) -> None:
        self.status_icon.setPixmap(theme.warning_icon().pixmap(20, 20))
        self.status_label.setText(message)
        self.failed.emit(message)

    def _open_result(self) -> None:
        if self.last_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_path)))

    def done(self, result: int) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().closeEvent(event)
