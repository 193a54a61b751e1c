"""A recorder killed inside `record_snapshot` loses nothing committed, and the history stays consistent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from history_support import two_scans

from avma_console.store import HistoryStore

CHILD = Path(__file__).with_name("crash_child.py")
# Every insert of the transaction in turn, and the moment before COMMIT.
KILL_POINTS = ["snapshots", "host_states", "vm_states", "transitions", "events", "watermarks", "commit"]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_sigkill_inside_record_snapshot_keeps_earlier_snapshots_intact(history_url: str, point: str) -> None:
    first, second = two_scans()
    with HistoryStore.open(history_url) as store:
        store.record_snapshot(first)
        before = store.integrity_check()
        assert before.ok, before.problems
        marks_before = store.watermarks()

    child = subprocess.Popen(
        [sys.executable, str(CHILD), history_url, point],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        signal = child.stdout.readline()  # the child is inside the open transaction once it says so
        if signal != b"inside\n":
            child.kill()
            _out, errors = child.communicate(timeout=30)
            pytest.fail(f"the child never reached {point!r}: {signal!r} {errors.decode(errors='replace')}")
        child.kill()
        child.wait(timeout=30)
    finally:
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    assert child.returncode == -9

    with HistoryStore.open(history_url) as store:
        after = store.integrity_check()
        assert after.ok, after.problems
        assert after.counts == before.counts, "not one row of the killed transaction may remain"
        assert [info.id for info in store.snapshots()] == [1]
        assert store.watermarks() == marks_before
        # The killed writer's lock is gone: the same snapshot records now, with the right transitions.
        store.record_snapshot(second)
        assert store.integrity_check().ok
        assert {t.vm_name for t in store.transitions()} == {"web-01", "<b>bold</b>", "new-01", "db-01"}
