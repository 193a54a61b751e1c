"""The whole-fleet diagnosis of a GUI scan in a worker process: the one place that owns that protocol.

The cluster-aware diagnosis of a finished scan (and of the fleet again after some hosts were re-scanned) is
O(fleet) CPU-bound Python: about 0.25 s for 10,000 VMs. Run in slices on the GUI thread it kept the event loop
busy for that long in total; here it runs in a worker process of its own (`remote.workers`), started once and
kept, and the GUI thread only packs and unpacks the fleet in slices.

Protocol: `FleetDiagnosis` in (the fleet to diagnose, as a `ShippedFleet`); the diagnosed fleet out, as a
`ShippedFleet` too. The result is exactly `domain.diagnosis.assess_fleet` of the fleet (tests compare both).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Executor, Future
from dataclasses import dataclass

from avma_console.domain.diagnosis import assess_fleet, assess_fleet_steps
from avma_console.domain.fleet import FleetSnapshot
from avma_console.remote.workers import WorkerLostError, WorkerProcesses, WorkerTaskError
from avma_console.services.scan import INTERACTIVE_WORKER_NICENESS, run_steps_on_loop
from avma_console.services.shipped_fleet import ShippedFleet

log = logging.getLogger(__name__)
# The GUI waits for this answer (the scan is not shown before it), so it runs at the scan workers' priority.
FLEET_DIAGNOSIS_NICENESS = INTERACTIVE_WORKER_NICENESS


@dataclass(frozen=True, slots=True)
class FleetDiagnosis:
    """A fleet whose hosts and clusters are all there: every rule to apply to it as one fleet."""

    fleet: ShippedFleet


def diagnose_fleet(request: FleetDiagnosis, stop: threading.Event) -> ShippedFleet:
    """In the worker: `assess_fleet` of the request's fleet, shipped back."""
    del stop  # a fraction of a second of work: never stopped half-way
    return ShippedFleet.of(assess_fleet(request.fleet.snapshot()))


class FleetDiagnoser:
    """The worker process that diagnoses whole fleets for the GUI (started on first use, or by `start`)."""

    def __init__(self) -> None:
        self._workers = WorkerProcesses(1, threads=1, niceness=FLEET_DIAGNOSIS_NICENESS)
        self._stop_id = self._workers.new_stop_id()

    def start(self) -> None:
        """Start the worker now (a blocking call), so the first diagnosis does not wait for it."""
        self._workers.start()

    def submit(self, request: FleetDiagnosis) -> Future[ShippedFleet]:
        return self._workers.submit(diagnose_fleet, request, self._stop_id)

    def worker_pids(self) -> list[int]:
        return self._workers.worker_pids()

    def shutdown(self) -> None:
        self._workers.shutdown()


async def diagnosed_in_worker(
    diagnoser: FleetDiagnoser, snapshot: FleetSnapshot, executor: Executor, slice_s: float
) -> FleetSnapshot:
    """`assess_fleet(snapshot)` in the diagnoser's process, for a caller on an event loop it must keep
    responsive (the GUI): the fleet is packed and unpacked in slices of `slice_s` on the loop, and handed over
    from `executor` (a pipe write may block while the worker reads)."""
    shipped = await run_steps_on_loop(ShippedFleet.packed_in_steps(snapshot), slice_s)
    try:
        sent = await asyncio.wrap_future(executor.submit(diagnoser.submit, FleetDiagnosis(shipped)))
        diagnosed = await asyncio.wrap_future(sent)
    except (WorkerLostError, WorkerTaskError) as error:  # the scan is not lost for it: diagnosed here instead
        log.warning("the fleet diagnosis process failed (%s); diagnosing the fleet in this process", error)
        return await run_steps_on_loop(assess_fleet_steps(snapshot), slice_s)
    return await run_steps_on_loop(diagnosed.unpacked_in_steps(), slice_s)
