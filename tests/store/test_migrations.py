"""Opening databases: migrations in one transaction, newer schemas refused, bad locations explained."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, create_engine, inspect, text

from avma_console.store import (
    MIGRATIONS,
    HistoryLocationError,
    HistorySchemaError,
    HistoryStore,
    HistoryUnavailableError,
    Migration,
    default_history_path,
    resolve_location,
)
from avma_console.store import schema as tables


def _add_notes(connection: Connection) -> None:
    Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("text", String)).create(connection)


def _fail_halfway(connection: Connection) -> None:
    _add_notes(connection)
    raise RuntimeError(f"migration {NEXT} failed after creating a table")


CURRENT = len(MIGRATIONS)
NEXT = CURRENT + 1  # a version this code does not know yet
V2 = (*MIGRATIONS, Migration(NEXT, "notes", _add_notes))
V2_BROKEN = (*MIGRATIONS, Migration(NEXT, "notes, broken", _fail_halfway))


def _tables(url: str) -> set[str]:
    with HistoryStore.open(url) as store, store.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_an_older_database_is_migrated_on_open(history_url: str) -> None:
    HistoryStore.open(history_url).close()
    with HistoryStore.open(history_url, migrations=V2) as store:
        assert store.schema_version() == NEXT
        with store.engine.connect() as connection:
            assert "notes" in inspect(connection).get_table_names()


def test_a_failing_migration_leaves_the_previous_version_intact(history_url: str) -> None:
    HistoryStore.open(history_url).close()
    with pytest.raises(RuntimeError, match=f"migration {NEXT} failed"):
        HistoryStore.open(history_url, migrations=V2_BROKEN)
    with HistoryStore.open(history_url) as store:
        assert store.schema_version() == CURRENT
        with store.engine.connect() as connection:
            assert "notes" not in inspect(connection).get_table_names(), "the half-done migration was rolled back"


def test_a_failing_first_migration_leaves_an_empty_database(history_url: str) -> None:
    with pytest.raises(RuntimeError):
        HistoryStore.open(history_url, migrations=(Migration(1, "broken", _fail_halfway),))
    engine = create_engine(resolve_location(history_url))
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == [], "not even schema_version survives"
    engine.dispose()
    assert _tables(history_url) >= set(tables.DATA_TABLES), "the next open starts over from scratch"


def test_a_newer_database_is_refused_with_what_to_do(history_url: str) -> None:
    HistoryStore.open(history_url, migrations=V2).close()
    with pytest.raises(HistorySchemaError) as caught:
        HistoryStore.open(history_url)
    message = str(caught.value)
    assert f"schema version {NEXT}" in message
    assert "newer" in message
    assert "Upgrade AVMA Console" in message


def test_tables_that_are_not_ours_are_not_taken_over(history_url: str) -> None:
    engine = create_engine(resolve_location(history_url))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE snapshots (id INTEGER PRIMARY KEY, other TEXT)"))
    engine.dispose()
    with pytest.raises(HistorySchemaError, match="not written by AVMA Console"):
        HistoryStore.open(history_url)


def test_the_migrated_schema_matches_the_code_that_reads_it(history_url: str) -> None:
    """Migration 1 is a frozen copy of the tables; it must build exactly what schema.py describes."""
    with HistoryStore.open(history_url) as store, store.engine.connect() as connection:
        inspector = inspect(connection)
        for table in tables.metadata.sorted_tables:
            reflected = {column["name"]: column for column in inspector.get_columns(table.name)}
            assert set(reflected) == {column.name for column in table.columns}, table.name
            for column in table.columns:
                assert bool(reflected[column.name]["nullable"]) == bool(column.nullable), f"{table.name}.{column.name}"
            unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table.name)}
            for constraint in table.constraints:
                if constraint.__class__.__name__ == "UniqueConstraint":
                    assert tuple(c.name for c in constraint.columns) in unique, f"{table.name}: {constraint}"


# -- SQLite specifics ------------------------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_the_default_history_lives_in_the_user_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "avma-console" / "history.sqlite3"
    assert default_history_path() == expected
    with HistoryStore.open() as store:
        assert store.location == str(expected)
    assert expected.is_file()


def test_reports_never_create_an_empty_history(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "h.sqlite3"
    with pytest.raises(HistoryLocationError) as caught:
        HistoryStore.open(missing, create=False)
    assert str(missing) in str(caught.value)
    assert "scan --record" in str(caught.value)
    assert not missing.exists()


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database, just some words that are long enough to fill a header page" * 20)
    with pytest.raises(HistoryLocationError, match="not an AVMA Console history database"):
        HistoryStore.open(junk)


def test_a_folder_is_not_a_history_file(tmp_path: Path) -> None:
    with pytest.raises(HistoryLocationError, match="is a folder"):
        HistoryStore.open(tmp_path)


def test_a_locked_sqlite_database_waits_then_fails_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import avma_console.store.engine as engine_module

    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_S", 0.05)
    path = tmp_path / "h.sqlite3"
    HistoryStore.open(path).close()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryUnavailableError) as caught:
            HistoryStore.open(path).record_audit(who="x", action="y", result="z")
        assert str(path) in str(caught.value)
        assert "locked" in str(caught.value)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


# -- URLs -------------------------------------------------------------------------------------------------


def test_an_unreachable_postgres_url_is_named_without_its_password() -> None:
    url = "postgresql://avma:s3cret-pw@127.0.0.1:1/history"
    with pytest.raises(HistoryUnavailableError) as caught:
        HistoryStore.open(url)
    message = str(caught.value)
    assert "127.0.0.1:1/history" in message
    assert "s3cret-pw" not in message
    assert "check that PostgreSQL runs" in message


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("mysql://u@h/db", "unsupported history database"),
        ("sqlite://", "in-memory"),
        ("postgresql://u:pw@h:notaport/db", "not a valid database URL"),
        ("://nothing", "not a valid database URL"),
        ("   ", "empty"),
    ],
)
def test_bad_locations_say_what_to_write_instead(location: str, words: str) -> None:
    with pytest.raises(HistoryLocationError) as caught:
        resolve_location(location)
    assert words in str(caught.value)
    assert "pw" not in str(caught.value).replace("postgresql", "")


def test_postgres_urls_use_the_psycopg_driver() -> None:
    assert resolve_location("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_location("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_location("sqlite:////tmp/x.db").database == "/tmp/x.db"


def test_a_report_opens_while_a_scan_holds_the_write_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import avma_console.store.engine as engine_module

    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_S", 0.05)
    path = tmp_path / "h.sqlite3"
    HistoryStore.open(path).close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # what a recording scan holds for the length of its transaction
    try:
        with HistoryStore.open(path, create=False) as store:
            assert store.snapshots() == []
    finally:
        writer.execute("ROLLBACK")
        writer.close()
