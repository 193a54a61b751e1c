"""What every write action shares: its vocabulary (actions, paths, statuses, refusals), selecting VMs, and
the parts of plans and results that do not depend on the action.

An action module (`push_key`, `enable_kvp`, `kvp_cleanup`) declares only what differs: how it plans one VM,
what it runs remotely, what its result and audit entry hold. `runner` carries every plan out the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from avma_console.domain.diagnosis import Blocker
from avma_console.domain.findings import FIELD_PHRASES, Finding
from avma_console.domain.fleet import FleetSnapshot, HostRecord, VmRecord
from avma_console.domain.i18n import Text, join_texts, tr_noop, tr_text
from avma_console.domain.versions import ServerVersion

DEFAULT_CONCURRENCY = 8
OPERATIONS = "Operations"  # the translation context of every plan and result text (tr_text, domain/i18n.py)
# What the command line adds to refusals the operator may override; the window says it its own way.
OVERRIDE_HINT = "{reasons} (the operator may override this: --force)"


class Action(StrEnum):
    PUSH_KEY = "push_key"
    ENABLE_KVP = "enable_kvp"
    KVP_CLEANUP = "kvp_cleanup"


class AccessPath(StrEnum):
    POWERSHELL_DIRECT = "powershell_direct"  # Invoke-Command -VMId from the host
    GUEST_WINRM = "guest_winrm"  # WinRM straight to the guest's address

    @property
    def label(self) -> str:
        return "PowerShell Direct" if self is AccessPath.POWERSHELL_DIRECT else "WinRM to guest"


class ResultStatus(StrEnum):
    SUCCEEDED = "succeeded"
    UNCHANGED = "unchanged"  # nothing needed doing (e.g. Data Exchange was already enabled)
    FAILED = "failed"
    REFUSED = "refused"  # not attempted: the plan refused it
    CANCELLED = "cancelled"  # not attempted: the run was cancelled or stopped first

    @property
    def ok(self) -> bool:
        return self in (ResultStatus.SUCCEEDED, ResultStatus.UNCHANGED)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the console will not (or, with `overridable`, not without the operator's override) act on a VM.
    `reason` is a Text: English as it is, translatable by its template."""

    code: str
    reason: str
    overridable: bool


class OperationError(ValueError):
    """Bad input to an operation (an unknown VM, a malformed address); the message names it and the fix."""


def unreachable_refusal(host: HostRecord) -> Refusal:
    reason = tr_text("Operations", "{host} could not be queried: {error}", host=host.name, error=str(host.error))
    return Refusal("host_unreachable", reason, False)


def runnable_despite(refusals: Sequence[Refusal], forced: bool) -> bool:
    """Nothing refuses, or the operator overrode refusals that all allow it."""
    return not refusals or (forced and all(refusal.overridable for refusal in refusals))


def refusal_text(refusals: Sequence[Refusal], *, forced_possible: bool) -> str:
    text = join_texts("; ", [refusal.reason for refusal in refusals])
    if forced_possible and all(refusal.overridable for refusal in refusals):
        return tr_text("Operations", "{reasons} (the operator may override this: --force)", reasons=text)
    return text


@dataclass(frozen=True, slots=True)
class PlanTable:
    """A plan as the command line shows it before it asks (each action says what its columns are)."""

    title: str
    headers: list[str]
    rows: list[list[object]]
    notes: list[str]
    question: str  # what the confirmation asks, e.g. "Install the keys in 3 VM(s)?"


def plan_cell(item: PlanItem, what: str) -> str:
    """What the plan does with one VM: `what`, marked FORCED or REFUSED with the reasons."""
    reasons = "; ".join(refusal.reason for refusal in item.refusals)
    if not item.runnable:
        return "REFUSED: " + reasons
    return f"FORCED ({reasons}): {what}" if item.refusals else what


# ---------------------------------------------------------------------------------------------------------
# Texts the plans borrow from the diagnosis, kept translatable

# Hyper-V's power states inside a sentence ("app-1 is off: ..."); a state not listed stays as the host said it.
POWER_STATE_WORDS = frozenset(
    {
        tr_noop("PowerStateWord", "off"),
        tr_noop("PowerStateWord", "saved"),
        tr_noop("PowerStateWord", "paused"),
        tr_noop("PowerStateWord", "starting"),
        tr_noop("PowerStateWord", "stopping"),
        tr_noop("PowerStateWord", "saving"),
        tr_noop("PowerStateWord", "pausing"),
        tr_noop("PowerStateWord", "resuming"),
        tr_noop("PowerStateWord", "running"),
    }
)


def power_state_word(power_state: str) -> str:
    word = power_state.lower()
    return Text("PowerStateWord", word) if word in POWER_STATE_WORDS else word


def blocker_text(blocker: Blocker) -> Text:
    """Why a host cannot activate guests, as the diagnosis words it (`Blocker.reason_text`), translatable."""
    return Text("FindingFields", blocker.reason, **blocker.fields)


def finding_text(finding: Finding) -> Text:
    """A finding's sentence (`Finding.message`), translatable with its phrases (domain/findings.py)."""
    fields = {name: _phrase_text(value, finding.fields) for name, value in finding.fields.items()}
    return Text("Findings", finding.text.message, **fields)


def _phrase_text(value: str, fields: Mapping[str, str]) -> str:
    if value in FIELD_PHRASES:
        return Text("FindingFields", value, **fields)
    for separator in ("; ", ", "):  # several blockers of one node, joined (findings._PHRASE_SEPARATORS)
        parts = value.split(separator)
        if len(parts) > 1 and all(part in FIELD_PHRASES for part in parts):
            return join_texts(separator, [Text("FindingFields", part, **fields) for part in parts])
    return value


# ---------------------------------------------------------------------------------------------------------
# Plans and results: what every action's have


class PlanItem(Protocol):
    """One VM of a plan, as the runner sees it."""

    @property
    def host(self) -> HostRecord: ...
    @property
    def vm(self) -> VmRecord: ...
    @property
    def refusals(self) -> tuple[Refusal, ...]: ...
    @property
    def notes(self) -> tuple[str, ...]: ...
    @property
    def forced(self) -> bool: ...
    @property
    def runnable(self) -> bool: ...


ItemT = TypeVar("ItemT", bound=PlanItem)


class PlanBase(Generic[ItemT]):
    """`runnable`/`refused` for a plan dataclass with `items` (a mixin: no state of its own)."""

    __slots__ = ()
    items: tuple[ItemT, ...]

    @property
    def runnable(self) -> tuple[ItemT, ...]:
        return tuple(item for item in self.items if item.runnable)

    @property
    def refused(self) -> tuple[ItemT, ...]:
        return tuple(item for item in self.items if not item.runnable)


class ResultBase:
    """`ok` and the JSON frame every per-VM result shares (a mixin for result dataclasses)."""

    __slots__ = ()
    action: ClassVar[Action]
    host: str
    vm: str
    vm_id: str
    status: ResultStatus
    error: str | None
    audit_error: str | None

    @property
    def ok(self) -> bool:
        return self.status.ok and self.audit_error is None

    @property
    def summary(self) -> str:
        """One line for a table or a tooltip: what changed, or why nothing was attempted."""
        if self.status in (ResultStatus.REFUSED, ResultStatus.CANCELLED):
            return self.error or self.status.value
        return self.change_text()

    def change_text(self) -> str:
        """What an attempted change did (each action's result says it its own way)."""
        return self.error or self.status.value

    def _json(self, **fields: Any) -> dict[str, Any]:
        """The result as JSON: who and what first, the action's own `fields`, then the errors."""
        head = {"action": self.action.value, "host": self.host, "vm": self.vm, "vm_id": self.vm_id}
        return {**head, "status": self.status.value, **fields, "error": self.error, "audit_error": self.audit_error}


# ---------------------------------------------------------------------------------------------------------
# Selecting VMs

Target = tuple[HostRecord, VmRecord]


def select_vms(snapshot: FleetSnapshot, wanted: Sequence[str]) -> list[Target]:
    """The VMs named (exact name, or VM id), in the order given; OperationError for unknown or ambiguous names."""
    chosen: dict[str, Target] = {}
    for text in wanted:
        folded_id = text.strip().strip("{}").casefold()
        matches = [
            (host, vm)
            for host in snapshot.hosts
            for vm in host.vms
            if vm.name == text or vm.vm_id.casefold() == folded_id
        ]
        if not matches:
            unreachable = [host.name for host in snapshot.hosts if not host.reachable]
            hint = f" (hosts not reached in this scan: {', '.join(unreachable)})" if unreachable else ""
            raise OperationError(
                f"no VM named {text!r} in the scan{hint}; names are case-sensitive, or give the VM's id"
            )
        if len({vm.vm_id for _, vm in matches}) > 1:
            places = ", ".join(f"{host.name} (id {vm.vm_id})" for host, vm in matches)
            raise OperationError(f"{text!r} names several VMs: on {places}; select one by its id")
        host, vm = matches[0]
        chosen.setdefault(vm.vm_id, (host, vm))
    return list(chosen.values())


def reachable_targets(snapshot: FleetSnapshot) -> list[Target]:
    return [(host, vm) for host in snapshot.hosts if host.reachable for vm in host.vms]


def needs_guest_winrm(host: HostRecord, vm: VmRecord) -> bool:
    """PowerShell Direct needs 2016+ on both sides; 2012 R2 is reached by WinRM to the guest."""
    return vm.guest.version is ServerVersion.V2012R2 or (
        host.version is not None and host.version.avma_family is ServerVersion.V2012R2
    )
