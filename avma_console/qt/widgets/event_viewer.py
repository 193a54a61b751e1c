"""The event viewer: AVMA events from the history (12310 on hosts, 12309 in guests) for the current selection.

The selection (a VM, a host, a cluster, or nothing: the whole fleet) and the period decide what is read from
the history, on the executor; the newest request wins, so clicking through the tree never shows another
selection's events. Outcome, log and text filters work on the loaded rows at once. Export writes the shown
rows, in the shown order, as spreadsheet-safe CSV.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from avma_console.qt import theme
from avma_console.qt.context import TaskRunner
from avma_console.qt.history_models import (
    OUTCOME_FILTER_LABELS,
    EventColumn,
    EventFilterProxy,
    EventRow,
    EventTableModel,
    LatestQuery,
    LogFilter,
    OutcomeFilter,
    event_rows,
)
from avma_console.qt.history_recording import HistoryRecording
from avma_console.qt.text import translator
from avma_console.services.history_access import EventScope, StoredEvent, events_csv

COLUMN_WIDTHS = {
    EventColumn.TIME: 150,
    EventColumn.LOG: 90,
    EventColumn.HOST: 110,
    EventColumn.VM: 150,
    EventColumn.OUTCOME: 140,
    EventColumn.CODE: 95,
}


_tr = translator("EventViewer")


def _noop(context: str, text: str) -> str:
    """Marks a string for lupdate (like QT_TRANSLATE_NOOP) and keeps its type a str."""
    return text


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL = "all"


PERIODS: dict[Period, tuple[str, timedelta | None]] = {
    Period.DAY: (_noop("EventViewer", "Last 24 hours"), timedelta(days=1)),
    Period.WEEK: (_noop("EventViewer", "Last 7 days"), timedelta(days=7)),
    Period.MONTH: (_noop("EventViewer", "Last 30 days"), timedelta(days=30)),
    Period.YEAR: (_noop("EventViewer", "Last 12 months"), timedelta(days=365)),
    Period.ALL: (_noop("EventViewer", "All recorded"), None),
}


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")


def plain(text: str = "", *, wrap: bool = False) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(wrap)
    return label


class EventViewer(QWidget):
    loaded = Signal(int)  # rows loaded for the current selection and period
    exported = Signal(str, int)  # path, rows written

    def __init__(self, recording: HistoryRecording, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventViewer")
        self._recording = recording
        self._tasks = tasks
        self._scope = EventScope()
        self._scope_title = _tr("Whole fleet")
        self._dirty = True
        self._error: str | None = None
        self.query = LatestQuery(tasks, "event viewer", self)
        self.query.loaded.connect(self._loaded)
        self.query.failed.connect(self._failed)

        self.model = EventTableModel(self)
        self.proxy = EventFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)

        top = QHBoxLayout()
        self.scope_label = plain()
        self.scope_label.setObjectName("eventScope")
        font = self.scope_label.font()
        font.setBold(True)
        self.scope_label.setFont(font)
        self.whole_fleet = QCheckBox(_tr("Whole fleet"))
        self.whole_fleet.setToolTip(_tr("Show the events of every host, whatever is selected"))
        top.addWidget(self.scope_label, 1)
        top.addWidget(self.whole_fleet)
        layout.addLayout(top)

        filters = QHBoxLayout()
        self.outcome_combo = QComboBox()
        for outcome, label in OUTCOME_FILTER_LABELS.items():
            self.outcome_combo.addItem(QCoreApplication.translate("EventViewer", label), outcome.value)
        self.log_combo = QComboBox()
        self.log_combo.addItem(_tr("Host and guest events"), int(LogFilter.ALL))
        self.log_combo.addItem(_tr("Host 12310"), int(LogFilter.HOST))
        self.log_combo.addItem(_tr("Guest 12309"), int(LogFilter.GUEST))
        self.period_combo = QComboBox()
        for period, (label, _delta) in PERIODS.items():
            self.period_combo.addItem(_tr(label), period.value)
        self.period_combo.setCurrentIndex(self.period_combo.findData(Period.ALL.value))
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(_tr("Filter: host, VM, message, code"))
        self.filter_edit.setClearButtonEnabled(True)
        self.export_button = QPushButton(_tr("Export CSV…"))
        self.export_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.export_button.setToolTip(_tr("Save the shown events as CSV (safe to open in a spreadsheet)"))
        for widget in (self.outcome_combo, self.log_combo, self.period_combo):
            filters.addWidget(widget)
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.export_button)
        layout.addLayout(filters)

        self.table = QTableView()
        self.table.setObjectName("eventTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setIconSize(QSize(16, 16))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        header.setSortIndicator(EventColumn.TIME, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.status_icon = QLabel()
        self.status_icon.setFixedSize(16, 16)
        self.status_label = plain()
        self.status_label.setObjectName("eventStatus")
        bottom.addWidget(self.status_icon)
        bottom.addWidget(self.status_label, 1)
        layout.addLayout(bottom)

        self.outcome_combo.currentIndexChanged.connect(self._outcome_changed)
        self.log_combo.currentIndexChanged.connect(self._log_changed)
        self.period_combo.currentIndexChanged.connect(self.reload)
        self.filter_edit.textChanged.connect(self._text_changed)
        self.whole_fleet.toggled.connect(self.reload)
        self.export_button.clicked.connect(self._choose_export)
        recording.recorded.connect(self.reload)
        recording.location_changed.connect(self.reload)
        self._show_scope()
        self._update_status()

    # -- what to show ------------------------------------------------------------------------------------------
    def set_scope(self, scope: EventScope, title: str) -> None:
        """The tree's selection changed (title: how to name it, plain text)."""
        self._scope, self._scope_title = scope, title
        self.reload()

    @property
    def scope(self) -> EventScope:
        return EventScope() if self.whole_fleet.isChecked() else self._scope

    def scope_title(self) -> str:
        return _tr("Whole fleet") if self.whole_fleet.isChecked() or self._scope.whole_fleet else self._scope_title

    def period(self) -> Period:
        return Period(str(self.period_combo.currentData()))

    def set_period(self, period: Period) -> None:
        self.period_combo.setCurrentIndex(self.period_combo.findData(period.value))

    def reload(self) -> None:
        """Read the events again (now if shown, else when the viewer is next shown)."""
        self._show_scope()
        if not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        scope, delta = self.scope, PERIODS[self.period()][1]
        since = self._recording.clock.now() - delta if delta is not None else None

        async def query() -> list[EventRow]:
            return await self._recording.run(lambda history: event_rows(history.events(scope, since=since)))

        self.status_label.setText(_tr("Reading the history…"))
        self.status_icon.clear()
        self.query.request((scope, since), query)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.reload()

    def _show_scope(self) -> None:
        self.scope_label.setText(_tr("AVMA events: {scope}").format(scope=self.scope_title()))

    def _loaded(self, _token: object, rows: object) -> None:
        assert isinstance(rows, list)
        self._error = None
        self.model.set_rows(rows)
        self._update_status()
        self.loaded.emit(len(rows))

    def _failed(self, _token: object, message: str) -> None:
        self._error = message
        self.model.clear()
        self._update_status()
        self.loaded.emit(0)

    # -- filters -----------------------------------------------------------------------------------------------
    def _outcome_changed(self) -> None:
        self.proxy.set_outcome(OutcomeFilter(str(self.outcome_combo.currentData())))
        self._update_status()

    def _log_changed(self) -> None:
        self.proxy.set_log(LogFilter(int(self.log_combo.currentData())))
        self._update_status()

    def _text_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_status()

    def set_outcome_filter(self, outcome: OutcomeFilter) -> None:
        self.outcome_combo.setCurrentIndex(self.outcome_combo.findData(outcome.value))

    def _update_status(self) -> None:
        if self._error is not None:
            self.status_icon.setPixmap(theme.warning_icon().pixmap(16, 16))
            self.status_label.setText(_tr("The history could not be read: {error}").format(error=self._error))
            self.export_button.setEnabled(False)
            return
        self.status_icon.clear()
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        where = self._recording.location_text()
        if total == 0:
            text = _tr("No AVMA events recorded for this selection in this period · history: {where}")
        elif shown == total:
            text = _tr("{total} events · history: {where}")
        else:
            text = _tr("{shown} of {total} events shown · history: {where}")
        self.status_label.setText(text.format(shown=shown, total=total, where=where))
        self.status_label.setToolTip("")
        self.export_button.setEnabled(shown > 0)

    # -- export ------------------------------------------------------------------------------------------------
    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, _tr("Export events"), "avma-events.csv", _tr("CSV (*.csv)"))
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> asyncio.Task[bool]:
        """Write the shown events (shown order) to `path` on the executor."""
        return self._tasks.spawn(self._export(path, self.proxy.visible_events()), name="export events")

    async def _export(self, path: Path, events: list[StoredEvent]) -> bool:
        try:
            text = await self._tasks.run_blocking(events_csv, events)
            await self._tasks.run_blocking(_write_text, path, text)
        except OSError as error:
            self.status_icon.setPixmap(theme.warning_icon().pixmap(16, 16))
            self.status_label.setText(
                _tr("Export failed: {path}: {reason}; choose a writable folder").format(
                    path=str(path), reason=error.strerror or str(error)
                )
            )
            return False
        self.status_icon.clear()
        self.status_label.setText(_tr("Exported {count} events to {path}").format(count=len(events), path=str(path)))
        self.exported.emit(str(path), len(events))
        return True
