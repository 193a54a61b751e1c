"""Where the history lives and how to talk to it: one SQLAlchemy engine, SQLite or PostgreSQL.

SQLite is the embedded default (a file in the user's data folder). It is configured so that a process
killed mid-write never costs a committed snapshot: WAL journal, synchronous=FULL, foreign keys enforced,
and transactions that SQLAlchemy begins itself (the sqlite3 driver's legacy mode would run DDL outside
the transaction and so break all-or-nothing migrations).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from avma_console.store.errors import HistoryLocationError

APP_NAME = "avma-console"
DEFAULT_FILE_NAME = "history.sqlite3"
# A scheduled scan and an open console may write at the same moment; the loser waits this long.
SQLITE_BUSY_TIMEOUT_S = 30.0
POSTGRES_CONNECT_TIMEOUT_S = 10

_POSTGRES_DRIVERS = {"postgresql", "postgres", "postgresql+psycopg"}


def default_history_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DEFAULT_FILE_NAME


def describe(url: URL) -> str:
    """The location as it may appear in messages and reports: a path, or a URL without its password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def resolve_location(location: str | os.PathLike[str] | None) -> URL:
    """A file path (SQLite), a sqlite:/// or postgresql:// URL, or None for the default file."""
    if location is None:
        return URL.create("sqlite", database=str(default_history_path()))
    text = os.fspath(location)
    if "://" not in text:
        if not text.strip():
            raise HistoryLocationError("the history location is empty; give a file path or a postgresql:// URL")
        return URL.create("sqlite", database=str(Path(text).expanduser()))
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        # The text may carry a password: never echo it.
        raise HistoryLocationError(
            "the history URL is not a valid database URL; write it as postgresql://USER@HOST[:PORT]/DATABASE "
            "or give a file path for SQLite"
        ) from None
    if url.drivername in _POSTGRES_DRIVERS:
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        if not url.database or url.database == ":memory:":
            raise HistoryLocationError(
                "an in-memory SQLite history would be lost at exit; give a file path (sqlite:///PATH)"
            )
        return url.set(drivername="sqlite")
    raise HistoryLocationError(
        f"unsupported history database {url.drivername!r} in {describe(url)}; "
        "use a file path (SQLite) or a postgresql:// URL"
    )


def create_history_engine(url: URL, *, create: bool) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, create=create)
    return create_engine(url, connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}, pool_pre_ping=True)


def _sqlite_engine(url: URL, *, create: bool) -> Engine:
    assert url.database is not None
    path = Path(url.database)
    if path.is_dir():
        raise HistoryLocationError(f"{path} is a folder; give the path of a history database file inside it")
    if not path.exists():
        if not create:
            raise HistoryLocationError(
                f"there is no history database at {path}; record scans first "
                "(avma-console scan --record --history PATH) or give the right --history"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise HistoryLocationError(
                f"cannot create the folder {path.parent} for the history database: {error.strerror}; "
                "give a writable --history path"
            ) from error
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # SQLAlchemy, not the driver, begins transactions (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()
        # SQLite's lower() folds ASCII only; text search must find "MÜLLER" in "Buchhaltung-Müller" too.
        dbapi_connection.create_function("avma_fold", 1, _fold, deterministic=True)

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Writers take the write lock up front: two writers that both start reading and then upgrade would
        # make one of them fail with "database is locked" instead of waiting its turn.
        write = connection.get_execution_options().get("avma_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _fold(value: str | None) -> str | None:
    return value.casefold() if isinstance(value, str) else value
