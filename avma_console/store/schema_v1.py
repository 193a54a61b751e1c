"""Version 1 of the history database's tables, frozen.

`define_v1` declares them on a MetaData: the migration that creates version 1 (`migrations._v1_initial`)
and the current schema (`schema.py`, which is version 1 plus whatever later versions change) build from this
one declaration, so today's tables are written once. Never edit it once released: a later version declares
only its own change, in its own module, and `schema.py` applies it after this one.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from avma_console.store.types import UtcDateTime


def define_v1(metadata: MetaData) -> None:
    """Add version 1's data tables to `metadata`."""
    Table(
        "snapshots",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("scanned_at", UtcDateTime, nullable=False, index=True),
        Column("recorded_at", UtcDateTime, nullable=False),
        Column("source", String),
        Column("host_count", Integer, nullable=False),
        Column("reachable_count", Integer, nullable=False),
        Column("vm_count", Integer, nullable=False),
        Column("event_count", Integer, nullable=False),
        Column("clusters", Text, nullable=False),  # JSON: [{"name", "nodes", "findings"}]
        sqlite_autoincrement=True,  # ids never reused: "the latest snapshot" is the highest id
    )

    Table(
        "host_states",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
        Column("host", String, nullable=False),
        Column("cluster", String),
        Column("version", String),
        Column("edition", String),
        Column("build", Integer),
        Column("caption", String),
        Column("activated", Boolean),
        Column("hyperv", Boolean),
        Column("avma_capable", Boolean, nullable=False),
        Column("error", Text),
        Column("error_kind", String),
        Column("error_fix", Text),
        Column("endpoint", String),
        Column("findings", Text, nullable=False),  # JSON list of findings
        UniqueConstraint("snapshot_id", "host"),
    )

    Table(
        "vm_states",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
        Column("host", String, nullable=False),
        Column("vm_id", String, nullable=False),
        Column("vm_name", String, nullable=False),
        Column("running", Boolean, nullable=False),
        Column("power_state", String),
        Column("guest_version", String),
        Column("guest_edition", String),
        Column("guest_is_server", Boolean),
        Column("guest_caption", String),
        Column("kvp_enabled", Boolean),
        Column("kvp_status", String),
        Column("state", String, nullable=False),
        Column("source", String, nullable=False),
        Column("key_channel", String),
        Column("partial_key", String),
        Column("license_status", Integer),
        Column("avma_host", String),
        Column("last_activation", UtcDateTime),
        Column("last_event_record_id", BigInteger),
        Column("last_event_time", UtcDateTime),
        Column("last_event_outcome", String),
        Column("guest_error", Text),
        Column("findings", Text, nullable=False),
        # A Hyper-V Replica pair shares one VM id on two hosts, so the id alone is not unique in a snapshot.
        UniqueConstraint("snapshot_id", "host", "vm_id"),
        Index(None, "vm_id", "snapshot_id"),
    )

    Table(
        "transitions",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
        Column("at", UtcDateTime, nullable=False, index=True),
        Column("vm_id", String, nullable=False, index=True),
        Column("vm_name", String, nullable=False),
        Column("from_state", String),  # NULL: the VM appeared
        Column("to_state", String),  # NULL: the VM vanished from a host that answered
        Column("from_host", String),
        Column("to_host", String),
        Column("from_key_channel", String),
        Column("to_key_channel", String),
        Column("from_partial_key", String),
        Column("to_partial_key", String),
    )

    Table(
        "events",
        metadata,
        Column("id", Integer, primary_key=True),
        # The snapshot that first collected it; evidence outlives any pruning of snapshots.
        Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="SET NULL")),
        Column("host", String, nullable=False),
        Column("event_id", Integer, nullable=False),
        Column("record_id", BigInteger, nullable=False),
        Column("time_created", UtcDateTime, nullable=False, index=True),
        Column("computer", String),
        Column("vm_id", String, index=True),
        Column("vm_name", String),
        Column("outcome", String),
        Column("error_code", BigInteger),  # HRESULTs such as 0xC004FD03 do not fit a signed 32-bit integer
        Column("message", Text, nullable=False),
        UniqueConstraint("host", "event_id", "record_id"),
    )

    Table(
        "watermarks",
        metadata,
        Column("host", String, primary_key=True),
        Column("event_id", Integer, primary_key=True, autoincrement=False),
        Column("last_record_id", BigInteger, nullable=False),
        Column("last_time", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
    )

    Table(
        "audit",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", UtcDateTime, nullable=False, index=True),
        Column("who", String, nullable=False),  # the Windows account the action ran as
        Column("action", String, nullable=False),
        Column("target_host", String),
        Column("target_vm", String),
        Column("vm_id", String, index=True),
        Column("key_last5", String),
        Column("result", String, nullable=False),
        Column("error", Text),
        Column("details", Text, nullable=False),  # JSON object; never credentials
        sqlite_autoincrement=True,
    )
