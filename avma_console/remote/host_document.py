"""From the host inventory script's JSON document to the domain's HostRecord (before diagnosis)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from avma_console.domain.fleet import AvmaEvent, HostRecord, VmRecord
from avma_console.domain.versions import OsIdentity, identify_guest_from_kvp, identify_os
from avma_console.remote.parsing import (
    EventIndex,
    OutputFormatError,
    as_bool,
    as_int,
    as_list,
    as_text,
    parse_event,
    parse_guest_license,
    parse_kvp_data,
)

SUPPORTED_SCHEMA = 1
# Microsoft.HyperV.PowerShell.VMState; 5.1 serializes enums as integers, newer hosts may send names.
VM_STATES: dict[int, str] = {
    1: "Other",
    2: "Running",
    3: "Off",
    4: "Stopping",
    6: "Saved",
    9: "Paused",
    10: "Starting",
    11: "Reset",
    32773: "Saving",
    32776: "Pausing",
    32777: "Resuming",
    32779: "FastSaved",
    32780: "FastSaving",
}


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    name: str
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HostScan:
    """One host's answer: its record (not yet diagnosed), its cluster as it reports it, all events read."""

    record: HostRecord
    cluster: ClusterInfo | None
    events: tuple[AvmaEvent, ...]
    computer_name: str | None = None  # what the host calls itself ($env:COMPUTERNAME)


def _require_mapping(document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = document.get(key)
    if not isinstance(value, Mapping):
        raise OutputFormatError(f'the field "{key}" is missing or not an object')
    return value


def _power_state(value: object) -> str:
    number = as_int(value)
    if number is not None:
        return VM_STATES.get(number, f"State {number}")
    return as_text(value) or "Unknown"


def _host_activated(licensing: list[Any]) -> bool | None:
    statuses = [as_int(product.get("LicenseStatus")) for product in licensing if isinstance(product, Mapping)]
    known = [status for status in statuses if status is not None]
    if not known:
        return None
    return any(status == 1 for status in known)


def parse_host_document(document: Mapping[str, Any], host_name: str, endpoint: str | None = None) -> HostScan:
    schema = as_int(document.get("Schema"))
    if schema != SUPPORTED_SCHEMA:
        raise OutputFormatError(
            f"unsupported inventory schema {document.get('Schema')!r} (expected {SUPPORTED_SCHEMA})"
        )
    os_data = _require_mapping(document, "OperatingSystem")
    os = identify_os(
        caption=as_text(os_data.get("Caption")),
        build=as_text(os_data.get("BuildNumber")),
        sku=as_int(os_data.get("OperatingSystemSKU")),
        product_type=as_int(os_data.get("ProductType")),
    )
    hyperv_text = as_text(document.get("HyperV"))
    hyperv = None if hyperv_text in (None, "Unknown") else hyperv_text == "Installed"

    cluster: ClusterInfo | None = None
    cluster_data = document.get("Cluster")
    if isinstance(cluster_data, Mapping) and as_text(cluster_data.get("Name")):
        nodes = tuple(
            name
            for name in (
                as_text(node.get("Name")) for node in as_list(cluster_data.get("Nodes")) if isinstance(node, Mapping)
            )
            if name
        )
        cluster = ClusterInfo(str(as_text(cluster_data.get("Name"))), nodes)

    raw_events = [
        raw for raw in (parse_event(e, host_name) for e in as_list(document.get("Events"))) if raw is not None
    ]
    events = _OwnedEvents(EventIndex(raw_events))
    vms: list[VmRecord] = []
    for position, vm_data in enumerate(as_list(document.get("VirtualMachines"))):
        if not isinstance(vm_data, Mapping):
            raise OutputFormatError(f"VirtualMachines[{position}] is not an object")
        vms.append(_vm_record(vm_data, host_name, events, position))

    record = HostRecord(
        name=host_name,
        cluster=cluster.name if cluster else None,
        os=os,
        activated=_host_activated(as_list(document.get("Licensing"))),
        hyperv=hyperv,
        vms=tuple(vms),
        events=tuple(events.owned.get(id(raw), raw.event) for raw in raw_events),
        endpoint=endpoint,
    )
    return HostScan(
        record=record, cluster=cluster, events=record.events, computer_name=as_text(document.get("ComputerName"))
    )


class _OwnedEvents:
    """Each event tied to the first VM it is about (in the host's order), built once: the VM's last event is the
    very object in the host's events when the VM owns it (one object less to build, pickle and ship)."""

    def __init__(self, index: EventIndex) -> None:
        self.index = index
        self.owned: dict[int, AvmaEvent] = {}  # id(raw event) -> the event tied to its VM

    def latest_claiming(self, vm_name: str, vm_id: str) -> AvmaEvent | None:
        """The VM's newest event, after claiming every event about it that no earlier VM claimed."""
        raws = self.index.events_of(vm_name, vm_id)
        for raw in raws:
            if id(raw) not in self.owned:
                self.owned[id(raw)] = raw.about(vm_name, vm_id)
        latest = max(raws, key=lambda raw: (raw.event.time_created, raw.event.record_id), default=None)
        if latest is None:
            return None
        owned = self.owned[id(latest)]
        return owned if (owned.vm_name, owned.vm_id) == (vm_name, vm_id) else latest.about(vm_name, vm_id)


def _vm_record(data: Mapping[str, Any], host_name: str, events: _OwnedEvents, index: int) -> VmRecord:
    name = as_text(data.get("Name"))
    vm_id = as_text(data.get("Id"))
    if not name or vm_id is None:
        raise OutputFormatError(f"VirtualMachines[{index}] has no Name or Id")
    power_state = _power_state(data.get("State"))
    kvp = data.get("Kvp") if isinstance(data.get("Kvp"), Mapping) else {}
    assert isinstance(kvp, Mapping)
    intrinsic = parse_kvp_data(data.get("IntrinsicItems"))
    guest_items = parse_kvp_data(data.get("GuestItems"))
    guest_os: OsIdentity = identify_guest_from_kvp(intrinsic) if intrinsic else OsIdentity(None, None, None, None)
    guest = data.get("Guest")
    if isinstance(guest, Mapping) and (as_text(guest.get("BuildNumber")) or as_text(guest.get("Caption"))):
        # The guest's own WMI, read through PowerShell Direct, works even with Data Exchange off.
        inside = identify_os(
            caption=as_text(guest.get("Caption")),
            build=as_text(guest.get("BuildNumber")),
            sku=as_int(guest.get("OperatingSystemSKU")),
            product_type=as_int(guest.get("ProductType")),
        )
        if inside.version is not None or inside.is_server is False:
            guest_os = inside
    last_event = events.latest_claiming(name, vm_id.upper())
    guest_error = as_text(data.get("GuestError"))
    guest_events = tuple(
        raw.event
        for raw in (parse_event(item, name, name, vm_id.upper()) for item in as_list(data.get("GuestEvents")))
        if raw is not None
    )
    return VmRecord(
        name=name,
        vm_id=vm_id.upper(),
        host_name=host_name,
        running=power_state == "Running",
        power_state=power_state,
        guest=guest_os,
        kvp_enabled=as_bool(kvp.get("Enabled")),
        kvp_status=as_text(kvp.get("PrimaryStatusDescription")) or None,
        kvp_items={**guest_items, **intrinsic},
        guest_license=parse_guest_license(guest),
        guest_error=guest_error,
        last_event=last_event,
        guest_events=guest_events,
    )
