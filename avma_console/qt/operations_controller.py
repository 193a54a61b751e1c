"""Write actions for the GUI: run a confirmed plan (push keys, enable Data Exchange, clean up KVP data).

The dialogs plan (pure, `services.operations` / `services.kvp_operations`) and the operator confirms; this
controller then carries the plan out on the qasync loop without blocking the GUI thread:

- the audit log is opened on the executor (it creates its file) before anything runs; if it cannot be
  written, nothing runs (the services refuse unaudited changes, and so does the console);
- host passwords are gathered the way scans gather them (keyring on the executor, "prompt" entries asked
  with a non-modal dialog), cached per inventory, and resolved into `HostAccess` on a worker thread, so
  `execute_*` never reaches a blocking keyring from the GUI thread;
- `execute_*` runs the VMs on the context's scan pool and reports every result as it arrives
  (`result_ready`, on the GUI thread); `cancel()` sets the run's `threading.Event`, so VMs not yet started
  are not attempted;
- afterwards the touched hosts are scanned again (the scan controller's `rescan_hosts`), so the tree
  shows the new states.

Every attempt is recorded in the audit log by the services themselves.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from avma_console.domain.fleet import FleetSnapshot, HostRecord, VmRecord
from avma_console.domain.inventory import Inventory
from avma_console.qt.context import AppContext
from avma_console.qt.fleet_tree import GroupNode, HostNode, Node, VmNode
from avma_console.qt.passwords import PasswordAsker, PasswordBook, Passwords
from avma_console.qt.scan_controller import ScanController
from avma_console.qt.text import translator
from avma_console.services.audit import AuditLog, AuditLogError, TeeAuditLog
from avma_console.services.credentials import CredentialError
from avma_console.services.operations import (
    DEFAULT_CONCURRENCY,
    Action,
    AnyPlan,
    AnyResult,
    GuestAddress,
    GuestCredential,
    GuestCredentials,
    HostAccess,
    OperationProgress,
    ResultStatus,
    RunContext,
    Target,
    execute_plan,
    has_stale_kvp,
)
from avma_console.services.ops_command import GUEST_KEYRING_TARGET

ATTEMPTED = frozenset({ResultStatus.SUCCEEDED, ResultStatus.UNCHANGED, ResultStatus.FAILED})


_tr = translator("Operations")


def action_title(action: Action) -> str:
    titles = {
        Action.PUSH_KEY: _tr("Push AVMA key"),
        Action.ENABLE_KVP: _tr("Enable Data Exchange"),
        Action.KVP_CLEANUP: _tr("Clean up KVP data"),
    }
    return titles[action]


@dataclass(frozen=True, slots=True, eq=False)
class OperationRequest:
    """What the operator confirmed: the plan as shown, the guest credentials, and whether to keep them."""

    action: Action
    plan: AnyPlan
    credentials: GuestCredentials = field(default_factory=GuestCredentials)
    save_credential: GuestCredential | None = None  # store in the OS keyring ("USER@guests") before running


# ---------------------------------------------------------------------------------------------------------
# What a selection means for each action


def wanted_by_default(action: Action, vm: VmRecord) -> bool:
    """VMs a selected host or cluster row contributes (a VM row always counts on its own)."""
    if action is Action.PUSH_KEY:
        return vm.state.is_problem
    if action is Action.ENABLE_KVP:
        return vm.kvp_enabled is False
    return has_stale_kvp(vm)


def targets_of(action: Action, selected: Iterable[tuple[Node, Sequence[VmNode]]]) -> list[Target]:
    """(host, VM) pairs for the selected rows, in the order given, each VM once.

    `selected` pairs every selected node with the VM rows under it that the view shows (a filter may hide
    some); host and cluster rows contribute those VMs the action is meant for (`wanted_by_default`).
    """
    chosen: dict[str, Target] = {}
    for node, shown_vms in selected:
        if isinstance(node, VmNode):
            chosen.setdefault(node.record.vm_id, (node.parent.record, node.record))
            continue
        if isinstance(node, HostNode | GroupNode):
            for vm in shown_vms:
                if wanted_by_default(action, vm.record):
                    chosen.setdefault(vm.record.vm_id, (vm.parent.record, vm.record))
    return list(chosen.values())


def demo_guest_addresses(context: AppContext) -> dict[str, GuestAddress]:
    """The demo lab's guest listeners (its 2012 R2 guests' own WinRM), by VM id; empty without the demo."""
    lab = context.demo_lab
    if lab is None:
        return {}
    addresses: dict[str, GuestAddress] = {}
    for line in lab.endpoints:
        vm_id, port = line.get("vm_id"), line.get("port")
        if "guest" in line and isinstance(vm_id, str) and isinstance(port, int):
            addresses[vm_id.upper()] = GuestAddress("127.0.0.1", port)
    return addresses


def known_guest_credential(context: AppContext) -> GuestCredential | None:
    """The guest account the console already knows in memory (the demo lab's, or the one scans use)."""
    from avma_console.services.credentials import Secret  # noqa: PLC0415 - keeps the import list short

    known = context.guest_credential
    if not known or not known.get("username") or not known.get("password"):
        return None
    return GuestCredential(known["username"], Secret(known["password"]))


def touched_hosts(results: Iterable[AnyResult]) -> list[str]:
    """Hosts where something was attempted (refused and cancelled VMs changed nothing), in result order."""
    names: dict[str, None] = {}
    for result in results:
        if result.status in ATTEMPTED:
            names.setdefault(result.host, None)
    return list(names)


# ---------------------------------------------------------------------------------------------------------


class OperationsController(QObject):
    """Runs one confirmed write action at a time; results arrive per VM, then the touched hosts are rescanned."""

    started = Signal(str, int)  # action value, VMs in the plan
    result_ready = Signal(
        object, int, int, int
    )  # result (PushResult | KvpEnableResult | KvpCleanupResult), done, total, failed
    finished = Signal(str, object)  # action value, list of results in plan order (what arrived, if the run broke)
    problem = Signal(str, str)  # title, message: the run did not start (nothing was changed)
    status = Signal(str)  # a line for the status bar
    rescan_started = Signal(object)  # list of host names scanned again after the run

    def __init__(
        self,
        context: AppContext,
        scans: ScanController | None = None,
        asker: PasswordAsker | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._scans = scans
        self._book = PasswordBook(context, asker)
        self._passwords: tuple[Inventory, Passwords] | None = None
        self._task: asyncio.Task[None] | None = None
        # Where write actions are recorded besides the local file (the history's audit table), if anywhere.
        self.history_audit: Callable[[], Awaitable[AuditLog | None]] | None = None
        self._cancelled: threading.Event | None = None
        self._running = False
        self.concurrency = DEFAULT_CONCURRENCY
        self.last_results: list[AnyResult] = []
        context.on_shutdown(self.cancel)

    @property
    def running(self) -> bool:
        return self._running

    def start(self, request: OperationRequest) -> bool:
        """Carry out a confirmed plan; False (and nothing runs) while another run is going on."""
        if self._running:
            return False
        self._running = True
        self._cancelled = threading.Event()
        self._task = self._context.tasks.spawn(self._run(request, self._cancelled), name=request.action.value)
        self.started.emit(request.action.value, len(request.plan.items))
        return True

    def cancel(self) -> None:
        """VMs not started yet are not attempted; those under way finish (a key install cannot be undone)."""
        if self._cancelled is not None:
            self._cancelled.set()

    @property
    def cancelling(self) -> bool:
        return self._cancelled is not None and self._cancelled.is_set()

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.wait({self._task})

    def forget_passwords(self) -> None:
        """Drop cached host passwords (another inventory, or the operator changed connections)."""
        self._passwords = None

    # -- the run ---------------------------------------------------------------------------------------------
    async def _run(self, request: OperationRequest, cancelled: threading.Event) -> None:
        arrived: list[AnyResult] = []
        try:
            prepared = await self._prepare(request)
            if isinstance(prepared, str):
                self._end(arrived)
                self.problem.emit(_tr("Nothing was changed"), prepared)
                return
            access, audit = prepared

            def on_result(result: AnyResult, progress: OperationProgress) -> None:
                arrived.append(result)
                self.result_ready.emit(result, progress.done, progress.total, progress.failed)

            arrived = await self._execute(request, access, audit, on_result, cancelled)
        except Exception:
            # A bug (reported by the task runner): the window still learns that the run is over.
            self._end(arrived)
            self.finished.emit(request.action.value, arrived)
            raise
        finally:
            self._end(arrived)  # also when cancelled at shutdown
        self.finished.emit(request.action.value, arrived)
        self._rescan(arrived)

    async def _execute(
        self,
        request: OperationRequest,
        access: HostAccess,
        audit: AuditLog,
        on_result: Callable[[Any, OperationProgress], None],
        cancelled: threading.Event,
    ) -> list[AnyResult]:
        pool = self._context.query_threads(self._context.settings.concurrency)
        concurrency = max(1, min(self.concurrency, self._context.settings.concurrency))
        context = RunContext(access, audit, request.credentials)
        return await execute_plan(
            request.plan, context, concurrency=concurrency, on_result=on_result, cancelled=cancelled, executor=pool
        )

    def _end(self, arrived: list[AnyResult]) -> None:
        self._running = False
        self._cancelled = None
        self.last_results = arrived

    async def _prepare(self, request: OperationRequest) -> tuple[HostAccess, AuditLog] | str:
        """The audit log and the host passwords, or why the run cannot start."""
        inventory = self._context.inventory
        if inventory is None:
            return _tr("No inventory is open; open one or start the demo, then scan.")
        try:
            audit: AuditLog = await self._context.tasks.run_blocking(self._context.audit_log)
        except AuditLogError as error:
            return str(error)
        if self.history_audit is not None:
            history = await self.history_audit()
            if history is not None:
                audit = TeeAuditLog(audit, history)
        if request.save_credential is not None:
            await self._save_guest_credential(request.save_credential)
        passwords = await self._host_passwords(inventory)
        access = HostAccess(inventory, passwords.password_for)
        hosts = {item.host.name.casefold(): item.host for item in request.plan.items if item.runnable}
        # Anything not gathered yet (a node found through its cluster) is looked up here, off the GUI thread.
        await self._context.tasks.run_blocking(access.resolve_passwords, list(hosts.values()))
        return access, audit

    async def _host_passwords(self, inventory: Inventory) -> Passwords:
        cached = self._passwords
        if cached is not None and cached[0] is inventory:
            return cached[1]
        passwords = await self._book.collect(inventory)
        self._passwords = (inventory, passwords)
        return passwords

    async def _save_guest_credential(self, credential: GuestCredential) -> None:
        store = self._context.credentials
        try:
            await self._context.tasks.run_blocking(
                store.set, GUEST_KEYRING_TARGET, credential.username, credential.password.reveal()
            )
        except CredentialError as error:
            self.status.emit(_tr("The guest password was not saved: {error}").format(error=error))
        else:
            self.status.emit(
                _tr("Saved the password of {user} for guests in the OS keyring").format(user=credential.username)
            )

    def _rescan(self, results: Sequence[AnyResult]) -> None:
        hosts = touched_hosts(results)
        if not hosts or self._scans is None or self._context.closed:
            return
        if self._scans.rescan_hosts(hosts):
            self.rescan_started.emit(hosts)
        else:
            self.status.emit(_tr("Scan again (F5) to see the new states: the hosts could not be rescanned now"))


def snapshot_targets(snapshot: FleetSnapshot, names: Iterable[tuple[str, str]]) -> list[tuple[HostRecord, VmRecord]]:
    """(host, VM) records of a snapshot by (host name, VM name); unknown pairs are skipped."""
    wanted = {(host.casefold(), vm) for host, vm in names}
    return [(host, vm) for host in snapshot.hosts for vm in host.vms if (host.name.casefold(), vm.name) in wanted]
