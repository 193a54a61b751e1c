"""The per-VM results of a write action, filling in live as each VM finishes; copyable as text.

One row per planned VM from the start ("waiting"), replaced by its result as it arrives: status (icon and
text), the state before and after, the AVMA outcome with its error code, the events seen, and the error.
Everything that came from a host or guest is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QIcon, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from avma_console.domain.i18n import Text
from avma_console.domain.states import ActivationState, AvmaOutcome, StateTone
from avma_console.qt import theme
from avma_console.qt.operations_controller import action_title
from avma_console.qt.text import operation_text, translator
from avma_console.qt.widgets.detail_pane import plain_label
from avma_console.qt.widgets.wrapped_table import RowsModel, plain_tooltip, row_fitter
from avma_console.services.operations import (
    OVERRIDE_HINT,
    Action,
    AnyPlan,
    AnyResult,
    KvpCleanupResult,
    KvpEnableResult,
    PushResult,
    ResultStatus,
)

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
STATUS, VM, HOST, CHANGE, OUTCOME, EVENTS, ERROR = range(7)


_tr = translator("OperationResults")


def status_text(status: ResultStatus | None) -> str:
    if status is None:
        return _tr("Waiting…")
    return {
        ResultStatus.SUCCEEDED: _tr("Succeeded"),
        ResultStatus.UNCHANGED: _tr("Unchanged"),
        ResultStatus.FAILED: _tr("Failed"),
        ResultStatus.REFUSED: _tr("Refused"),
        ResultStatus.CANCELLED: _tr("Cancelled"),
    }[status]


def status_icon(status: ResultStatus | None, audit_failed: bool = False) -> QIcon | None:
    if status is None:
        return None
    if audit_failed:
        return theme.state_icon(ActivationState.UNLICENSED)
    return {
        ResultStatus.SUCCEEDED: theme.state_icon(ActivationState.AVMA_ACTIVATED),
        ResultStatus.UNCHANGED: theme.state_icon(ActivationState.ACTIVATED_OTHER),
        ResultStatus.FAILED: theme.state_icon(ActivationState.UNLICENSED),
        ResultStatus.REFUSED: theme.warning_icon(),
        ResultStatus.CANCELLED: theme.state_icon(ActivationState.UNKNOWN),
    }[status]


def status_tone(status: ResultStatus | None) -> StateTone | None:
    if status is None:
        return None
    return {
        ResultStatus.SUCCEEDED: StateTone.GOOD,
        ResultStatus.UNCHANGED: StateTone.OTHER,
        ResultStatus.FAILED: StateTone.ERROR,
        ResultStatus.REFUSED: StateTone.WARNING,
        ResultStatus.CANCELLED: StateTone.NEUTRAL,
    }[status]


def _state(state: ActivationState | None) -> str:
    return theme.state_label(state) if state is not None else "?"


def outcome_text(outcome: AvmaOutcome) -> str:
    """What an AVMA attempt ended in (the names event 12309 uses), in the reader's language."""
    return {
        AvmaOutcome.SUCCESS: _tr("AVMA Success"),
        AvmaOutcome.INVALID_HOST: _tr("Invalid Host"),
        AvmaOutcome.INVALID_DATA: _tr("Invalid Data"),
        AvmaOutcome.ACTIVATION_DENIED: _tr("Activation Denied"),
    }[outcome]


def _source(source: str) -> str:
    """Who pushed a KVP item: the host or the guest (KvpItemResult.source)."""
    return _tr("host") if source == "host" else _tr("guest")


def _enabled(value: bool | None) -> str:
    return "?" if value is None else (_tr("enabled") if value else _tr("disabled"))


@dataclass(frozen=True, slots=True)
class ResultRow:
    vm_id: str
    vm: str
    host: str
    status: ResultStatus | None = None  # None: not finished yet
    change: str = ""
    outcome: str = ""
    events: str = ""
    error: str = ""
    audit_failed: bool = False
    events_detail: str = ""  # each event with its time and computer (the tooltip of the Events cell)

    @property
    def cells(self) -> tuple[str, ...]:
        return (status_text(self.status), self.vm, self.host, self.change, self.outcome, self.events, self.error)


def gui_wording(text: str) -> str:
    """A result's text in the reader's language; where the services speak the command line's language
    (refusal_text's "--force" hint) say it the window's way."""
    if isinstance(text, Text) and text.template == OVERRIDE_HINT:
        hint = _tr(" (may be overridden: tick “Override refusals” when confirming)")
        return operation_text(text.fields["reasons"]) + hint
    return operation_text(text)


def row_of_result(result: AnyResult) -> ResultRow:
    """Plain-text cells for one result (host-supplied text stays as it is)."""
    change = outcome = events = events_detail = ""
    attempted = result.status not in (ResultStatus.REFUSED, ResultStatus.CANCELLED)
    if isinstance(result, PushResult):
        if attempted:
            change = f"{_state(result.state_before)} → {_state(result.state_after)}"
        if result.outcome is not None:
            outcome = outcome_text(result.outcome)
            if result.outcome_code:
                outcome += f" (0x{result.outcome_code:08X})"
        events = " / ".join(str(event.event_id) for event in result.events)
        events_detail = "\n".join(
            f"{event.event_id}  {event.time_created.astimezone():%Y-%m-%d %H:%M:%S}  {event.computer}"
            + (f"  {event.outcome.value}" if event.outcome else "")
            for event in result.events
        )
    elif isinstance(result, KvpEnableResult):
        if attempted:
            change = f"{_enabled(result.enabled_before)} → {_enabled(result.enabled_after)}"
            if result.status_after:
                change += f" ({result.status_after})"
    elif isinstance(result, KvpCleanupResult) and attempted:
        removed = [f"{item.name} ({_source(item.source)})" for item in result.items if item.removed]
        change = _tr("removed: {items}").format(items=", ".join(removed)) if removed else _tr("no matching items")
        kept = [f"{item.name} ({_source(item.source)}): {item.error}" for item in result.items if not item.removed]
        if kept:
            change += "; " + _tr("not removed: {items}").format(items="; ".join(kept))
        if result.guest_skipped:
            change += "; " + _tr("guest-pushed items not checked: {why}").format(
                why=operation_text(result.guest_skipped)
            )
    errors = [gui_wording(text) for text in (result.error, result.audit_error) if text]
    return ResultRow(
        vm_id=result.vm_id,
        vm=result.vm,
        host=result.host,
        status=result.status,
        change=change,
        outcome=outcome,
        events=events,
        error="; ".join(errors),
        audit_failed=result.audit_error is not None,
        events_detail=events_detail,
    )


class ResultsModel(RowsModel[ResultRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__((), parent)
        self._headers = (
            self.tr("Result"),
            self.tr("VM"),
            self.tr("Host"),
            self.tr("Before → after"),
            self.tr("AVMA outcome"),
            self.tr("Events"),
            self.tr("Error"),
        )
        self.abandoned = False  # the run never started: unfinished rows read "Not attempted"

    def start(self, plan: AnyPlan) -> None:
        self.beginResetModel()
        self._rows = [ResultRow(item.vm.vm_id, item.vm.name, item.host.name) for item in plan.items]
        self.endResetModel()

    def add(self, result: AnyResult) -> None:
        row = row_of_result(result)
        for index, existing in enumerate(self._rows):
            if existing.vm_id == row.vm_id:
                self._rows[index] = row
                self.dataChanged.emit(self.index(index, 0), self.index(index, len(self._headers) - 1))
                return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(row)
        self.endInsertRows()

    def row_for(self, vm: str) -> ResultRow | None:
        return next((row for row in self._rows if row.vm == vm), None)

    def cell_data(self, row: ResultRow, column: int, role: int) -> Any:
        if role == _DISPLAY:
            if column == STATUS and row.status is None and self.abandoned:
                return self.tr("Not attempted")
            return row.cells[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == EVENTS and row.events_detail:
                return plain_tooltip(row.events_detail)
            return plain_tooltip(row.cells[column]) if row.cells[column] else None
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            return status_icon(row.status, row.audit_failed)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            tone = StateTone.ERROR if row.audit_failed else status_tone(row.status)
            return theme.tone_text_color(tone) if tone is not None else None
        return None

    def as_text(self, rows: Sequence[int] | None = None) -> str:
        """Tab-separated, with a header line: pastes into a spreadsheet, a ticket or an e-mail."""
        chosen = range(len(self._rows)) if rows is None else rows
        lines = ["\t".join(self._headers)]
        for row in chosen:
            lines.append("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in self._rows[row].cells))
        return "\n".join(lines) + "\n"


class OperationResultsDialog(QDialog):
    """Non-modal: the operator may keep working (or close it) while the run goes on; Stop cancels the rest."""

    stop_requested = Signal()
    copied = Signal(str)

    def __init__(self, action: Action, plan: AnyPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = action
        self.setObjectName(f"results_{action.value}")
        self.setWindowTitle(self.tr("{action} — results").format(action=action_title(action)))
        self.setSizeGripEnabled(True)
        self.resize(1300, 480)
        self.running = True

        layout = QVBoxLayout(self)
        self.summary = plain_label()
        self.summary.setObjectName("resultsSummary")
        layout.addWidget(self.summary)
        self.model = ResultsModel(self)
        self.model.start(plan)
        self.table = QTableView()
        self.table.setObjectName("resultsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in zip(range(ERROR), (115, 140, 110, 240, 210, 110), strict=True):
            header.resizeSection(column, width)
        self._fit_rows = row_fitter(self.table, self)  # wrapped errors: refit after changes, once per turn
        layout.addWidget(self.table, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(
            self.tr("VMs not started yet are not attempted; those under way finish (a change cannot be half done)")
        )
        self.copy_button = QPushButton(self.tr("Copy all"))
        self.copy_button.setToolTip(self.tr("Copy the table as tab-separated text (Ctrl+C copies the selected rows)"))
        self.buttons.addButton(self.stop_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.stop_button.clicked.connect(self._stop)
        self.copy_button.clicked.connect(self.copy_all)
        copy_selection = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.table)
        copy_selection.activated.connect(self.copy_selection)
        layout.addWidget(self.buttons)
        self._progress(0, len(plan.items), 0)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        close.setFocus()  # not the table: its current-cell frame on the first row reads like a selection

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_rows.start()

    # -- filling in ------------------------------------------------------------------------------------------
    def add_result(self, result: AnyResult, done: int, total: int, failed: int) -> None:
        self.model.add(result)
        self._fit_rows.start()
        self._progress(done, total, failed)

    def _progress(self, done: int, total: int, failed: int) -> None:
        text = self.tr("Running: {done} of {total} VM(s) done").format(done=done, total=total)
        if failed:
            text += self.tr(", {failed} not OK").format(failed=failed)
        self.summary.setText(text)

    def finish(self, results: Sequence[AnyResult]) -> None:
        for result in results:
            self.model.add(result)
        self.running = False
        self.stop_button.setEnabled(False)
        counts: dict[ResultStatus, int] = {}
        for row in self.model.rows():
            if row.status is not None:
                counts[row.status] = counts.get(row.status, 0) + 1
        parts = [f"{status_text(status)}: {counts[status]}" for status in ResultStatus if status in counts]
        audit = sum(1 for row in self.model.rows() if row.audit_failed)
        text = self.tr("Done. {counts}").format(counts=", ".join(parts) or self.tr("nothing ran"))
        if audit:
            text += self.tr(" — the audit log could not be written for {count} VM(s); see Error").format(count=audit)
        self.summary.setText(text)
        self._fit_rows.start()

    def rescanning(self, hosts: Sequence[str]) -> None:
        self.summary.setText(
            self.summary.text()
            + self.tr(" — scanning {hosts} again to show the new states").format(hosts=", ".join(hosts))
        )

    def rescanned(self) -> None:
        text = self.summary.text().split(" — ")[0]
        self.summary.setText(text + self.tr(" — scanned again: the tree shows the new states"))

    def abandon(self, why: str) -> None:
        """The run did not start (nothing was changed): say why, in red, and mark every VM not attempted."""
        self.running = False
        self.stop_button.setEnabled(False)
        self.model.abandoned = True
        self.model.dataChanged.emit(self.model.index(0, STATUS), self.model.index(self.model.rowCount() - 1, STATUS))
        self.summary.setText(why)
        palette = self.summary.palette()
        palette.setColor(self.summary.foregroundRole(), theme.tone_text_color(StateTone.ERROR))
        self.summary.setPalette(palette)

    def _stop(self) -> None:
        self.stop_button.setEnabled(False)
        self.summary.setText(self.tr("Stopping: VMs not started yet will not be attempted…"))
        self.stop_requested.emit()

    # -- copying ---------------------------------------------------------------------------------------------
    def copy(self, rows: Sequence[int] | None = None) -> str:
        text = self.model.as_text(rows)
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(text)
        return text

    def copy_all(self) -> str:
        return self.copy()

    def copy_selection(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        self.copy(rows or None)
