"""Scans through worker processes: the same fleet as threads give, credentials kept out of results, cancel."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from fleet_support import LAB_PASSWORD, LabStarter, fleet_of, lab_inventory

from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.inventory import InventoryEntry
from avma_console.lab.generate import generate_fleet
from avma_console.remote.scanner import HostOutcome, ScanProgress
from avma_console.services import scan as scan_service
from avma_console.services.scan import ScanOptions, run_steps_on_loop, scan_inventory, scan_workers

HOSTS = scan_service.WORKER_PROCESSES_FROM_HOSTS + 6


def password_for(entry: InventoryEntry) -> str:
    return LAB_PASSWORD


def comparable(snapshot: FleetSnapshot) -> list[tuple[Any, ...]]:
    return [
        (
            host.name,
            host.cluster,
            host.reachable,
            host.findings,
            tuple((vm.name, vm.state, vm.findings) for vm in host.vms),
        )
        for host in snapshot.hosts
    ]


def test_a_large_scan_runs_in_worker_processes_and_matches_a_scan_on_threads(start_lab: LabStarter) -> None:
    data = generate_fleet(HOSTS, 3)
    data.pop("credentials")
    data.pop("guest_credentials")
    fleet = fleet_of(data)
    lab = start_lab(fleet, auth="ntlm")
    inventory = lab_inventory(lab, fleet)
    outcomes: list[HostOutcome] = []

    def collect(outcome: HostOutcome, progress: ScanProgress) -> None:
        outcomes.append(outcome)

    async def on_workers() -> tuple[FleetSnapshot, list[int]]:
        with scan_workers(8) as workers:
            snapshot = await scan_inventory(
                inventory,
                password_for,
                options=ScanOptions(concurrency=8, assess_each_host=True),
                on_result=collect,
                executor=workers,
            )
            return snapshot, workers.worker_pids()

    async def on_threads() -> FleetSnapshot:
        with ThreadPoolExecutor(8) as threads:
            return await scan_inventory(inventory, password_for, options=ScanOptions(concurrency=8), executor=threads)

    by_workers, pids = asyncio.run(on_workers())
    by_threads = asyncio.run(on_threads())
    assert pids, "the scan ran in worker processes"
    assert len(by_workers.hosts) == HOSTS
    assert all(host.reachable for host in by_workers.hosts)
    assert comparable(by_workers) == comparable(by_threads)
    assert len(outcomes) == HOSTS
    # Results carry no credentials back; each host arrived diagnosed on its own for progress views.
    assert all(outcome.target.password is None and outcome.target.guest_credential is None for outcome in outcomes)
    assert all(outcome.assessed is not None for outcome in outcomes)


def test_the_default_pool_follows_the_inventory_size(start_lab: LabStarter, monkeypatch: Any) -> None:
    """From WORKER_PROCESSES_FROM_HOSTS hosts on, scan_inventory starts (and ends) worker processes itself."""
    started: list[int] = []
    original = scan_service.scan_workers

    def counting(concurrency: int, **kwargs: Any) -> Any:
        started.append(concurrency)
        return original(concurrency, **kwargs)

    monkeypatch.setattr(scan_service, "scan_workers", counting)
    data = generate_fleet(HOSTS, 1)
    data.pop("credentials")
    data.pop("guest_credentials")
    fleet = fleet_of(data)
    lab = start_lab(fleet, auth="ntlm")
    inventory = lab_inventory(lab, fleet)
    few = replace(inventory, entries=inventory.entries[:3])

    snapshot = asyncio.run(scan_inventory(few, password_for, options=ScanOptions(concurrency=4)))
    assert started == []  # three hosts: threads of this process
    assert len(snapshot.hosts) == 3
    snapshot = asyncio.run(scan_inventory(inventory, password_for, options=ScanOptions(concurrency=4)))
    assert started == [4]
    assert len(snapshot.hosts) == HOSTS
    assert all(host.reachable for host in snapshot.hosts)


def test_cancel_reaches_hosts_queued_in_the_workers(start_lab: LabStarter) -> None:
    data = generate_fleet(HOSTS, 1)
    data.pop("credentials")
    data.pop("guest_credentials")
    fleet = fleet_of(data)
    lab = start_lab(fleet, auth="ntlm", latency_ms=40)
    inventory = lab_inventory(lab, fleet)
    cancelled = threading.Event()
    answered: list[HostOutcome] = []

    def on_result(outcome: HostOutcome, progress: ScanProgress) -> None:
        answered.append(outcome)
        if len(answered) == 3:
            cancelled.set()

    snapshot = asyncio.run(
        scan_inventory(
            inventory, password_for, options=ScanOptions(concurrency=2), on_result=on_result, cancelled=cancelled
        )
    )
    kinds = [host.error_kind for host in snapshot.hosts]
    assert kinds.count("cancelled") >= HOSTS - 8, kinds
    assert sum(1 for host in snapshot.hosts if host.reachable) >= 3


def test_the_fleet_diagnosis_in_slices_gives_the_same_fleet(start_lab: LabStarter) -> None:
    """The GUI diagnoses a finished scan on its own thread in slices (no worker thread competing for the GIL)."""
    fleet = fleet_of(generate_fleet(6, 4))
    lab = start_lab(fleet, auth="ntlm")
    inventory = lab_inventory(lab, fleet)
    at_once = asyncio.run(scan_inventory(inventory, password_for))
    in_slices = asyncio.run(scan_inventory(inventory, password_for, assess_in_slices_s=0.0))
    assert comparable(in_slices) == comparable(at_once)
    assert [cluster.findings for cluster in in_slices.clusters] == [cluster.findings for cluster in at_once.clusters]


def test_steps_on_the_loop_let_other_tasks_run_between_slices() -> None:
    order: list[str] = []

    def steps() -> Generator[None, None, str]:
        for number in range(3):
            order.append(f"step {number}")
            yield
        return "done"

    async def other() -> None:
        for _ in range(3):
            order.append("other")
            await asyncio.sleep(0)

    async def main() -> str:
        task = asyncio.ensure_future(other())
        result = await run_steps_on_loop(steps(), 0.0)
        await task
        return result

    assert asyncio.run(main()) == "done"
    assert order[:4] == ["step 0", "other", "step 1", "other"]


INTERRUPTED_SCAN = textwrap.dedent(
    """
    import asyncio, os, signal, sys, threading
    from pathlib import Path
    from fleet_support import LAB_PASSWORD, fleet_of, lab_inventory
    from avma_console.lab.generate import generate_fleet
    from avma_console.lab.runner import make_server
    from avma_console.lab.server_thread import LabServerThread
    from avma_console.services.scan import ScanOptions, scan_inventory

    data = generate_fleet(int(sys.argv[1]), 1)
    data.pop("credentials")
    data.pop("guest_credentials")
    fleet = fleet_of(data)
    # The lab's thread is a daemon: its silent hosts stay silent until this process ends, as remote hosts would.
    lab = LabServerThread(make_server(fleet, auth="ntlm", work_dir=Path(sys.argv[2])))
    lab.start()
    for endpoint in lab.endpoints:
        lab.set_fault(endpoint.host_name, "hang")

    def interrupt_once_all_hang() -> None:
        names = [endpoint.host_name for endpoint in lab.endpoints]
        while sum(1 for name in names if lab.requests_seen(name)) < 8:
            threading.Event().wait(0.05)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C

    threading.Thread(target=interrupt_once_all_hang, daemon=True).start()
    try:
        asyncio.run(scan_inventory(lab_inventory(lab, fleet), lambda entry: LAB_PASSWORD, options=ScanOptions(concurrency=8)))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    """
)


def test_an_interrupted_headless_scan_does_not_wait_for_silent_hosts(tmp_path: Path) -> None:
    """Ctrl+C during a large headless scan whose hosts stopped answering: the process ends at once, in the
    share of hosts queried on its own threads too, not after their read timeout (30 s)."""
    tests = str(Path(__file__).resolve().parents[1])
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")]))}
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_SCAN, str(HOSTS), str(tmp_path / "lab")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.stdout.strip() == "interrupted", finished.stderr[-2000:]
    assert time.monotonic() - started < 20
