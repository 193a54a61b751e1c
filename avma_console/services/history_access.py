"""The console's window onto the history: recording GUI scans, the event viewer's and the VM timeline's queries,
and reports, behind one small facade.

The Qt layer talks to services and the domain only (DESIGN.md, layers); it never imports the store. What the
store hands back (plain frozen records: `StoredEvent`, `VmTimeline`, ...) is re-exported here for type hints.
Every method here blocks (database I/O): the GUI calls them on its executor, never on the event loop's thread.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.i18n import Translate, no_translation
from avma_console.services.audit import HistoryAuditLog
from avma_console.services.fleet_formats import spreadsheet_safe
from avma_console.services.history import (
    HistoryRecorder,
    RecordedScan,
    default_location,
    open_history,
    record_completed,
)
from avma_console.services.report_documents import TIME_FORMAT, Report, ReportKind
from avma_console.services.reports import ReportError, build_report
from avma_console.services.reports.events import EVENTS_COLUMNS, GUEST_EVENT_ID, HOST_EVENT_ID, event_values
from avma_console.store import (
    AuditEntry,
    HistoryError,
    HistoryLocationError,
    HistoryStore,
    HostSpan,
    StoredEvent,
    Transition,
    VmState,
    VmTimeline,
    describe,
    resolve_location,
)

__all__ = [
    "DEFAULT_EVENT_LIMIT",
    "EVENT_CSV_COLUMNS",
    "GUEST_EVENT_ID",
    "HOST_EVENT_ID",
    "AuditEntry",
    "ConsoleHistory",
    "EventScope",
    "HistoryError",
    "HistoryLocationError",
    "HistoryRecorder",
    "HostSpan",
    "RecordedScan",
    "ReportError",
    "StoredEvent",
    "Transition",
    "VmState",
    "VmTimeline",
    "check_location",
    "default_location",
    "events_csv",
    "location_has_password",
]

# The event viewer shows at most this many events (the newest): enough for any review, bounded for painting.
DEFAULT_EVENT_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class EventScope:
    """Which events to read: one VM (by id), the events of some hosts, or the whole fleet (neither)."""

    vm_id: str | None = None
    hosts: tuple[str, ...] | None = None

    @property
    def whole_fleet(self) -> bool:
        return self.vm_id is None and self.hosts is None


class ConsoleHistory:
    """One open history database (SQLite file or PostgreSQL URL) as the console uses it.

    Thread-safe in the way the console needs: SQLAlchemy's pool hands each executor thread its own connection,
    and the store serialises writers itself.
    """

    def __init__(self, store: HistoryStore) -> None:
        self._store = store

    @classmethod
    def open(cls, location: str | None, *, clock: Clock = SYSTEM_CLOCK) -> ConsoleHistory:
        """The history at a path or URL, created if missing; None: the default file in the user's data folder."""
        return cls(open_history(location, clock=clock))

    @property
    def clock(self) -> Clock:
        return self._store.clock

    @property
    def location(self) -> str:
        """Where it lives, safe to show (a URL's password is masked)."""
        return self._store.location

    def close(self) -> None:
        self._store.close()

    # -- recording ---------------------------------------------------------------------------------------------
    def audit_log(self) -> HistoryAuditLog:
        """Write actions recorded here show in the changes report and in the VM timeline."""
        return HistoryAuditLog(self._store)

    def recorder(self, source: str | None) -> HistoryRecorder:
        """For one scan: reads every host's watermark now, so the scan asks hosts only for new events."""
        return HistoryRecorder(self._store, source=source)

    def record(self, recorder: HistoryRecorder, completed: FleetSnapshot) -> RecordedScan:
        """Store a snapshot that `recorder.complete` has already completed (it is not completed twice)."""
        return record_completed(self._store, completed, source=recorder.source)

    # -- reading -----------------------------------------------------------------------------------------------
    def events(
        self,
        scope: EventScope,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = DEFAULT_EVENT_LIMIT,
    ) -> list[StoredEvent]:
        """The newest `limit` AVMA events (12310 and 12309) of the scope in [since, until), newest first."""
        store = self._store
        if scope.vm_id is not None:
            key = scope.vm_id.upper()
            found = store.events(vm=key, since=since, until=until, limit=limit, newest_first=True)
            # `vm` also matches a VM *named* like the id; the viewer wants exactly this VM's events.
            return [event for event in found if event.vm_id is not None and event.vm_id.upper() == key]
        if scope.hosts is None:
            return store.events(since=since, until=until, limit=limit, newest_first=True)
        merged: list[StoredEvent] = []
        for host in dict.fromkeys(scope.hosts):
            merged.extend(store.events(host=host, since=since, until=until, limit=limit, newest_first=True))
        merged.sort(key=lambda event: (event.time_created, event.record_id), reverse=True)
        return merged[:limit]

    def vm_timeline(self, vm_id: str) -> VmTimeline:
        return self._store.vm_timeline(vm_id)

    def snapshot_count(self) -> int:
        return len(self._store.snapshots())

    def report(
        self,
        kind: ReportKind | str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        translate: Translate = no_translation,
    ) -> Report:
        """Raises ReportError when the history holds nothing for it (the message says what to do)."""
        return build_report(self._store, kind, start=start, end=end, translate=translate)


def check_location(text: str | None) -> str:
    """The location as it would be shown (password masked); raises HistoryLocationError if it is malformed.

    Opens nothing: a server that is down is found when the console next uses the history."""
    return describe(resolve_location(text or None))


def location_has_password(text: str) -> bool:
    """Whether a database URL carries a password (the console keeps none in its settings)."""
    if "://" not in text:
        return False
    try:
        url = resolve_location(text)
    except HistoryLocationError:
        return False
    return url.password is not None


EVENT_CSV_COLUMNS = EVENTS_COLUMNS


def events_csv(events: Iterable[StoredEvent]) -> str:
    """Events as CSV that Excel opens cleanly: UTF-8 BOM, UTC times, and no cell read as a formula
    (VM names and messages come from hosts and tenants)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EVENT_CSV_COLUMNS)
    for event in events:
        writer.writerow([spreadsheet_safe(value) for value in _event_cells(event)])
    return "\ufeff" + buffer.getvalue()


def _event_cells(event: StoredEvent) -> Sequence[object]:
    time_created, *rest = event_values(event)
    assert isinstance(time_created, datetime)
    return (time_created.astimezone(UTC).strftime(TIME_FORMAT), *rest)
