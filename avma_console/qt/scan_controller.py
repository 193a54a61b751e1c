"""Running scans for the GUI: passwords first, then the scan on the qasync loop, hosts into the model in batches.

`scan_inventory` reports each host as it answers (on the loop's thread, i.e. the GUI thread); the records
are queued and flushed into the model at most every `FLUSH_MS`, so a burst of answers becomes one
beginInsertRows per group instead of one per host. Each host is diagnosed on its own as it arrives (states
and host findings show at once); the finished scan's snapshot then adds the cluster-wide findings.

The GUI thread never does one long piece of scan work (DESIGN.md: no stall over 50 ms while 500 hosts are
scanned). Every step that touches the model (a flush, the finished snapshot) stops after `STEP_BUDGET_S` and
continues on the next pass of the event loop, so timers, input and painting run in between; progress is
shown at most every `PROGRESS_MS`. While a scan runs, `responsive_while_scanning` defers full garbage
collections (one traverses the whole heap, 10,000 VMs and all, with the GIL held: 50-140 ms in one piece)
until the scan is over. (Short GIL turns for the GUI thread are set once for the whole GUI process:
app.prefer_the_gui_thread.)
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QLocale, QObject, QTimer, Signal

from avma_console.domain.diagnosis import assess_fleet_steps, assess_host
from avma_console.domain.fleet import FleetSnapshot, HostRecord
from avma_console.domain.inventory import Inventory, InventoryEntry
from avma_console.qt.context import AppContext
from avma_console.qt.fleet_model import FleetModel
from avma_console.qt.passwords import PasswordAsker, PasswordBook
from avma_console.services.fleet_diagnosis import diagnosed_in_worker
from avma_console.services.guest_credentials import GuestCredentialResolver
from avma_console.services.scan import (
    WORKER_PROCESSES_FROM_HOSTS,
    PasswordFor,
    ScanOptions,
    record_of,
    run_steps_on_loop,
    scan_inventory,
    short_name,
)

FLUSH_MS = 100
PROGRESS_MS = 100
CANCELLED_KIND = "cancelled"
# The longest one GUI-thread step of a scan (a flush, a part of the finished snapshot) runs before the event
# loop gets its turn. Wall time, GIL waits included: a busy scan makes the steps smaller, not longer.
STEP_BUDGET_S = 0.008
MAX_FLUSH_CHUNK = 32  # hosts per upsert within a step (the chunk adapts to the measured cost per host)
# From this many hosts on, the fleet's diagnosis runs in a worker process (below, its few ms run here in slices,
# without a process round trip).
DIAGNOSIS_PROCESS_FROM_HOSTS = WORKER_PROCESSES_FROM_HOSTS
DEFERRED_FULL_COLLECTION = 1_000_000  # gc threshold 2 while a scan runs: no full collection until it ends


@contextlib.contextmanager
def responsive_while_scanning() -> Iterator[None]:
    """No full garbage collection while a scan runs.

    Afterwards the collector's thresholds are restored, and the heap is frozen
    (`gc.freeze`): the fleet just loaded (10,000 VMs are ~150,000 objects) lives as long as the console shows
    it, and a full collection that traverses it holds the GIL for 100+ ms, which would otherwise happen soon
    after every scan and again now and then while the operator works. Frozen objects are still freed by
    reference counting; the tree breaks its own cycles when it drops nodes (fleet_tree.release). What is
    lost is the rare cyclic garbage that reached the oldest generation during the scan.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], DEFERRED_FULL_COLLECTION)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.collect(1)  # the young garbage goes now (a few ms), so it is not frozen with the rest
        gc.freeze()


@dataclass(slots=True)
class StepTimes:
    """The GUI-thread steps of one scan (flushes, parts of the finished snapshot): how many and how long.

    `longest_s` is wall time (GIL waits included, so it depends on the machine's load); `longest_cpu_s` is the
    GUI thread's own CPU time, the work one step did. Benchmarks and tests read these.
    """

    count: int = 0
    total_s: float = 0.0
    longest_s: float = 0.0
    longest_cpu_s: float = 0.0

    def add(self, wall_s: float, cpu_s: float) -> None:
        self.count += 1
        self.total_s += wall_s
        self.longest_s = max(self.longest_s, wall_s)
        self.longest_cpu_s = max(self.longest_cpu_s, cpu_s)


@contextlib.contextmanager
def timed_step(times: StepTimes) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        times.add(time.perf_counter() - wall, time.thread_time() - cpu)


@dataclass(frozen=True, slots=True)
class ScanSummary:
    hosts: int
    vms: int
    unreachable: int
    cancelled: bool
    seconds: float


class ScanHook(Protocol):
    """Called around every scan (the history recorder, qt/history_recording.py). Implementations never raise."""

    async def before_scan(self, options: ScanOptions) -> ScanOptions: ...

    async def after_scan(self, snapshot: FleetSnapshot, *, cancelled: bool, partial: bool) -> FleetSnapshot: ...

    def scan_shown(self) -> None:
        """The snapshot `after_scan` returned is in the model (work that would compete with that may start)."""


def entry_for_host(inventory: Inventory, name: str, cluster: str | None = None) -> InventoryEntry | None:
    """The inventory entry that reaches a host: its own [[hosts]] entry, or its cluster's settings."""
    folded = short_name(name)
    for entry in inventory.hosts:
        if short_name(entry.name) == folded:
            return entry
    for entry in inventory.clusters:
        if short_name(entry.name) == folded:
            return replace(entry, kind="host")
    if cluster is not None:
        for entry in inventory.clusters:
            if short_name(entry.name) == short_name(cluster) or entry.name.casefold() == cluster.casefold():
                return replace(entry, kind="host", name=name, address=None)
        if inventory.clusters:
            return replace(inventory.clusters[0], kind="host", name=name, address=None)
    return None


class ScanController(QObject):
    started = Signal(int)  # hosts expected
    progressed = Signal(int, int, int)  # done, total, failed
    host_failed = Signal(object)  # HostRecord of an unreachable host
    host_recovered = Signal(str)  # a host that answered (clears an earlier error)
    finished = Signal(object)  # ScanSummary
    guest_problem = Signal(str)  # why some guests are scanned from the host side only (a missing password)

    def __init__(self, context: AppContext, model: FleetModel, asker: PasswordAsker | None = None) -> None:
        super().__init__()
        self._context = context
        self._model = model
        self._passwords = PasswordBook(context, asker)
        self._task: asyncio.Task[None] | None = None
        self._running = False
        self._cancelled: threading.Event | None = None
        self._pending: list[HostRecord] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush_step)
        # A flush that ran out of its budget continues on the next pass of the event loop.
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(0)
        self._step_timer.timeout.connect(self._flush_step)
        self._chunk = 4  # hosts per upsert; adapted to what a host costs (see _flush_step)
        self.steps = StepTimes()  # of the running or last scan
        # Progress is shown at most every PROGRESS_MS: a progress bar repaints on every change.
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(self._emit_progress)
        self._shown_progress: tuple[int, int, int] = (0, 0, 0)
        self._done = 0
        self._failed = 0
        self._totals: dict[int, int] = {}
        self._started_at = 0.0
        self.last_summary: ScanSummary | None = None
        self.hook: ScanHook | None = None  # history recording: narrows the options, completes the snapshot
        context.on_shutdown(self.shutdown)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def started_at(self) -> float:
        return self._started_at

    def start(self, inventory: Inventory | None = None) -> bool:
        """Scan the whole inventory; False if a scan runs already or there is nothing to scan."""
        inventory = inventory or self._context.inventory
        if self.running or inventory is None or not inventory.entries:
            return False
        self._running = True
        self._task = self._context.tasks.spawn(self._scan(inventory, complete=True), name="scan")
        return True

    def rescan_hosts(self, names: Sequence[str]) -> bool:
        """Scan some hosts again; the rest of the fleet stays and everything is re-diagnosed together."""
        inventory = self._context.inventory
        if self.running or inventory is None:
            return False
        entries: list[InventoryEntry] = []
        for name in names:
            node = self._model.host_node(name)
            entry = entry_for_host(inventory, name, node.record.cluster if node else None)
            if entry is not None and entry.kind == "host":
                entries.append(entry)
        if not entries:
            return False
        subset = Inventory(defaults=inventory.defaults, entries=tuple(entries), source=inventory.source)
        self._running = True
        self._task = self._context.tasks.spawn(self._scan(subset, complete=False), name="rescan")
        return True

    def cancel(self) -> None:
        if self._cancelled is not None:
            self._cancelled.set()

    def shutdown(self) -> None:
        self.cancel()
        self._progress_timer.stop()
        if self._task is not None:
            self._task.cancel()
        self._flush_timer.stop()
        self._step_timer.stop()

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.wait({self._task})

    # -- the scan -------------------------------------------------------------------------------------------
    async def _scan(self, inventory: Inventory, *, complete: bool) -> None:
        cancelled = threading.Event()
        self._cancelled = cancelled
        self.steps = StepTimes()
        self._done = self._failed = 0
        self._totals = {}
        self._started_at = time.monotonic()
        self.started.emit(len(inventory.entries))
        self._shown_progress = (0, len(inventory.entries), 0)
        self.progressed.emit(*self._shown_progress)
        self._progress_timer.start()
        try:
            passwords = await self._passwords.collect(inventory)
            with responsive_while_scanning():
                summary = await self._run(inventory, passwords.password_for, cancelled, complete=complete)
        finally:
            self._flush_timer.stop()
            self._step_timer.stop()
            self._progress_timer.stop()
            self._pending.clear()
            self._cancelled = None
            self._running = False
        self.finished.emit(summary)

    async def _guest_credentials(
        self, inventory: Inventory
    ) -> Callable[[InventoryEntry], Mapping[str, str] | None] | None:
        """The inventory's guest credentials (Connections > Guest credentials), found in the keyring on the
        executor before the scan; None where the console already knows them (the demo lab)."""
        if self._context.guest_credential is not None:
            return None
        resolver = GuestCredentialResolver(store=self._context.credentials, prompt=None)
        if not any(resolver.setting_for(entry) for entry in inventory.entries):
            return None
        problems = await self._context.tasks.run_blocking(resolver.resolve_each, inventory.entries)
        for problem in problems:
            self.guest_problem.emit(problem)
        return resolver.resolved

    async def _run(
        self, inventory: Inventory, password_for: PasswordFor, cancelled: threading.Event, *, complete: bool
    ) -> ScanSummary:
        concurrency = self._context.settings.concurrency
        options = ScanOptions(
            concurrency=concurrency,
            guest_credential=self._context.guest_credential,
            guest_credential_for=await self._guest_credentials(inventory),
            assess_each_host=True,
            clock=self._context.clock,
        )
        if self.hook is not None:
            options = await self.hook.before_scan(options)
        if len(inventory.entries) >= DIAGNOSIS_PROCESS_FROM_HOSTS:
            # The worker starts while the hosts are asked (it is kept for the next scans).
            self._context.executor.submit(self._context.fleet_diagnoser().start)
        snapshot = await scan_inventory(
            inventory,
            password_for,
            options=options,
            on_result=lambda outcome, progress: self._answered(
                outcome.assessed or assess_host(record_of(outcome)), id(progress), progress.total
            ),
            cancelled=cancelled,
            executor=self._context.scan_pool(concurrency, len(inventory.entries)),
            assess_fleet_with=self._diagnosed,
        )
        await self._drain()
        self._emit_progress()
        was_cancelled = cancelled.is_set()
        if not complete:
            snapshot = await self._merged(snapshot)
        if self.hook is not None:
            snapshot = await self.hook.after_scan(snapshot, cancelled=was_cancelled, partial=not complete)
        hosts = tuple(host for host in snapshot.hosts if host.error_kind != CANCELLED_KIND)
        try:
            await self._apply(replace(snapshot, hosts=hosts), complete=complete and not was_cancelled)
        finally:
            if self.hook is not None:
                self.hook.scan_shown()
        unreachable = [host for host in hosts if not host.reachable]
        for host in unreachable:
            self.host_failed.emit(host)
        summary = ScanSummary(
            hosts=len(hosts),
            vms=sum(len(host.vms) for host in hosts),
            unreachable=len(unreachable),
            cancelled=was_cancelled,
            seconds=time.monotonic() - self._started_at,
        )
        self.last_summary = summary
        return summary

    async def _apply(self, snapshot: FleetSnapshot, *, complete: bool) -> None:
        """The finished scan into the model in steps of at most STEP_BUDGET_S, the event loop running between."""
        steps = self._model.apply_snapshot_steps(snapshot, complete=complete)
        finished = False
        while not finished:
            with timed_step(self.steps):
                deadline = time.perf_counter() + STEP_BUDGET_S
                finished = True
                for _ in steps:
                    if time.perf_counter() >= deadline:
                        finished = False
                        break
            if not finished:
                await asyncio.sleep(0)

    async def _merged(self, partial: FleetSnapshot) -> FleetSnapshot:
        """The model's fleet with the re-scanned hosts replaced, diagnosed as one fleet again."""
        current = self._model.snapshot()
        fresh = {host.name.casefold(): host for host in partial.hosts if host.error_kind != CANCELLED_KIND}
        hosts = [fresh.pop(host.name.casefold(), host) for host in current.hosts]
        hosts += list(fresh.values())
        clusters = {cluster.name.casefold(): cluster for cluster in current.clusters}
        clusters.update({cluster.name.casefold(): cluster for cluster in partial.clusters})
        return await self._diagnosed(replace(current, hosts=tuple(hosts), clusters=tuple(clusters.values())))

    async def _diagnosed(self, snapshot: FleetSnapshot) -> FleetSnapshot:
        """The fleet diagnosed as one (cluster findings need every node): in the fleet diagnosis process
        (services/fleet_diagnosis.py), this thread only packing and unpacking it in slices; a small fleet
        here in slices."""
        if len(snapshot.hosts) < DIAGNOSIS_PROCESS_FROM_HOSTS:
            return await run_steps_on_loop(assess_fleet_steps(snapshot), STEP_BUDGET_S)
        diagnoser = self._context.fleet_diagnoser()
        return await diagnosed_in_worker(diagnoser, snapshot, self._context.executor, STEP_BUDGET_S)

    def _answered(self, record: HostRecord, phase: int, phase_total: int) -> None:
        """One host answered (called on the GUI thread by the scan's loop)."""
        self._totals[phase] = phase_total
        self._done += 1
        if record.error_kind != CANCELLED_KIND:
            self._failed += 0 if record.reachable else 1
            self._pending.append(record)
        if not self._flush_timer.isActive() and not self._step_timer.isActive():
            self._flush_timer.start()

    def _emit_progress(self) -> None:
        progress = (self._done, max(self._done, sum(self._totals.values())), self._failed)
        if progress != self._shown_progress:
            self._shown_progress = progress
            self.progressed.emit(*progress)

    def _flush_step(self) -> bool:
        """Put queued hosts (diagnosed on their own, off this thread) into the model for at most STEP_BUDGET_S.

        Hosts go in chunks sized from the measured cost per host; what is left when the budget is spent
        continues on the next pass of the event loop. True if hosts are still queued.
        """
        if not self._pending:
            return False
        with timed_step(self.steps):
            self._flush_chunks()
        if self._pending:
            self._step_timer.start()
        return bool(self._pending)

    def _flush_chunks(self) -> None:
        deadline = time.perf_counter() + STEP_BUDGET_S
        while self._pending:
            chunk = self._pending[: self._chunk]
            del self._pending[: len(chunk)]
            chunk_started = time.perf_counter()
            self._model.upsert_hosts(chunk)
            for host in chunk:
                if host.reachable:
                    self.host_recovered.emit(host.name)
                else:
                    self.host_failed.emit(host)
            now = time.perf_counter()
            per_host = (now - chunk_started) / len(chunk)
            # Half the budget per chunk, so a step rarely overshoots it by a whole chunk.
            self._chunk = max(1, min(MAX_FLUSH_CHUNK, int(STEP_BUDGET_S / 2 / max(per_host, 1e-6))))
            if now >= deadline:
                break

    async def _drain(self) -> None:
        """Flush everything still queued, step by step (the scan is over: no need to wait for the timer)."""
        self._flush_timer.stop()
        self._step_timer.stop()
        while self._flush_step():
            self._step_timer.stop()
            await asyncio.sleep(0)


def scan_status_text(summary: ScanSummary) -> str:
    host_count, vm_count = summary.hosts, summary.vms  # plain names: lupdate misreads n given as an attribute
    hosts = QCoreApplication.translate("ScanController", "%n hosts", "", host_count)
    vms = QCoreApplication.translate("ScanController", "%n VMs", "", vm_count)
    seconds = QLocale().toString(summary.seconds, "f", 1)
    if summary.cancelled:
        text = QCoreApplication.translate("ScanController", "Scan cancelled after {seconds} s: {hosts}, {vms} so far")
    else:
        text = QCoreApplication.translate("ScanController", "Scanned {hosts}, {vms} in {seconds} s")
    text = text.format(hosts=hosts, vms=vms, seconds=seconds)
    if summary.unreachable:
        text += QCoreApplication.translate(
            "ScanController", "; hosts that could not be queried: {count} (see Errors)"
        ).format(count=summary.unreachable)
    return text
