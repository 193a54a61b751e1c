"""Writing a GUI scan into the history in a worker process: the one place that owns that protocol.

Recording 10,000 VMs (rows, transitions, events) is seconds of CPU-bound Python. On a thread of the GUI process
it took the GIL from the event loop (a keystroke waited 557 ms on a 2-core machine doing other work); here it
runs in a worker process of its own (`remote.workers`), started once and kept, at a lower priority.

Protocol (`HistoryWrite` in, `WrittenScan` out): the GUI sends where the history is (the location it opened, so
a URL's password crosses only the worker's private pipe), the time to stamp the rows with, the source, and the
snapshot as one pickle per host. Pickled host by host in slices on the GUI's event loop (`HistoryWrite.in_steps`),
the snapshot never holds the GUI thread for long and never competes with it for the GIL; an executor thread
then only hands the bytes to the worker (a pipe write, which may block while the worker reads) and waits. The worker opens the history, writes the
snapshot in one writer transaction and answers only the figures (`WrittenScan`): the GUI already has the
snapshot, and unpickling it again in the GUI process would cost what this module saves.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Generator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime

from avma_console.domain.clock import FixedClock
from avma_console.domain.fleet import FleetSnapshot, HostRecord
from avma_console.remote.workers import WorkerProcesses
from avma_console.services.history import RecordedScan, default_location, record_completed
from avma_console.store import HistoryStore

# Below the scan workers' niceness (10): a scan's host queries come first, then the history write, then nothing.
HISTORY_WRITER_NICENESS = 12


@dataclass(frozen=True, slots=True)
class HistoryWrite:
    """One finished scan to record: everything the worker needs, nothing it would have to ask back for."""

    location: str  # a file path or a database URL (with its password, if the setting has one)
    recorded_at: datetime  # the console's clock at the write (the rows' recorded_at)
    source: str | None
    fleet: FleetSnapshot  # the snapshot without its hosts
    hosts: tuple[bytes, ...]  # each host pickled on its own

    @classmethod
    def of(
        cls, location: str | None, recorded_at: datetime, source: str | None, snapshot: FleetSnapshot
    ) -> HistoryWrite:
        """The whole write at once (blocking: for a thread that may hold the GIL for it)."""
        steps = cls.in_steps(location, recorded_at, source, snapshot)
        while True:
            try:
                next(steps)
            except StopIteration as built:
                write: HistoryWrite = built.value
                return write

    @classmethod
    def in_steps(
        cls, location: str | None, recorded_at: datetime, source: str | None, snapshot: FleetSnapshot
    ) -> Generator[None, None, HistoryWrite]:
        """The write built one host per step, for a GUI's event loop to run in slices (`run_steps_on_loop`):
        there it never waits for the GIL, and input and painting run between the slices."""
        hosts: list[bytes] = []
        for host in snapshot.hosts:
            hosts.append(pickle.dumps(host, pickle.HIGHEST_PROTOCOL))
            yield
        return cls(
            location=location if location is not None else default_location(),
            recorded_at=recorded_at,
            source=source,
            fleet=replace(snapshot, hosts=()),
            hosts=tuple(hosts),
        )

    def snapshot(self) -> FleetSnapshot:
        hosts: list[HostRecord] = [pickle.loads(host) for host in self.hosts]  # noqa: S301 - from our console's pipe
        return replace(self.fleet, hosts=tuple(hosts))


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
        result = record_completed(store, write.snapshot(), source=write.source)
    return WrittenScan(
        snapshot_id=result.snapshot_id,
        new_events=result.new_events,
        transitions=result.transitions,
        new_guest_events=result.new_guest_events,
    )


class HistoryWriter:
    """The worker process that records the console's scans (started on first use, or by `start`)."""

    def __init__(self) -> None:
        self._workers = WorkerProcesses(1, threads=1, niceness=HISTORY_WRITER_NICENESS)
        self._stop_id = self._workers.new_stop_id()

    def start(self) -> None:
        """Start the worker now (a blocking call: it imports the store), so the first write does not wait."""
        self._workers.start()

    def submit(self, write: HistoryWrite) -> Future[WrittenScan]:
        return self._workers.submit(write_scan, write, self._stop_id)

    def record(
        self, location: str | None, recorded_at: datetime, source: str | None, snapshot: FleetSnapshot
    ) -> RecordedScan:
        """Blocking (run it on an executor thread): send the snapshot, wait for the worker's answer."""
        written = self.submit(HistoryWrite.of(location, recorded_at, source, snapshot)).result()
        return written.recorded(snapshot)

    def worker_pids(self) -> list[int]:
        return self._workers.worker_pids()

    def shutdown(self) -> None:
        self._workers.shutdown()
