"""One recorded scan at a time per history: the lock a scheduled `scan --record` holds from reading the
watermarks to writing its snapshot.

Without it two overlapping recorded scans (a scheduled run that outlasts its interval, two schedulers pointed
at one team database) interleave: the later-started one records first, and the earlier one's snapshot is then
compared against a newer one, inventing changes. SQLite histories lock a file beside the database (`filelock`:
the OS's advisory locks, released when the process dies); PostgreSQL histories take a session advisory lock on
a connection held for the scan (released with the connection, also when the process dies).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from avma_console.store.errors import HistoryBusyError

# pg_advisory_lock's first key ("AVMA"), the same in every AVMA Console; the second is the history's schema, so
# two histories in one database (one schema each) do not wait for each other.
_ADVISORY_KEY = 0x41564D41
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))")
_UNLOCK = text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))")
_POLL_S = 0.5


def lock_path(database: str) -> Path:
    return Path(database).with_name(Path(database).name + ".scan-lock")


@contextmanager
def recorded_scan_lock(engine: Engine, url: URL, location: str, wait_s: float) -> Iterator[None]:
    """Hold the history's recorded-scan lock; HistoryBusyError when another holder keeps it beyond `wait_s`."""
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            yield  # a private in-memory history has no other writer
            return
        path = lock_path(url.database)
        lock = FileLock(path)
        try:
            lock.acquire(timeout=wait_s, poll_interval=_POLL_S)
        except Timeout:
            raise _busy(location, wait_s) from None
        try:
            yield
        finally:
            lock.release()
        return
    with engine.connect() as connection:
        deadline = time.monotonic() + wait_s
        while not connection.execute(_TRY_LOCK, {"key": _ADVISORY_KEY}).scalar_one():
            connection.rollback()  # no transaction left open on the server while we wait
            if time.monotonic() >= deadline:
                raise _busy(location, wait_s)
            time.sleep(_POLL_S)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(_UNLOCK, {"key": _ADVISORY_KEY})
            connection.commit()


def _busy(location: str, wait_s: float) -> HistoryBusyError:
    return HistoryBusyError(
        f"another recorded scan of the history {location} is still running after {wait_s:.0f} s of waiting, so "
        "this one did not start (two at once would interleave their snapshots); let the other one finish, "
        "space the scheduled runs further apart, or give --lock-wait SECONDS"
    )
