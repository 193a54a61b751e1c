"""The one way every write action runs: for each VM of a plan, refused items are reported as refused and
not attempted, runnable ones run remotely (at most `concurrency` at once, stoppable), and every attempt and
every refusal is recorded in the audit log before it is reported. No change may go unaudited: when the
audit log cannot be written, the run stops.

An action declares what differs as an `ActionSpec` (see `push_key`, `enable_kvp`, `kvp_cleanup`); the CLI
(`ops_command`) and the GUI (`qt.operations_controller`) both call `execute`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypedDict, TypeVar

from avma_console.domain.fleet import HostRecord
from avma_console.domain.i18n import tr_text
from avma_console.remote.errors import RemoteError
from avma_console.remote.fanout import Progress, run_bounded
from avma_console.services.audit import AuditEntry, AuditLog, AuditLogError, local_operator, scrub_secrets
from avma_console.services.logs import service_logger
from avma_console.services.operations.access import (
    GuestAddress,
    GuestCredential,
    GuestCredentials,
    HostAccess,
    host_account,
    remote_message,
    run_script,
)
from avma_console.services.operations.model import (
    DEFAULT_CONCURRENCY,
    Action,
    PlanItem,
    ResultBase,
    ResultStatus,
    refusal_text,
)

_log = service_logger(__name__)  # VM names come from hosts: escaped

OperationProgress = Progress  # an operation's view of the shared progress counter
# How long install_key.ps1 waits inside the guest for the AVMA answer after installing an AVMA key.
DEFAULT_SETTLE_SECONDS = 30

ItemT = TypeVar("ItemT", bound=PlanItem)
ItemT_contra = TypeVar("ItemT_contra", bound=PlanItem, contravariant=True)
ResultT = TypeVar("ResultT", bound=ResultBase)
_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


@dataclass(frozen=True, slots=True, eq=False)
class RunContext:
    """What a run reaches hosts and guests with, and where it records what it did."""

    access: HostAccess
    audit: AuditLog
    credentials: GuestCredentials = field(default_factory=GuestCredentials)
    settle_seconds: int = DEFAULT_SETTLE_SECONDS

    def secrets(self) -> list[str]:
        return [*self.credentials.secrets(), *self.access.secrets()]

    def on_host(self, host: HostRecord, script: str, params: Mapping[str, object]) -> dict[str, Any]:
        """Run one of the console's scripts on the host over its own WinRM connection (RemoteError on failure)."""
        return run_script(self.access.host_endpoint(host), self.access.host_password(host), script, params)

    def in_guest(
        self,
        item: PlanItem,
        address: GuestAddress,
        credential: GuestCredential,
        script: str,
        params: Mapping[str, object],
    ) -> dict[str, Any]:
        """Run one of the console's scripts over WinRM straight to the guest, as the guest account."""
        endpoint = self.access.guest_endpoint(item.host, item.vm, address, credential.username)
        return run_script(endpoint, credential.password.reveal(), script, params)

    def host_account(self, host: HostRecord) -> str:
        return host_account(self.access, host)


def failure_text(error: RemoteError, secrets: Sequence[str], *, guest: bool) -> str:
    """A remote failure as a result's error text, scrubbed of every secret of the run."""
    return scrub_secrets(remote_message(error, guest=guest), secrets) or error.message


class RunOptions(TypedDict, total=False):
    """How a plan runs: VMs at once, per-result callback (on the loop's thread), cancel flag, thread pool."""

    concurrency: int
    on_result: Callable[[Any, OperationProgress], None] | None
    cancelled: threading.Event | None
    executor: ThreadPoolExecutor | None


class ActionSpec(Protocol[ItemT_contra, ResultT]):
    """What one action declares; the runner does the rest."""

    action: Action
    overridable: bool  # may the operator override its refusals (--force)?

    def password_hosts(self, items: Sequence[ItemT_contra]) -> Iterable[HostRecord]:
        """The hosts whose passwords the run will need (resolved up front, on the caller's thread)."""
        ...

    def plain_result(self, item: ItemT_contra, status: ResultStatus, error: str | None) -> ResultT:
        """The result of an item that did not run (refused, cancelled) or failed before any answer."""
        ...

    def run_remote(self, context: RunContext, item: ItemT_contra, secrets: list[str]) -> ResultT:
        """Carry out one runnable item; errors are results, scrubbed of `secrets`."""
        ...

    def audit_who(self, context: RunContext, item: ItemT_contra) -> str:
        """The account the change ran as."""
        ...

    def audit_key(self, item: ItemT_contra) -> str | None:
        """The last five characters of the key the change installed, where it installs one."""
        ...

    def audit_details(self, context: RunContext, item: ItemT_contra, result: ResultT) -> dict[str, object]:
        """What the audit entry says beyond who/what/result (None values are left out)."""
        ...


class HostSideAction:
    """Defaults for an action that runs on the host as the host's account and installs no key."""

    overridable = True

    def password_hosts(self, items: Sequence[PlanItem]) -> Iterable[HostRecord]:
        return (item.host for item in items)

    def audit_who(self, context: RunContext, item: PlanItem) -> str:
        return context.host_account(item.host)

    def audit_key(self, item: PlanItem) -> str | None:
        return None


def base_details(forced: bool, **extra: object) -> dict[str, object]:
    return {"operator": local_operator(), "forced": forced, **{k: v for k, v in extra.items() if v is not None}}


def record_or_stop(audit: AuditLog, entry: AuditEntry, stop: threading.Event) -> str | None:
    """Record one entry; on failure stop the run (no change may go unaudited) and say why."""
    try:
        audit.record(entry)
    except AuditLogError as error:
        stop.set()
        return tr_text("Operations", "{error}; no further changes were made", error=str(error))
    return None


def run_one(spec: ActionSpec[ItemT, ResultT], context: RunContext, item: ItemT, stop: threading.Event) -> ResultT:
    """One VM: refused or run, then audited (on a worker thread)."""
    if stop.is_set():
        return spec.plain_result(
            item, ResultStatus.CANCELLED, tr_text("Operations", "not attempted: the run was stopped")
        )
    secrets = context.secrets()
    if item.runnable:
        result = spec.run_remote(context, item, secrets)
    else:
        text = refusal_text(item.refusals, forced_possible=spec.overridable and not item.forced)
        result = spec.plain_result(item, ResultStatus.REFUSED, text)
    entry = AuditEntry(
        at=context.audit.clock.now(),
        who=spec.audit_who(context, item),
        action=spec.action.value,
        result=result.status.value,
        target_host=item.host.name,
        target_vm=item.vm.name,
        vm_id=item.vm.vm_id,
        key_last5=spec.audit_key(item),
        error=scrub_secrets(result.error, secrets),
        details=base_details(item.forced, **spec.audit_details(context, item, result)),
    )
    audit_error = record_or_stop(context.audit, entry, stop)
    _log.info("%s %s/%s: %s", spec.action.value, item.host.name, item.vm.name, result.status.value)
    return replace(result, audit_error=audit_error) if audit_error else result  # type: ignore[type-var]


async def run_all(
    items: Sequence[_Item],
    work: Callable[[_Item, threading.Event], _Result],
    *,
    cancelled_result: Callable[[_Item], _Result],
    is_ok: Callable[[_Result], bool],
    concurrency: int,
    on_result: Callable[[_Result, OperationProgress], None] | None,
    cancelled: threading.Event | None,
    executor: ThreadPoolExecutor | None,
) -> list[_Result]:
    """Run `work` for every item on a thread pool, reporting results as they arrive (on the loop's thread)."""
    return await run_bounded(
        items,
        work,
        cancelled_result=cancelled_result,
        is_ok=is_ok,
        concurrency=concurrency,
        on_result=on_result,
        cancelled=cancelled,
        executor=executor,
        thread_name_prefix="avma-ops",
    )


@dataclass(frozen=True, slots=True)
class Runner(Generic[ItemT, ResultT]):
    """Runs one action's plans: `await Runner(spec).execute(items, context, ...)`."""

    spec: ActionSpec[ItemT, ResultT]

    async def execute(
        self,
        items: Sequence[ItemT],
        context: RunContext,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        on_result: Callable[[ResultT, OperationProgress], None] | None = None,
        cancelled: threading.Event | None = None,
        executor: ThreadPoolExecutor | None = None,
    ) -> list[ResultT]:
        """Results come in plan order; `on_result` sees each as it arrives (on the event loop's thread)."""
        spec = self.spec
        context.access.resolve_passwords(spec.password_hosts([item for item in items if item.runnable]))
        return await run_all(
            items,
            lambda item, stop: run_one(spec, context, item, stop),
            cancelled_result=lambda item: spec.plain_result(item, ResultStatus.CANCELLED, "not attempted: cancelled"),
            is_ok=lambda result: result.ok,
            concurrency=concurrency,
            on_result=on_result,
            cancelled=cancelled,
            executor=executor,
        )
