"""The history store: scan snapshots, VM state transitions, AVMA events and the audit log in one database.

One code path for SQLite and PostgreSQL (SQLAlchemy Core). Every write is one transaction, and writers are
serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), because deriving
transitions reads the previous state and must not race another recorder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Select,
    and_,
    bindparam,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.fleet import AvmaEvent, FleetSnapshot
from avma_console.store import records
from avma_console.store import schema as s
from avma_console.store.engine import create_history_engine, describe, resolve_location
from avma_console.store.errors import HistoryLocationError, HistorySchemaError, HistoryUnavailableError
from avma_console.store.migrations import MIGRATIONS, Migration, check_sequence
from avma_console.store.recorder import _Recorder
from avma_console.store.rows import (
    Record,
    _audit_entry,
    _aware,
    _count_mismatches,
    _current_version,
    _equal,
    _escape_like,
    _first_line,
    _host_state,
    _inserted_id,
    _last5,
    _redact_secrets,
    _snapshot_info,
    _stored_event,
    _time_range,
    _transition,
    _vm_matches,
    _vm_state,
    _window,
)
from avma_console.store.scan_lock import recorded_scan_lock

# pg_advisory_xact_lock key for "one writer at a time" ("AVMA" in ASCII).
_WRITER_LOCK = 0x41564D41


class HistoryStore:
    """Open with `HistoryStore.open(path_or_url)`; close (or use as a context manager) when done."""

    def __init__(self, engine: Engine, url: URL, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._engine = engine
        self._url = url
        # Only for when a row was written (recorded_at, applied_at, an audit entry without its own time): what
        # a scan saw is stamped by the scan itself.
        self._clock = clock

    # -- opening -------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        migrations: Sequence[Migration] = MIGRATIONS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> HistoryStore:
        """Open (and bring up to date) the history at a file path, a URL, or the default file.

        `create=False` refuses to create a new SQLite file (reports must not conjure an empty history).
        """
        check_sequence(migrations)
        url = resolve_location(location)
        engine = create_history_engine(url, create=create)
        store = cls(engine, url, clock=clock)
        try:
            store._migrate(migrations)
        except BaseException:
            engine.dispose()
            raise
        return store

    @property
    def location(self) -> str:
        """Where the history lives, safe to show (a URL's password is masked)."""
        return describe(self._url)

    def recorded_scan_lock(self, wait_s: float) -> AbstractContextManager[None]:
        """Hold from before a recorded scan reads the watermarks until its snapshot is written: one recorded scan
        at a time per history (store/scan_lock.py). HistoryBusyError after `wait_s` seconds of waiting."""
        return recorded_scan_lock(self._engine, self._url, self.location, wait_s)

    @property
    def clock(self) -> Clock:
        """The clock the store stamps its own rows with; reports on this history read "now" from it too."""
        return self._clock

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def schema_version(self) -> int:
        with self._transaction(write=False) as connection:
            return _current_version(connection)

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        # Look first without the write lock: an up-to-date database (the usual case) opens for a report even
        # when it is read-only, and never waits for a scan that is busy recording.
        with self._transaction(write=False) as connection:
            if s.schema_version.name in inspect(connection).get_table_names():
                current = _current_version(connection)
                if current > len(migrations):
                    raise self._newer(current, len(migrations))
                if current == len(migrations):
                    return
        # Re-checked under the write lock: another process may have migrated in the meantime.
        with self._transaction(write=True) as connection:
            tables = set(inspect(connection).get_table_names())
            if s.schema_version.name not in tables:
                ours = sorted(tables & set(s.DATA_TABLES))
                if ours:
                    raise HistorySchemaError(
                        f"{self.location} has tables named like the history's ({', '.join(ours)}) but no "
                        "schema_version table, so it was not written by AVMA Console; give --history another database"
                    )
                s.schema_version.create(connection)
            current = _current_version(connection)
            if current > len(migrations):
                raise self._newer(current, len(migrations))
            for migration in migrations[current:]:
                migration.apply(connection)
                connection.execute(
                    s.schema_version.insert().values(
                        version=migration.version, applied_at=self._clock.now(), description=migration.description
                    )
                )

    def _newer(self, found: int, known: int) -> HistorySchemaError:
        return HistorySchemaError(
            f"the history database {self.location} has schema version {found}, newer than this "
            f"AVMA Console understands (up to {known}): a newer AVMA Console wrote it. "
            "Upgrade AVMA Console, or give --history another database"
        )

    # -- transactions and errors ---------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Connection]:
        with self._guard(write=write), self._engine.connect() as connection:
            if write:
                connection.execution_options(avma_write=True)
            with connection.begin():
                if write and self.dialect == "postgresql":
                    connection.execute(select(func.pg_advisory_xact_lock(_WRITER_LOCK)))
                yield connection

    @contextmanager
    def _guard(self, *, write: bool) -> Iterator[None]:
        """Driver errors become messages that name the database and the fix (never a password)."""
        try:
            yield
        except (OperationalError, InterfaceError) as error:
            reason = _first_line(error.orig) if error.orig is not None else _first_line(error)
            verb = "write to" if write else "read"
            if self.dialect == "sqlite":
                if "not a database" in reason:
                    raise HistoryLocationError(
                        f"{self.location} is not an AVMA Console history database ({reason}); "
                        "give --history another file"
                    ) from None
                fix = "check that the file is writable and not locked by another program, and that the disk has room"
            else:
                fix = "check that PostgreSQL runs at that address and accepts this user and database"
            raise HistoryUnavailableError(
                f"cannot {verb} the history database {self.location}: {reason}; {fix}"
            ) from None
        except DatabaseError as error:
            reason = _first_line(error.orig) if error.orig is not None else _first_line(error)
            if "not a database" in reason:
                raise HistoryLocationError(
                    f"{self.location} is not an AVMA Console history database ({reason}); give --history another file"
                ) from None
            raise

    # -- recording -----------------------------------------------------------------------------------------

    def record_snapshot(self, snapshot: FleetSnapshot, *, source: str | None = None) -> int:
        """Store one scan in ONE transaction: the snapshot, every host and VM state, the transitions since
        each VM's previous snapshot, and the events not seen before. Returns the snapshot's id."""
        with self._transaction(write=True) as connection:
            return _Recorder(connection, snapshot, source, self._clock.now()).run()

    def record_audit(
        self,
        *,
        who: str,
        action: str,
        result: str,
        target_host: str | None = None,
        target_vm: str | None = None,
        vm_id: str | None = None,
        key_last5: str | None = None,
        error: str | None = None,
        details: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> int:
        """One operator action (who = the Windows account it ran as). Only the key's last five characters
        are kept, whatever is passed; values under secret-sounding detail keys are replaced by ***."""
        payload = _redact_secrets(dict(details or {}))
        with self._transaction(write=True) as connection:
            result_row = connection.execute(
                s.audit.insert().values(
                    at=at or self._clock.now(),
                    who=who,
                    action=action,
                    result=result,
                    target_host=target_host,
                    target_vm=target_vm,
                    vm_id=vm_id.upper() if vm_id else None,
                    key_last5=_last5(key_last5),
                    error=error,
                    details=json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str),
                )
            )
            return _inserted_id(result_row)

    # -- reading -------------------------------------------------------------------------------------------

    def _records(self, query: Select[Any], record_of: Callable[[Row[Any]], Record]) -> list[Record]:
        """Every row of a read-only query, as records."""
        with self._transaction(write=False) as connection:
            return [record_of(row) for row in connection.execute(query)]

    def snapshots(self, *, since: datetime | None = None, until: datetime | None = None) -> list[records.SnapshotInfo]:
        query = select(s.snapshots).order_by(s.snapshots.c.scanned_at, s.snapshots.c.id)
        return self._records(_time_range(query, s.snapshots.c.scanned_at, since, until), _snapshot_info)

    def snapshot(self, snapshot_id: int) -> records.SnapshotInfo | None:
        with self._transaction(write=False) as connection:
            row = connection.execute(select(s.snapshots).where(s.snapshots.c.id == snapshot_id)).first()
        return _snapshot_info(row) if row is not None else None

    def latest_snapshot(self, *, until: datetime | None = None) -> records.SnapshotInfo | None:
        """The newest snapshot (scanned before `until`, if given)."""
        query = select(s.snapshots).order_by(s.snapshots.c.scanned_at.desc(), s.snapshots.c.id.desc()).limit(1)
        query = _time_range(query, s.snapshots.c.scanned_at, None, until)
        with self._transaction(write=False) as connection:
            row = connection.execute(query).first()
        return _snapshot_info(row) if row is not None else None

    def host_states(self, snapshot_id: int) -> list[records.HostState]:
        query = (
            select(s.host_states, s.snapshots.c.scanned_at)
            .join(s.snapshots, s.snapshots.c.id == s.host_states.c.snapshot_id)
            .where(s.host_states.c.snapshot_id == snapshot_id)
            .order_by(s.host_states.c.id)
        )
        return self._records(query, _host_state)

    def vm_states(
        self,
        snapshot_id: int | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        host: str | None = None,
    ) -> list[records.VmState]:
        """VM states of one snapshot, or of every snapshot scanned in [since, until), oldest first."""
        query = (
            select(s.vm_states, s.snapshots.c.scanned_at)
            .join(s.snapshots, s.snapshots.c.id == s.vm_states.c.snapshot_id)
            .order_by(s.snapshots.c.scanned_at, s.vm_states.c.id)
        )
        query = _equal(query, (s.vm_states.c.snapshot_id, snapshot_id), (s.vm_states.c.host, host))
        return self._records(_time_range(query, s.snapshots.c.scanned_at, since, until), _vm_state)

    def watermark(self, host: str) -> datetime | None:
        """The newest event time collected from this host: the next scan asks only for events since then."""
        query = select(func.max(s.watermarks.c.last_time)).where(s.watermarks.c.host == host)
        with self._transaction(write=False) as connection:
            value = connection.execute(query).scalar()
        return _aware(value)

    def watermarks(self) -> dict[str, datetime]:
        """Every host's watermark in one query (a scan of a thousand hosts needs them all up front)."""
        query = select(s.watermarks.c.host, func.max(s.watermarks.c.last_time)).group_by(s.watermarks.c.host)
        with self._transaction(write=False) as connection:
            return {host: when for host, when in ((h, _aware(t)) for h, t in connection.execute(query)) if when}

    def latest_vm_events(self, host: str) -> dict[str, AvmaEvent]:
        """Per VM id, the newest stored AVMA event from this host's log (newest by record id)."""
        newest = (
            select(s.events.c.vm_id, func.max(s.events.c.record_id).label("record_id"))
            .where(s.events.c.host == host, s.events.c.vm_id.is_not(None))
            .group_by(s.events.c.vm_id)
            .subquery()
        )
        query = select(s.events).join(
            newest,
            and_(
                s.events.c.vm_id == newest.c.vm_id,
                s.events.c.record_id == newest.c.record_id,
                s.events.c.host == host,
            ),
        )
        stored = self._records(query, _stored_event)
        return {event.vm_id: event.as_avma_event() for event in stored if event.vm_id}

    def transitions(
        self,
        *,
        vm: str | None = None,
        host: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        to_state: str | None = None,
        snapshot_id: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[records.Transition]:
        """`vm` matches a VM id or name; `host` matches either side of a move."""
        t = s.transitions
        query = _equal(select(t), (t.c.snapshot_id, snapshot_id), (t.c.to_state, to_state and str(to_state)))
        if vm is not None:
            query = query.where(_vm_matches(t.c.vm_id, t.c.vm_name, vm))
        if host is not None:
            query = query.where(or_(t.c.from_host == host, t.c.to_host == host))
        return self._records(
            _window(query, t.c.at, t.c.id, since=since, until=until, newest_first=newest_first, limit=limit),
            _transition,
        )

    def events(
        self,
        *,
        host: str | None = None,
        vm: str | None = None,
        outcome: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        text: str | None = None,
        event_id: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[records.StoredEvent]:
        """Stored AVMA events. `vm`: a VM id or name; `text`: case-insensitive, anywhere in the message,
        the VM's name or the host's name."""
        e = s.events
        query = _equal(select(e), (e.c.host, host), (e.c.outcome, outcome and str(outcome)), (e.c.event_id, event_id))
        if vm is not None:
            query = query.where(_vm_matches(e.c.vm_id, e.c.vm_name, vm))
        if text:
            pattern = "%" + _escape_like(text) + "%"
            folded = self._fold(bindparam("needle", pattern))
            query = query.where(
                or_(*(self._fold(column).like(folded, escape="\\") for column in (e.c.message, e.c.vm_name, e.c.host)))
            )
        query = _window(
            query, e.c.time_created, e.c.record_id, since=since, until=until, newest_first=newest_first, limit=limit
        )
        return self._records(query, _stored_event)

    def audit_entries(
        self,
        *,
        vm: str | None = None,
        host: str | None = None,
        who: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[records.AuditEntry]:
        a = s.audit
        query = _equal(select(a), (a.c.target_host, host), (a.c.who, who), (a.c.action, action))
        if vm is not None:
            query = query.where(_vm_matches(a.c.vm_id, a.c.target_vm, vm))
        return self._records(
            _window(query, a.c.at, a.c.id, since=since, until=until, newest_first=newest_first, limit=limit),
            _audit_entry,
        )

    def vm_timeline(self, vm_id: str) -> records.VmTimeline:
        """Everything known about one VM: its states over time, the hosts it ran on, its changes (state,
        host, key), the AVMA events that name it and the operator actions on it."""
        key = vm_id.upper()
        states = self.vm_states_of(key)
        names = tuple(dict.fromkeys(state.vm_name for state in states))
        spans: list[records.HostSpan] = []
        for state in states:
            if spans and spans[-1].host == state.host:
                last = spans[-1]
                spans[-1] = records.HostSpan(last.host, last.first_seen, state.scanned_at, last.snapshots + 1)
            else:
                spans.append(records.HostSpan(state.host, state.scanned_at, state.scanned_at, 1))
        a = s.audit
        audit_query = select(a).where(or_(a.c.vm_id == key, a.c.target_vm.in_(names))).order_by(a.c.at, a.c.id)
        audit = self._records(audit_query, _audit_entry)
        return records.VmTimeline(
            vm_id=key,
            names=names,
            states=tuple(states),
            hosts=tuple(spans),
            transitions=tuple(self.transitions(vm=key)),
            events=tuple(event for event in self.events(vm=key) if event.vm_id == key),
            audit=tuple(audit),
        )

    def vm_states_of(self, vm_id: str) -> list[records.VmState]:
        query = (
            select(s.vm_states, s.snapshots.c.scanned_at)
            .join(s.snapshots, s.snapshots.c.id == s.vm_states.c.snapshot_id)
            .where(s.vm_states.c.vm_id == vm_id.upper())
            .order_by(s.snapshots.c.scanned_at, s.snapshots.c.id, s.vm_states.c.running.desc(), s.vm_states.c.host)
        )
        return self._records(query, _vm_state)

    # -- integrity -----------------------------------------------------------------------------------------

    def integrity_check(self) -> records.IntegrityReport:
        """The engine's own check (SQLite) and the history's invariants: every snapshot complete (its
        counts match its rows: no half-written scan), watermarks matching the events, the schema current."""
        problems: list[str] = []
        with self._transaction(write=False) as connection:
            if self.dialect == "sqlite":
                verdict = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
                if verdict != ["ok"]:
                    problems.extend(f"sqlite integrity_check: {line}" for line in verdict)
                for row in connection.exec_driver_sql("PRAGMA foreign_key_check"):
                    problems.append(f"foreign key broken: table {row[0]} row {row[1]} -> {row[2]}")
            version = _current_version(connection)
            if version != len(MIGRATIONS):
                problems.append(f"schema version {version}, expected {len(MIGRATIONS)}")
            problems.extend(_count_mismatches(connection, s.host_states, s.snapshots.c.host_count, "host states"))
            problems.extend(_count_mismatches(connection, s.vm_states, s.snapshots.c.vm_count, "VM states"))
            problems.extend(_count_mismatches(connection, s.events, s.snapshots.c.event_count, "new events"))
            reachable = (
                select(s.snapshots.c.id)
                .where(
                    s.snapshots.c.reachable_count
                    != select(func.count())
                    .where(s.host_states.c.snapshot_id == s.snapshots.c.id, s.host_states.c.error.is_(None))
                    .scalar_subquery()
                )
                .order_by(s.snapshots.c.id)
            )
            problems.extend(
                f"snapshot {sid}: reachable host count does not match" for (sid,) in connection.execute(reachable)
            )
            newest = (
                select(s.events.c.host, s.events.c.event_id, func.max(s.events.c.record_id).label("newest"))
                .group_by(s.events.c.host, s.events.c.event_id)
                .subquery()
            )
            marks = select(
                s.watermarks.c.host, s.watermarks.c.event_id, s.watermarks.c.last_record_id, newest.c.newest
            ).join(
                newest,
                and_(newest.c.host == s.watermarks.c.host, newest.c.event_id == s.watermarks.c.event_id),
                isouter=True,
            )
            for host, event_id, last, found in connection.execute(marks):
                if found is None or int(found) != int(last):
                    problems.append(
                        f"watermark of {host} (event {event_id}) is record {last}, but the newest stored is {found}"
                    )
            counts = {
                table: int(connection.execute(select(func.count()).select_from(s.metadata.tables[table])).scalar_one())
                for table in s.DATA_TABLES
            }
        return records.IntegrityReport(tuple(problems), counts)

    def _fold(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        # Same folding on both sides of a comparison, inside the database: SQLite gets Python's casefold
        # (registered on connect), PostgreSQL its locale-aware lower().
        if self.dialect == "sqlite":
            return func.avma_fold(value)
        return func.lower(value)


__all__ = ["HistoryStore"]
