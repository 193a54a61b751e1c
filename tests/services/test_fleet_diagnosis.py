"""The whole-fleet diagnosis in its worker process gives exactly the fleet `assess_fleet` gives here."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from fleet_support import LAB_PASSWORD, LabStarter, demo_fleet, generated_fleet, lab_inventory

from avma_console.domain.diagnosis import assess_fleet, run_steps
from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.inventory import InventoryEntry
from avma_console.lab.fleet import LabFleet
from avma_console.services.fleet_diagnosis import FleetDiagnoser, FleetDiagnosis, diagnosed_in_worker
from avma_console.services.scan import WORKER_PROCESSES_FROM_HOSTS, ScanOptions, scan_inventory
from avma_console.services.shipped_fleet import ShippedFleet


def password_for(entry: InventoryEntry) -> str:
    return LAB_PASSWORD


@pytest.fixture
def diagnoser() -> Iterator[FleetDiagnoser]:
    diagnoser = FleetDiagnoser()
    yield diagnoser
    diagnoser.shutdown()


def diagnosed_both_ways(
    start_lab: LabStarter, fleet: LabFleet, diagnoser: FleetDiagnoser
) -> tuple[FleetSnapshot, FleetSnapshot]:
    """One real scan of `fleet` (hosts diagnosed one by one, as the GUI asks), its assembled fleet diagnosed
    here and in the worker."""
    lab = start_lab(fleet, auth="ntlm")
    inventory = lab_inventory(lab, fleet)
    results: list[FleetSnapshot] = []
    pickled_here: list[int] = []

    async def scan() -> FleetSnapshot:
        with ThreadPoolExecutor(1) as executor:

            async def both(assembled: FleetSnapshot) -> FleetSnapshot:
                pickled_here.append(sum(1 for _step in ShippedFleet.packed_in_steps(assembled)))
                results.append(assess_fleet(assembled))
                results.append(await diagnosed_in_worker(diagnoser, assembled, executor, 0.0))
                return results[-1]

            return await scan_inventory(
                inventory,
                password_for,
                options=ScanOptions(concurrency=8, assess_each_host=True),
                assess_fleet_with=both,
            )

    shown = asyncio.run(scan())
    here, in_worker = results
    assert shown is in_worker
    assert diagnoser.worker_pids() and os.getpid() not in diagnoser.worker_pids()
    if len(inventory.entries) >= WORKER_PROCESSES_FROM_HOSTS:
        # The hosts were queried in worker processes, which pickled each host's record: none is pickled here.
        assert pickled_here == [0]
    return here, in_worker


def test_the_demo_fleet_diagnosed_in_the_worker_is_the_fleet_diagnosed_here(
    start_lab: LabStarter, diagnoser: FleetDiagnoser
) -> None:
    here, in_worker = diagnosed_both_ways(start_lab, demo_fleet(), diagnoser)
    assert in_worker == here
    assert here.clusters and any(cluster.findings for cluster in here.clusters)
    assert any(vm.findings for host in here.hosts for vm in host.vms)


def test_a_generated_fleet_with_clusters_diagnosed_in_the_worker_is_the_fleet_diagnosed_here(
    start_lab: LabStarter, diagnoser: FleetDiagnoser
) -> None:
    here, in_worker = diagnosed_both_ways(start_lab, generated_fleet(60, 4), diagnoser)
    assert in_worker == here
    assert len(here.hosts) == 60
    assert len(here.clusters) >= 5
    assert [cluster.findings for cluster in in_worker.clusters] == [cluster.findings for cluster in here.clusters]
    assert any(host.cluster for host in in_worker.hosts)
    # Shipped on (to the history writer), the diagnosed fleet is not pickled again: its hosts' pickles are known.
    packing = ShippedFleet.packed_in_steps(in_worker)
    with pytest.raises(StopIteration) as packed:
        next(packing)
    # After a rescan of one host, the fleet goes out again: only that host is pickled.
    rescanned = replace(in_worker, hosts=(replace(in_worker.hosts[0]), *in_worker.hosts[1:]))
    assert sum(1 for _step in ShippedFleet.packed_in_steps(rescanned)) == 1
    assert packed.value.value.snapshot() == in_worker
    # A fleet with other host objects (equal or not) is pickled afresh.
    assert next(ShippedFleet.packed_in_steps(here)) is None


def test_a_fleet_diagnosed_again_sends_back_no_host_only_its_clusters(
    start_lab: LabStarter, diagnoser: FleetDiagnoser
) -> None:
    """After a rescan of some hosts the rest of the fleet is diagnosed again: those come back as they went, so
    the GUI keeps its own records and unpickles only what the diagnosis changed."""
    here, _in_worker = diagnosed_both_ways(start_lab, demo_fleet(), diagnoser)
    answer = diagnoser.submit(FleetDiagnosis(ShippedFleet.of(here))).result()
    assert answer.changed == ()
    assert answer.fleet.clusters == here.clusters
    assert run_steps(answer.applied_in_steps(here)) == here
