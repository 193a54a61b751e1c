"""Item models for the history windows: AVMA events (12310 on hosts, 12309 in guests) as a sortable,
filterable table, plus the small helpers the event viewer and the timeline share.

`EventTableModel` holds the events of the current selection; `EventFilterProxy` filters them by outcome, log
and text. Sorting is done by the source model on cached keys (the proxy forwards `sort`), as the fleet tree
does: a proxy comparing rows through `data()` calls back into Python for every comparison. Everything that
came from a host (names, messages) is data, shown as plain text: table cells are never interpreted, and
tooltips, which Qt would read as rich text, are escaped.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QIcon

from avma_console.domain.states import AVMA_ERROR_CODES, ActivationState, AvmaOutcome
from avma_console.qt import theme
from avma_console.qt.context import TaskRunner
from avma_console.qt.model_changes import CriteriaProxy, reorder_rows
from avma_console.qt.text import local_time, translator
from avma_console.services.history_access import GUEST_EVENT_ID, HOST_EVENT_ID, HistoryError, StoredEvent

AnyIndex = QModelIndex | QPersistentModelIndex

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1  # the StoredEvent of the row
OUTCOME_ROLE = Qt.ItemDataRole.UserRole + 2  # the outcome string (None: no outcome)

_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole


_tr = translator("EventViewer")


def _noop(context: str, text: str) -> str:
    """Marks a string for lupdate (like QT_TRANSLATE_NOOP)."""
    return text


def tooltip_text(text: str) -> str:
    """A tooltip that shows `text` exactly: Qt would render "<b>bold</b>" in a tooltip as bold."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text).replace("\n", "<br>") + "</p>"


# ---------------------------------------------------------------------------------------------------------
# Outcomes


_OUTCOME_LABELS: dict[str, str] = {
    AvmaOutcome.SUCCESS.value: _noop("Outcome", "Success"),
    AvmaOutcome.INVALID_HOST.value: _noop("Outcome", "Invalid host"),
    AvmaOutcome.INVALID_DATA.value: _noop("Outcome", "Invalid data"),
    AvmaOutcome.ACTIVATION_DENIED.value: _noop("Outcome", "Activation denied"),
}


def outcome_state(outcome: str | None) -> ActivationState:
    """The activation state an outcome stands for: it decides the icon and colour (unknown: neutral)."""
    if outcome is None:
        return ActivationState.UNKNOWN
    try:
        return AvmaOutcome(outcome).state
    except ValueError:
        return ActivationState.UNKNOWN


def outcome_label(outcome: str | None) -> str:
    if outcome is None:
        return QCoreApplication.translate("Outcome", "No result")
    label = _OUTCOME_LABELS.get(outcome)
    return QCoreApplication.translate("Outcome", label) if label else outcome


def code_text(code: int | None) -> str:
    return f"0x{code & 0xFFFFFFFF:08X}" if code is not None else ""


def code_meaning(code: int | None) -> str:
    if code is None:
        return ""
    known = AVMA_ERROR_CODES.get(code & 0xFFFFFFFF)
    return f"{known.symbol}: {QCoreApplication.translate('ErrorCodes', known.meaning)}" if known else ""


def log_label(event_id: int) -> str:
    if event_id == HOST_EVENT_ID:
        return _tr("{id} host").format(id=event_id)
    if event_id == GUEST_EVENT_ID:
        return _tr("{id} guest").format(id=event_id)
    return str(event_id)


def event_summary(event: StoredEvent) -> str:
    """Several plain-text lines describing one event (tooltips, the timeline's markers)."""
    lines = [
        f"{local_time(event.time_created)}  ·  {log_label(event.event_id)}  ·  {event.host}",
        f"{outcome_label(event.outcome)}  {code_text(event.error_code)}".rstrip(),
    ]
    meaning = code_meaning(event.error_code)
    if meaning:
        lines.append(meaning)
    if event.vm_name:
        lines.append(_tr("VM: {name}").format(name=event.vm_name))
    lines.append(event.message)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# The table


class EventColumn(IntEnum):
    TIME = 0
    LOG = 1
    HOST = 2
    VM = 3
    OUTCOME = 4
    CODE = 5
    MESSAGE = 6


EVENT_COLUMN_TITLES = (
    _noop("EventViewer", "Time"),
    _noop("EventViewer", "Event"),
    _noop("EventViewer", "Host"),
    _noop("EventViewer", "VM"),
    _noop("EventViewer", "Outcome"),
    _noop("EventViewer", "Code"),
    _noop("EventViewer", "Message"),
)
_COLUMNS = len(EventColumn)


class EventRow:
    """One event with its display strings and search text, computed once (off the GUI thread: `event_rows`)."""

    __slots__ = ("cells", "event", "search", "state")

    def __init__(self, event: StoredEvent) -> None:
        self.event = event
        self.state = outcome_state(event.outcome)
        message = event.message.splitlines()[0] if event.message else ""
        self.cells = (
            local_time(event.time_created),
            log_label(event.event_id),
            event.host,
            event.vm_name or "",
            outcome_label(event.outcome),
            code_text(event.error_code),
            message,
        )
        self.search = "\n".join((*self.cells[2:], event.message, event.vm_id or "")).casefold()


def event_rows(events: Iterable[StoredEvent]) -> list[EventRow]:
    """Rows for `EventTableModel.set_rows`: pure computation (translations are thread-safe), so the event
    viewer builds them on the executor together with the query; 20,000 rows would stall the GUI otherwise."""
    return [EventRow(event) for event in events]


class EventTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[EventRow] = []
        self._sort_column = EventColumn.TIME
        self._descending = True

    # -- content -----------------------------------------------------------------------------------------------
    def set_events(self, events: Iterable[StoredEvent]) -> None:
        self.set_rows(event_rows(events))

    def set_rows(self, rows: list[EventRow]) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=self._key_function(), reverse=self._descending)
        self.endResetModel()

    @property
    def rows(self) -> list[EventRow]:
        return self._rows

    def clear(self) -> None:
        self.set_events(())

    def event_at(self, row: int) -> StoredEvent:
        return self._rows[row].event

    def events(self) -> list[StoredEvent]:
        return [row.event for row in self._rows]

    def search_text(self, row: int) -> str:
        return self._rows[row].search

    # -- Qt ------------------------------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < _COLUMNS:
            return QCoreApplication.translate("EventViewer", EVENT_COLUMN_TITLES[section])
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row_number, column = index.row(), index.column()
        if not (0 <= row_number < len(self._rows) and 0 <= column < _COLUMNS):
            return None
        row = self._rows[row_number]
        if role == _DISPLAY:
            return row.cells[column]
        if role == _DECORATION:
            return self._icon(row) if column == EventColumn.OUTCOME else None
        if role == _FOREGROUND:
            return self._brush(row) if column == EventColumn.OUTCOME else None
        if role == _TOOLTIP:
            return tooltip_text(event_summary(row.event))
        if role == EVENT_ROLE:
            return row.event
        if role == OUTCOME_ROLE:
            return row.event.outcome
        if role == _ALIGN and column == EventColumn.CODE:
            return int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        return None

    @staticmethod
    def _icon(row: EventRow) -> QIcon:
        return theme.state_icon(row.state)

    @staticmethod
    def _brush(row: EventRow) -> QBrush:
        return theme.state_brush(row.state)

    # -- sorting (on cached keys; the proxy forwards here) ----------------------------------------------------
    def _key_function(self) -> Callable[[EventRow], Any]:
        column = self._sort_column
        if column == EventColumn.TIME:
            return lambda row: (row.event.time_created, row.event.record_id)
        if column == EventColumn.LOG:
            return lambda row: (row.event.event_id, row.event.time_created)
        if column == EventColumn.OUTCOME:
            return lambda row: (row.state.severity_rank, row.cells[column].casefold(), row.event.time_created)
        if column == EventColumn.CODE:
            return lambda row: (row.event.error_code or 0, row.event.time_created)
        return lambda row: (row.cells[column].casefold(), row.event.time_created)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < _COLUMNS:
            return
        self._sort_column = EventColumn(column)
        self._descending = order == Qt.SortOrder.DescendingOrder
        position: dict[int, int] = {}  # id(row) -> its row number once sorted

        def sort_rows() -> None:
            self._rows.sort(key=self._key_function(), reverse=self._descending)
            position.update((id(row), number) for number, row in enumerate(self._rows))

        reorder_rows(
            self,
            lambda index: self._rows[index.row()],
            sort_rows,
            lambda row, column: self.index(position[id(row)], column),
        )

    @property
    def sort_column(self) -> int:
        return int(self._sort_column)

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder


class OutcomeFilter(StrEnum):
    ALL = "all"
    SUCCESS = "success"
    FAILED = "failed"  # any outcome but success
    INVALID_HOST = "invalid_host"
    INVALID_DATA = "invalid_data"
    ACTIVATION_DENIED = "activation_denied"
    NO_RESULT = "no_result"


OUTCOME_FILTER_LABELS: dict[OutcomeFilter, str] = {
    OutcomeFilter.ALL: _noop("EventViewer", "All outcomes"),
    OutcomeFilter.SUCCESS: _noop("EventViewer", "Successes"),
    OutcomeFilter.FAILED: _noop("EventViewer", "Failures (any)"),
    OutcomeFilter.INVALID_HOST: _noop("EventViewer", "Invalid host"),
    OutcomeFilter.INVALID_DATA: _noop("EventViewer", "Invalid data"),
    OutcomeFilter.ACTIVATION_DENIED: _noop("EventViewer", "Activation denied"),
    OutcomeFilter.NO_RESULT: _noop("EventViewer", "No result"),
}

_FAILURES = frozenset(outcome.value for outcome in AvmaOutcome if outcome is not AvmaOutcome.SUCCESS)
_ACCEPTED: dict[OutcomeFilter, frozenset[str | None] | None] = {
    OutcomeFilter.ALL: None,
    OutcomeFilter.SUCCESS: frozenset({AvmaOutcome.SUCCESS.value}),
    OutcomeFilter.FAILED: frozenset(_FAILURES),
    OutcomeFilter.INVALID_HOST: frozenset({AvmaOutcome.INVALID_HOST.value}),
    OutcomeFilter.INVALID_DATA: frozenset({AvmaOutcome.INVALID_DATA.value}),
    OutcomeFilter.ACTIVATION_DENIED: frozenset({AvmaOutcome.ACTIVATION_DENIED.value}),
    OutcomeFilter.NO_RESULT: frozenset({None}),
}


class LogFilter(IntEnum):
    ALL = 0
    HOST = HOST_EVENT_ID
    GUEST = GUEST_EVENT_ID


@dataclass(frozen=True, slots=True)
class EventFilter:
    """The event viewer's choices: an outcome, a log, a text fragment (casefolded)."""

    outcome: OutcomeFilter = OutcomeFilter.ALL
    log: LogFilter = LogFilter.ALL
    text: str = ""


_ALL_EVENTS = EventFilter()


class EventFilterProxy(CriteriaProxy[EventFilter]):
    """Outcome, log (host 12310 / guest 12309) and text filters; sorting is forwarded to the source.

    The verdicts for all rows are computed in one Python loop when the filter or the rows change, so Qt's
    per-row `filterAcceptsRow` is a list look-up. The proxy never sorts itself, so its rows are the source's
    accepted rows in the source's order.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(_ALL_EVENTS, parent)
        self._events: EventTableModel | None = None
        self._accepted: list[bool] | None = None

    def setSourceModel(self, model: EventTableModel) -> None:  # type: ignore[override]
        self._events = model
        # Connected before the proxy's own handlers, so they see verdicts for the new rows and order.
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._recompute)
        super().setSourceModel(model)
        self._recompute()

    def _recompute(self, *_: object) -> None:
        model = self._events
        if model is None or not self.active:
            self._accepted = None
            return
        accepted = _ACCEPTED[self._criteria.outcome]
        log = int(self._criteria.log)
        text = self._criteria.text
        self._accepted = [
            (accepted is None or row.event.outcome in accepted)
            and (not log or row.event.event_id == log)
            and (not text or text in row.search)
            for row in model.rows
        ]

    @property
    def active(self) -> bool:
        return self._criteria != _ALL_EVENTS

    def set_outcome(self, outcome: OutcomeFilter) -> None:
        self._set_criteria(replace(self._criteria, outcome=outcome))

    def set_log(self, log: LogFilter) -> None:
        self._set_criteria(replace(self._criteria, log=log))

    def set_text(self, text: str) -> None:
        self._set_criteria(replace(self._criteria, text=text.strip().casefold()))

    def _criteria_changed(self) -> None:
        self._recompute()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        accepted = self._accepted
        if accepted is None or source_parent.isValid():
            return True
        return source_row < len(accepted) and accepted[source_row]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._events is not None:
            self._events.sort(column, order)

    def visible_events(self) -> list[StoredEvent]:
        """The shown events in the shown order (what an export writes)."""
        model = self._events
        if model is None:
            return []
        accepted = self._accepted
        if accepted is None:
            return model.events()
        return [row.event for row, shown in zip(model.rows, accepted, strict=False) if shown]


# ---------------------------------------------------------------------------------------------------------
# Latest request wins


class LatestQuery(QObject):
    """Runs one query at a time: a new request cancels the older one, and only the newest result arrives.

    `loaded(token, result)` / `failed(token, message)`: `token` is what the caller passed with the request, so
    it can tell which selection the result belongs to. Expected failures (the history cannot be read) arrive
    as text; anything else is a bug and goes to the task runner's error reporter.
    """

    loaded = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, tasks: TaskRunner, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._name = name
        self._generation = 0
        self._task: asyncio.Task[None] | None = None

    def request(self, token: object, query: Callable[[], Awaitable[Any]]) -> None:
        self._generation += 1
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = self._tasks.spawn(self._run(self._generation, token, query), name=self._name)

    def cancel(self) -> None:
        self._generation += 1
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    async def _run(self, generation: int, token: object, query: Callable[[], Awaitable[Any]]) -> None:
        try:
            result = await query()
        except (HistoryError, OSError) as error:  # the history cannot be read: shown where the result would be
            if generation == self._generation:
                self.failed.emit(token, str(error) or type(error).__name__)
            return
        if generation == self._generation:
            self.loaded.emit(token, result)

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()
