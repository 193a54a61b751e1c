"""Reading the history: database rows to the records callers get, and the small value helpers both the
reading and the writing side share (times from SQLite aggregates, time ranges, key suffixes, redaction)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    func,
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
