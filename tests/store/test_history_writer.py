"""The history writer process (services/history_writer.py): a scan written there is the scan written here.

The console records its scans in a worker process, so the GUI interpreter does no history work; what lands in
the history must be exactly what recording in the console's own process wrote: the same snapshots, VM states,
transitions and events, and the same figures reported back.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from history_support import T0, two_scans

from avma_console.domain.clock import FixedClock
from avma_console.services.history import complete_from_history, record_completed
from avma_console.services.history_writer import (
    HistoryCompletion,
    HistoryWrite,
    HistoryWriter,
    write_scan,
)
from avma_console.services.shipped_fleet import ShippedFleet
from avma_console.store import HistoryError, HistoryStore

RECORDED_AT = T0 + timedelta(days=2)


@pytest.fixture
def writer() -> Iterator[HistoryWriter]:
    history_writer = HistoryWriter()
    yield history_writer
    history_writer.shutdown()


def contents(store: HistoryStore) -> tuple[object, ...]:
    latest = store.latest_snapshot()
    assert latest is not None
    snapshots = [store.snapshot(number) for number in range(1, latest.id + 1)]
    return (
        snapshots,
        [store.host_states(number) for number in range(1, latest.id + 1)],
        [store.vm_states(number) for number in range(1, latest.id + 1)],
        store.transitions(),
        store.events(),
    )


def test_the_writer_process_records_what_the_console_process_records(
    writer: HistoryWriter, history_url: str, tmp_path: Path
) -> None:
    here = HistoryStore.open(tmp_path / "here.sqlite3", clock=FixedClock(RECORDED_AT))
    figures_here, figures_there = [], []
    for scan in two_scans():
        recorded = record_completed(here, scan, source="console: fleet.csv")
        figures_here.append((recorded.snapshot_id, recorded.new_events, recorded.transitions))
        written = writer.record(history_url, RECORDED_AT, "console: fleet.csv", scan)
        assert written.snapshot is scan, "the console keeps its own snapshot: it is never sent back"
        figures_there.append((written.snapshot_id, written.new_events, written.transitions))
    assert figures_there == figures_here
    assert figures_there[1][2] > 0, "the second scan brings transitions"
    there = HistoryStore.open(history_url, create=False)
    try:
        assert contents(there) == contents(here)
    finally:
        there.close()
        here.close()
    assert writer.worker_pids() and os.getpid() not in writer.worker_pids()


def test_the_snapshot_crosses_host_by_host_and_arrives_whole() -> None:
    scan = two_scans()[1]
    shipped = ShippedFleet.of(scan)
    assert len(shipped.hosts) == len(scan.hosts) and shipped.fleet.hosts == ()
    assert pickle.loads(pickle.dumps(shipped)).snapshot() == scan  # noqa: S301 - our own bytes


def test_the_writer_process_completes_a_scan_as_the_console_process_does(
    writer: HistoryWriter, history_url: str, tmp_path: Path
) -> None:
    first, second = two_scans()
    here = HistoryStore.open(tmp_path / "here.sqlite3", clock=FixedClock(RECORDED_AT))
    record_completed(here, first, source=None)
    writer.record(history_url, RECORDED_AT, None, first)
    # HV-A was asked only for events since its watermark: the hostile VM's stored event comes back to it.
    expected = complete_from_history(here, second, {"HV-A"})
    here.close()
    assert expected is not second
    completion = HistoryCompletion(history_url, frozenset({"HV-A"}), ShippedFleet.of(second))
    completed = writer.submit_completion(completion).result()
    assert completed is not None and completed.snapshot() == expected
    # Nothing to complete: nothing crosses back.
    unchanged = HistoryCompletion(history_url, frozenset({"HV-C"}), ShippedFleet.of(second))
    assert writer.submit_completion(unchanged).result() is None


def test_a_history_that_cannot_be_written_fails_the_write_with_its_reason(
    writer: HistoryWriter, tmp_path: Path
) -> None:
    with pytest.raises(HistoryError, match="is a folder"):
        writer.record(str(tmp_path), RECORDED_AT, None, two_scans()[0])
    # The writer is fine afterwards: the next write goes through.
    assert writer.record(str(tmp_path / "history.sqlite3"), RECORDED_AT, None, two_scans()[0]).snapshot_id == 1


def test_a_writer_process_that_died_is_replaced_by_the_next_write(writer: HistoryWriter, tmp_path: Path) -> None:
    writer.start()
    (first,) = writer.worker_pids()
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while writer.worker_pids() and time.monotonic() < deadline:  # until the pool has seen it go
        threading.Event().wait(0.02)
    assert writer.worker_pids() == []
    assert writer.record(str(tmp_path / "h.sqlite3"), RECORDED_AT, None, two_scans()[0]).snapshot_id == 1
    (second,) = writer.worker_pids()
    assert second != first


def test_shutting_the_writer_down_finishes_the_write_under_way(tmp_path: Path) -> None:
    writer = HistoryWriter()
    location = tmp_path / "h.sqlite3"
    writing = writer.submit(HistoryWrite(str(location), RECORDED_AT, None, ShippedFleet.of(two_scans()[0])))
    writer.shutdown()  # at once, as a console closing right after a scan does
    assert writing.result(0).snapshot_id == 1
    with HistoryStore.open(location, create=False) as store:
        assert [snapshot.id for snapshot in store.snapshots()] == [1]


def test_write_scan_runs_in_this_process_too(tmp_path: Path) -> None:
    """The task function itself (what the worker calls), for a debugger or a profile."""
    scan = two_scans()[0]
    write = HistoryWrite(str(tmp_path / "h.sqlite3"), RECORDED_AT, None, ShippedFleet.of(scan))
    written = write_scan(write, threading.Event())
    assert written.snapshot_id == 1 and written.new_events == 3
