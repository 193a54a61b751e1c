"""Removing stale AVMA KVP data after an AVMA key was replaced: what differs from the other actions.

The clean-up exists because Microsoft says KVP data should be removed when an AVMA key is replaced by another
channel's key. Which items AVMA writes is unconfirmed, so the names to remove are data
(`domain.diagnosis.AVMA_KVP_ITEM_PATTERNS`, PowerShell `-like` wildcards), and every item is reported on its own.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Unpack

from avma_console.domain.diagnosis import AVMA_KVP_ITEM_PATTERNS
from avma_console.domain.findings import FindingCode
from avma_console.domain.fleet import FleetSnapshot, HostRecord, VmRecord
from avma_console.domain.i18n import tr_text
from avma_console.domain.keys import KeyChannel
from avma_console.remote.errors import RemoteError
from avma_console.remote.parsing import as_bool, as_list, as_text
from avma_console.services.audit import AuditLog, scrub_secrets
from avma_console.services.operations import access as guest_reach
from avma_console.services.operations import model
from avma_console.services.operations.access import (
    GuestAddress,
    GuestCredential,
    GuestCredentials,
    HostAccess,
)
from avma_console.services.operations.model import AccessPath, Action, OperationError, Refusal, ResultStatus, Target
from avma_console.services.operations.runner import HostSideAction, RunContext, Runner, RunOptions, failure_text


@dataclass(frozen=True, slots=True)
class KvpCleanupPlanItem:
    host: HostRecord
    vm: VmRecord
    patterns: tuple[str, ...]
    guest_path: AccessPath | None  # how guest-pushed items are reached; None: they cannot be (see notes)
    guest_address: GuestAddress | None
    known_items: tuple[str, ...]  # guest-pushed items the scan saw that match the patterns
    refusals: tuple[Refusal, ...]
    notes: tuple[str, ...]
    forced: bool

    @property
    def runnable(self) -> bool:
        return self.host.reachable and model.runnable_despite(self.refusals, self.forced)


@dataclass(frozen=True, slots=True)
class KvpCleanupPlan(model.PlanBase[KvpCleanupPlanItem]):
    items: tuple[KvpCleanupPlanItem, ...]
    patterns: tuple[str, ...]
    override: bool


def like(name: str, pattern: str) -> bool:
    """PowerShell's -like, which the scripts match with: wildcards *, ? and [...], ignoring case."""
    return fnmatch.fnmatchcase(name.casefold(), pattern.casefold())


def has_stale_kvp(vm: VmRecord) -> bool:
    return any(finding.code is FindingCode.KVP_STALE_AFTER_KEY_CHANGE for finding in vm.findings)


def plan_kvp_cleanup(
    snapshot: FleetSnapshot,
    targets: Sequence[Target] | None = None,
    *,
    override: bool = False,
    guest_addresses: Mapping[str, GuestAddress] | None = None,
    patterns: Sequence[str] = AVMA_KVP_ITEM_PATTERNS,
) -> KvpCleanupPlan:
    """`targets` None: every VM with the finding kvp_stale_after_key_change."""
    addresses = guest_addresses or {}
    if targets is None:
        targets = [(host, vm) for host, vm in model.reachable_targets(snapshot) if has_stale_kvp(vm)]
    items = [_cleanup_item(host, vm, override, addresses, tuple(patterns)) for host, vm in targets]
    return KvpCleanupPlan(tuple(items), tuple(patterns), override)


def _cleanup_item(
    host: HostRecord,
    vm: VmRecord,
    override: bool,
    addresses: Mapping[str, GuestAddress],
    patterns: tuple[str, ...],
) -> KvpCleanupPlanItem:
    refusals: list[Refusal] = []
    notes: list[str] = []
    if not host.reachable:
        refusals.append(model.unreachable_refusal(host))
    if vm.guest_license is not None and vm.guest_license.channel is KeyChannel.AVMA:
        reason = tr_text(
            "Operations",
            "{vm} still carries an AVMA key, whose KVP data is in use; clean up only after it was replaced",
            vm=vm.name,
        )
        refusals.append(Refusal("guest_still_avma", reason, True))
    elif vm.guest_license is None and vm.last_event is not None and vm.last_event.outcome is not None:
        # Without a look inside the guest, its recent AVMA requests are the best evidence of its key.
        reason = tr_text(
            "Operations",
            "{vm} still asks its host for AVMA activation (event {event} of {date}) and its key could not be read; "
            "scan with guest credentials to confirm the key was replaced",
            vm=vm.name,
            event=str(vm.last_event.event_id),
            date=f"{vm.last_event.time_created:%Y-%m-%d}",
        )
        refusals.append(Refusal("guest_may_be_avma", reason, True))
    address = guest_reach.find_address(addresses, vm)
    guest_path = guest_reach.guest_access_path(host, vm, address)
    if not vm.running:
        reason = tr_text(
            "Operations",
            "{vm} is {power_state}: what the guest pushed can only be deleted inside it while it runs (with --force, "
            "only host-pushed items are removed)",
            vm=vm.name,
            power_state=model.power_state_word(vm.power_state),
        )
        refusals.append(Refusal("vm_not_running", reason, True))
        guest_path = None
    elif guest_path is None:
        note = tr_text(
            "Operations",
            "without PowerShell Direct, the items {vm} pushed itself need its address (--guest-address "
            "{vm}=ADDRESS); only host-pushed items are removed",
            vm=vm.name,
        )
        notes.append(note)
    known = tuple(name for name in vm.kvp_items if any(like(name, pattern) for pattern in patterns))
    return KvpCleanupPlanItem(
        host=host,
        vm=vm,
        patterns=patterns,
        guest_path=guest_path,
        guest_address=address if guest_path is AccessPath.GUEST_WINRM else None,
        known_items=known,
        refusals=tuple(refusals),
        notes=tuple(notes),
        forced=override and bool(refusals),
    )


@dataclass(frozen=True, slots=True)
class KvpItemResult:
    name: str
    source: str  # "host": host-pushed, removed with RemoveKvpItems; "guest": guest-pushed, deleted in the guest
    removed: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class KvpCleanupResult(model.ResultBase):
    host: str
    vm: str
    vm_id: str
    status: ResultStatus
    error: str | None = None
    items: tuple[KvpItemResult, ...] = ()
    guest_skipped: str | None = None  # why guest-pushed items were not looked at, when they were not
    forced: bool = False
    audit_error: str | None = None

    action: ClassVar[Action] = Action.KVP_CLEANUP

    def change_text(self) -> str:
        """Every item removed or not, and why guest-pushed items were not looked at."""
        removed = [f"{item.name} ({item.source})" for item in self.items if item.removed]
        text = f"removed {', '.join(removed)}" if removed else "no matching items"
        failed = [f"{item.name} ({item.source}): {item.error}" for item in self.items if not item.removed]
        if failed:
            text += "; not removed: " + "; ".join(failed)
        if self.guest_skipped:
            text += f"; guest-pushed items not checked: {self.guest_skipped}"
        return f"{text}; {self.error}" if self.error else text

    def as_json(self) -> dict[str, Any]:
        return self._json(
            items=[{"name": i.name, "source": i.source, "removed": i.removed, "error": i.error} for i in self.items],
            guest_skipped=self.guest_skipped,
            forced=self.forced,
        )


def _cleanup_result(
    item: KvpCleanupPlanItem, status: ResultStatus, error: str | None, items: Sequence[KvpItemResult] = ()
) -> KvpCleanupResult:
    return KvpCleanupResult(
        item.host.name, item.vm.name, item.vm.vm_id, status, error, tuple(items), forced=item.forced
    )


def _items_of(document: Mapping[str, Any], secrets: Sequence[str]) -> list[KvpItemResult]:
    items = []
    for value in as_list(document.get("Items")):
        name = as_text(value.get("Name")) if isinstance(value, Mapping) else None
        if not isinstance(value, Mapping) or not name:
            continue
        items.append(
            KvpItemResult(
                name=name,
                source="host" if as_text(value.get("Source")) == "host" else "guest",
                removed=as_bool(value.get("Removed")) is True,
                error=scrub_secrets(as_text(value.get("Error")), secrets),
            )
        )
    return items


def _cleanup_remote(
    context: RunContext, item: KvpCleanupPlanItem, credential: GuestCredential | None, secrets: Sequence[str]
) -> KvpCleanupResult:
    guest_skipped: str | None = None
    if item.guest_path is None:
        guest_skipped = item.notes[0] if item.notes else tr_text("Operations", "{vm} is not running", vm=item.vm.name)
    elif credential is None:
        guest_skipped = tr_text("Operations", "no guest credential was given")
    direct_guest = credential if item.guest_path is AccessPath.POWERSHELL_DIRECT else None
    items: list[KvpItemResult] = []
    try:
        params: dict[str, object] = {
            "mode": "direct",
            "vm_id": item.vm.vm_id,
            "patterns": list(item.patterns),
            "guest_credential": direct_guest.as_param() if direct_guest is not None else None,
        }
        document = context.on_host(item.host, "remove_kvp_items", params)
        items += _items_of(document, secrets)
        guest_error = scrub_secrets(as_text(document.get("GuestError")), secrets)
        if guest_error:
            guest_skipped = tr_text("Operations", "PowerShell Direct failed: {error}", error=guest_error)
        if item.guest_path is AccessPath.GUEST_WINRM and credential is not None and item.guest_address is not None:
            guest_params: dict[str, object] = {
                "mode": "local",
                "expected_vm_id": item.vm.vm_id,
                "patterns": list(item.patterns),
            }
            try:
                reply = context.in_guest(item, item.guest_address, credential, "remove_kvp_items", guest_params)
                items += _items_of(reply, secrets)
            except RemoteError as error:
                guest_skipped = failure_text(error, secrets, guest=True)
    except RemoteError as error:
        return _cleanup_result(item, ResultStatus.FAILED, failure_text(error, secrets, guest=False), items)
    except OperationError as error:
        return _cleanup_result(item, ResultStatus.FAILED, scrub_secrets(str(error), secrets), items)

    seen_in_guest = {entry.name for entry in items if entry.source == "guest"}
    left_behind = [name for name in item.known_items if name not in seen_in_guest] if guest_skipped else []
    error_text: str | None = None
    if left_behind:
        status = ResultStatus.FAILED
        error_text = tr_text(
            "Operations",
            "guest-pushed items remain ({items}): {why}",
            items=", ".join(left_behind),
            why=guest_skipped or "",
        )
    elif any(not entry.removed for entry in items):
        status = ResultStatus.FAILED
    elif not items:
        status = ResultStatus.UNCHANGED
    else:
        status = ResultStatus.SUCCEEDED
    return replace(_cleanup_result(item, status, error_text, items), guest_skipped=guest_skipped)


def cleanup_table(plan: KvpCleanupPlan, *, with_guest_credential: bool) -> model.PlanTable:
    rows: list[list[object]] = []
    notes: list[str] = []
    for item in plan.items:
        known = ", ".join(item.known_items) or "-"
        rows.append(
            [
                item.host.name,
                item.vm.name,
                known,
                model.plan_cell(item, "remove items matching " + ", ".join(item.patterns)),
            ]
        )
        notes += [f"{item.vm.name}: {note}" for note in item.notes]
    if not with_guest_credential:
        notes.append("no --guest-credential: only host-pushed items can be removed")
    runnable = len(plan.runnable)
    title = f"KVP clean-up plan: {runnable} VM(s), {len(plan.items) - runnable} refused"
    headers = ["HOST", "VM", "GUEST ITEMS SEEN", "PLAN"]
    return model.PlanTable(title, headers, rows, notes, f"Remove AVMA KVP items from {runnable} VM(s)?")


class KvpCleanup(HostSideAction):
    """The KVP clean-up, as the runner sees it."""

    action = Action.KVP_CLEANUP

    def plain_result(self, item: KvpCleanupPlanItem, status: ResultStatus, error: str | None) -> KvpCleanupResult:
        return _cleanup_result(item, status, error)

    def run_remote(self, context: RunContext, item: KvpCleanupPlanItem, secrets: list[str]) -> KvpCleanupResult:
        return _cleanup_remote(context, item, context.credentials.for_vm(item.vm), secrets)

    def audit_details(
        self, context: RunContext, item: KvpCleanupPlanItem, result: KvpCleanupResult
    ) -> dict[str, object]:
        credential = context.credentials.for_vm(item.vm)
        return {
            "patterns": list(item.patterns),
            "guest_account": credential.username if credential and item.guest_path else None,
            "removed": [f"{i.source}:{i.name}" for i in result.items if i.removed] or None,
            "not_removed": [f"{i.source}:{i.name}: {i.error}" for i in result.items if not i.removed] or None,
            "guest_skipped": result.guest_skipped,
        }


KVP_CLEANUP = KvpCleanup()


async def execute_kvp_cleanup(
    plan: KvpCleanupPlan,
    access: HostAccess,
    credentials: GuestCredentials,
    audit: AuditLog,
    **options: Unpack[RunOptions],
) -> list[KvpCleanupResult]:
    """Remove every planned VM's matching KVP items, item by item.

    Without a guest credential (or, for 2012 R2 guests, an address) only host-pushed items can go; the
    result says so, and fails if the scan had seen matching guest-pushed items.
    """
    return await Runner(KVP_CLEANUP).execute(plan.items, RunContext(access, audit, credentials), **options)
