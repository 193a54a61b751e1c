"""Schema migrations: an ordered list of functions, each taking the database one version up.

Opening a database applies every missing migration in ONE transaction (PostgreSQL and SQLite both roll back
DDL), so a failed or interrupted upgrade leaves the previous version intact. A released migration is never
edited: it must build exactly what it built when it shipped, so each one builds from its version's frozen
declaration (`schema_v1.py`, ...), never from the current definitions in `schema.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    MetaData,
)

from avma_console.store.schema import NAMING_CONVENTION
from avma_console.store.schema_v1 import define_v1
from avma_console.store.schema_v2 import define_v2


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_initial(connection: Connection) -> None:
    v1 = MetaData(naming_convention=NAMING_CONVENTION)
    define_v1(v1)
    v1.create_all(connection)


def _v2_guest_events(connection: Connection) -> None:
    v2 = MetaData(naming_convention=NAMING_CONVENTION)
    define_v1(v2)  # guest_events refers to snapshots
    define_v2(v2)
    v2.tables["guest_events"].create(connection)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "snapshots, host and VM states, transitions, events, watermarks, audit", _v1_initial),
    Migration(2, "events 12309 read in the guests", _v2_guest_events),
)


def check_sequence(migrations: Sequence[Migration]) -> None:
    """Versions must run 1, 2, 3...: the schema_version table counts on it."""
    for position, migration in enumerate(migrations, start=1):
        if migration.version != position:
            raise ValueError(
                f"migration {migration.description!r} has version {migration.version}, expected {position}"
            )
