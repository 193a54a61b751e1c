"""What the tree shows beyond the JSON state: host readiness, failover risk and "not applicable" guests.

The activation-state vocabulary (states.py) is a JSON contract and stays as it is. These are display-level
readings of the same records: a VM that is activated today but may fail over to a node that cannot activate
it is *at risk*; a desktop or non-Windows guest is *not applicable* (AVMA cannot help, so it is no problem of
this tool); a host is *ready* when it is an activated Datacenter Hyper-V host whose version activates every
guest version that may run on it. Pure functions over the domain records, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from avma_console.domain.findings import FindingCode, Severity
from avma_console.domain.fleet import HostRecord, VmRecord
from avma_console.domain.matrix import host_can_activate
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import ServerVersion


class Marker(StrEnum):
    """Display categories next to the activation states (never written to JSON as a state)."""

    AT_RISK = "at_risk"  # fine today, would fail on failover (cluster_node_cannot_activate)
    NOT_APPLICABLE = "not_applicable"  # client OS or non-Windows guest (guest_not_windows_server)
    NO_EVIDENCE = "no_evidence"  # running, unknown, and no AVMA activation ever seen (no_avma_evidence)


# What a tree row, a count or a state toggle is keyed by: a JSON state, or one of the markers.
Category = ActivationState | Marker

# States a VM may be in and still be "at risk" rather than "a problem": fine today, or no evidence yet
# while the only finding is the failover risk (the operator's next step is the failover node either way).
_RISK_STATES = frozenset({ActivationState.AVMA_ACTIVATED, ActivationState.UNKNOWN})


def category_of(vm: VmRecord) -> Category:
    """The category a VM is shown, counted and filtered by."""
    if vm.state is not ActivationState.UNREACHABLE and is_not_applicable(vm):
        return Marker.NOT_APPLICABLE
    if is_at_risk(vm):
        return Marker.AT_RISK
    if is_without_evidence(vm):
        return Marker.NO_EVIDENCE
    return vm.state


def is_without_evidence(vm: VmRecord) -> bool:
    """Running with an unknown state that nothing explains: no AVMA activation seen, its licence not read."""
    return vm.state is ActivationState.UNKNOWN and any(
        finding.code is FindingCode.NO_AVMA_EVIDENCE and finding.severity is not Severity.INFO
        for finding in vm.findings
    )


def is_not_applicable(vm: VmRecord) -> bool:
    """A desktop Windows or a non-Windows guest: AVMA activates only Windows Server guests."""
    return any(finding.code is FindingCode.GUEST_NOT_WINDOWS_SERVER and not finding.template for finding in vm.findings)


def is_at_risk(vm: VmRecord) -> bool:
    """Fine today (or no evidence yet), and the only warnings or errors are nodes it may fail over to."""
    if vm.state not in _RISK_STATES:
        return False
    risks = [f for f in vm.findings if f.code is FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE]
    others = [
        f
        for f in vm.findings
        if f.code is not FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE and f.severity is not Severity.INFO
    ]
    return bool(risks) and not others


def risk_nodes(vm: VmRecord) -> tuple[str, ...]:
    """The failover nodes that could not activate this VM, in finding order."""
    return tuple(
        finding.fields.get("node", "")
        for finding in vm.findings
        if finding.code is FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE
    )


_RANK: dict[Marker, int] = {Marker.NOT_APPLICABLE: -1}


def category_rank(category: Category) -> int:
    """Higher is worse. No evidence, then at risk, sit above "unknown" and below grace (times 3, so they fit
    between states); not applicable is below everything, so it never becomes a host's or cluster's worst state."""
    if isinstance(category, ActivationState):
        return category.severity_rank * 3
    if category is Marker.NO_EVIDENCE:
        return ActivationState.UNKNOWN.severity_rank * 3 + 1
    if category is Marker.AT_RISK:
        return ActivationState.UNKNOWN.severity_rank * 3 + 2
    return _RANK[category]


def is_problem(category: Category) -> bool:
    """Shown under "Problems only" (not activated today). An at-risk VM is activated today, and has its own
    toggle and count; a not-applicable guest is no AVMA problem at all; a VM without evidence is unknown."""
    if isinstance(category, ActivationState):
        return category.is_problem
    return category is Marker.NO_EVIDENCE  # unknown, as far as anyone can tell: not activated today


def worst_category(categories: Iterable[Category]) -> Category | None:
    return max(categories, key=category_rank, default=None)


# -- host readiness --------------------------------------------------------------------------------------------
class Check(StrEnum):
    DATACENTER = "datacenter"
    ACTIVATED = "activated"
    HYPERV = "hyperv"
    VERSION = "version"


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: Check
    ok: bool | None  # None: the scan did not tell
    detail: str  # English template fields for the GUI; e.g. the edition, or the versions it cannot activate
    too_new: tuple[ServerVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class HostReadiness:
    host: str
    checks: tuple[CheckResult, ...]

    @property
    def failing(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if check.ok is False)

    @property
    def unknown(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if check.ok is None)

    @property
    def ready(self) -> bool | None:
        """True: every check passed; False: at least one failed; None: not failed, but not all known."""
        if self.failing:
            return False
        return None if self.unknown else True

    @property
    def cannot_activate_any(self) -> bool:
        return any(check.ok is False and check.check is not Check.VERSION for check in self.checks)

    @property
    def too_new(self) -> tuple[ServerVersion, ...]:
        return next((check.too_new for check in self.checks if check.check is Check.VERSION), ())


def host_readiness(host: HostRecord, guest_versions: Iterable[ServerVersion] = ()) -> HostReadiness | None:
    """Datacenter, activated, Hyper-V, and a version that activates `guest_versions` (the guests that may
    run on it: its own, and in a cluster every node's). None for a host that could not be queried."""
    if not host.reachable:
        return None
    edition = host.edition
    if edition is None:
        datacenter = CheckResult(Check.DATACENTER, None, "")
    else:
        datacenter = CheckResult(Check.DATACENTER, edition.can_host_avma and not edition.is_evaluation, edition.label)
    activated = CheckResult(Check.ACTIVATED, host.activated, "")
    hyperv = CheckResult(Check.HYPERV, host.hyperv, "")
    if host.version is None:
        version = CheckResult(Check.VERSION, None, "")
    else:
        host_version = host.version
        too_new = tuple(
            sorted(
                {v.avma_family for v in guest_versions if not host_can_activate(host_version, v)},
                key=lambda v: v.build,
            )
        )
        version = CheckResult(Check.VERSION, not too_new, host_version.label, too_new)
    return HostReadiness(host.name, (datacenter, activated, hyperv, version))


def guest_versions_of(hosts: Iterable[HostRecord]) -> tuple[ServerVersion, ...]:
    """Every guest version running on these hosts (a cluster's nodes: what may fail over anywhere)."""
    return tuple(
        sorted(
            {vm.guest.version for host in hosts for vm in host.vms if vm.guest.version is not None},
            key=lambda v: v.build,
        )
    )


@dataclass(frozen=True, slots=True)
class NodeGap:
    """One cluster node that cannot activate some guests: all of them, or the versions named."""

    node: str
    any_guest: bool
    versions: tuple[ServerVersion, ...]


def cluster_gaps(nodes: Sequence[HostRecord]) -> tuple[NodeGap, ...]:
    """Which nodes cannot activate which guest versions of the cluster (unreachable nodes are not judged)."""
    versions = guest_versions_of(nodes)
    gaps = []
    for node in nodes:
        readiness = host_readiness(node, versions)
        if readiness is None or readiness.ready is not False:
            continue
        gaps.append(
            NodeGap(
                node.name, readiness.cannot_activate_any, () if readiness.cannot_activate_any else readiness.too_new
            )
        )
    return tuple(gaps)
