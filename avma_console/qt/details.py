"""What the detail pane shows for a selection, computed off the GUI thread, latest selection wins.

`describe` turns immutable domain records into a `DetailView` (facts, findings, recent AVMA events, actions).
It runs on the executor: a host's event list can be long, and the history store will join here later.
`DetailLoader` starts one load per selection and drops any result that is not for the newest selection,
cancelling the older task, so clicking quickly through the tree never shows a stale pane.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from avma_console.domain.findings import Finding, Severity
from avma_console.domain.fleet import AvmaEvent, ClusterRecord, GuestLicense, HostRecord, VmRecord
from avma_console.domain.guest_access import guest_access_fix
from avma_console.domain.i18n import tr_noop
from avma_console.domain.keys import avma_key_for
from avma_console.domain.outlook import category_of, cluster_gaps, guest_versions_of, host_readiness
from avma_console.domain.states import STATE_DESCRIPTIONS, ActivationState, LicenseStatus
from avma_console.qt import theme
from avma_console.qt.context import TaskRunner
from avma_console.qt.fleet_cells import gaps_text, readiness_text
from avma_console.qt.fleet_tree import GroupNode, HostNode, Node, VmNode
from avma_console.qt.text import (
    error_kind_text,
    finding_message,
    finding_remediation,
    local_time,
    remote_error,
    remote_fix,
    translate,
    translator,
)

MAX_EVENTS = 8


# Hyper-V's VM states as Get-VM reports them (English on every host); Hyper-V Manager's words in German.
POWER_STATES = (
    tr_noop("PowerState", "Running"),
    tr_noop("PowerState", "Off"),
    tr_noop("PowerState", "Saved"),
    tr_noop("PowerState", "Paused"),
    tr_noop("PowerState", "Starting"),
    tr_noop("PowerState", "Stopping"),
    tr_noop("PowerState", "Saving"),
    tr_noop("PowerState", "Pausing"),
    tr_noop("PowerState", "Resuming"),
)


def power_state_text(state: str | None) -> str:
    """A host-reported power state in the reader's language (a state not listed stays as the host said it)."""
    return translate("PowerState", state) if state in POWER_STATES else (state or "")


_tr = translator("Details")


@dataclass(frozen=True, slots=True)
class Selection:
    """An immutable copy of what was selected (safe to hand to a worker thread)."""

    kind: str  # "group" | "host" | "vm"
    name: str
    cluster: ClusterRecord | None = None
    host: HostRecord | None = None
    vm: VmRecord | None = None
    hosts: tuple[HostRecord, ...] = ()
    standalone: bool = False


@dataclass(frozen=True, slots=True)
class FindingView:
    severity: Severity
    message: str
    remediation: str


@dataclass(frozen=True, slots=True)
class DetailView:
    selection: Selection
    title: str
    subtitle: str
    state: ActivationState | None
    state_text: str
    facts: tuple[tuple[str, str], ...]
    findings: tuple[FindingView, ...]
    events: tuple[str, ...] = ()
    avma_key: str | None = None
    rescan_hosts: tuple[str, ...] = field(default=())


def selection_of(node: Node | None) -> Selection | None:
    if node is None:
        return None
    if isinstance(node, VmNode):
        host = node.parent.record
        return Selection("vm", node.record.name, host=host, vm=node.record, cluster=node.parent.parent.cluster)
    if isinstance(node, HostNode):
        # Its group's hosts too: in a cluster, the host's readiness depends on every node's guests.
        peers = (node.record,) if node.parent.standalone else tuple(host.record for host in node.parent.children)
        return Selection("host", node.record.name, host=node.record, cluster=node.parent.cluster, hosts=peers)
    assert isinstance(node, GroupNode)
    return Selection(
        "group",
        node.name,
        cluster=node.cluster,
        hosts=tuple(host.record for host in node.children),
        standalone=node.standalone,
    )


def _yes_no(value: bool | None) -> str:
    return _tr("unknown") if value is None else (_tr("yes") if value else _tr("no"))


def _time(value: datetime | None) -> str:
    return f"{local_time(value)} {value.astimezone().strftime('%Z')}" if value else _tr("never / unknown")


def _findings(findings: tuple[Finding, ...]) -> tuple[FindingView, ...]:
    ordered = sorted(findings, key=lambda finding: -finding.severity.rank)
    return tuple(FindingView(f.severity, finding_message(f), finding_remediation(f)) for f in ordered)


def _state_text(state: ActivationState | None) -> str:
    if state is None:
        return ""
    return f"{theme.state_label(state)} — {translate('State', STATE_DESCRIPTIONS[state])}"


def _event_line(event: AvmaEvent) -> str:
    outcome = event.outcome.value if event.outcome else _tr("no outcome")
    code = f" 0x{event.error_code:08X}" if event.error_code is not None else ""
    return f"{_time(event.time_created)}  #{event.event_id}  {outcome}{code}"


def _vm_events(host: HostRecord, vm: VmRecord) -> tuple[str, ...]:
    """The host's 12310 about this VM and the guest's own 12309 (with guest credentials), newest first."""
    name, vm_id = vm.name.casefold(), vm.vm_id.casefold()
    mine = [
        event
        for event in host.events
        if (event.vm_name and event.vm_name.casefold() == name) or (event.vm_id and event.vm_id.casefold() == vm_id)
    ]
    mine += vm.guest_events
    mine.sort(key=lambda event: (event.time_created, event.event_id), reverse=True)
    return tuple(_event_line(event) for event in mine[:MAX_EVENTS])


def describe(selection: Selection) -> DetailView:
    if selection.kind == "vm":
        return _describe_vm(selection)
    if selection.kind == "host":
        return _describe_host(selection)
    return _describe_group(selection)


def _describe_vm(selection: Selection) -> DetailView:
    vm, host = selection.vm, selection.host
    assert vm is not None
    assert host is not None
    guest = vm.guest
    license_ = vm.guest_license
    version = guest.version.label if guest.version else _tr("unknown")
    edition = guest.edition.label if guest.edition else _tr("unknown")
    kvp = _tr("enabled") if vm.kvp_enabled else _tr("disabled") if vm.kvp_enabled is False else _tr("unknown")
    if vm.kvp_status:
        kvp += f" ({vm.kvp_status})"
    facts: list[tuple[str, str]] = [
        (_tr("Verified"), _verification_text(vm)),
        (_tr("Host"), host.name + (f"  ({_tr('cluster')} {host.cluster})" if host.cluster else "")),
        (_tr("Guest OS"), guest.caption or f"Windows Server {version} {edition}"),
        (_tr("Guest version"), version),
        (_tr("Guest edition"), edition),
        (_tr("Host version"), f"Windows Server {host.version.label}" if host.version else _tr("unknown")),
        (_tr("Host edition"), host.edition.label if host.edition else _tr("unknown")),
        (_tr("Host activated"), _yes_no(host.activated)),
        (_tr("Hyper-V role"), _yes_no(host.hyperv)),
        (_tr("Power state"), power_state_text(vm.power_state) or (_tr("running") if vm.running else _tr("off"))),
        (_tr("Data Exchange"), kvp),
        (_tr("Licence status"), _license_text(license_) if license_ else ""),
        (_tr("Key channel"), license_.channel.value if license_ else _tr("unknown (no guest access)")),
        (_tr("Partial key"), license_.partial_key or "" if license_ else ""),
        (_tr("AVMA host (guest's view)"), license_.avma_host_name or "" if license_ else ""),
        (_tr("Last activation"), _time(vm.last_activation)),
        (_tr("State source"), _source_text(vm)),
        (_tr("VM ID"), vm.vm_id),
    ]
    if vm.guest_error:
        facts.append((_tr("Guest access"), vm.guest_error))
        facts.append((_tr("To read the guest"), translate("GuestAccess", guest_access_fix(vm.guest_error) or "")))
    key = avma_key_for(guest.version, guest.edition) if guest.version and guest.edition else None
    category = category_of(vm)
    state_text = _state_text(vm.state)
    if category is not vm.state:
        # At risk or not applicable: said first, the JSON state it refines after it.
        state_text = f"{theme.state_label(category)} — {theme.category_description(category)}\n{state_text}"
    return DetailView(
        selection=selection,
        title=vm.name,
        subtitle=_tr("Virtual machine on {host}").format(host=host.name),
        state=vm.state,
        state_text=state_text,
        facts=tuple((label, value) for label, value in facts if value),
        findings=_findings(vm.findings),
        events=_vm_events(host, vm),
        avma_key=key,
        rescan_hosts=(host.name,),
    )


def _verification_text(vm: VmRecord) -> str:
    """Whether the state was verified inside the guest, or inferred from what the host knows, and why."""
    if vm.guest_verified:
        return _tr("Guest-verified: its own licence was read inside the guest (PowerShell Direct)")
    if vm.guest_error:
        return _tr("Inferred from the host: the guest could not be read (see Guest access below)")
    if not vm.running:
        return _tr("Inferred from the host: the VM is not running")
    return _tr(
        "Inferred from the host (events 12310, Data Exchange): scan with guest credentials "
        "(Connections > Guest credentials) to read the guest's own licence"
    )


def _noop(context: str, text: str) -> str:
    """Marks a string for lupdate (like QT_TRANSLATE_NOOP) and keeps its type a str."""
    return text


_LICENSE_STATUS_TEXTS: dict[LicenseStatus, str] = {
    LicenseStatus.UNLICENSED: _noop("Details", "Unlicensed"),
    LicenseStatus.LICENSED: _noop("Details", "Licensed"),
    LicenseStatus.OOB_GRACE: _noop("Details", "Out-of-box grace period"),
    LicenseStatus.OOT_GRACE: _noop("Details", "Out-of-tolerance grace period"),
    LicenseStatus.NON_GENUINE_GRACE: _noop("Details", "Non-genuine grace period"),
    LicenseStatus.NOTIFICATION: _noop("Details", "Notification (not activated)"),
    LicenseStatus.EXTENDED_GRACE: _noop("Details", "Extended grace period"),
}


def _license_text(license_: GuestLicense) -> str:
    try:
        text = _tr(_LICENSE_STATUS_TEXTS[LicenseStatus(license_.license_status)])
    except ValueError:
        text = _tr("LicenseStatus {value}").format(value=license_.license_status)
    if license_.grace_minutes:
        text += " · " + _tr("{days} days of grace left").format(days=license_.grace_minutes // (24 * 60))
    return text


def _source_text(vm: VmRecord) -> str:
    return {
        "guest": _tr("read inside the guest (PowerShell Direct / WinRM)"),
        "host_events": _tr("host events 12310"),
        "none": _tr("no evidence"),
    }.get(vm.source.value, vm.source.value)


def _describe_host(selection: Selection) -> DetailView:
    host = selection.host
    assert host is not None
    if not host.reachable:
        facts: list[tuple[str, str]] = [
            (_tr("Problem"), remote_error(host.error)),
            (_tr("What to do"), remote_fix(host.error_fix)),
            (_tr("Error kind"), error_kind_text(host.error_kind)),
            (_tr("Endpoint"), host.endpoint or ""),
        ]
        state: ActivationState | None = ActivationState.UNREACHABLE
    else:
        counts = host.state_counts()
        facts = [
            (_tr("Version"), f"Windows Server {host.version.label}" if host.version else _tr("unknown")),
            (_tr("Edition"), host.edition.label if host.edition else _tr("unknown")),
            (_tr("Build"), str(host.os.build) if host.os and host.os.build else ""),
            (_tr("Activated"), _yes_no(host.activated)),
            (_tr("Hyper-V role"), _yes_no(host.hyperv)),
            (_tr("Can activate guests (AVMA)"), _yes_no(host.avma_capable)),
            (
                _tr("AVMA readiness"),
                readiness_text(host_readiness(host, guest_versions_of(selection.hosts or (host,)))),
            ),
            (_tr("Cluster"), host.cluster or _tr("standalone")),
            (_tr("VMs"), str(len(host.vms))),
            (
                _tr("VM states"),
                ", ".join(
                    f"{count} {theme.state_label(s)}"
                    for s, count in sorted(counts.items(), key=lambda i: -i[0].severity_rank)
                ),
            ),
            (_tr("Endpoint"), host.endpoint or ""),
        ]
        state = host.rollup_state
    return DetailView(
        selection=selection,
        title=host.name,
        subtitle=_tr("Hyper-V host"),
        state=state,
        state_text=_state_text(state),
        facts=tuple((label, value) for label, value in facts if value),
        findings=_findings(host.findings),
        events=tuple(_event_line(event) for event in sorted(host.events, key=lambda e: e.time_created)[-MAX_EVENTS:]),
        rescan_hosts=(host.name,),
    )


def _describe_group(selection: Selection) -> DetailView:
    hosts = selection.hosts
    states = [host.rollup_state for host in hosts if host.rollup_state is not None]
    worst = max(states, key=lambda s: s.severity_rank) if states else None
    vms = [vm for host in hosts for vm in host.vms]
    counts: dict[ActivationState, int] = {}
    for vm in vms:
        counts[vm.state] = counts.get(vm.state, 0) + 1
    facts: list[tuple[str, str]] = [
        (_tr("Hosts"), ", ".join(host.name for host in hosts)),
        (_tr("VMs"), str(len(vms))),
        (
            _tr("VM states"),
            ", ".join(
                f"{count} {theme.state_label(s)}"
                for s, count in sorted(counts.items(), key=lambda i: -i[0].severity_rank)
            ),
        ),
        (_tr("Unreachable hosts"), ", ".join(host.name for host in hosts if not host.reachable)),
    ]
    if selection.cluster is not None:
        facts.insert(0, (_tr("Nodes"), ", ".join(selection.cluster.nodes)))
        facts.insert(1, (_tr("Readiness"), gaps_text(cluster_gaps(hosts), len(hosts)) or _tr("every node is ready")))
    findings = selection.cluster.findings if selection.cluster is not None else ()
    title = _tr("Standalone hosts") if selection.standalone else selection.name
    return DetailView(
        selection=selection,
        title=title,
        subtitle=_tr("Hosts outside any cluster") if selection.standalone else _tr("Failover cluster"),
        state=worst,
        state_text=_state_text(worst),
        facts=tuple((label, value) for label, value in facts if value),
        findings=_findings(findings),
        rescan_hosts=tuple(host.name for host in hosts),
    )


Describer = Callable[[Selection], Awaitable[DetailView]]


class DetailLoader(QObject):
    """One load per selection; only the newest selection's result is delivered."""

    loaded = Signal(object)  # DetailView
    cleared = Signal()

    def __init__(self, tasks: TaskRunner, describer: Describer | None = None) -> None:
        super().__init__()
        self._tasks = tasks
        self._describer: Describer = describer or (lambda selection: tasks.run_blocking(describe, selection))
        self._generation = 0
        self._task: asyncio.Task[None] | None = None

    def set_describer(self, describer: Describer) -> None:
        self._describer = describer

    def select(self, selection: Selection | None) -> None:
        self._generation += 1
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if selection is None:
            self._task = None
            self.cleared.emit()
            return
        self._task = self._tasks.spawn(self._load(self._generation, selection), name="detail pane")

    async def _load(self, generation: int, selection: Selection) -> None:
        view = await self._describer(selection)
        if generation != self._generation:
            return  # a newer selection owns the pane
        self.loaded.emit(view)

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()
