"""The whole-fleet diagnosis of a GUI scan in a worker process: the one place that owns that protocol.

The cluster-aware diagnosis of a finished scan (and of the fleet again after some hosts were re-scanned) is
O(fleet) CPU-bound Python: about 0.25 s for 10,000 VMs. Run in slices on the GUI thread it kept the event loop
busy for that long in total; here it runs in a worker process of its own (`remote.workers`), started once and
kept, and the GUI thread only packs and unpacks the fleet in slices.

Protocol: `FleetDiagnosis` in (the fleet to diagnose, as a `ShippedFleet`); `DiagnosedFleet` out: the
clusters and only the hosts the diagnosis changed (unpickling a 20-VM host costs the GUI thread ~0.4 ms; most
hosts come back as they went). The result equals `domain.diagnosis.assess_fleet` of the fleet (tests compare
both).
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import threading
from collections.abc import Generator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from typing import Any, SupportsIndex

from avma_console.domain.diagnosis import assess_fleet, assess_fleet_steps
from avma_console.domain.fleet import FleetSnapshot
from avma_console.remote.workers import WorkerLostError, WorkerProcesses, WorkerTaskError
from avma_console.services.scan import INTERACTIVE_WORKER_NICENESS, run_steps_on_loop
from avma_console.services.shipped_fleet import Pickled, ShippedFleet, out_of_band, remember_pickles

log = logging.getLogger(__name__)
# The GUI waits for this answer (the scan is not shown before it), so it runs at the scan workers' priority.
FLEET_DIAGNOSIS_NICENESS = INTERACTIVE_WORKER_NICENESS


@dataclass(frozen=True, slots=True)
class FleetDiagnosis:
    """A fleet whose hosts and clusters are all there: every rule to apply to it as one fleet."""

    fleet: ShippedFleet


@dataclass(frozen=True, slots=True)
class DiagnosedFleet:
    """The worker's answer: the diagnosed fleet without hosts (its clusters carry their findings), and only the
    hosts the diagnosis changed, by position, each pickled alone. Most hosts come out as they went in (diagnosed
    alone as they answered, or unchanged since the last scan when some hosts were re-scanned): the caller keeps
    its own records of those, and unpickles only the others."""

    fleet: FleetSnapshot
    changed: tuple[tuple[int, Pickled], ...]

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        positions = tuple(position for position, _ in self.changed)
        pickles = out_of_band(tuple(data for _, data in self.changed), protocol)
        return (_diagnosed_fleet, (self.fleet, positions, pickles))

    def applied_in_steps(
        self, sent: FleetSnapshot, sent_pickles: tuple[Pickled, ...] | None = None
    ) -> Generator[None, None, FleetSnapshot]:
        """The diagnosed fleet, built from the fleet that was sent, one changed host per step. Given the sent
        hosts' pickles, the diagnosed hosts' pickles are remembered, to ship the fleet on without pickling it."""
        hosts = list(sent.hosts)
        pickles = list(sent_pickles) if sent_pickles is not None else None
        for position, host in self.changed:
            hosts[position] = pickle.loads(host)  # noqa: S301 - from our own worker, over its private pipe
            if pickles is not None:
                pickles[position] = host
            yield
        diagnosed = tuple(hosts)
        if pickles is not None:
            remember_pickles(diagnosed, tuple(pickles))
        return replace(self.fleet, hosts=diagnosed)


def _diagnosed_fleet(fleet: FleetSnapshot, positions: tuple[int, ...], pickles: tuple[Pickled, ...]) -> DiagnosedFleet:
    return DiagnosedFleet(fleet, tuple(zip(positions, pickles, strict=True)))


def diagnose_fleet(request: FleetDiagnosis, stop: threading.Event) -> DiagnosedFleet:
    """In the worker: `assess_fleet` of the request's fleet; only what changed goes back."""
    del stop  # a fraction of a second of work: never stopped half-way
    sent = request.fleet.snapshot()
    diagnosed = assess_fleet(sent)
    changed = tuple(
        (position, pickle.dumps(host, pickle.HIGHEST_PROTOCOL))
        for position, (host, before) in enumerate(zip(diagnosed.hosts, sent.hosts, strict=True))
        if host != before
    )
    return DiagnosedFleet(fleet=replace(diagnosed, hosts=()), changed=changed)


class FleetDiagnoser:
    """The worker process that diagnoses whole fleets for the GUI (started on first use, or by `start`)."""

    def __init__(self) -> None:
        self._workers = WorkerProcesses(1, threads=1, niceness=FLEET_DIAGNOSIS_NICENESS)
        self._stop_id = self._workers.new_stop_id()

    def start(self) -> None:
        """Start the worker now (a blocking call), so the first diagnosis does not wait for it."""
        self._workers.start()

    def submit(self, request: FleetDiagnosis) -> Future[DiagnosedFleet]:
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
    return await run_steps_on_loop(diagnosed.applied_in_steps(snapshot, shipped.hosts), slice_s)
