"""The diagnosis rules: from the facts of a host, its cluster and a VM to a state, findings and fixes.

Pure functions over immutable records; `assess_fleet` applies all of them to a scanned fleet.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar, cast

from avma_console.domain.findings import Finding, FindingCode, Severity, expand_fields
from avma_console.domain.fleet import ClusterRecord, FleetSnapshot, HostRecord, VmRecord
from avma_console.domain.guest_access import guest_access_fix
from avma_console.domain.keys import KeyChannel, avma_key_for, avma_products_for_partial_key
from avma_console.domain.matrix import COMPATIBILITY, host_can_activate
from avma_console.domain.states import ActivationState, AvmaOutcome, StateSource, state_from_license
from avma_console.domain.versions import MAIN_VERSIONS, ServerVersion

T = TypeVar("T")

# KVP item names that AVMA-related software leaves in a guest's exchange. Which items AVMA itself writes is
# unconfirmed (see avma-facts.md), so this is data: extend it when a real host shows more.
AVMA_KVP_ITEM_PATTERNS: tuple[str, ...] = ("AVMA*", "*VirtualMachineActivation*", "*AutomaticVMActivation*")

NO_CONTACT_STATUSES = frozenset({"no contact", "lost communication", "keinen kontakt", "kommunikation unterbrochen"})


UNKNOWN_EDITION = "an unknown edition"  # a phrase of FIELD_PHRASES


@dataclass(frozen=True, slots=True)
class Blocker:
    """Why a host cannot activate guests (for itself, or as a failover target)."""

    code: FindingCode
    severity: Severity
    reason: str  # a phrase of FIELD_PHRASES, over `fields`
    fix: str
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def reason_text(self) -> str:
        """The reason in English words, filled in."""
        return expand_fields({**self.fields, "reason": self.reason})["reason"]


def host_blockers(host: HostRecord) -> list[Blocker]:
    """What stops this host from activating any guest; [] for a capable host or one not queried."""
    if not host.reachable:
        return []
    blockers: list[Blocker] = []
    edition = host.edition
    if edition is not None and edition.is_evaluation:
        blockers.append(
            Blocker(
                FindingCode.HOST_EVALUATION_EDITION,
                Severity.ERROR,
                "it runs {node_edition}",
                "convert it to Datacenter",
                {"node_edition": edition.label},
            )
        )
    elif edition is not None and not edition.can_host_avma:
        blockers.append(
            Blocker(
                FindingCode.HOST_NOT_DATACENTER,
                Severity.ERROR,
                "it runs {node_edition}",
                "convert it to Datacenter",
                {"node_edition": edition.label},
            )
        )
    if host.activated is False:
        blockers.append(Blocker(FindingCode.HOST_NOT_ACTIVATED, Severity.ERROR, "it is not activated", "activate it"))
    if host.hyperv is False:
        blockers.append(
            Blocker(FindingCode.HOST_NO_HYPERV, Severity.ERROR, "it has no Hyper-V role", "install Hyper-V")
        )
    return blockers


def minimum_host_version(guest: ServerVersion) -> ServerVersion | None:
    """The oldest long-term release whose hosts activate this guest version."""
    for candidate in MAIN_VERSIONS:
        if guest.avma_family in COMPATIBILITY.get(candidate, ()):
            return candidate
    return None


def diagnose_host(host: HostRecord) -> tuple[Finding, ...]:
    name = host.name
    if not host.reachable:
        fix = (
            host.error_fix
            or "Check that WinRM answers (Test-WSMan), the credentials and the certificate, then scan again."
        )
        return (
            Finding(
                FindingCode.HOST_UNREACHABLE,
                Severity.ERROR,
                {"host": name, "reason": host.error or "", "fix": fix},
            ),
        )
    findings = []
    for blocker in host_blockers(host):
        edition = host.edition.label if host.edition else UNKNOWN_EDITION
        findings.append(Finding(blocker.code, blocker.severity, {"host": name, "edition": edition}))
    return tuple(findings)


def derive_state(vm: VmRecord) -> tuple[ActivationState, StateSource]:
    """What the evidence proves.

    A guest that says it is licensed is believed first. A guest that is not licensed is explained by the
    last AVMA outcome when that was a refusal (denied, invalid host, invalid data): that is the state an
    operator must act on, still verified in the guest (source `guest`). Without evidence the state is unknown.
    """
    guest_state = None
    if vm.guest_license is not None:
        guest_state = state_from_license(vm.guest_license.license_status, vm.guest_license.channel)
        if not guest_state.is_problem:
            return guest_state, StateSource.GUEST
    outcome = vm.last_event.outcome if vm.last_event is not None else None
    if outcome is not None and (guest_state is None or outcome is not AvmaOutcome.SUCCESS):
        # Read in the guest, the licence is verified there; the host's refusal only says why it is not licensed.
        return outcome.state, StateSource.HOST_EVENTS if guest_state is None else StateSource.GUEST
    if guest_state is not None:
        return guest_state, StateSource.GUEST
    return ActivationState.UNKNOWN, StateSource.NONE


def has_avma_kvp_data(vm: VmRecord) -> bool:
    """Whether the VM's exchange holds AVMA items (names compared without case, as PowerShell's -like does)."""
    patterns = [pattern.casefold() for pattern in AVMA_KVP_ITEM_PATTERNS]
    return any(fnmatch.fnmatchcase(name.casefold(), pattern) for name in vm.kvp_items for pattern in patterns)


def _describe_key(vm: VmRecord) -> tuple[str, dict[str, str]]:
    """The phrase naming the key the guest carries, and the fields it needs."""
    license_ = vm.guest_license
    assert license_ is not None
    if license_.channel is KeyChannel.AVMA and license_.partial_key:
        products = avma_products_for_partial_key(license_.partial_key)
        if products:
            version, edition = products[0]
            fields = {"key_version": version.avma_family.label, "key_edition": edition.label}
            return "the AVMA key of Windows Server {key_version} {key_edition}", fields
    names = {
        KeyChannel.KMS: "a KMS client key",
        KeyChannel.MAK: "a MAK (volume) key",
        KeyChannel.RETAIL: "a retail key",
        KeyChannel.OEM: "an OEM key",
        KeyChannel.UNKNOWN: "a key of an unknown channel",
        KeyChannel.AVMA: "an AVMA key",
    }
    return names[license_.channel], {}


def _carries_right_avma_key(vm: VmRecord) -> bool:
    license_ = vm.guest_license
    if license_ is None or license_.channel is not KeyChannel.AVMA:
        return False
    if not license_.partial_key or vm.guest.version is None or vm.guest.edition is None:
        return True  # an AVMA key we cannot tie to a product: no evidence that it is the wrong one
    return (vm.guest.version, vm.guest.edition) in avma_products_for_partial_key(license_.partial_key)


def diagnose_vm(vm: VmRecord, host: HostRecord, failover_nodes: Sequence[HostRecord] = ()) -> tuple[Finding, ...]:
    """The findings for one VM on its current host, with the other nodes it may fail over to."""
    if not host.reachable:
        return ()
    findings: list[Finding] = []
    base = {"vm": vm.name, "host": host.name}
    guest = vm.guest

    if guest.is_server is False:
        os_name = guest.caption or vm.kvp_items.get("OSName") or "a desktop Windows"
        findings.append(Finding(FindingCode.GUEST_NOT_WINDOWS_SERVER, Severity.WARNING, {**base, "os": os_name}))
        return tuple(findings)
    if guest.version is None and vm.running and vm.kvp_items:
        os_name = vm.kvp_items.get("OSName") or "no OS name reported"
        findings.append(
            Finding(
                FindingCode.GUEST_NOT_WINDOWS_SERVER,
                Severity.INFO,
                {**base, "os": os_name},
                template="guest_os_unrecognised",
            )
        )

    licensed_elsewhere = vm.state is ActivationState.ACTIVATED_OTHER
    # For a VM licensed through another channel, AVMA problems only matter if it moves to AVMA: say so, softly.
    blocking = Severity.INFO if licensed_elsewhere else Severity.ERROR
    if not licensed_elsewhere:
        edition_label = host.edition.label if host.edition else UNKNOWN_EDITION
        for blocker in host_blockers(host):
            findings.append(Finding(blocker.code, blocker.severity, {**base, "edition": edition_label}))

    if guest.version is not None and host.version is not None and not host_can_activate(host.version, guest.version):
        minimum = minimum_host_version(guest.version)
        findings.append(
            Finding(
                FindingCode.GUEST_NEWER_THAN_HOST,
                blocking,
                {
                    **base,
                    "guest_version": guest.version.label,
                    "host_version": host.version.label,
                    "minimum_host": minimum.label if minimum else guest.version.label,
                },
            )
        )

    if vm.kvp_enabled is False:
        findings.append(Finding(FindingCode.KVP_DISABLED, blocking, base))
    elif vm.kvp_enabled and vm.running and vm.kvp_status and vm.kvp_status.strip().casefold() in NO_CONTACT_STATUSES:
        findings.append(Finding(FindingCode.KVP_NO_CONTACT, Severity.WARNING, {**base, "status": vm.kvp_status}))

    if vm.guest_license is not None and not _carries_right_avma_key(vm):
        detail, key_fields = _describe_key(vm)
        version_label = guest.version.label if guest.version else "?"
        edition_label = guest.edition.label if guest.edition else "?"
        key = avma_key_for(guest.version, guest.edition) if guest.version and guest.edition else None
        severity = Severity.INFO if licensed_elsewhere else Severity.WARNING
        fields = {
            **base,
            **key_fields,
            "detail": detail,
            "guest_version": version_label,
            "guest_edition": edition_label,
        }
        if key is not None:
            findings.append(Finding(FindingCode.NON_AVMA_KEY, severity, {**fields, "key": key}))
        elif guest.version is None or guest.edition is None:
            template = "non_avma_key_unknown_os"
            findings.append(Finding(FindingCode.NON_AVMA_KEY, severity, fields, template=template))
        else:
            findings.append(Finding(FindingCode.NON_AVMA_KEY, severity, fields, template="non_avma_key_no_key"))
        # Only the data itself proves staleness: an old AVMA event stays in the log after the clean-up.
        if vm.guest_license.channel is not KeyChannel.AVMA and has_avma_kvp_data(vm):
            findings.append(
                Finding(
                    FindingCode.KVP_STALE_AFTER_KEY_CHANGE, Severity.WARNING, {**base, **key_fields, "detail": detail}
                )
            )

    if not licensed_elsewhere:
        findings.extend(_failover_findings(vm.name, guest.version, host, failover_nodes))
    findings.extend(_unexplained_state_findings(vm, host, findings))
    return tuple(findings)


_REFUSAL_TEMPLATES: dict[ActivationState, str] = {
    ActivationState.ACTIVATION_DENIED: "avma_refused",
    ActivationState.INVALID_HOST: "avma_refused_invalid_host",
    ActivationState.INVALID_DATA: "avma_refused_invalid_data",
}


def _unexplained_state_findings(vm: VmRecord, host: HostRecord, findings: Sequence[Finding]) -> list[Finding]:
    """A finding for a state that nothing else explains: no evidence at all, or a refusal without a cause found.

    Findings that already explain the state (a host blocker, Data Exchange off or silent, a wrong key) are
    enough; a failover risk or an informational note explains nothing about today's state.
    """
    explained = any(
        f.severity is not Severity.INFO and f.code is not FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE for f in findings
    )
    if explained:
        return []
    base = {"vm": vm.name, "host": host.name}
    license_ = vm.guest_license
    if vm.state is ActivationState.UNKNOWN:
        if not vm.running:
            fields = {**base, "power_state": (vm.power_state or "Off").casefold()}
            return [Finding(FindingCode.NO_AVMA_EVIDENCE, Severity.INFO, fields, template="no_avma_evidence_off")]
        if vm.last_event is not None:
            return []  # an AVMA request was seen (throttled): AVMA is at work, the next one tells
        if has_avma_kvp_data(vm):
            return [Finding(FindingCode.NO_AVMA_EVIDENCE, Severity.WARNING, base, template="no_avma_evidence_kvp_only")]
        if vm.guest_error:
            fields = {**base, "guest_error": vm.guest_error, "guest_fix": guest_access_fix(vm.guest_error) or ""}
            return [
                Finding(FindingCode.NO_AVMA_EVIDENCE, Severity.WARNING, fields, template="no_avma_evidence_guest_error")
            ]
        return [Finding(FindingCode.NO_AVMA_EVIDENCE, Severity.WARNING, base)]
    if (
        vm.state in (ActivationState.GRACE, ActivationState.UNLICENSED)
        and license_ is not None
        and license_.channel is KeyChannel.AVMA
        and vm.last_event is None
    ):
        return [
            Finding(FindingCode.NO_AVMA_EVIDENCE, Severity.WARNING, base, template="no_avma_evidence_not_activated")
        ]
    template = _REFUSAL_TEMPLATES.get(vm.state)
    if template is None:
        return []
    error_code = vm.last_event.error_code if vm.last_event is not None else None
    guest = vm.guest
    key = avma_key_for(guest.version, guest.edition) if guest.version and guest.edition else None
    fields = {
        **base,
        "code": f", 0x{error_code:08X}" if error_code is not None else "",
        "key": f" ({key})" if key else "",
    }
    return [Finding(FindingCode.AVMA_REFUSED, Severity.ERROR, fields, template=template)]


def _failover_findings(
    subject: str, guest_version: ServerVersion | None, host: HostRecord, nodes: Iterable[HostRecord]
) -> list[Finding]:
    findings = []
    guests = "Windows Server {guest_versions} guests" if guest_version else "its guests"
    guest_versions = guest_version.label if guest_version else ""
    for node in nodes:
        if node.name.casefold() == host.name.casefold() or not node.reachable:
            continue
        problem = node_problem(node, guest_version)
        if problem is not None:
            reason, fix, node_fields = problem
            findings.append(
                Finding(
                    FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE,
                    Severity.WARNING,
                    {
                        **node_fields,
                        "guest_versions": guest_versions,
                        "vm": subject,
                        "subject": subject,
                        "node": node.name,
                        "guests": guests,
                        "reason": reason,
                        "fix": fix,
                    },
                )
            )
    return findings


def node_problem(node: HostRecord, guest_version: ServerVersion | None) -> tuple[str, str, dict[str, str]] | None:
    """Why this node could not activate a guest of this version, what fixes it (phrases of FIELD_PHRASES) and the
    fields they need; None if it could, or if we cannot tell."""
    blockers = host_blockers(node)
    if blockers:
        fields = {key: value for blocker in blockers for key, value in blocker.fields.items()}
        return "; ".join(b.reason for b in blockers), ", ".join(b.fix for b in blockers), fields
    if guest_version is not None and node.version is not None and not host_can_activate(node.version, guest_version):
        return (
            "it runs Windows Server {node_version}",
            "upgrade it to Windows Server {required_version} or later",
            {"node_version": node.version.label, "required_version": guest_version.avma_family.label},
        )
    return None


def diagnose_cluster(cluster: ClusterRecord, nodes: Sequence[HostRecord]) -> tuple[Finding, ...]:
    """Cluster-wide: every node must be able to activate every guest that may fail over to it."""
    guest_versions = sorted(
        {vm.guest.version for node in nodes for vm in node.vms if vm.guest.version is not None},
        key=lambda v: v.build,
    )
    findings: list[Finding] = []
    for node in nodes:
        if not node.reachable:
            continue
        problem = node_problem(node, None)
        if problem is None:
            too_new = [v for v in guest_versions if node.version is not None and not host_can_activate(node.version, v)]
            if too_new:
                problem = node_problem(node, too_new[-1])
                guests = "Windows Server {guest_versions} guests"
                too_new_labels = ", ".join(v.label for v in too_new)
            else:
                continue
        else:
            guests, too_new_labels = "any guest", ""
        assert problem is not None
        reason, fix, node_fields = problem
        findings.append(
            Finding(
                FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE,
                Severity.ERROR,
                {
                    **node_fields,
                    "guest_versions": too_new_labels,
                    "cluster": cluster.name,
                    "subject": "Any VM in {cluster}",
                    "node": node.name,
                    "guests": guests,
                    "reason": reason,
                    "fix": fix,
                },
            )
        )
    return tuple(findings)


def assess_host(host: HostRecord, cluster_nodes: Sequence[HostRecord] = ()) -> HostRecord:
    """Derive every VM's state and findings, and the host's own findings."""
    if not host.reachable:
        vms = tuple(
            replace(vm, state=ActivationState.UNREACHABLE, source=StateSource.NONE, findings=()) for vm in host.vms
        )
        return replace(host, vms=vms, findings=diagnose_host(host))
    assessed = []
    for vm in host.vms:
        state, source = derive_state(vm)
        with_state = replace(vm, state=state, source=source)
        assessed.append(replace(with_state, findings=diagnose_vm(with_state, host, cluster_nodes)))
    return replace(host, vms=tuple(assessed), findings=diagnose_host(host))


def assess_fleet(snapshot: FleetSnapshot) -> FleetSnapshot:
    """Apply every rule to a whole scan result (clusters need all their nodes, so this runs last)."""
    return run_steps(assess_fleet_steps(snapshot))


def assess_fleet_steps(snapshot: FleetSnapshot) -> Generator[None, None, FleetSnapshot]:
    """`assess_fleet` one host at a time: it yields after each host, so a caller can interleave other work
    (the GUI runs it on its own thread in slices, between events); the assessed snapshot is its return value."""
    by_name = {host.name.casefold(): host for host in snapshot.hosts}
    clusters_by_name: dict[str, ClusterRecord] = {}
    for cluster in snapshot.clusters:
        clusters_by_name.setdefault(cluster.name.casefold(), cluster)  # the first of a name, as before
    hosts = []
    for host in snapshot.hosts:
        nodes: list[HostRecord] = []
        if host.cluster:
            home = clusters_by_name.get(host.cluster.casefold())
            if home is not None:
                nodes = [by_name[n.casefold()] for n in home.nodes if n.casefold() in by_name]
        hosts.append(assess_host(host, nodes))
        yield
    assessed_by_name = {host.name.casefold(): host for host in hosts}
    clusters = tuple(
        replace(
            cluster,
            findings=diagnose_cluster(
                cluster,
                [assessed_by_name[n.casefold()] for n in cluster.nodes if n.casefold() in assessed_by_name],
            ),
        )
        for cluster in snapshot.clusters
    )
    return replace(snapshot, hosts=tuple(hosts), clusters=clusters)


def run_steps(steps: Generator[None, None, T]) -> T:
    """Run a stepwise computation to its end, at once."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return cast("T", done.value)
