"""Data Exchange (KVP) write actions: enable the integration service, remove stale AVMA KVP data.

Same shape as the key push in `operations`: a pure `plan_*` from a scan's snapshot, then `execute_*` over
WinRM with per-VM results and an audit entry for every attempt and refusal.

The clean-up exists because Microsoft says KVP data should be removed when an AVMA key is replaced by another
channel's key. Which items AVMA writes is unconfirmed, so the names to remove are data
(`domain.diagnosis.AVMA_KVP_ITEM_PATTERNS`, PowerShell `-like` wildcards), and every item is reported on its own.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from avma_console.domain.diagnosis import AVMA_KVP_ITEM_PATTERNS
from avma_console.domain.findings import FindingCode
from avma_console.domain.fleet import FleetSnapshot, HostRecord, VmRecord
from avma_console.domain.keys import KeyChannel
from avma_console.remote.errors import RemoteError
from avma_console.remote.parsing import as_bool, as_list, as_text
from avma_console.services.audit import AuditEntry, AuditLog, scrub_secrets
from avma_console.services.logs import service_logger
from avma_console.services.operations import (
    DEFAULT_CONCURRENCY,
    AccessPath,
    Action,
    GuestAddress,
    GuestCredential,
    GuestCredentials,
    HostAccess,
    OperationError,
    OperationProgress,
    Refusal,
    ResultStatus,
    Target,
    base_details,
    find_address,
    host_account,
    needs_guest_winrm,
    reachable_targets,
    record_or_stop,
    refusal_text,
    remote_message,
    run_all,
    run_script,
)

_log = service_logger(__name__)  # VM names come from hosts: escaped


# ---------------------------------------------------------------------------------------------------------
# Data Exchange


@dataclass(frozen=True, slots=True)
class KvpEnablePlanItem:
    host: HostRecord
    vm: VmRecord
    refusals: tuple[Refusal, ...]
    notes: tuple[str, ...]

    @property
    def runnable(self) -> bool:
        return not self.refusals


@dataclass(frozen=True, slots=True)
class KvpEnablePlan:
    items: tuple[KvpEnablePlanItem, ...]

    @property
    def runnable(self) -> tuple[KvpEnablePlanItem, ...]:
        return tuple(item for item in self.items if item.runnable)


def plan_kvp_enable(snapshot: FleetSnapshot, targets: Sequence[Target] | None = None) -> KvpEnablePlan:
    """`targets` None: every VM whose Data Exchange is disabled."""
    if targets is None:
        targets = [(host, vm) for host, vm in reachable_targets(snapshot) if vm.kvp_enabled is False]
    items = []
    for host, vm in targets:
        refusals: list[Refusal] = []
        notes: list[str] = []
        if not host.reachable:
            refusals.append(Refusal("host_unreachable", f"{host.name} could not be queried: {host.error}", False))
        if vm.kvp_enabled:
            notes.append("already enabled; nothing changes")
        elif vm.guest_license is not None and vm.guest_license.channel is KeyChannel.AVMA:
            notes.append("its next AVMA attempt reaches the host again")
        items.append(KvpEnablePlanItem(host, vm, tuple(refusals), tuple(notes)))
    return KvpEnablePlan(tuple(items))


@dataclass(frozen=True, slots=True)
class KvpEnableResult:
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

    action = Action.ENABLE_KVP

    @property
    def ok(self) -> bool:
        return self.status.ok and self.audit_error is None

    @property
    def summary(self) -> str:
        if self.enabled_before is None and self.enabled_after is None:
            return self.error or self.status.value
        text = f"{_enabled_text(self.enabled_before)} -> {_enabled_text(self.enabled_after)}"
        if self.status_after:
            text += f" ({self.status_after})"
        return f"{text}: {self.error}" if self.error else text

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "host": self.host,
            "vm": self.vm,
            "vm_id": self.vm_id,
            "status": self.status.value,
            "before": {"enabled": self.enabled_before, "status": self.status_before},
            "after": {"enabled": self.enabled_after, "status": self.status_after},
            "error": self.error,
            "audit_error": self.audit_error,
        }


def _enabled_text(value: bool | None) -> str:
    return "?" if value is None else ("enabled" if value else "disabled")


def _enable_result(item: KvpEnablePlanItem, status: ResultStatus, error: str | None) -> KvpEnableResult:
    return KvpEnableResult(item.host.name, item.vm.name, item.vm.vm_id, status, error)


def _enable_remote(access: HostAccess, item: KvpEnablePlanItem, secrets: Sequence[str]) -> KvpEnableResult:
    try:
        endpoint = access.host_endpoint(item.host)
        document = run_script(endpoint, access.host_password(item.host), "enable_kvp", {"vm_id": item.vm.vm_id})
    except RemoteError as error:
        return _enable_result(item, ResultStatus.FAILED, scrub_secrets(remote_message(error, guest=False), secrets))
    before = _mapping(document.get("Before"))
    after = _mapping(document.get("After"))
    enabled_before, enabled_after = as_bool(before.get("Enabled")), as_bool(after.get("Enabled"))
    if enabled_after is not True:
        status, error_text = ResultStatus.FAILED, "Data Exchange is still disabled after Enable-VMIntegrationService"
    else:
        status, error_text = (ResultStatus.UNCHANGED if enabled_before else ResultStatus.SUCCEEDED), None
    return replace(
        _enable_result(item, status, error_text),
        enabled_before=enabled_before,
        enabled_after=enabled_after,
        status_before=as_text(before.get("PrimaryStatusDescription")) or None,
        status_after=as_text(after.get("PrimaryStatusDescription")) or None,
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _enable_one(access: HostAccess, audit: AuditLog, item: KvpEnablePlanItem, stop: threading.Event) -> KvpEnableResult:
    if stop.is_set():
        return _enable_result(item, ResultStatus.CANCELLED, "not attempted: the run was stopped")
    secrets = access.secrets()
    if item.runnable:
        result = _enable_remote(access, item, secrets)
    else:
        result = _enable_result(item, ResultStatus.REFUSED, refusal_text(item.refusals, forced_possible=False))
    entry = AuditEntry(
        at=audit.clock.now(),
        who=host_account(access, item.host),
        action=Action.ENABLE_KVP.value,
        result=result.status.value,
        target_host=item.host.name,
        target_vm=item.vm.name,
        vm_id=item.vm.vm_id,
        error=result.error,
        details=base_details(False, enabled_before=result.enabled_before, enabled_after=result.enabled_after),
    )
    audit_error = record_or_stop(audit, entry, stop)
    _log.info("enable_kvp %s/%s: %s", item.host.name, item.vm.name, result.status.value)
    return replace(result, audit_error=audit_error) if audit_error else result


async def execute_kvp_enable(
    plan: KvpEnablePlan,
    access: HostAccess,
    audit: AuditLog,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_result: Callable[[KvpEnableResult, OperationProgress], None] | None = None,
    cancelled: threading.Event | None = None,
    executor: ThreadPoolExecutor | None = None,
) -> list[KvpEnableResult]:
    """Enable Data Exchange (found by the integration service's ID) for every runnable item of the plan."""
    access.resolve_passwords(item.host for item in plan.runnable)
    return await run_all(
        plan.items,
        lambda item, stop: _enable_one(access, audit, item, stop),
        cancelled_result=lambda item: _enable_result(item, ResultStatus.CANCELLED, "not attempted: cancelled"),
        is_ok=lambda result: result.ok,
        concurrency=concurrency,
        on_result=on_result,
        cancelled=cancelled,
        executor=executor,
    )


# ---------------------------------------------------------------------------------------------------------
# KVP clean-up


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
        if not self.host.reachable:
            return False
        return not self.refusals or (self.forced and all(refusal.overridable for refusal in self.refusals))


@dataclass(frozen=True, slots=True)
class KvpCleanupPlan:
    items: tuple[KvpCleanupPlanItem, ...]
    patterns: tuple[str, ...]
    override: bool

    @property
    def runnable(self) -> tuple[KvpCleanupPlanItem, ...]:
        return tuple(item for item in self.items if item.runnable)


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
        targets = [(host, vm) for host, vm in reachable_targets(snapshot) if has_stale_kvp(vm)]
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
        refusals.append(Refusal("host_unreachable", f"{host.name} could not be queried: {host.error}", False))
    if vm.guest_license is not None and vm.guest_license.channel is KeyChannel.AVMA:
        refusals.append(
            Refusal(
                "guest_still_avma",
                f"{vm.name} still carries an AVMA key, whose KVP data is in use; clean up only after it was replaced",
                True,
            )
        )
    elif vm.guest_license is None and vm.last_event is not None and vm.last_event.outcome is not None:
        # Without a look inside the guest, its recent AVMA requests are the best evidence of its key.
        refusals.append(
            Refusal(
                "guest_may_be_avma",
                f"{vm.name} still asks its host for AVMA activation (event {vm.last_event.event_id} of "
                f"{vm.last_event.time_created:%Y-%m-%d}) and its key could not be read; scan with guest "
                "credentials to confirm the key was replaced",
                True,
            )
        )
    address = find_address(addresses, vm)
    guest_path: AccessPath | None = AccessPath.POWERSHELL_DIRECT
    if not vm.running:
        refusals.append(
            Refusal(
                "vm_not_running",
                f"{vm.name} is {vm.power_state.lower()}: what the guest pushed can only be deleted inside it while "
                "it runs (with --force, only host-pushed items are removed)",
                True,
            )
        )
        guest_path = None
    elif needs_guest_winrm(host, vm):
        guest_path = AccessPath.GUEST_WINRM if address is not None else None
        if address is None:
            notes.append(
                f"without PowerShell Direct, the items {vm.name} pushed itself need its address "
                f"(--guest-address {vm.name}=ADDRESS); only host-pushed items are removed"
            )
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
class KvpCleanupResult:
    host: str
    vm: str
    vm_id: str
    status: ResultStatus
    error: str | None = None
    items: tuple[KvpItemResult, ...] = ()
    guest_skipped: str | None = None  # why guest-pushed items were not looked at, when they were not
    forced: bool = False
    audit_error: str | None = None

    action = Action.KVP_CLEANUP

    @property
    def ok(self) -> bool:
        return self.status.ok and self.audit_error is None

    @property
    def summary(self) -> str:
        if self.status in (ResultStatus.REFUSED, ResultStatus.CANCELLED):
            return self.error or self.status.value
        removed = [f"{item.name} ({item.source})" for item in self.items if item.removed]
        text = f"removed {', '.join(removed)}" if removed else "no matching items"
        failed = [f"{item.name} ({item.source}): {item.error}" for item in self.items if not item.removed]
        if failed:
            text += "; not removed: " + "; ".join(failed)
        if self.guest_skipped:
            text += f"; guest-pushed items not checked: {self.guest_skipped}"
        return f"{text}; {self.error}" if self.error else text

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "host": self.host,
            "vm": self.vm,
            "vm_id": self.vm_id,
            "status": self.status.value,
            "items": [{"name": i.name, "source": i.source, "removed": i.removed, "error": i.error} for i in self.items],
            "guest_skipped": self.guest_skipped,
            "forced": self.forced,
            "error": self.error,
            "audit_error": self.audit_error,
        }


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
    access: HostAccess, item: KvpCleanupPlanItem, credential: GuestCredential | None, secrets: Sequence[str]
) -> KvpCleanupResult:
    guest_skipped: str | None = None
    if item.guest_path is None:
        guest_skipped = item.notes[0] if item.notes else f"{item.vm.name} is not running"
    elif credential is None:
        guest_skipped = "no guest credential was given"
    direct_guest = credential if item.guest_path is AccessPath.POWERSHELL_DIRECT else None
    items: list[KvpItemResult] = []
    try:
        params: dict[str, object] = {
            "mode": "direct",
            "vm_id": item.vm.vm_id,
            "patterns": list(item.patterns),
            "guest_credential": direct_guest.as_param() if direct_guest is not None else None,
        }
        endpoint = access.host_endpoint(item.host)
        document = run_script(endpoint, access.host_password(item.host), "remove_kvp_items", params)
        items += _items_of(document, secrets)
        guest_error = scrub_secrets(as_text(document.get("GuestError")), secrets)
        if guest_error:
            guest_skipped = f"PowerShell Direct failed: {guest_error}"
        if item.guest_path is AccessPath.GUEST_WINRM and credential is not None and item.guest_address is not None:
            guest_endpoint = access.guest_endpoint(item.host, item.vm, item.guest_address, credential.username)
            guest_params: dict[str, object] = {
                "mode": "local",
                "expected_vm_id": item.vm.vm_id,
                "patterns": list(item.patterns),
            }
            try:
                reply = run_script(guest_endpoint, credential.password.reveal(), "remove_kvp_items", guest_params)
                items += _items_of(reply, secrets)
            except RemoteError as error:
                guest_skipped = scrub_secrets(remote_message(error, guest=True), secrets)
    except RemoteError as error:
        message = scrub_secrets(remote_message(error, guest=False), secrets)
        return _cleanup_result(item, ResultStatus.FAILED, message, items)
    except OperationError as error:
        return _cleanup_result(item, ResultStatus.FAILED, scrub_secrets(str(error), secrets), items)

    seen_in_guest = {entry.name for entry in items if entry.source == "guest"}
    left_behind = [name for name in item.known_items if name not in seen_in_guest] if guest_skipped else []
    error_text: str | None = None
    if left_behind:
        status = ResultStatus.FAILED
        error_text = f"guest-pushed items remain ({', '.join(left_behind)}): {guest_skipped}"
    elif any(not entry.removed for entry in items):
        status = ResultStatus.FAILED
    elif not items:
        status = ResultStatus.UNCHANGED
    else:
        status = ResultStatus.SUCCEEDED
    return replace(_cleanup_result(item, status, error_text, items), guest_skipped=guest_skipped)


def _cleanup_one(
    access: HostAccess,
    credentials: GuestCredentials,
    audit: AuditLog,
    item: KvpCleanupPlanItem,
    stop: threading.Event,
) -> KvpCleanupResult:
    if stop.is_set():
        return _cleanup_result(item, ResultStatus.CANCELLED, "not attempted: the run was stopped")
    credential = credentials.for_vm(item.vm)
    secrets = [*credentials.secrets(), *access.secrets()]
    if item.runnable:
        result = _cleanup_remote(access, item, credential, secrets)
    else:
        result = _cleanup_result(
            item, ResultStatus.REFUSED, refusal_text(item.refusals, forced_possible=not item.forced)
        )
    entry = AuditEntry(
        at=audit.clock.now(),
        who=host_account(access, item.host),
        action=Action.KVP_CLEANUP.value,
        result=result.status.value,
        target_host=item.host.name,
        target_vm=item.vm.name,
        vm_id=item.vm.vm_id,
        error=scrub_secrets(result.error, secrets),
        details=base_details(
            item.forced,
            patterns=list(item.patterns),
            guest_account=credential.username if credential and item.guest_path else None,
            removed=[f"{i.source}:{i.name}" for i in result.items if i.removed] or None,
            not_removed=[f"{i.source}:{i.name}: {i.error}" for i in result.items if not i.removed] or None,
            guest_skipped=result.guest_skipped,
        ),
    )
    audit_error = record_or_stop(audit, entry, stop)
    _log.info("kvp_cleanup %s/%s: %s", item.host.name, item.vm.name, result.status.value)
    return replace(result, audit_error=audit_error) if audit_error else result


async def execute_kvp_cleanup(
    plan: KvpCleanupPlan,
    access: HostAccess,
    credentials: GuestCredentials,
    audit: AuditLog,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_result: Callable[[KvpCleanupResult, OperationProgress], None] | None = None,
    cancelled: threading.Event | None = None,
    executor: ThreadPoolExecutor | None = None,
) -> list[KvpCleanupResult]:
    """Remove every planned VM's matching KVP items, item by item.

    Without a guest credential (or, for 2012 R2 guests, an address) only host-pushed items can go; the
    result says so, and fails if the scan had seen matching guest-pushed items.
    """
    access.resolve_passwords(item.host for item in plan.runnable)
    return await run_all(
        plan.items,
        lambda item, stop: _cleanup_one(access, credentials, audit, item, stop),
        cancelled_result=lambda item: _cleanup_result(item, ResultStatus.CANCELLED, "not attempted: cancelled"),
        is_ok=lambda result: result.ok,
        concurrency=concurrency,
        on_result=on_result,
        cancelled=cancelled,
        executor=executor,
    )
