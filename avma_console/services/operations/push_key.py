"""Pushing AVMA keys (or a typed key) into guests: what differs from the other write actions.

`plan_push` is pure: from a scan's snapshot and the operator's selection to one item per VM saying which key
goes in, by which path, what is expected, or why it is refused (where AVMA cannot work the console refuses
unless the operator overrides; some refusals cannot be overridden because nothing could be done at all).
`execute_push` runs the plan through the shared `runner`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Unpack

from avma_console.domain.diagnosis import host_blockers, minimum_host_version
from avma_console.domain.findings import FindingCode
from avma_console.domain.fleet import AvmaEvent, FleetSnapshot, GuestLicense, HostRecord, VmRecord
from avma_console.domain.i18n import Text, join_texts, tr_noop, tr_text
from avma_console.domain.keys import KeyChannel, avma_key_for, avma_products_for_key, mask_key, validate_key
from avma_console.domain.matrix import host_can_activate
from avma_console.domain.states import ActivationState, AvmaOutcome, LicenseStatus, parse_error_code, state_from_license
from avma_console.remote.errors import RemoteError
from avma_console.remote.parsing import EventIndex, as_list, as_text, parse_event, parse_guest_license
from avma_console.services.audit import AuditLog, scrub_secrets
from avma_console.services.operations import model
from avma_console.services.operations.access import (
    GuestAddress,
    GuestCredential,
    GuestCredentials,
    HostAccess,
    find_address,
    guest_access_path,
)
from avma_console.services.operations.model import AccessPath, Action, OperationError, Refusal, ResultStatus, Target
from avma_console.services.operations.runner import (
    DEFAULT_SETTLE_SECONDS,
    RunContext,
    Runner,
    RunOptions,
    failure_text,
)

_SL_ERROR = re.compile(r"0x(C004[0-9A-F]{4})", re.IGNORECASE)
_SL_MESSAGES = {
    0xC004F050: tr_noop("Operations", "the product key is invalid"),
    0xC004F069: tr_noop("Operations", "the key is for another version or edition (product SKU not found)"),
}


# ---------------------------------------------------------------------------------------------------------
# Planning


@dataclass(frozen=True, slots=True)
class PushPlanItem:
    host: HostRecord
    vm: VmRecord
    key: str | None  # normalized; None when no key can be chosen
    key_is_avma: bool
    path: AccessPath | None
    guest_address: GuestAddress | None
    refusals: tuple[Refusal, ...]
    notes: tuple[str, ...]  # Texts (domain/i18n.py): English as they are, translatable by their templates
    expected: str  # a Text too
    expected_outcome: AvmaOutcome | None
    forced: bool

    @property
    def runnable(self) -> bool:
        if self.key is None or self.path is None or not self.host.reachable:
            return False
        return model.runnable_despite(self.refusals, self.forced)

    @property
    def key_shown(self) -> str | None:
        """AVMA keys are public and shown whole; any other key only by its last five characters."""
        if self.key is None:
            return None
        return self.key if self.key_is_avma else mask_key(self.key)

    @property
    def key_last5(self) -> str | None:
        return self.key.replace("-", "")[-5:] if self.key else None


@dataclass(frozen=True, slots=True)
class PushPlan(model.PlanBase[PushPlanItem]):
    items: tuple[PushPlanItem, ...]
    override: bool
    typed_key: bool


def _product(vm: VmRecord) -> str:
    guest = vm.guest
    if guest.version is None:
        return guest.caption or tr_text("Operations", "an unknown Windows")
    edition = guest.edition.label if guest.edition else tr_text("Operations", "(edition unknown)")
    return tr_text("Operations", "Windows Server {version} {edition}", version=guest.version.label, edition=edition)


def _desktop(vm: VmRecord, *, overridable: bool) -> Refusal:
    reason = tr_text(
        "Operations",
        "{vm} runs {os}, not Windows Server; AVMA activates only Windows Server guests",
        vm=vm.name,
        os=_product(vm),
    )
    return Refusal("desktop_os", reason, overridable)


def _choose_key(vm: VmRecord, typed: str | None) -> tuple[str | None, bool, list[Refusal], list[str]]:
    """(key, is AVMA, refusals, notes) for this VM; a typed key has been validated already."""
    guest = vm.guest
    if typed is None:
        # The guest's own AVMA key; where it cannot be known there is nothing to install, so no override either.
        if guest.is_server is False:
            return None, True, [_desktop(vm, overridable=False)], []
        if guest.version is None or guest.edition is None:
            reason = tr_text(
                "Operations",
                "the Windows version or edition of {vm} is not known, so neither is its AVMA key; start it, "
                "enable Data Exchange or scan with guest credentials, or give --key",
                vm=vm.name,
            )
            return None, True, [Refusal("unknown_guest_os", reason, False)], []
        key = avma_key_for(guest.version, guest.edition)
        if key is None:
            reason = tr_text("Operations", "AVMA has no key for {os}", os=_product(vm))
            return None, True, [Refusal("no_avma_key", reason, False)], []
        return key, True, [], []

    products = avma_products_for_key(typed)
    if not products:
        note = tr_text(
            "Operations",
            "not an AVMA key: {vm} leaves AVMA and is licensed through that key's channel (retail, MAK or KMS); "
            "afterwards remove its AVMA KVP data (avma-console kvp cleanup)",
            vm=vm.name,
        )
        return typed, False, [], [note]
    refusals: list[Refusal] = []
    if guest.is_server is False:
        refusals.append(_desktop(vm, overridable=True))
    elif guest.version is None or guest.edition is None:
        reason = tr_text(
            "Operations", "the Windows version or edition of {vm} is not known; the key may not fit it", vm=vm.name
        )
        refusals.append(Refusal("unknown_guest_os", reason, True))
    elif not any(
        version.avma_family == guest.version.avma_family and edition == guest.edition for version, edition in products
    ):
        version, edition = products[0]
        reason = tr_text(
            "Operations",
            "{key} is the AVMA key of Windows Server {key_version} {key_edition}, but {vm} runs {os}; Windows "
            "would reject it (0xC004F069)",
            key=typed,
            key_version=version.avma_family.label,
            key_edition=edition.label,
            vm=vm.name,
            os=_product(vm),
        )
        refusals.append(Refusal("key_for_other_product", reason, True))
    return typed, True, refusals, []


def _partial_key(vm: VmRecord) -> str:
    # Never empty: an empty suffix would match every key.
    return (vm.guest_license.partial_key if vm.guest_license else None) or "unknown"


def _avma_refusals(host: HostRecord, vm: VmRecord) -> list[Refusal]:
    refusals: list[Refusal] = []
    blockers = host_blockers(host)
    if blockers:
        reasons = join_texts("; ", [model.blocker_text(blocker) for blocker in blockers])
        reason = tr_text(
            "Operations",
            "{host} cannot activate guests ({reasons}): AVMA needs an activated Datacenter host",
            host=host.name,
            reasons=reasons,
        )
        refusals.append(Refusal("host_cannot_activate", reason, True))
    guest_version = vm.guest.version
    if guest_version is not None and host.version is not None and not host_can_activate(host.version, guest_version):
        minimum = minimum_host_version(guest_version)
        needed = minimum.label if minimum else guest_version.label
        reason = tr_text(
            "Operations",
            "{vm} runs Windows Server {guest_version}, newer than {host} (Windows Server {host_version}); it needs "
            "a Windows Server {needed} or later host",
            vm=vm.name,
            guest_version=guest_version.label,
            host=host.name,
            host_version=host.version.label,
            needed=needed,
        )
        refusals.append(Refusal("guest_newer_than_host", reason, True))
    if vm.kvp_enabled is False:
        reason = tr_text(
            "Operations",
            "Data Exchange is disabled on {vm}; AVMA needs it (avma-console kvp enable --vm {quoted_vm})",
            vm=vm.name,
            quoted_vm=repr(vm.name),
        )
        refusals.append(Refusal("kvp_disabled", reason, True))
    return refusals


def _expected_avma(host: HostRecord, vm: VmRecord, key: str) -> AvmaOutcome:
    """What the AVMA attempt after the install will end in, by the same rules the diagnosis uses."""
    serving = host.hyperv is not False and host.edition is not None and host.edition.can_host_avma
    if vm.kvp_enabled is False or not serving or host.activated is False:
        return AvmaOutcome.INVALID_HOST
    guest = vm.guest
    fits = any(
        guest.version is not None and version.avma_family == guest.version.avma_family and edition == guest.edition
        for version, edition in avma_products_for_key(key)
    )
    if not fits or (
        guest.version is not None and host.version is not None and not host_can_activate(host.version, guest.version)
    ):
        return AvmaOutcome.ACTIVATION_DENIED
    return AvmaOutcome.SUCCESS


def _push_item(
    host: HostRecord,
    vm: VmRecord,
    typed_key: str | None,
    override: bool,
    addresses: Mapping[str, GuestAddress],
) -> PushPlanItem:
    refusals: list[Refusal] = []
    notes: list[str] = []
    if not host.reachable:
        refusals.append(model.unreachable_refusal(host))
    if not vm.running:
        reason = tr_text(
            "Operations",
            "{vm} is {power_state}: a key can only be installed in a running guest",
            vm=vm.name,
            power_state=model.power_state_word(vm.power_state),
        )
        refusals.append(Refusal("vm_not_running", reason, True))
    key, is_avma, key_refusals, key_notes = _choose_key(vm, typed_key)
    refusals += key_refusals
    notes += key_notes
    if key is not None and is_avma:
        refusals += _avma_refusals(host, vm)
        if vm.state is ActivationState.ACTIVATED_OTHER:
            notes.append(
                tr_text(
                    "Operations", "{vm} is licensed through another channel now; this switches it to AVMA", vm=vm.name
                )
            )
        elif vm.state is ActivationState.AVMA_ACTIVATED and key.replace("-", "").endswith(_partial_key(vm)):
            notes.append(
                tr_text(
                    "Operations",
                    "{vm} is already activated through AVMA with this key; installing it again is harmless",
                    vm=vm.name,
                )
            )
    notes += [
        model.finding_text(finding)
        for finding in vm.findings
        if finding.code in (FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE, FindingCode.KVP_NO_CONTACT)
    ]

    address = find_address(addresses, vm)
    path = guest_access_path(host, vm, address)
    if path is None:
        reason = tr_text(
            "Operations",
            "{vm} cannot be reached by PowerShell Direct (it needs 2016+ in the guest and on the host); give the "
            "guest's address for WinRM (--guest-address {vm}=ADDRESS)",
            vm=vm.name,
        )
        refusals.append(Refusal("no_guest_address", reason, False))

    outcome: AvmaOutcome | None = None
    expected: Text
    if key is None:
        expected = tr_text("Operations", "nothing: no key to install")
    elif not vm.running:
        expected = tr_text("Operations", "Windows refuses: the VM is not running")
    elif is_avma:
        outcome = _expected_avma(host, vm, key)
        expected = {
            AvmaOutcome.SUCCESS: tr_text("Operations", "activates through AVMA on {host}", host=host.name),
            AvmaOutcome.ACTIVATION_DENIED: tr_text(
                "Operations", "key installed, but AVMA denies activation (0xC004FD03)"
            ),
            AvmaOutcome.INVALID_HOST: tr_text(
                "Operations", "key installed, but {host} cannot answer AVMA (Invalid Host)", host=host.name
            ),
            AvmaOutcome.INVALID_DATA: tr_text("Operations", "key installed, but AVMA data is invalid"),
        }[outcome]
        if any(refusal.code == "key_for_other_product" for refusal in refusals):
            outcome, expected = None, tr_text("Operations", "Windows rejects the key (0xC004F069)")
    else:
        expected = tr_text("Operations", "licensed through the key's own channel once that channel activates it")
    return PushPlanItem(
        host=host,
        vm=vm,
        key=key,
        key_is_avma=is_avma,
        path=path,
        guest_address=address if path is AccessPath.GUEST_WINRM else None,
        refusals=tuple(refusals),
        notes=tuple(notes),
        expected=expected,
        expected_outcome=outcome,
        forced=override and bool(refusals),
    )


def plan_push(
    snapshot: FleetSnapshot,
    targets: Sequence[Target] | None = None,
    *,
    key: str | None = None,
    override: bool = False,
    guest_addresses: Mapping[str, GuestAddress] | None = None,
) -> PushPlan:
    """One item per VM. `targets` None: every eligible VM (see `eligible_for_push`).

    `key` None picks each guest's own AVMA key; a typed key is validated first (InvalidProductKeyError says
    what is wrong with it) and checked against every guest.
    """
    typed = validate_key(key) if key is not None else None
    addresses = guest_addresses or {}
    if targets is None:
        targets = eligible_for_push(snapshot, key=typed, guest_addresses=addresses)
    items = tuple(_push_item(host, vm, typed, override, addresses) for host, vm in targets)
    return PushPlan(items=items, override=override, typed_key=typed is not None)


def eligible_for_push(
    snapshot: FleetSnapshot, *, key: str | None = None, guest_addresses: Mapping[str, GuestAddress] | None = None
) -> list[Target]:
    """VMs a push would help and nothing stands against: not licensed now, and no refusal at all.

    VMs licensed through another channel are left out: switching them to AVMA is a choice to make by name.
    """
    typed = validate_key(key) if key is not None else None
    addresses = guest_addresses or {}
    return [
        (host, vm)
        for host, vm in model.reachable_targets(snapshot)
        if vm.state.is_problem and _push_item(host, vm, typed, False, addresses).runnable
    ]


# Results


@dataclass(frozen=True, slots=True)
class PushResult(model.ResultBase):
    host: str
    vm: str
    vm_id: str
    status: ResultStatus
    path: AccessPath | None
    key_shown: str | None
    key_last5: str | None
    key_is_avma: bool
    forced: bool
    error: str | None = None
    before: GuestLicense | None = None
    after: GuestLicense | None = None
    state_before: ActivationState | None = None
    state_after: ActivationState | None = None
    outcome: AvmaOutcome | None = None
    outcome_code: int | None = None
    events: tuple[AvmaEvent, ...] = ()  # 12309 from the guest, 12310 from the host, oldest first
    refusals: tuple[Refusal, ...] = ()
    audit_error: str | None = None

    action: ClassVar[Action] = Action.PUSH_KEY

    def change_text(self) -> str:
        """State change, AVMA outcome and event, or the error."""
        states = f"{_state_text(self.state_before)} -> {_state_text(self.state_after)}"
        if self.outcome is not None:
            event_ids = sorted({event.event_id for event in self.events})
            events = f", event {'/'.join(str(i) for i in event_ids)}" if event_ids else ""
            code = f" 0x{self.outcome_code:08X}" if self.outcome_code else ""
            states += f" ({self.outcome.value}{code}{events})"
        return f"{states}: {self.error}" if self.error else states

    def as_json(self) -> dict[str, Any]:
        return self._json(
            path=self.path.value if self.path else None,
            key=self.key_shown,
            key_is_avma=self.key_is_avma,
            forced=self.forced,
            before=_license_json(self.before, self.state_before),
            after=_license_json(self.after, self.state_after),
            outcome=self.outcome.value if self.outcome else None,
            outcome_code=f"0x{self.outcome_code:08X}" if self.outcome_code else None,
            events=[
                {"id": e.event_id, "time": e.time_created.isoformat(), "computer": e.computer, "message": e.message}
                for e in self.events
            ],
            refusals=[{"code": r.code, "reason": r.reason, "overridable": r.overridable} for r in self.refusals],
        )


def _state_text(state: ActivationState | None) -> str:
    return state.value if state is not None else "?"


def _license_json(license_: GuestLicense | None, state: ActivationState | None) -> dict[str, Any]:
    return {
        "state": state.value if state else None,
        "license_status": license_.license_status if license_ else None,
        "channel": license_.channel.value if license_ else None,
        "partial_key": license_.partial_key if license_ else None,
        "avma_host": license_.avma_host_name if license_ else None,
        "last_activation": license_.last_activation.isoformat() if license_ and license_.last_activation else None,
    }


def _state_of(license_: GuestLicense | None, outcome: AvmaOutcome | None) -> ActivationState | None:
    if license_ is None:
        return outcome.state if outcome is not None else None
    state = state_from_license(license_.license_status, license_.channel)
    if state.is_problem and outcome is not None and outcome is not AvmaOutcome.SUCCESS:
        return outcome.state
    return state


def _sl_error_code(*texts: object) -> int | None:
    for text in texts:
        if isinstance(text, int) and not isinstance(text, bool):
            value = text & 0xFFFFFFFF
            if value >> 16 == 0xC004:
                return value
        elif isinstance(text, str):
            match = _SL_ERROR.search(text)
            if match:
                return int(match.group(1), 16)
    return None


def _events_of(values: object, computer: str, vm: VmRecord | None) -> list[AvmaEvent]:
    raws = [raw for raw in (parse_event(value, computer) for value in as_list(values)) if raw is not None]
    if vm is not None:
        # The host's 12310s name every VM that asked; keep only this one's.
        raws = EventIndex(raws).events_of(vm.name, vm.vm_id)
    return [raw.event for raw in raws]


def _push_result_from(item: PushPlanItem, document: Mapping[str, Any], secrets: Sequence[str]) -> PushResult:
    before = parse_guest_license(document.get("Before"))
    after = parse_guest_license(document.get("After"))
    guest_events = _events_of(document.get("GuestEvents"), item.vm.name, None)
    host_events = _events_of(document.get("HostEvents"), item.host.name, item.vm)
    events = sorted([*guest_events, *host_events], key=lambda event: (event.time_created, event.event_id))
    decisive = [event for event in guest_events if event.outcome is not None] or [
        event for event in host_events if event.outcome is not None
    ]
    outcome = decisive[-1].outcome if decisive else None
    outcome_code = decisive[-1].error_code if decisive else None
    if outcome is None and item.key_is_avma and after is not None and after.license_status == LicenseStatus.LICENSED:
        outcome = AvmaOutcome.SUCCESS if after.channel is KeyChannel.AVMA else None

    install_error = document.get("InstallError")
    error: str | None = None
    if isinstance(install_error, Mapping):
        message = scrub_secrets(as_text(install_error.get("Message")), secrets) or tr_text("Operations", "no message")
        code = _sl_error_code(install_error.get("NativeCode"), install_error.get("HResult"), message)
        if code in _SL_MESSAGES:
            meaning = tr_text("Operations", _SL_MESSAGES[code])
            error = tr_text(
                "Operations", "Windows rejected the key ({meaning}): {message}", meaning=meaning, message=message
            )
        else:
            error = tr_text("Operations", "Windows rejected the key: {message}", message=message)
        status = ResultStatus.FAILED
        outcome, outcome_code = None, None
    elif not item.key_is_avma or (
        after is not None and after.license_status == LicenseStatus.LICENSED and after.channel is KeyChannel.AVMA
    ):
        status = ResultStatus.SUCCEEDED
    else:
        status = ResultStatus.FAILED
        if outcome is not None and outcome is not AvmaOutcome.SUCCESS:
            detail = parse_error_code(outcome_code) if outcome_code else None
            if detail:
                error = tr_text(
                    "Operations",
                    "the key is installed, but AVMA activation failed ({outcome}: {meaning})",
                    outcome=outcome.value,
                    meaning=Text("ErrorCodes", detail.meaning),
                )
            else:
                error = tr_text(
                    "Operations", "the key is installed, but AVMA activation failed ({outcome})", outcome=outcome.value
                )
        else:
            error = tr_text(
                "Operations",
                "the key is installed, but the guest is not activated yet (no AVMA answer in time); scan again later",
            )
    return replace(
        _plain_push_result(item, status, scrub_secrets(error, secrets)),
        before=before,
        after=after,
        state_before=_state_of(before, None) or item.vm.state,
        state_after=_state_of(after, outcome),
        outcome=outcome,
        outcome_code=outcome_code,
        events=tuple(events),
    )


def _plain_push_result(item: PushPlanItem, status: ResultStatus, error: str | None) -> PushResult:
    return PushResult(
        host=item.host.name,
        vm=item.vm.name,
        vm_id=item.vm.vm_id,
        status=status,
        path=item.path,
        key_shown=item.key_shown,
        key_last5=item.key_last5,
        key_is_avma=item.key_is_avma,
        forced=item.forced,
        error=error,
        state_before=item.vm.state,
        refusals=item.refusals,
    )


def push_table(plan: PushPlan) -> model.PlanTable:
    rows: list[list[object]] = []
    notes: list[str] = []
    for item in plan.items:
        guest_os = item.vm.guest.version.label if item.vm.guest.version else "?"
        if item.vm.guest.edition:
            guest_os += f" {item.vm.guest.edition.label}"
        path = item.path.label if item.path else "-"
        if item.guest_address is not None:
            path += f" {item.guest_address}"
        rows.append(
            [item.host.name, item.vm.name, guest_os, item.key_shown or "-", path, model.plan_cell(item, item.expected)]
        )
        notes += [f"{item.vm.name}: {note}" for note in item.notes]
    runnable = len(plan.runnable)
    title = f"Push plan: {runnable} VM(s) to change, {len(plan.items) - runnable} refused"
    if any(not item.runnable and all(r.overridable for r in item.refusals) for item in plan.items):
        title += " (refusals marked overridable may be pushed anyway with --force)"
    headers = ["HOST", "VM", "GUEST", "KEY", "PATH", "PLAN"]
    return model.PlanTable(title, headers, rows, notes, f"Install the keys in {runnable} VM(s)?")


# ---------------------------------------------------------------------------------------------------------
# Running: what differs from the other actions


class PushKey:
    """The key push, as the runner sees it."""

    action = Action.PUSH_KEY
    overridable = True

    def password_hosts(self, items: Sequence[PushPlanItem]) -> Iterable[HostRecord]:
        return (item.host for item in items if item.path is AccessPath.POWERSHELL_DIRECT)

    def plain_result(self, item: PushPlanItem, status: ResultStatus, error: str | None) -> PushResult:
        return _plain_push_result(item, status, error)

    def run_remote(self, context: RunContext, item: PushPlanItem, secrets: list[str]) -> PushResult:
        credential = context.credentials.for_vm(item.vm)
        if credential is None:
            error = tr_text(
                "Operations",
                "no guest credential for {vm}: the key is installed from inside the guest",
                vm=item.vm.name,
            )
            return _plain_push_result(item, ResultStatus.FAILED, error)
        return _push_remote(context, item, credential, secrets)

    def audit_who(self, context: RunContext, item: PushPlanItem) -> str:
        # Inside the guest the change runs as the guest account; PowerShell Direct is started by the host account.
        if item.path is AccessPath.GUEST_WINRM:
            credential = context.credentials.for_vm(item.vm)
            return credential.username if credential else "-"
        return context.host_account(item.host)

    def audit_key(self, item: PushPlanItem) -> str | None:
        return item.key_last5

    def audit_details(self, context: RunContext, item: PushPlanItem, result: PushResult) -> dict[str, object]:
        credential = context.credentials.for_vm(item.vm)
        return {
            "path": item.path.value if item.path else None,
            "guest_account": credential.username if credential else None,
            "guest_address": str(item.guest_address) if item.guest_address else None,
            "key_is_avma": item.key_is_avma,
            "state_before": _state_text(result.state_before),
            "state_after": _state_text(result.state_after) if result.state_after else None,
            "outcome": result.outcome.value if result.outcome else None,
            "refusals": [refusal.code for refusal in item.refusals] or None,
        }


PUSH_KEY = PushKey()


def _push_remote(
    context: RunContext, item: PushPlanItem, credential: GuestCredential, secrets: list[str]
) -> PushResult:
    assert item.key is not None
    settle = context.settle_seconds if item.key_is_avma else 0
    guest_side = item.path is AccessPath.GUEST_WINRM
    try:
        if guest_side:
            assert item.guest_address is not None
            params: dict[str, object] = {
                "mode": "local",
                "key": item.key,
                "expected_vm_id": item.vm.vm_id,
                "settle_seconds": settle,
            }
            document = context.in_guest(item, item.guest_address, credential, "install_key", params)
        else:
            params = {
                "mode": "direct",
                "vm_id": item.vm.vm_id,
                "vm_name": item.vm.name,
                "key": item.key,
                "guest_credential": credential.as_param(),
                "settle_seconds": settle,
            }
            document = context.on_host(item.host, "install_key", params)
    except RemoteError as error:
        return _plain_push_result(item, ResultStatus.FAILED, failure_text(error, secrets, guest=guest_side))
    except OperationError as error:
        return _plain_push_result(item, ResultStatus.FAILED, scrub_secrets(str(error), secrets))
    return _push_result_from(item, document, secrets)


async def execute_push(
    plan: PushPlan,
    access: HostAccess,
    credentials: GuestCredentials,
    audit: AuditLog,
    *,
    settle_seconds: int = DEFAULT_SETTLE_SECONDS,
    **options: Unpack[RunOptions],
) -> list[PushResult]:
    """Install the planned keys; refused items are recorded as refused and not attempted."""
    context = RunContext(access, audit, credentials, settle_seconds)
    return await Runner(PUSH_KEY).execute(plan.items, context, **options)
