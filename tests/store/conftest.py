"""The history store on both engines: a SQLite file per test and, when a server is given, PostgreSQL.

`AVMA_TEST_POSTGRES_URL` names a PostgreSQL database (scripts/test.sh starts a throw-away server and sets it).
Each test gets its own schema there, dropped afterwards. Without the variable the PostgreSQL cases skip.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the PDF tests render offscreen

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from avma_console.store import HistoryStore

POSTGRES_VARIABLE = "AVMA_TEST_POSTGRES_URL"
ENGINES = ["sqlite", "postgresql"]
NO_POSTGRES = (
    f"{POSTGRES_VARIABLE} is not set: run `bash scripts/start-postgres.sh start DIR` and export the URL it prints "
    "(scripts/test.sh does both) to run the PostgreSQL cases"
)


@pytest.fixture(scope="session")
def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_VARIABLE) or None


@pytest.fixture(params=ENGINES)
def history_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None) -> Iterator[str]:
    """A fresh, empty history location on each engine."""
    if request.param == "sqlite":
        yield str(tmp_path / "history.sqlite3")
        return
    if postgres_url is None:
        pytest.skip(NO_POSTGRES)
    yield from _postgres_schema(postgres_url)


def _postgres_schema(base: str) -> Iterator[str]:
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # search_path puts every table of the store into this test's own schema.
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(history_url: str) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(history_url)
    yield opened
    opened.close()
