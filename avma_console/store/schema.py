"""The history database's tables as the current code reads and writes them (schema version 1).

This describes the *current* shape, built from each version's frozen declaration (`schema_v1.py`, ...);
`migrations.py` creates each version from the same declarations. A test checks that a freshly migrated
database matches these definitions.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
)

from avma_console.store.schema_v1 import define_v1
from avma_console.store.schema_v2 import define_v2
from avma_console.store.types import UtcDateTime

# Named constraints, so that a later migration can drop or alter them by name on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("description", String, nullable=False),
)

# Version 1's tables, declared once (frozen in schema_v1.py). A later version applies its change here after it.
define_v1(metadata)
define_v2(metadata)
snapshots = metadata.tables["snapshots"]
host_states = metadata.tables["host_states"]
vm_states = metadata.tables["vm_states"]
transitions = metadata.tables["transitions"]
events = metadata.tables["events"]
watermarks = metadata.tables["watermarks"]
audit = metadata.tables["audit"]
guest_events = metadata.tables["guest_events"]

DATA_TABLES = (
    "snapshots",
    "host_states",
    "vm_states",
    "transitions",
    "events",
    "watermarks",
    "audit",
    "guest_events",
)
