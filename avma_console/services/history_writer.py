"""The history work of a GUI scan in a worker process: the one place that owns that protocol.

Completing a scan from the history (VMs without a newer event get their stored one, then the whole fleet is
assessed again) and recording it (rows, transitions, events for 10,000 VMs) are seconds of CPU-bound Python.
On a thread of the GUI process they took the GIL from the event loop (a keystroke waited 557 ms on a 2-core
machine doing other work); here they run in a worker process of its own (`remote.workers`), started once and
kept, at a lower priority.

Protocol, both ways a `ShippedFleet` (the snapshot without hosts, and one pickle per host, packed and unpacked
in slices on the GUI's event loop, so the GUI thread neither waits for the GIL nor holds it for long):
- before the scan is shown: `HistoryCompletion` in; the completed fleet out, or None when the history changed
  nothing (then nothing crosses back);
- once it is shown: `HistoryWrite` in (where the history is: the location the console opened, so a URL's
  password crosses only the worker's private pipe; the time to stamp the rows with; the source); `WrittenScan`
  out: only the figures, since the console already has the snapshot.
The console's executor threads only hand the bytes over (a pipe write may block while the worker reads) and
wait for the answer.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from avma_console.domain.clock import FixedClock
from avma_console.domain.fleet import FleetSnapshot
from avma_console.remote.workers import WorkerProcesses
from avma_console.services.history import RecordedScan, complete_from_history, default_location, record_completed
from avma_console.services.shipped_fleet import ShippedFleet
from avma_console.store import HistoryStore

R = TypeVar("R")
log = logging.getLogger(__name__)
# How long shutting the writer down waits for writes under way (recording 10,000 VMs takes seconds of CPU, and
# a worker at a lower priority on a busy machine gets little of it).
WRITES_AT_EXIT_WAIT_S = 120.0
# Below the scan workers' niceness (10): a scan's host queries come first, then the history write, then nothing.
HISTORY_WRITER_NICENESS = 12


@dataclass(frozen=True, slots=True)
class HistoryWrite:
    """One finished, completed scan to record: everything the worker needs, nothing it would have to ask back for."""

    location: str  # a file path or a database URL (with its password, if the setting has one)
    recorded_at: datetime  # the console's clock at the write (the rows' recorded_at)
    source: str | None
    scan: ShippedFleet


@dataclass(frozen=True, slots=True)
class HistoryCompletion:
    """A scan whose `asked` hosts were asked only for events newer than their watermark: their VMs without a
    newer event get their latest stored one (`services.history.complete_from_history`)."""

    location: str
    asked: frozenset[str]
    scan: ShippedFleet


@dataclass(frozen=True, slots=True)
class WrittenScan:
    """What the worker answers: the recorded snapshot's id and what it added."""

    snapshot_id: int
    new_events: int
    transitions: int
    new_guest_events: int

    def recorded(self, snapshot: FleetSnapshot) -> RecordedScan:
        """The `RecordedScan` the console reports, with the snapshot it sent (never sent back)."""
        return RecordedScan(
            snapshot_id=self.snapshot_id,
            snapshot=snapshot,
            new_events=self.new_events,
            transitions=self.transitions,
            new_guest_events=self.new_guest_events,
        )


def write_scan(write: HistoryWrite, stop: threading.Event) -> WrittenScan:
    """In the worker: open the history, write the snapshot (one transaction), close. Raises HistoryError."""
    del stop  # a write is never stopped half-way: its transaction is all or nothing anyway
    with HistoryStore.open(write.location, clock=FixedClock(write.recorded_at)) as store:
        result = record_completed(store, write.scan.snapshot(), source=write.source)
    return WrittenScan(
        snapshot_id=result.snapshot_id,
        new_events=result.new_events,
        transitions=result.transitions,
        new_guest_events=result.new_guest_events,
    )


def complete_scan(completion: HistoryCompletion, stop: threading.Event) -> ShippedFleet | None:
    """In the worker: the completed snapshot, or None when the history changed nothing (the console keeps its
    own then, and nothing crosses back). Raises HistoryError."""
    del stop
    with HistoryStore.open(completion.location) as store:
        scan = completion.scan.snapshot()
        completed = complete_from_history(store, scan, completion.asked)
    return None if completed is scan else ShippedFleet.of(completed)


def located(location: str | None) -> str:
    """The location the worker opens: the setting, or the default file resolved here (not in its environment)."""
    return location if location is not None else default_location()


class HistoryWriter:
    """The worker process that records the console's scans (started on first use, or by `start`)."""

    def __init__(self) -> None:
        self._workers = WorkerProcesses(1, threads=1, niceness=HISTORY_WRITER_NICENESS)
        self._stop_id = self._workers.new_stop_id()
        self._lock = threading.Lock()
        self._outstanding: set[Future[Any]] = set()

    def start(self) -> None:
        """Start the worker now (a blocking call: it imports the store), so the first write does not wait."""
        self._workers.start()

    def submit(self, write: HistoryWrite) -> Future[WrittenScan]:
        return self._tracked(self._workers.submit(write_scan, write, self._stop_id))

    def submit_completion(self, completion: HistoryCompletion) -> Future[ShippedFleet | None]:
        return self._tracked(self._workers.submit(complete_scan, completion, self._stop_id))

    def _tracked(self, future: Future[R]) -> Future[R]:
        with self._lock:
            self._outstanding.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._outstanding.discard(future)

    def record(
        self, location: str | None, recorded_at: datetime, source: str | None, snapshot: FleetSnapshot
    ) -> RecordedScan:
        """Blocking (run it on an executor thread): send the snapshot, wait for the worker's answer."""
        write = HistoryWrite(located(location), recorded_at, source, ShippedFleet.of(snapshot))
        return self.submit(write).result().recorded(snapshot)

    def worker_pids(self) -> list[int]:
        return self._workers.worker_pids()

    def shutdown(self) -> None:
        """After the writes under way (a worker told to exit ends its tasks at once, and a scan whose write is
        cut off is lost): a console on a starved machine may take a while to close, never lose its last scan."""
        with self._lock:
            outstanding = set(self._outstanding)
        if outstanding:
            log.info("waiting up to %.0f s for the history writer to finish", WRITES_AT_EXIT_WAIT_S)
            wait(outstanding, timeout=WRITES_AT_EXIT_WAIT_S)
        self._workers.shutdown()
