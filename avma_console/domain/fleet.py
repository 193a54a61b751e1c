"""The fleet as the console sees it after a scan: clusters, hosts and VMs with their evidence and verdicts.

Records are immutable; a scan replaces a host's record as the host answers, which keeps the Qt model's
incremental updates and the history store's snapshots simple.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from avma_console.domain.findings import Finding
from avma_console.domain.keys import KeyChannel
from avma_console.domain.pickling import by_fields
from avma_console.domain.states import ActivationState, AvmaOutcome, StateSource, worst_state
from avma_console.domain.versions import Edition, OsIdentity, ServerVersion


@by_fields
@dataclass(frozen=True, slots=True)
class GuestLicense:
    """SoftwareLicensingProduct as read inside the guest."""

    license_status: int
    channel: KeyChannel
    partial_key: str | None = None
    description: str | None = None
    avma_host_name: str | None = None
    last_activation: datetime | None = None
    grace_minutes: int | None = None


@by_fields
@dataclass(frozen=True, slots=True)
class AvmaEvent:
    """One AVMA event: 12310 in the host's Application log, 12309 in the guest's."""

    event_id: int
    record_id: int
    time_created: datetime
    computer: str
    message: str
    vm_name: str | None = None
    vm_id: str | None = None
    outcome: AvmaOutcome | None = None
    error_code: int | None = None


@by_fields
@dataclass(frozen=True, slots=True)
class VmRecord:
    name: str
    vm_id: str
    host_name: str
    running: bool
    power_state: str
    guest: OsIdentity
    kvp_enabled: bool | None
    kvp_status: str | None
    kvp_items: Mapping[str, str] = field(default_factory=dict)
    guest_license: GuestLicense | None = None
    guest_error: str | None = None
    last_event: AvmaEvent | None = None
    # Events 12309 read in the guest's own Application log (only with guest credentials), newest first.
    guest_events: tuple[AvmaEvent, ...] = ()
    state: ActivationState = ActivationState.UNKNOWN
    source: StateSource = StateSource.NONE
    findings: tuple[Finding, ...] = ()

    @property
    def guest_version(self) -> ServerVersion | None:
        return self.guest.version

    @property
    def guest_edition(self) -> Edition | None:
        return self.guest.edition

    @property
    def guest_verified(self) -> bool:
        """Whether the guest's own licence was read (PowerShell Direct), rather than inferred from the host."""
        return self.guest_license is not None

    @property
    def key_channel(self) -> KeyChannel | None:
        return self.guest_license.channel if self.guest_license else None

    @property
    def last_activation(self) -> datetime | None:
        if self.guest_license and self.guest_license.last_activation:
            return self.guest_license.last_activation
        if self.last_event and self.last_event.outcome is AvmaOutcome.SUCCESS:
            return self.last_event.time_created
        return None


@by_fields
@dataclass(frozen=True, slots=True)
class HostRecord:
    name: str
    cluster: str | None = None
    os: OsIdentity | None = None
    activated: bool | None = None
    hyperv: bool | None = None
    error: str | None = None
    error_kind: str | None = None
    error_fix: str | None = None
    vms: tuple[VmRecord, ...] = ()
    findings: tuple[Finding, ...] = ()
    events: tuple[AvmaEvent, ...] = ()
    endpoint: str | None = None

    @property
    def reachable(self) -> bool:
        return self.error is None

    @property
    def version(self) -> ServerVersion | None:
        return self.os.version if self.os else None

    @property
    def edition(self) -> Edition | None:
        return self.os.edition if self.os else None

    @property
    def avma_capable(self) -> bool:
        """An activated Datacenter host with Hyper-V: it can activate guests of the versions it supports."""
        return bool(
            self.reachable
            and self.activated
            and self.hyperv
            and self.edition is not None
            and self.edition.can_host_avma
            and self.version is not None
        )

    def facts_json(self) -> dict[str, object]:
        """What a scan learnt about the host, in the JSON vocabulary (the scan output's and the history's)."""
        return {
            "cluster": self.cluster,
            "version": self.version.value if self.version else None,
            "edition": self.edition.value if self.edition else None,
            "build": self.os.build if self.os else None,
            "activated": self.activated,
            "hyperv": self.hyperv,
            "avma_capable": self.avma_capable,
            "error": self.error,
            "error_kind": self.error_kind,
            "endpoint": self.endpoint,
        }

    @property
    def rollup_state(self) -> ActivationState | None:
        if not self.reachable:
            return ActivationState.UNREACHABLE
        return worst_state([vm.state for vm in self.vms])

    def state_counts(self) -> dict[ActivationState, int]:
        counts: dict[ActivationState, int] = {}
        for vm in self.vms:
            counts[vm.state] = counts.get(vm.state, 0) + 1
        return counts


@by_fields
@dataclass(frozen=True, slots=True)
class ClusterRecord:
    name: str
    nodes: tuple[str, ...]
    findings: tuple[Finding, ...] = ()


@by_fields
@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    scanned_at: datetime
    clusters: tuple[ClusterRecord, ...] = ()
    hosts: tuple[HostRecord, ...] = ()

    def all_vms(self) -> list[VmRecord]:
        return [vm for host in self.hosts for vm in host.vms]

    def host(self, name: str) -> HostRecord | None:
        folded = name.casefold()
        return next((host for host in self.hosts if host.name.casefold() == folded), None)

    def state_counts(self) -> dict[ActivationState, int]:
        counts: dict[ActivationState, int] = {}
        for vm in self.all_vms():
            counts[vm.state] = counts.get(vm.state, 0) + 1
        return counts
