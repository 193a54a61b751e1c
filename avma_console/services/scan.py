"""The scan use case: inventory -> endpoints and credentials -> parallel host queries -> diagnosed fleet."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import math
import pickle
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar, cast

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.diagnosis import assess_fleet_steps, assess_host, run_steps
from avma_console.domain.fleet import ClusterRecord, FleetSnapshot, HostRecord
from avma_console.domain.inventory import Inventory, InventoryEntry
from avma_console.remote.client import Endpoint
from avma_console.remote.errors import ErrorKind, RemoteError
from avma_console.remote.scanner import HostOutcome, ScanProgress, ScanTarget, scan_hosts
from avma_console.remote.workers import WorkerProcesses, processes_for
from avma_console.services.shipped_fleet import remember_pickled_hosts

T = TypeVar("T")
PasswordFor = Callable[[InventoryEntry], str | None]
ScanWorkers = WorkerProcesses  # worker processes for host queries (remote/workers.py), by a name the GUI may use
ScanPool = ThreadPoolExecutor | WorkerProcesses  # where host queries run: threads here, or worker processes


@dataclass(frozen=True, slots=True)
class ScanOptions:
    concurrency: int = 16
    max_events: int = 500
    guest_credential: Mapping[str, str] | None = None
    # Per inventory entry (wins over `guest_credential`): its guest credential, or None for a host-side scan.
    guest_credential_for: Callable[[InventoryEntry], Mapping[str, str] | None] | None = None
    # Per host: ask only for events at or after this time (the history's watermark); None asks for all.
    since_for: Callable[[str], datetime | None] | None = None
    # Per host: each guest's watermark for events 12309, by VM id (asked only when guest credentials are given).
    guest_since_for: Callable[[str], Mapping[str, datetime]] | None = None
    # Diagnose each host on its own as it answers (HostOutcome.assessed), for views that show hosts as they
    # come in; the cluster-aware diagnosis of the whole fleet comes with the snapshot either way.
    assess_each_host: bool = False
    # Stamps the snapshot's scanned_at (the moment the scan began), which decides its month in reports.
    clock: Clock = SYSTEM_CLOCK


# With no event loop to keep responsive (headless scans), longer interpreter time slices cost the scan
# threads less switching: about 15 % less wall time for 500 hosts here. The GUI keeps the default.
HEADLESS_SWITCH_INTERVAL_S = 0.02


@contextlib.contextmanager
def favour_throughput() -> Iterator[None]:
    """For headless scans only: fewer, longer GIL hand-overs between the scan threads."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(HEADLESS_SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


# From this many hosts on, a scan queries them in worker processes (remote/workers.py) instead of threads of
# this process: starting the workers costs ~0.3 s, which a few hosts would not win back.
WORKER_PROCESSES_FROM_HOSTS = 24
# Worker processes only query hosts: longer interpreter time slices cost their threads less switching.
WORKER_SWITCH_INTERVAL_S = 0.02


# Worker processes of an interactive console run at this lower priority: with every core busy parsing answers,
# the GUI process still gets the CPU at once (its worst event-loop stall during a 500-host scan: see ui_bench).
INTERACTIVE_WORKER_NICENESS = 10


def scan_workers(concurrency: int, *, interactive: bool = False) -> WorkerProcesses:
    """Worker processes for scans with `concurrency` hosts at once (one per core, threads split among them);
    `interactive`: for a GUI, whose responsiveness comes first. Otherwise this process, which only waits for
    the results, takes one core's share itself: one worker process fewer to start (~0.37 s of CPU, 0.7 ms per
    host of a 500-host scan) and that share's results need no pickling."""
    processes = processes_for(concurrency)
    threads = math.ceil(max(1, concurrency) / processes)
    return WorkerProcesses(
        processes if interactive else processes - 1,
        threads=threads,
        switch_interval_s=WORKER_SWITCH_INTERVAL_S,
        niceness=INTERACTIVE_WORKER_NICENESS if interactive else 0,
        in_process_threads=0 if interactive else threads,
    )


def endpoint_for(entry: InventoryEntry) -> Endpoint:
    settings = entry.settings
    return Endpoint(
        host=entry.name,
        url=entry.url,
        transport=settings.transport,
        username=settings.username,
        ca_bundle=settings.ca_bundle,
        allow_insecure=settings.allow_insecure,
        cert_pem=settings.cert_pem,
        cert_key_pem=settings.cert_key_pem,
        operation_timeout_s=settings.operation_timeout_s,
        read_timeout_s=settings.read_timeout_s,
        max_shells_per_user=settings.max_shells_per_user,
        # Kerberos names the host as its computer account registers it (HTTP/<name>), not the address used.
        spn_host=entry.name,
    )


def short_name(name: str) -> str:
    """The name a host is known by across the fleet (cluster nodes report NetBIOS names): its first DNS label.
    An IP address is kept whole: 10.0.0.5 and 10.0.0.6 are two hosts, not both "10"."""
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return name.split(".", 1)[0].casefold()


def unreachable_record(host: str, error: RemoteError, endpoint: str | None = None) -> HostRecord:
    return HostRecord(
        name=host, error=error.message, error_kind=error.kind.value, error_fix=error.fix, endpoint=endpoint
    )


def record_of(outcome: HostOutcome) -> HostRecord:
    if outcome.scan is not None:
        return outcome.scan.record
    assert outcome.error is not None
    return unreachable_record(outcome.target.endpoint.host, outcome.error, outcome.target.endpoint.url)


def assess_alone(outcome: HostOutcome) -> HostOutcome:
    """The host diagnosed on its own, for progress views; the cluster-aware verdict comes with the snapshot."""
    assessed = assess_host(record_of(outcome))
    # The assessed record stands in for the raw one too (the fleet-wide diagnosis derives every state again):
    # one record per host crosses from a worker process instead of two.
    scan = replace(outcome.scan, record=assessed) if outcome.scan is not None else None
    return replace(outcome, scan=scan, assessed=assessed)


def assess_alone_pickled(outcome: HostOutcome) -> HostOutcome:
    """`assess_alone`, with the assessed record pickled too: in a worker process, where the pickling costs
    the GUI's thread nothing; the GUI ships the record on to the fleet diagnosis with these bytes."""
    assessed = assess_alone(outcome)
    return replace(assessed, assessed_pickle=pickle.dumps(assessed.assessed, pickle.HIGHEST_PROTOCOL))


def build_snapshot(outcomes: Sequence[HostOutcome], scanned_at: datetime) -> FleetSnapshot:
    """Hosts in inventory order, clusters as their nodes report them, every rule applied."""
    return run_steps(build_snapshot_steps(outcomes, scanned_at))


def build_snapshot_steps(outcomes: Sequence[HostOutcome], scanned_at: datetime) -> Generator[None, None, FleetSnapshot]:
    """`build_snapshot` in steps of one host's diagnosis (see `assess_fleet_steps`)."""
    return (yield from assess_fleet_steps(assembled_snapshot(outcomes, scanned_at)))


def assembled_snapshot(outcomes: Sequence[HostOutcome], scanned_at: datetime) -> FleetSnapshot:
    """The hosts in inventory order and the clusters as their nodes report them, before the fleet's diagnosis."""
    hosts = [record_of(outcome) for outcome in outcomes]
    by_short = {short_name(host.name): host.name for host in hosts}
    clusters: dict[str, ClusterRecord] = {}
    for outcome in outcomes:
        info = outcome.scan.cluster if outcome.scan else None
        if info is None or info.name.casefold() in clusters:
            continue
        # Nodes report short names; the inventory may use FQDNs: tie them together by the first label.
        nodes = tuple(by_short.get(short_name(node), node) for node in info.nodes)
        clusters[info.name.casefold()] = ClusterRecord(name=info.name, nodes=nodes)
    # A host whose cluster is already right stays the same object (its pickle from the worker still fits it).
    hosts = [
        _in_cluster(host, next((c.name for c in clusters.values() if host.name in c.nodes), host.cluster))
        for host in hosts
    ]
    return FleetSnapshot(scanned_at=scanned_at, clusters=tuple(clusters.values()), hosts=tuple(hosts))


def _in_cluster(host: HostRecord, cluster: str | None) -> HostRecord:
    return host if host.cluster == cluster else replace(host, cluster=cluster)


def _remember_worker_pickles(outcomes: Sequence[HostOutcome]) -> None:
    """The records that worker processes pickled already: shipping the fleet on does not pickle them again."""
    remember_pickled_hosts(
        (outcome.assessed, outcome.assessed_pickle)
        for outcome in outcomes
        if outcome.assessed is not None and outcome.assessed_pickle is not None
    )


async def run_steps_on_loop(steps: Generator[None, None, T], slice_s: float) -> T:
    """Run a stepwise computation on the event loop's thread, giving the loop its turn every `slice_s`.

    For a GUI whose event loop this is (qasync): CPU-bound Python on a worker thread of the same process
    would take the GIL from the GUI thread for a switch interval at every one of its calls into Python
    (a 10,000-VM diagnosis made the event loop stall for 180-220 ms); in slices it never waits.
    """
    deadline = time.perf_counter() + slice_s
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return cast("T", done.value)
        if time.perf_counter() >= deadline:
            await asyncio.sleep(0)
            deadline = time.perf_counter() + slice_s


def _targets(
    entries: Sequence[InventoryEntry], password_for: PasswordFor, options: ScanOptions
) -> tuple[list[ScanTarget], list[HostOutcome]]:
    targets: list[ScanTarget] = []
    failed: list[HostOutcome] = []
    for entry in entries:
        endpoint = endpoint_for(entry)
        try:
            # Kerberos from the ticket cache and client certificates need no password: nobody is asked for one.
            password = password_for(entry) if entry.settings.needs_password else None
            guest = (
                options.guest_credential_for(entry)
                if options.guest_credential_for is not None
                else options.guest_credential
            )
        except Exception as error:
            remote = RemoteError(ErrorKind.CREDENTIAL, entry.name, str(error))
            failed.append(HostOutcome(ScanTarget(endpoint), None, remote, 0.0))
            continue
        since = options.since_for(entry.name) if options.since_for is not None else None
        guest_since = options.guest_since_for(entry.name) if options.guest_since_for is not None and guest else None
        targets.append(ScanTarget(endpoint, password, guest, since, guest_since))
    return targets, failed


async def scan_inventory(
    inventory: Inventory,
    password_for: PasswordFor,
    *,
    options: ScanOptions | None = None,
    on_result: Callable[[HostOutcome, ScanProgress], None] | None = None,
    cancelled: threading.Event | None = None,
    assess_in_slices_s: float | None = None,
    executor: ScanPool | None = None,
    assess_fleet_with: Callable[[FleetSnapshot], Awaitable[FleetSnapshot]] | None = None,
) -> FleetSnapshot:
    """Scan every host and cluster of the inventory; cluster nodes not listed are discovered and scanned too.

    `assess_in_slices_s`: run the final diagnosis in slices of this length, the loop running between them.
    It is O(fleet) (about 0.25 s for 10,000 VMs), which would stall a GUI whose event loop this is (qasync).
    `executor`: the pool for the host queries. By default a new one per call: worker processes from
    WORKER_PROCESSES_FROM_HOSTS hosts on (`scan_workers`), threads below. A GUI passes long-lived pools.
    `assess_fleet_with`: diagnoses the assembled fleet (instead of `assess_fleet` here); the GUI's runs it in
    a worker process (services/fleet_diagnosis.py).
    """
    options = options or ScanOptions()
    scanned_at = options.clock.now()
    targets, outcomes = _targets(inventory.entries, password_for, options)
    with contextlib.ExitStack() as owned:
        if executor is None and len(targets) >= WORKER_PROCESSES_FROM_HOSTS:
            executor = owned.enter_context(scan_workers(options.concurrency))
        unique = await _query_all(inventory, password_for, options, targets, outcomes, on_result, cancelled, executor)
    if assess_fleet_with is not None:
        _remember_worker_pickles(unique)
        return await assess_fleet_with(assembled_snapshot(unique, scanned_at))
    if assess_in_slices_s is not None:
        return await run_steps_on_loop(build_snapshot_steps(unique, scanned_at), assess_in_slices_s)
    return build_snapshot(unique, scanned_at)


async def _query_all(  # noqa: PLR0917 - the private second half of scan_inventory
    inventory: Inventory,
    password_for: PasswordFor,
    options: ScanOptions,
    targets: list[ScanTarget],
    outcomes: list[HostOutcome],
    on_result: Callable[[HostOutcome, ScanProgress], None] | None,
    cancelled: threading.Event | None,
    executor: ScanPool | None,
) -> list[HostOutcome]:
    finish = None
    if options.assess_each_host:
        finish = assess_alone_pickled if isinstance(executor, WorkerProcesses) else assess_alone

    async def query(batch: list[ScanTarget]) -> list[HostOutcome]:
        return await scan_hosts(
            batch,
            concurrency=options.concurrency,
            max_events=options.max_events,
            on_result=on_result,
            cancelled=cancelled,
            executor=executor,
            finish=finish,
        )

    outcomes += await query(targets)

    # Cluster discovery: a [[clusters]] entry names one node (or the cluster); its answer lists the others.
    cluster_entries = {entry.name for entry in inventory.entries if entry.kind == "cluster"}
    outcomes = [
        _as_node(outcome) if outcome.target.endpoint.host in cluster_entries else outcome for outcome in outcomes
    ]
    known = {short_name(outcome.target.endpoint.host) for outcome in outcomes}
    for outcome in list(outcomes):
        if outcome.scan is not None and outcome.scan.cluster is not None:
            known.add(short_name(outcome.scan.cluster.name))
    discovered: list[InventoryEntry] = []
    for outcome in list(outcomes):
        info = outcome.scan.cluster if outcome.scan else None
        entry = next((e for e in inventory.entries if e.kind == "cluster" and e.name == outcome.cluster_entry), None)
        if info is None or entry is None:
            continue
        for node in info.nodes:
            if short_name(node) not in known:
                known.add(short_name(node))
                discovered.append(replace(entry, kind="host", name=node, address=None))
    if discovered and not (cancelled and cancelled.is_set()):
        more_targets, more_failed = _targets(discovered, password_for, options)
        outcomes += more_failed
        outcomes += await query(more_targets)
    return _dedupe(outcomes)


def _as_node(outcome: HostOutcome) -> HostOutcome:
    """A cluster entry's answer comes from one node: name the record after that node, as its peers will."""
    scan = outcome.scan
    name = scan.computer_name if scan is not None else None
    if scan is None or not name:
        return replace(outcome, cluster_entry=outcome.target.endpoint.host)
    vms = tuple(replace(vm, host_name=name) for vm in scan.record.vms)
    record = replace(scan.record, name=name, vms=vms)
    target = replace(outcome.target, endpoint=replace(outcome.target.endpoint, host=name))
    return replace(
        outcome, target=target, scan=replace(scan, record=record), cluster_entry=outcome.target.endpoint.host
    )


def _dedupe(outcomes: list[HostOutcome]) -> list[HostOutcome]:
    seen: set[str] = set()
    unique = []
    for outcome in outcomes:
        key = short_name(outcome.target.endpoint.host)
        if key not in seen:
            seen.add(key)
            unique.append(outcome)
    return unique
