"""One recorded scan at a time per history, on both engines; a holder that dies releases the lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from avma_console.store import HistoryBusyError, HistoryStore

HOLDER = """
import sys, time
from avma_console.store import HistoryStore
store = HistoryStore.open(sys.argv[1])
with store.recorded_scan_lock(0):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_second_holder_waits_and_then_is_told_why(history_url: str) -> None:
    with HistoryStore.open(history_url) as first, HistoryStore.open(history_url) as second:
        with first.recorded_scan_lock(0):
            started = time.monotonic()
            with (
                pytest.raises(HistoryBusyError, match=r"still running after 0 s of waiting.*--lock-wait"),
                second.recorded_scan_lock(0.2),
            ):
                pass
            assert time.monotonic() - started >= 0.2
        with second.recorded_scan_lock(0):
            pass  # free again once the first let go


def test_a_killed_holder_leaves_no_stale_lock(history_url: str) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, history_url], stdout=subprocess.PIPE, text=True, encoding="utf-8"
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            with HistoryStore.open(history_url) as store:
                with pytest.raises(HistoryBusyError), store.recorded_scan_lock(0):
                    pass
                holder.send_signal(signal.SIGKILL)
                holder.wait(timeout=30)
                with store.recorded_scan_lock(10):
                    pass
        finally:
            if holder.poll() is None:  # a failed assertion must not leave it sleeping
                holder.kill()
