"""Enabling Data Exchange (the KVP integration service, found by its ID): what differs from the other actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Unpack

from avma_console.domain.fleet import FleetSnapshot, HostRecord, VmRecord
from avma_console.domain.i18n import tr_text
from avma_console.domain.keys import KeyChannel
from avma_console.remote.errors import RemoteError
from avma_console.remote.parsing import as_bool, as_text
from avma_console.services.audit import AuditLog
from avma_console.services.operations import model
from avma_console.services.operations.access import HostAccess
from avma_console.services.operations.model import Action, Refusal, ResultStatus, Target
from avma_console.services.operations.runner import HostSideAction, RunContext, Runner, RunOptions, failure_text


@dataclass(frozen=True, slots=True)
class KvpEnablePlanItem:
    host: HostRecord
    vm: VmRecord
    refusals: tuple[Refusal, ...]
    notes: tuple[str, ...]

    @property
    def runnable(self) -> bool:
        return not self.refusals

    @property
    def forced(self) -> bool:
        return False  # nothing to override: the only refusal is an unreachable host


@dataclass(frozen=True, slots=True)
class KvpEnablePlan(model.PlanBase[KvpEnablePlanItem]):
    items: tuple[KvpEnablePlanItem, ...]


def plan_kvp_enable(snapshot: FleetSnapshot, targets: Sequence[Target] | None = None) -> KvpEnablePlan:
    """`targets` None: every VM whose Data Exchange is disabled."""
    if targets is None:
        targets = [(host, vm) for host, vm in model.reachable_targets(snapshot) if vm.kvp_enabled is False]
    items = []
    for host, vm in targets:
        refusals: list[Refusal] = []
        notes: list[str] = []
        if not host.reachable:
            refusals.append(model.unreachable_refusal(host))
        if vm.kvp_enabled:
            notes.append(tr_text("Operations", "already enabled; nothing changes"))
        elif vm.guest_license is not None and vm.guest_license.channel is KeyChannel.AVMA:
            notes.append(tr_text("Operations", "its next AVMA attempt reaches the host again"))
        items.append(KvpEnablePlanItem(host, vm, tuple(refusals), tuple(notes)))
    return KvpEnablePlan(tuple(items))


@dataclass(frozen=True, slots=True)
class KvpEnableResult(model.ResultBase):
    host: str
    vm: str
    vm_id: str
    status: ResultStatus
    error: str | None = None
    enabled_before: bool | None = None
    enabled_after: bool | None = None
    status_before: str | None = None  # PrimaryStatusDescription: OK, No Contact, or empty while off
    status_after: str | None = None
    audit_error: str | None = None

    action: ClassVar[Action] = Action.ENABLE_KVP

    def change_text(self) -> str:
        """Before and after, or the error where the host gave no answer."""
        if self.enabled_before is None and self.enabled_after is None:
            return self.error or self.status.value
        text = f"{_enabled_text(self.enabled_before)} -> {_enabled_text(self.enabled_after)}"
        if self.status_after:
            text += f" ({self.status_after})"
        return f"{text}: {self.error}" if self.error else text

    def as_json(self) -> dict[str, Any]:
        return self._json(
            before={"enabled": self.enabled_before, "status": self.status_before},
            after={"enabled": self.enabled_after, "status": self.status_after},
        )


def _enabled_text(value: bool | None) -> str:
    return "?" if value is None else ("enabled" if value else "disabled")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def enable_table(plan: KvpEnablePlan) -> model.PlanTable:
    rows: list[list[object]] = []
    for item in plan.items:
        before = {True: "enabled", False: "disabled", None: "unknown"}[item.vm.kvp_enabled]
        what = model.plan_cell(item, "enable Data Exchange")
        if item.notes:
            what += f" ({'; '.join(item.notes)})"
        rows.append([item.host.name, item.vm.name, before, what])
    runnable = len(plan.runnable)
    title = f"Data Exchange plan: {runnable} VM(s), {len(plan.items) - runnable} refused"
    headers = ["HOST", "VM", "DATA EXCHANGE", "PLAN"]
    return model.PlanTable(title, headers, rows, [], f"Enable Data Exchange on {runnable} VM(s)?")


class EnableKvp(HostSideAction):
    """Enabling Data Exchange, as the runner sees it."""

    action = Action.ENABLE_KVP
    overridable = False

    def plain_result(self, item: KvpEnablePlanItem, status: ResultStatus, error: str | None) -> KvpEnableResult:
        return KvpEnableResult(item.host.name, item.vm.name, item.vm.vm_id, status, error)

    def run_remote(self, context: RunContext, item: KvpEnablePlanItem, secrets: list[str]) -> KvpEnableResult:
        try:
            document = context.on_host(item.host, "enable_kvp", {"vm_id": item.vm.vm_id})
        except RemoteError as error:
            return self.plain_result(item, ResultStatus.FAILED, failure_text(error, secrets, guest=False))
        before = _mapping(document.get("Before"))
        after = _mapping(document.get("After"))
        enabled_before, enabled_after = as_bool(before.get("Enabled")), as_bool(after.get("Enabled"))
        if enabled_after is not True:
            status, error_text = (
                ResultStatus.FAILED,
                tr_text("Operations", "Data Exchange is still disabled after Enable-VMIntegrationService"),
            )
        else:
            status, error_text = (ResultStatus.UNCHANGED if enabled_before else ResultStatus.SUCCEEDED), None
        return replace(
            self.plain_result(item, status, error_text),
            enabled_before=enabled_before,
            enabled_after=enabled_after,
            status_before=as_text(before.get("PrimaryStatusDescription")) or None,
            status_after=as_text(after.get("PrimaryStatusDescription")) or None,
        )

    def audit_details(self, context: RunContext, item: KvpEnablePlanItem, result: KvpEnableResult) -> dict[str, object]:
        return {"enabled_before": result.enabled_before, "enabled_after": result.enabled_after}


ENABLE_KVP = EnableKvp()


async def execute_kvp_enable(
    plan: KvpEnablePlan, access: HostAccess, audit: AuditLog, **options: Unpack[RunOptions]
) -> list[KvpEnableResult]:
    """Enable Data Exchange (found by the integration service's ID) for every runnable item of the plan."""
    return await Runner(ENABLE_KVP).execute(plan.items, RunContext(access, audit), **options)
