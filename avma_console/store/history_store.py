"""The history store: scan snapshots, VM state transitions, AVMA events and the audit log in one database.

One code path for SQLite and PostgreSQL (SQLAlchemy Core). Every write is one transaction, and writers are
serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), because deriving
transitions reads the previous state and must not race another recorder.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
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
from sqlalchemy.engine import URL, CursorResult
from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.findings import Finding
from avma_console.domain.fleet import AvmaEvent, FleetSnapshot, HostRecord, VmRecord
from avma_console.store import schema as s
from avma_console.store.engine import create_history_engine, describe, resolve_location
from avma_console.store.errors import HistoryLocationError, HistorySchemaError, HistoryUnavailableError
from avma_console.store.migrations import MIGRATIONS, Migration, check_sequence
from avma_console.store.records import (
    AuditEntry,
    HostSpan,
    HostState,
    IntegrityReport,
    SnapshotInfo,
    StoredEvent,
    StoredFinding,
    Transition,
    VmState,
    VmTimeline,
)
from avma_console.store.scan_lock import recorded_scan_lock

# pg_advisory_xact_lock key for "one writer at a time" ("AVMA" in ASCII).
_WRITER_LOCK = 0x41564D41
# Bound parameters per IN (...) list: far below SQLite's 32,766 and PostgreSQL's 65,535.
_CHUNK = 500
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"|\u201c([^\u201d]*)\u201d")
# Keys whose values an audit detail never keeps: the DB must not become a place where secrets pile up.
_SECRET_KEY = re.compile(r"passw|passphrase|^pass$|secret|credential|token|private.?key", re.IGNORECASE)
REDACTED = "***"


@dataclass(frozen=True, slots=True)
class _VmRow:
    """The part of a VM's state that transitions compare."""

    vm_id: str
    vm_name: str
    host: str
    running: bool
    state: str
    key_channel: str | None
    partial_key: str | None


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

    def snapshots(self, *, since: datetime | None = None, until: datetime | None = None) -> list[SnapshotInfo]:
        query = select(s.snapshots).order_by(s.snapshots.c.scanned_at, s.snapshots.c.id)
        query = _time_range(query, s.snapshots.c.scanned_at, since, until)
        with self._transaction(write=False) as connection:
            return [_snapshot_info(row) for row in connection.execute(query)]

    def snapshot(self, snapshot_id: int) -> SnapshotInfo | None:
        with self._transaction(write=False) as connection:
            row = connection.execute(select(s.snapshots).where(s.snapshots.c.id == snapshot_id)).first()
        return _snapshot_info(row) if row is not None else None

    def latest_snapshot(self, *, until: datetime | None = None) -> SnapshotInfo | None:
        """The newest snapshot (scanned before `until`, if given)."""
        query = select(s.snapshots).order_by(s.snapshots.c.scanned_at.desc(), s.snapshots.c.id.desc()).limit(1)
        query = _time_range(query, s.snapshots.c.scanned_at, None, until)
        with self._transaction(write=False) as connection:
            row = connection.execute(query).first()
        return _snapshot_info(row) if row is not None else None

    def host_states(self, snapshot_id: int) -> list[HostState]:
        query = (
            select(s.host_states, s.snapshots.c.scanned_at)
            .join(s.snapshots, s.snapshots.c.id == s.host_states.c.snapshot_id)
            .where(s.host_states.c.snapshot_id == snapshot_id)
            .order_by(s.host_states.c.id)
        )
        with self._transaction(write=False) as connection:
            return [_host_state(row) for row in connection.execute(query)]

    def vm_states(
        self,
        snapshot_id: int | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        host: str | None = None,
    ) -> list[VmState]:
        """VM states of one snapshot, or of every snapshot scanned in [since, until), oldest first."""
        query = (
            select(s.vm_states, s.snapshots.c.scanned_at)
            .join(s.snapshots, s.snapshots.c.id == s.vm_states.c.snapshot_id)
            .order_by(s.snapshots.c.scanned_at, s.vm_states.c.id)
        )
        if snapshot_id is not None:
            query = query.where(s.vm_states.c.snapshot_id == snapshot_id)
        if host is not None:
            query = query.where(s.vm_states.c.host == host)
        query = _time_range(query, s.snapshots.c.scanned_at, since, until)
        with self._transaction(write=False) as connection:
            return [_vm_state(row) for row in connection.execute(query)]

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
        with self._transaction(write=False) as connection:
            stored = [_stored_event(row) for row in connection.execute(query)]
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
    ) -> list[Transition]:
        """`vm` matches a VM id or name; `host` matches either side of a move."""
        t = s.transitions
        query = select(t)
        if snapshot_id is not None:
            query = query.where(t.c.snapshot_id == snapshot_id)
        if vm is not None:
            query = query.where(or_(t.c.vm_id == vm.upper(), t.c.vm_name == vm))
        if host is not None:
            query = query.where(or_(t.c.from_host == host, t.c.to_host == host))
        if to_state is not None:
            query = query.where(t.c.to_state == str(to_state))
        query = _time_range(query, t.c.at, since, until)
        query = _ordered(query, (t.c.at, t.c.id), newest_first, limit)
        with self._transaction(write=False) as connection:
            return [_transition(row) for row in connection.execute(query)]

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
    ) -> list[StoredEvent]:
        """Stored AVMA events. `vm`: a VM id or name; `text`: case-insensitive, anywhere in the message,
        the VM's name or the host's name."""
        e = s.events
        query = select(e)
        if host is not None:
            query = query.where(e.c.host == host)
        if vm is not None:
            query = query.where(or_(e.c.vm_id == vm.upper(), e.c.vm_name == vm))
        if outcome is not None:
            query = query.where(e.c.outcome == str(outcome))
        if event_id is not None:
            query = query.where(e.c.event_id == event_id)
        if text:
            pattern = "%" + _escape_like(text) + "%"
            folded = self._fold(bindparam("needle", pattern))
            query = query.where(
                or_(*(self._fold(column).like(folded, escape="\\") for column in (e.c.message, e.c.vm_name, e.c.host)))
            )
        query = _time_range(query, e.c.time_created, since, until)
        query = _ordered(query, (e.c.time_created, e.c.record_id), newest_first, limit)
        with self._transaction(write=False) as connection:
            return [_stored_event(row) for row in connection.execute(query)]

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
    ) -> list[AuditEntry]:
        a = s.audit
        query = select(a)
        if vm is not None:
            query = query.where(or_(a.c.vm_id == vm.upper(), a.c.target_vm == vm))
        if host is not None:
            query = query.where(a.c.target_host == host)
        if who is not None:
            query = query.where(a.c.who == who)
        if action is not None:
            query = query.where(a.c.action == action)
        query = _time_range(query, a.c.at, since, until)
        query = _ordered(query, (a.c.at, a.c.id), newest_first, limit)
        with self._transaction(write=False) as connection:
            return [_audit_entry(row) for row in connection.execute(query)]

    def vm_timeline(self, vm_id: str) -> VmTimeline:
        """Everything known about one VM: its states over time, the hosts it ran on, its changes (state,
        host, key), the AVMA events that name it and the operator actions on it."""
        key = vm_id.upper()
        states = self.vm_states_of(key)
        names = tuple(dict.fromkeys(state.vm_name for state in states))
        spans: list[HostSpan] = []
        for state in states:
            if spans and spans[-1].host == state.host:
                last = spans[-1]
                spans[-1] = HostSpan(last.host, last.first_seen, state.scanned_at, last.snapshots + 1)
            else:
                spans.append(HostSpan(state.host, state.scanned_at, state.scanned_at, 1))
        a = s.audit
        audit_query = select(a).where(or_(a.c.vm_id == key, a.c.target_vm.in_(names))).order_by(a.c.at, a.c.id)
        with self._transaction(write=False) as connection:
            audit = [_audit_entry(row) for row in connection.execute(audit_query)]
        return VmTimeline(
            vm_id=key,
            names=names,
            states=tuple(states),
            hosts=tuple(spans),
            transitions=tuple(self.transitions(vm=key)),
            events=tuple(event for event in self.events(vm=key) if event.vm_id == key),
            audit=tuple(audit),
        )

    def vm_states_of(self, vm_id: str) -> list[VmState]:
        query = (
            select(s.vm_states, s.snapshots.c.scanned_at)
            .join(s.snapshots, s.snapshots.c.id == s.vm_states.c.snapshot_id)
            .where(s.vm_states.c.vm_id == vm_id.upper())
            .order_by(s.snapshots.c.scanned_at, s.snapshots.c.id, s.vm_states.c.running.desc(), s.vm_states.c.host)
        )
        with self._transaction(write=False) as connection:
            return [_vm_state(row) for row in connection.execute(query)]

    # -- integrity -----------------------------------------------------------------------------------------

    def integrity_check(self) -> IntegrityReport:
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
        return IntegrityReport(tuple(problems), counts)

    def _fold(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        # Same folding on both sides of a comparison, inside the database: SQLite gets Python's casefold
        # (registered on connect), PostgreSQL its locale-aware lower().
        if self.dialect == "sqlite":
            return func.avma_fold(value)
        return func.lower(value)


# ---------------------------------------------------------------------------------------------------------
# Recording one snapshot


class _Recorder:
    def __init__(self, connection: Connection, snapshot: FleetSnapshot, source: str | None, now: datetime) -> None:
        self.connection = connection
        self.snapshot = snapshot
        self.source = source
        self.now = now

    def run(self) -> int:
        snapshot = self.snapshot
        hosts = snapshot.hosts
        vms = snapshot.all_vms()
        snapshot_id = _inserted_id(
            self.connection.execute(
                s.snapshots.insert().values(
                    scanned_at=snapshot.scanned_at,
                    recorded_at=self.now,
                    source=self.source,
                    host_count=len(hosts),
                    reachable_count=sum(1 for host in hosts if host.reachable),
                    vm_count=len(vms),
                    event_count=0,
                    clusters=json.dumps(
                        [
                            {"name": c.name, "nodes": list(c.nodes), "findings": _findings(c.findings)}
                            for c in snapshot.clusters
                        ],
                        ensure_ascii=False,
                    ),
                )
            )
        )
        if hosts:
            self.connection.execute(s.host_states.insert(), [_host_row(snapshot_id, host) for host in hosts])
        if vms:
            self.connection.execute(s.vm_states.insert(), [_vm_row(snapshot_id, vm) for vm in vms])
        self._transitions(snapshot_id)
        new_events = self._events(snapshot_id)
        self.connection.execute(
            s.snapshots.update().where(s.snapshots.c.id == snapshot_id).values(event_count=new_events)
        )
        return snapshot_id

    # Transitions ------------------------------------------------------------------------------------------

    def _transitions(self, snapshot_id: int) -> None:
        current = _primary_rows(
            _VmRow(vm.vm_id, vm.name, vm.host_name, vm.running, vm.state.value, _channel(vm), _partial(vm))
            for vm in self.snapshot.all_vms()
        )
        previous = self._latest_before(snapshot_id, list(current))
        has_history = (
            self.connection.execute(select(s.snapshots.c.id).where(s.snapshots.c.id < snapshot_id).limit(1)).first()
            is not None
        )
        rows: list[dict[str, object]] = []
        for vm_id, now in current.items():
            before = previous.get(vm_id)
            if before is None:
                if has_history:  # the very first snapshot is the baseline, not a wave of arrivals
                    rows.append(_transition_row(snapshot_id, self.snapshot.scanned_at, None, now))
            elif _changed(before, now):
                rows.append(_transition_row(snapshot_id, self.snapshot.scanned_at, before, now))
        rows.extend(self._vanished(snapshot_id, current))
        if rows:
            self.connection.execute(s.transitions.insert(), rows)

    def _latest_before(self, snapshot_id: int, vm_ids: list[str]) -> dict[str, _VmRow]:
        found: list[_VmRow] = []
        v = s.vm_states
        for start in range(0, len(vm_ids), _CHUNK):
            chunk = vm_ids[start : start + _CHUNK]
            newest = (
                select(v.c.vm_id, func.max(v.c.snapshot_id).label("snapshot_id"))
                .where(v.c.vm_id.in_(chunk), v.c.snapshot_id < snapshot_id)
                .group_by(v.c.vm_id)
                .subquery()
            )
            query = select(
                v.c.vm_id, v.c.vm_name, v.c.host, v.c.running, v.c.state, v.c.key_channel, v.c.partial_key
            ).join(newest, and_(v.c.vm_id == newest.c.vm_id, v.c.snapshot_id == newest.c.snapshot_id))
            found.extend(_VmRow(*row) for row in self.connection.execute(query))
        return _primary_rows(found)

    def _vanished(self, snapshot_id: int, current: Mapping[str, _VmRow]) -> list[dict[str, object]]:
        """VMs gone from a host that answered: they were on it in its previous snapshot and are nowhere now.

        Hosts that did not answer say nothing about their VMs, so their absence is not a change."""
        rows: list[dict[str, object]] = []
        h, v = s.host_states, s.vm_states
        for host in self.snapshot.hosts:
            if not host.reachable:
                continue
            previous_snapshot = self.connection.execute(
                select(func.max(h.c.snapshot_id)).where(
                    h.c.host == host.name, h.c.snapshot_id < snapshot_id, h.c.error.is_(None)
                )
            ).scalar()
            if previous_snapshot is None:
                continue
            query = select(
                v.c.vm_id, v.c.vm_name, v.c.host, v.c.running, v.c.state, v.c.key_channel, v.c.partial_key
            ).where(v.c.snapshot_id == previous_snapshot, v.c.host == host.name)
            gone = [_VmRow(*row) for row in self.connection.execute(query) if row[0] not in current]
            if not gone:
                continue
            # Only if that was the VM's latest whereabouts: a VM that has since been seen elsewhere moved on.
            latest = self._latest_before(snapshot_id, [vm.vm_id for vm in gone])
            for vm in gone:
                last = latest.get(vm.vm_id)
                if last is not None and last.host == host.name:
                    rows.append(_transition_row(snapshot_id, self.snapshot.scanned_at, last, None))
        return rows

    # Events -----------------------------------------------------------------------------------------------

    def _events(self, snapshot_id: int) -> int:
        matcher = _EventMatcher(self.snapshot)
        total = 0
        e, w = s.events, s.watermarks
        for host in self.snapshot.hosts:
            unique: dict[tuple[int, int], AvmaEvent] = {}
            for event in host.events:
                unique.setdefault((event.event_id, event.record_id), event)
            if not unique:
                continue
            record_ids = [record_id for _event_id, record_id in unique]
            # Writers are serialised, so "which of these are stored already" cannot change under us.
            stored = {
                (int(event_id), int(record_id))
                for event_id, record_id in self.connection.execute(
                    select(e.c.event_id, e.c.record_id).where(
                        e.c.host == host.name, e.c.record_id.between(min(record_ids), max(record_ids))
                    )
                )
            }
            rows = []
            for key, event in unique.items():
                if key in stored:
                    continue
                vm_id, vm_name = matcher.vm_of(host, event)
                rows.append(
                    {
                        "snapshot_id": snapshot_id,
                        "host": host.name,
                        "event_id": event.event_id,
                        "record_id": event.record_id,
                        "time_created": event.time_created,
                        "computer": event.computer,
                        "vm_id": vm_id,
                        "vm_name": vm_name,
                        "outcome": event.outcome.value if event.outcome else None,
                        "error_code": event.error_code,
                        "message": event.message,
                    }
                )
            if rows:
                self.connection.execute(e.insert(), rows)
                total += len(rows)
            for event_id in {event_id for event_id, _record in unique}:
                mine = [event for (eid, _r), event in unique.items() if eid == event_id]
                newest = max(mine, key=lambda event: (event.record_id, event.time_created))
                latest_time = max(event.time_created for event in mine)
                mark = self.connection.execute(
                    select(w.c.last_record_id, w.c.last_time).where(w.c.host == host.name, w.c.event_id == event_id)
                ).first()
                if mark is None:
                    self.connection.execute(
                        w.insert().values(
                            host=host.name,
                            event_id=event_id,
                            last_record_id=newest.record_id,
                            last_time=latest_time,
                            updated_at=self.now,
                        )
                    )
                else:
                    self.connection.execute(
                        w.update()
                        .where(w.c.host == host.name, w.c.event_id == event_id)
                        .values(
                            last_record_id=max(int(mark.last_record_id), newest.record_id),
                            last_time=max(_aware(mark.last_time) or latest_time, latest_time),
                            updated_at=self.now,
                        )
                    )
        return total


class _EventMatcher:
    """Which VM an event is about. Event data layout is unconfirmed (avma-facts.md), so: the scan's own
    match (a VM's last event), else the VM's GUID anywhere in the message, else its quoted name."""

    def __init__(self, snapshot: FleetSnapshot) -> None:
        self.by_id: dict[str, VmRecord] = {}
        self.by_last_event: dict[tuple[str, int, int], VmRecord] = {}
        for vm in snapshot.all_vms():
            self.by_id.setdefault(vm.vm_id.upper(), vm)
            if vm.last_event is not None:
                key = (vm.host_name, vm.last_event.event_id, vm.last_event.record_id)
                self.by_last_event[key] = vm

    def vm_of(self, host: HostRecord, event: AvmaEvent) -> tuple[str | None, str | None]:
        if event.vm_id:
            return event.vm_id.upper(), event.vm_name
        vm = self.by_last_event.get((host.name, event.event_id, event.record_id))
        if vm is not None:
            return vm.vm_id, vm.name
        for guid in _GUID.findall(event.message):
            vm = self.by_id.get(guid.upper())
            if vm is not None:
                return vm.vm_id, vm.name
        quoted = {next(g for g in match.groups() if g is not None) for match in _QUOTED.finditer(event.message)}
        for vm in host.vms:
            if vm.name in quoted:
                return vm.vm_id, vm.name
        return None, None


def _primary_rows(rows: Iterable[_VmRow]) -> dict[str, _VmRow]:
    """One row per VM id; of a Replica pair, the copy that runs (then the first host by name)."""
    chosen: dict[str, _VmRow] = {}
    for row in rows:
        other = chosen.get(row.vm_id)
        if other is None or (row.running, other.host.casefold()) > (other.running, row.host.casefold()):
            chosen[row.vm_id] = row
    return chosen


def _changed(before: _VmRow, now: _VmRow) -> bool:
    if before.state != now.state or before.host != now.host:
        return True
    # A key is seen only with guest access: unknown on one side is missing evidence, not a change.
    for old, new in ((before.key_channel, now.key_channel), (before.partial_key, now.partial_key)):
        if old is not None and new is not None and old != new:
            return True
    return False


def _transition_row(snapshot_id: int, at: datetime, before: _VmRow | None, now: _VmRow | None) -> dict[str, object]:
    named = now or before
    assert named is not None
    return {
        "snapshot_id": snapshot_id,
        "at": at,
        "vm_id": named.vm_id,
        "vm_name": named.vm_name,
        "from_state": before.state if before else None,
        "to_state": now.state if now else None,
        "from_host": before.host if before else None,
        "to_host": now.host if now else None,
        "from_key_channel": before.key_channel if before else None,
        "to_key_channel": now.key_channel if now else None,
        "from_partial_key": before.partial_key if before else None,
        "to_partial_key": now.partial_key if now else None,
    }


def _channel(vm: VmRecord) -> str | None:
    return vm.key_channel.value if vm.key_channel else None


def _partial(vm: VmRecord) -> str | None:
    return vm.guest_license.partial_key if vm.guest_license else None


def _findings(findings: Sequence[Finding]) -> list[dict[str, object]]:
    # The template and fields are kept so that a later viewer can translate the sentence again.
    return [
        {**finding.as_json(), "template": finding.template or finding.code.value, "fields": dict(finding.fields)}
        for finding in findings
    ]


def _host_row(snapshot_id: int, host: HostRecord) -> dict[str, object]:
    return {
        "snapshot_id": snapshot_id,
        "host": host.name,
        "cluster": host.cluster,
        "version": host.version.value if host.version else None,
        "edition": host.edition.value if host.edition else None,
        "build": host.os.build if host.os else None,
        "caption": host.os.caption if host.os else None,
        "activated": host.activated,
        "hyperv": host.hyperv,
        "avma_capable": host.avma_capable,
        "error": host.error,
        "error_kind": host.error_kind,
        "error_fix": host.error_fix,
        "endpoint": host.endpoint,
        "findings": json.dumps(_findings(host.findings), ensure_ascii=False),
    }


def _vm_row(snapshot_id: int, vm: VmRecord) -> dict[str, object]:
    license_ = vm.guest_license
    event = vm.last_event
    return {
        "snapshot_id": snapshot_id,
        "host": vm.host_name,
        "vm_id": vm.vm_id.upper(),
        "vm_name": vm.name,
        "running": vm.running,
        "power_state": vm.power_state,
        "guest_version": vm.guest_version.value if vm.guest_version else None,
        "guest_edition": vm.guest_edition.value if vm.guest_edition else None,
        "guest_is_server": vm.guest.is_server,
        "guest_caption": vm.guest.caption,
        "kvp_enabled": vm.kvp_enabled,
        "kvp_status": vm.kvp_status,
        "state": vm.state.value,
        "source": vm.source.value,
        "key_channel": _channel(vm),
        "partial_key": _partial(vm),
        "license_status": license_.license_status if license_ else None,
        "avma_host": license_.avma_host_name if license_ else None,
        "last_activation": vm.last_activation,
        "last_event_record_id": event.record_id if event else None,
        "last_event_time": event.time_created if event else None,
        "last_event_outcome": event.outcome.value if event and event.outcome else None,
        "guest_error": vm.guest_error,
        "findings": json.dumps(_findings(vm.findings), ensure_ascii=False),
    }


# ---------------------------------------------------------------------------------------------------------
# Rows to records


def _stored_findings(value: str | None) -> tuple[StoredFinding, ...]:
    try:
        items = json.loads(value or "[]")
    except ValueError:
        return ()
    return tuple(
        StoredFinding(
            str(item.get("code", "")),
            str(item.get("severity", "")),
            str(item.get("message", "")),
            str(item.get("remediation", "")),
        )
        for item in items
        if isinstance(item, dict)
    )


def _snapshot_info(row: Row[Any]) -> SnapshotInfo:
    m = row._mapping
    return SnapshotInfo(
        id=int(m["id"]),
        scanned_at=_required_time(m["scanned_at"]),
        recorded_at=_required_time(m["recorded_at"]),
        source=m["source"],
        host_count=int(m["host_count"]),
        reachable_count=int(m["reachable_count"]),
        vm_count=int(m["vm_count"]),
        event_count=int(m["event_count"]),
    )


def _host_state(row: Row[Any]) -> HostState:
    m = row._mapping
    return HostState(
        snapshot_id=int(m["snapshot_id"]),
        scanned_at=_required_time(m["scanned_at"]),
        host=m["host"],
        cluster=m["cluster"],
        version=m["version"],
        edition=m["edition"],
        build=m["build"],
        caption=m["caption"],
        activated=m["activated"],
        hyperv=m["hyperv"],
        avma_capable=bool(m["avma_capable"]),
        error=m["error"],
        error_kind=m["error_kind"],
        error_fix=m["error_fix"],
        endpoint=m["endpoint"],
        findings=_stored_findings(m["findings"]),
    )


def _vm_state(row: Row[Any]) -> VmState:
    m = row._mapping
    return VmState(
        snapshot_id=int(m["snapshot_id"]),
        scanned_at=_required_time(m["scanned_at"]),
        host=m["host"],
        vm_id=m["vm_id"],
        vm_name=m["vm_name"],
        running=bool(m["running"]),
        power_state=m["power_state"],
        guest_version=m["guest_version"],
        guest_edition=m["guest_edition"],
        guest_is_server=m["guest_is_server"],
        guest_caption=m["guest_caption"],
        kvp_enabled=m["kvp_enabled"],
        kvp_status=m["kvp_status"],
        state=m["state"],
        source=m["source"],
        key_channel=m["key_channel"],
        partial_key=m["partial_key"],
        license_status=m["license_status"],
        avma_host=m["avma_host"],
        last_activation=_aware(m["last_activation"]),
        last_event_record_id=m["last_event_record_id"],
        last_event_time=_aware(m["last_event_time"]),
        last_event_outcome=m["last_event_outcome"],
        guest_error=m["guest_error"],
        findings=_stored_findings(m["findings"]),
    )


def _transition(row: Row[Any]) -> Transition:
    m = row._mapping
    return Transition(
        id=int(m["id"]),
        snapshot_id=int(m["snapshot_id"]),
        at=_required_time(m["at"]),
        vm_id=m["vm_id"],
        vm_name=m["vm_name"],
        from_state=m["from_state"],
        to_state=m["to_state"],
        from_host=m["from_host"],
        to_host=m["to_host"],
        from_key_channel=m["from_key_channel"],
        to_key_channel=m["to_key_channel"],
        from_partial_key=m["from_partial_key"],
        to_partial_key=m["to_partial_key"],
    )


def _stored_event(row: Row[Any]) -> StoredEvent:
    m = row._mapping
    return StoredEvent(
        id=int(m["id"]),
        snapshot_id=m["snapshot_id"],
        host=m["host"],
        event_id=int(m["event_id"]),
        record_id=int(m["record_id"]),
        time_created=_required_time(m["time_created"]),
        computer=m["computer"],
        vm_id=m["vm_id"],
        vm_name=m["vm_name"],
        outcome=m["outcome"],
        error_code=m["error_code"],
        message=m["message"],
    )


def _audit_entry(row: Row[Any]) -> AuditEntry:
    m = row._mapping
    try:
        details = json.loads(m["details"] or "{}")
    except ValueError:
        details = {}
    return AuditEntry(
        id=int(m["id"]),
        at=_required_time(m["at"]),
        who=m["who"],
        action=m["action"],
        result=m["result"],
        target_host=m["target_host"],
        target_vm=m["target_vm"],
        vm_id=m["vm_id"],
        key_last5=m["key_last5"],
        error=m["error"],
        details=details if isinstance(details, dict) else {},
    )


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def _aware(value: datetime | None) -> datetime | None:
    # Aggregates (max) bypass the column type on SQLite and come back as text or naive values.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _required_time(value: datetime | None) -> datetime:
    aware = _aware(value)
    assert aware is not None
    return aware


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _current_version(connection: Connection) -> int:
    value = connection.execute(select(func.max(s.schema_version.c.version))).scalar()
    return int(value or 0)


def _time_range(
    query: Select[Any], column: ColumnElement[Any], since: datetime | None, until: datetime | None
) -> Select[Any]:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


def _ordered(
    query: Select[Any], columns: tuple[ColumnElement[Any], ...], newest_first: bool, limit: int | None
) -> Select[Any]:
    query = query.order_by(*(column.desc() if newest_first else column for column in columns))
    return query.limit(limit) if limit is not None else query


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _count_mismatches(connection: Connection, table: Any, expected: Any, what: str) -> list[str]:
    actual = (
        select(func.count()).where(table.c.snapshot_id == s.snapshots.c.id).correlate(s.snapshots).scalar_subquery()
    )
    query = select(s.snapshots.c.id, expected, actual).where(expected != actual).order_by(s.snapshots.c.id)
    return [
        f"snapshot {sid}: {what}: {count} recorded, {found} stored (a half-written snapshot)"
        for sid, count, found in connection.execute(query)
    ]


def _first_line(error: object) -> str:
    return (str(error).strip().splitlines() or ["unknown error"])[0]


def _last5(key: str | None) -> str | None:
    if key is None:
        return None
    characters = [ch for ch in key.upper() if ch.isalnum()]
    return "".join(characters[-5:]) or None


def _redact_secrets(value: object) -> object:
    """A copy in which every value under a secret-sounding key is replaced: the entry is still recorded
    (an audit log that refuses entries loses evidence), the secret is not."""
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if _SECRET_KEY.search(str(key)) else _redact_secrets(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_secrets(item) for item in value]
    return value


__all__ = ["HistoryStore"]
