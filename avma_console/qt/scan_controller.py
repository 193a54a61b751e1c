"""Running scans for the GUI: passwords first, then the scan on the qasync loop, hosts into the model in batches.

`scan_inventory` reports each host as it answers (on the loop's thread, i.e. the GUI thread); the records
are queued and flushed into the model at most every `FLUSH_MS`, so a burst of answers becomes one
beginInsertRows per group instead of one per host. Each host is diagnosed on its own as it arrives (states
and host findings show at once); the finished scan's snapshot then adds the cluster-wide findings.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from avma_console.domain.diagnosis import assess_fleet, assess_host
from avma_console.domain.fleet import FleetSnapshot, HostRecord
from avma_console.domain.inventory import Inventory, InventoryEntry
from avma_console.qt.context import AppContext
from avma_console.qt.fleet_model import FleetModel
from avma_console.qt.passwords import PasswordAsker, PasswordBook
from avma_console.services.scan import ScanOptions, record_of, scan_inventory, short_name

FLUSH_MS = 100
PROGRESS_MS = 100
CANCELLED_KIND = "cancelled"


@dataclass(frozen=True, slots=True)
class ScanSummary:
    hosts: int
    vms: int
    unreachable: int
    cancelled: bool
    seconds: float


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
        self._flush_timer.timeout.connect(self.flush)
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

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.wait({self._task})

    # -- the scan -------------------------------------------------------------------------------------------
    async def _scan(self, inventory: Inventory, *, complete: bool) -> None:
        cancelled = threading.Event()
        self._cancelled = cancelled
        self._done = self._failed = 0
        self._totals = {}
        self._started_at = time.monotonic()
        self.started.emit(len(inventory.entries))
        self._shown_progress = (0, len(inventory.entries), 0)
        self.progressed.emit(*self._shown_progress)
        self._progress_timer.start()
        try:
            passwords = await self._passwords.collect(inventory)
            concurrency = self._context.settings.concurrency
            options = ScanOptions(concurrency=concurrency, guest_credential=self._context.guest_credential)
            snapshot = await scan_inventory(
                inventory,
                passwords.password_for,
                options=options,
                on_result=lambda outcome, progress: self._answered(
                    outcome.assessed or assess_host(record_of(outcome)), id(progress), progress.total
                ),
                cancelled=cancelled,
                assess_executor=self._context.executor,
                executor=self._context.scan_pool(concurrency),
            )
            self.flush()
            self._emit_progress()
            was_cancelled = cancelled.is_set()
            if not complete:
                snapshot = await self._merged(snapshot)
            hosts = tuple(host for host in snapshot.hosts if host.error_kind != CANCELLED_KIND)
            self._model.apply_snapshot(replace(snapshot, hosts=hosts), complete=complete and not was_cancelled)
            for host in hosts:
                if not host.reachable:
                    self.host_failed.emit(host)
            summary = ScanSummary(
                hosts=len(hosts),
                vms=sum(len(host.vms) for host in hosts),
                unreachable=sum(1 for host in hosts if not host.reachable),
                cancelled=was_cancelled,
                seconds=time.monotonic() - self._started_at,
            )
            self.last_summary = summary
        finally:
            self._flush_timer.stop()
            self._progress_timer.stop()
            self._pending.clear()
            self._cancelled = None
            self._running = False
        self.finished.emit(summary)

    async def _merged(self, partial: FleetSnapshot) -> FleetSnapshot:
        """The model's fleet with the re-scanned hosts replaced, diagnosed as one fleet again."""
        current = self._model.snapshot()
        fresh = {host.name.casefold(): host for host in partial.hosts if host.error_kind != CANCELLED_KIND}
        hosts = [fresh.pop(host.name.casefold(), host) for host in current.hosts]
        hosts += list(fresh.values())
        clusters = {cluster.name.casefold(): cluster for cluster in current.clusters}
        clusters.update({cluster.name.casefold(): cluster for cluster in partial.clusters})
        merged = replace(current, hosts=tuple(hosts), clusters=tuple(clusters.values()))
        return await self._context.tasks.run_blocking(assess_fleet, merged)

    def _answered(self, record: HostRecord, phase: int, phase_total: int) -> None:
        """One host answered (called on the GUI thread by the scan's loop)."""
        self._totals[phase] = phase_total
        self._done += 1
        if record.error_kind != CANCELLED_KIND:
            self._failed += 0 if record.reachable else 1
            self._pending.append(record)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _emit_progress(self) -> None:
        progress = (self._done, max(self._done, sum(self._totals.values())), self._failed)
        if progress != self._shown_progress:
            self._shown_progress = progress
            self.progressed.emit(*progress)

    def flush(self) -> None:
        """Put the queued hosts (already diagnosed on their own, off this thread) into the model in one batch."""
        assessed, self._pending = self._pending, []
        if not assessed:
            return
        self._model.upsert_hosts(assessed)
        for host in assessed:
            if host.reachable:
                self.host_recovered.emit(host.name)
            else:
                self.host_failed.emit(host)


def scan_status_text(summary: ScanSummary) -> str:
    tr = QCoreApplication.translate
    if summary.cancelled:
        text = tr("ScanController", "Scan cancelled after {seconds:.1f} s: {hosts} hosts, {vms} VMs so far")
    else:
        text = tr("ScanController", "Scanned {hosts} hosts, {vms} VMs in {seconds:.1f} s")
    text = text.format(hosts=summary.hosts, vms=summary.vms, seconds=summary.seconds)
    if summary.unreachable:
        text += tr("ScanController", "; hosts that could not be queried: {count} (see Errors)").format(
            count=summary.unreachable
        )
    return text
