"""Version 2 of the history database: events 12309 read in the guests, frozen.

A guest's Application log is its own: its record ids are unique per guest, not per host, and the log moves
with the VM across hosts. So guest events have their own table, unique per VM id and record id; `host` is the
host the scan reached the guest through. Never edit it once released (see schema_v1.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Table, Text, UniqueConstraint

from avma_console.store.types import UtcDateTime


def define_v2(metadata: MetaData) -> None:
    """Add version 2's table to `metadata` (which already holds version 1's)."""
    Table(
        "guest_events",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="SET NULL")),
        Column("host", String, nullable=False),  # the host the guest was read through
        Column("event_id", Integer, nullable=False),
        Column("record_id", BigInteger, nullable=False),
        Column("time_created", UtcDateTime, nullable=False, index=True),
        Column("computer", String),
        Column("vm_id", String, nullable=False, index=True),
        Column("vm_name", String),
        Column("outcome", String),
        Column("error_code", BigInteger),
        Column("message", Text, nullable=False),
        UniqueConstraint("vm_id", "event_id", "record_id"),
    )
