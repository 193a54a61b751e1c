"""Reading the history: database rows to the records callers get, and the small value helpers both the
reading and the writing side share (times from SQLite aggregates, time ranges, key suffixes, redaction)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    func,
    or_,
    select,
)
from sqlalchemy.engine import CursorResult

from avma_console.store import schema as s
from avma_console.store.records import (
    AuditEntry,
    HostState,
    SnapshotInfo,
    StoredEvent,
    StoredFinding,
    Transition,
    VmState,
)

# Keys whose values an audit detail never keeps: the DB must not become a place where secrets pile up.
_SECRET_KEY = re.compile(r"passw|passphrase|^pass$|secret|credential|token|private.?key", re.IGNORECASE)
REDACTED = "***"


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


def _json_object(value: str | None) -> dict[str, Any]:
    try:
        loaded = json.loads(value or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


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


def _equal(query: Select[Any], *conditions: tuple[ColumnElement[Any], object]) -> Select[Any]:
    """`query` narrowed to rows whose column equals each given value; a None value adds no condition."""
    for column, value in conditions:
        if value is not None:
            query = query.where(column == value)
    return query


def _window(
    query: Select[Any],
    time: ColumnElement[Any],
    tiebreak: ColumnElement[Any],
    *,
    since: datetime | None,
    until: datetime | None,
    newest_first: bool,
    limit: int | None,
) -> Select[Any]:
    """The rows of [since, until) by `time` (then `tiebreak`), oldest or newest first, at most `limit`."""
    return _ordered(_time_range(query, time, since, until), (time, tiebreak), newest_first, limit)


def _vm_matches(vm_id: ColumnElement[Any], vm_name: ColumnElement[Any], vm: str) -> ColumnElement[bool]:
    """A VM named by its id (any case) or by its name."""
    return or_(vm_id == vm.upper(), vm_name == vm)


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


# ---------------------------------------------------------------------------------------------------------
# Rows to records, by the records' declarations

Record = TypeVar("Record")

# How a column is read into a record field of each declared type (the records' annotations, as written in
# records.py). None: as the driver returns it. A field of any other type fails at import, not on some row.
_READ_AS: dict[str, Callable[[Any], Any] | None] = {
    "str": None,
    "str | None": None,
    "int | None": None,
    "bool | None": None,
    "int": int,
    "bool": bool,
    "datetime": _required_time,
    "datetime | None": _aware,
    "tuple[StoredFinding, ...]": _stored_findings,
    "Mapping[str, Any]": _json_object,
}


def _reader(record: type[Record]) -> Callable[[Row[Any]], Record]:
    """Rows to `record`s: every column is named like the record's field and read as the field's type says."""
    plan: list[tuple[str, Callable[[Any], Any] | None]] = []
    for item in fields(record):  # type: ignore[arg-type]  # every record here is a dataclass
        if item.type not in _READ_AS:
            raise TypeError(f"{record.__name__}.{item.name}: no rule to read a {item.type} column; add one to _READ_AS")
        plan.append((item.name, _READ_AS[str(item.type)]))

    def read(row: Row[Any]) -> Record:
        m = row._mapping
        return record(**{name: m[name] if convert is None else convert(m[name]) for name, convert in plan})

    return read


_snapshot_info = _reader(SnapshotInfo)
_host_state = _reader(HostState)
_vm_state = _reader(VmState)
_transition = _reader(Transition)
_stored_event = _reader(StoredEvent)
_audit_entry = _reader(AuditEntry)
