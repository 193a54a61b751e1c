"""The audit log of write actions: who changed what on which host or VM, when, and with what result.

`AuditLog` is deliberately small (`record`, `entries`) so the JSON-lines file here can later be swapped for
the history database's audit table; the field names follow that table (who, action, target_host, target_vm,
vm_id, key_last5, result, error, details).

Never a password: entries have no field for one, and callers scrub error texts before recording
(`scrub_secrets`). Key material is limited to the last five characters, as Windows itself shows
(SoftwareLicensingProduct.PartialProductKey).
"""

from __future__ import annotations

import getpass
import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import platformdirs

from avma_console.domain.clock import SYSTEM_CLOCK, Clock, as_utc
from avma_console.store import HistoryStore
from avma_console.store.errors import HistoryError

APP_NAME = "avma-console"
DEFAULT_FILE_NAME = "audit.jsonl"
SCHEMA = 1


class AuditLogError(OSError):
    """The audit log cannot be written or read; the message names the file and the fix."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One write attempt (or a refusal to attempt one) against one target."""

    at: datetime
    who: str  # the Windows account the action ran as on the target
    action: str  # push_key | enable_kvp | kvp_cleanup
    result: str  # succeeded | unchanged | failed | refused | cancelled
    target_host: str | None
    target_vm: str | None
    vm_id: str | None = None
    key_last5: str | None = None
    error: str | None = None
    # Anything else worth keeping (path, guest account, before/after, items); plain JSON values, never secrets.
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "at": self.at.astimezone(UTC).isoformat(),
            "who": self.who,
            "action": self.action,
            "result": self.result,
            "target_host": self.target_host,
            "target_vm": self.target_vm,
            "vm_id": self.vm_id,
            "key_last5": self.key_last5,
            "error": self.error,
            "details": dict(self.details),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuditEntry:
        # A hand-edited line without a zone is damaged, not a guess: its comparisons with UTC times would fail.
        at = as_utc(datetime.fromisoformat(str(data["at"])), what="audit entry time")
        details = data.get("details")
        return cls(
            at=at if at.tzinfo else at.replace(tzinfo=UTC),
            who=str(data["who"]),
            action=str(data["action"]),
            result=str(data["result"]),
            target_host=_optional_text(data.get("target_host")),
            target_vm=_optional_text(data.get("target_vm")),
            vm_id=_optional_text(data.get("vm_id")),
            key_last5=_optional_text(data.get("key_last5")),
            error=_optional_text(data.get("error")),
            details=dict(details) if isinstance(details, Mapping) else {},
        )


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


class AuditLog(Protocol):
    """Where write attempts are recorded. `record` must be durable when it returns, and thread-safe."""

    @property
    def clock(self) -> Clock:
        """What the operations stamp this log's entries with (`AuditEntry.at`)."""
        ...

    def record(self, entry: AuditEntry) -> None: ...

    def entries(self, *, since: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Entries in the order recorded; `since` keeps those at or after it, `limit` the newest N."""
        ...


def default_audit_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DEFAULT_FILE_NAME


def local_operator() -> str:
    """The person at the console (the local account), recorded beside the Windows account used remotely."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in containers or services without a passwd entry
        return "unknown"


def scrub_secrets(text: str | None, secrets: Iterable[str | None]) -> str | None:
    """Replace every occurrence of a secret with ***: error texts come from remote systems and may echo input."""
    if text is None:
        return None
    for secret in secrets:
        if secret and secret in text:  # untouched text stays the same object (a translatable Text stays one)
            text = text.replace(secret, "***")
    return text


class JsonLinesAuditLog:
    """An append-only file of JSON lines, one entry per line, each flushed and fsynced before `record` returns.

    Appends use O_APPEND, so two console processes writing at once interleave whole lines rather than
    overwrite each other. A damaged line (a crash mid-write, a hand edit) is skipped when reading.
    """

    def __init__(self, path: Path | None = None, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.path = path or default_audit_path()
        self._clock = clock
        self._lock = threading.Lock()
        self.skipped_lines = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Opened once up front so an unwritable log stops a write action before it changes anything.
            os.close(self._open())
        except OSError as error:
            raise AuditLogError(
                f"cannot write the audit log {self.path} ({error.strerror or error}); write actions are refused "
                "until it can be written: check the folder's permissions and free space"
            ) from None

    @property
    def clock(self) -> Clock:
        return self._clock

    def _open(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def record(self, entry: AuditEntry) -> None:
        line = (json.dumps(entry.as_json(), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self._lock:
            try:
                fd = self._open()
                try:
                    os.write(fd, line)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as error:
                raise AuditLogError(
                    f"cannot append to the audit log {self.path} ({error.strerror or error}); "
                    "check the folder's permissions and free space"
                ) from None

    def entries(self, *, since: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        try:
            with self._lock, self.path.open("r", encoding="utf-8", errors="replace") as file:
                lines = file.readlines()
        except FileNotFoundError:
            return []
        except OSError as error:
            raise AuditLogError(f"cannot read the audit log {self.path} ({error.strerror or error})") from None
        found: list[AuditEntry] = []
        skipped = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                entry = AuditEntry.from_json(data)
            except (ValueError, KeyError, TypeError):
                skipped += 1
                continue
            if since is None or entry.at >= since:
                found.append(entry)
        self.skipped_lines = skipped
        return found[-limit:] if limit is not None and limit > 0 else ([] if limit == 0 else found)


class HistoryAuditLog:
    """Audit entries in the history database, where the changes report and the VM timeline read them."""

    def __init__(self, store: HistoryStore) -> None:
        self._store = store

    @property
    def clock(self) -> Clock:
        return self._store.clock

    def record(self, entry: AuditEntry) -> None:
        try:
            self._store.record_audit(
                who=entry.who,
                action=entry.action,
                result=entry.result,
                target_host=entry.target_host,
                target_vm=entry.target_vm,
                vm_id=entry.vm_id,
                key_last5=entry.key_last5,
                error=entry.error,
                details=entry.details,
                at=entry.at,
            )
        except HistoryError as error:
            raise AuditLogError(f"cannot write the audit entry to the history: {error}") from None

    def entries(self, *, since: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        rows = self._store.audit_entries(since=since, limit=limit, newest_first=limit is not None)
        if limit is not None:
            rows.reverse()
        return [
            AuditEntry(
                at=row.at,
                who=row.who,
                action=row.action,
                result=row.result,
                target_host=row.target_host,
                target_vm=row.target_vm,
                vm_id=row.vm_id,
                key_last5=row.key_last5,
                error=row.error,
                details=row.details,
            )
            for row in rows
        ]


class TeeAuditLog:
    """Every entry into each log in turn (the local file first: it needs no server); reads from the first."""

    def __init__(self, *logs: AuditLog) -> None:
        if not logs:
            raise ValueError("TeeAuditLog needs at least one log")
        self.logs = logs

    @property
    def clock(self) -> Clock:
        return self.logs[0].clock

    def record(self, entry: AuditEntry) -> None:
        for log in self.logs:
            log.record(entry)

    def entries(self, *, since: datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        return self.logs[0].entries(since=since, limit=limit)
