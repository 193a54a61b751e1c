"""Run by test_crash_safety.py: records a snapshot and stops dead inside the transaction.

    python crash_child.py URL POINT

POINT names the moment: right after the INSERT into that table, or "commit" (just before COMMIT is sent).
There the child says "inside" on stdout and blocks until the test SIGKILLs it. It must never commit.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from history_support import two_scans
from sqlalchemy import event

from avma_console.store import HistoryStore


def main() -> int:
    url, point = sys.argv[1], sys.argv[2]
    store = HistoryStore.open(url)
    _first, second = two_scans()

    def stop_here() -> None:
        sys.stdout.write("inside\n")
        sys.stdout.flush()
        sys.stdin.read()  # the test kills us here; EOF means the test itself went away
        os._exit(3)

    def after_insert(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {point.upper()} "):
            stop_here()

    def before_commit(connection: Any) -> None:
        stop_here()

    event.listen(store.engine, "after_cursor_execute", after_insert)
    if point == "commit":
        event.listen(store.engine, "commit", before_commit)
    store.record_snapshot(second)
    sys.stdout.write("committed\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
