"""The history database (no Qt): scan snapshots, state transitions, AVMA events and the audit log.

SQLite (a file, the embedded default) or PostgreSQL (a URL), through one SQLAlchemy Core code path.
"""

from avma_console.store.engine import default_history_path, describe, resolve_location
from avma_console.store.errors import (
    HistoryBusyError,
    HistoryError,
    HistoryLocationError,
    HistorySchemaError,
    HistoryUnavailableError,
)
from avma_console.store.history_store import HistoryStore
from avma_console.store.migrations import MIGRATIONS, Migration
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

__all__ = [
    "MIGRATIONS",
    "AuditEntry",
    "HistoryBusyError",
    "HistoryError",
    "HistoryLocationError",
    "HistorySchemaError",
    "HistoryStore",
    "HistoryUnavailableError",
    "HostSpan",
    "HostState",
    "IntegrityReport",
    "Migration",
    "SnapshotInfo",
    "StoredEvent",
    "StoredFinding",
    "Transition",
    "VmState",
    "VmTimeline",
    "default_history_path",
    "describe",
    "resolve_location",
]
