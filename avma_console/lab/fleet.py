"""The simulated fleet: clusters, hosts and VMs, with AVMA outcomes derived from the rules, never scripted.

A fleet file (JSON, DESIGN.md "Lab fleet file") describes the fleet; every activation outcome, licence
state and event follows from the AVMA rules in `avma_console.domain` applied to it: host edition and
activation, the compatibility matrix, the key the guest carries, Data Exchange and power state.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.keys import (
    AVMA_KEYS,
    InvalidProductKeyError,
    KeyChannel,
    avma_key_for,
    avma_products_for_key,
    validate_key,
)
from avma_console.domain.matrix import host_can_activate
from avma_console.domain.states import AvmaOutcome, LicenseStatus
from avma_console.domain.versions import Edition, ServerVersion, parse_edition, parse_version
from avma_console.lab.localized import host_event_message
from avma_console.lab.winrm_limits import FAULTS, WinrmLimits, limits_from_settings

LOCALES = ("en-US", "de-DE")  # the display language of a lab host's Windows (names, messages, error records)
_VM_NAMESPACE = uuid.UUID("5c1d3b0e-7d1a-4c39-9a53-3f9d0f3b9a11")

# Retail keys for the lab's "retail" guests are made-up numbers: they only need to be well-formed.
_RETAIL_DESCRIPTION = "Windows(R) Operating System, RETAIL channel"
_KMS_DESCRIPTION = "Windows(R) Operating System, VOLUME_KMSCLIENT channel"
_AVMA_DESCRIPTION = "Windows(R) Operating System, VIRTUAL_MACHINE_ACTIVATION channel"

# Public KMS client keys (GVLKs) per version and edition; KMS-keyed lab guests carry these.
GVLKS: dict[tuple[ServerVersion, Edition], str] = {
    (ServerVersion.V2025, Edition.DATACENTER): "D764K-2NDRG-47T6Q-P8T8W-YP6DF",
    (ServerVersion.V2025, Edition.STANDARD): "TVRH6-WHNXV-R9WG3-9XRFY-MY832",
    (ServerVersion.V2022, Edition.DATACENTER): "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
    (ServerVersion.V2022, Edition.STANDARD): "VDYBN-27WPP-V4HQT-9VMD4-VMK7H",
    (ServerVersion.V2019, Edition.DATACENTER): "WMDGN-G9PQG-XVVXX-R3X43-63DFG",
    (ServerVersion.V2019, Edition.STANDARD): "N69G4-B89J2-4G8F4-WWYCC-J464C",
    (ServerVersion.V2016, Edition.DATACENTER): "CB7KF-BWN84-R7R2Y-793K2-8XDDG",
    (ServerVersion.V2016, Edition.STANDARD): "WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY",
    (ServerVersion.V2012R2, Edition.DATACENTER): "W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9",
    (ServerVersion.V2012R2, Edition.STANDARD): "D2N9P-3P6X9-2R39C-7RTCD-MDVJX",
}

_SKU_OF: dict[Edition, int] = {
    Edition.STANDARD: 7,
    Edition.DATACENTER: 8,
    Edition.ESSENTIALS: 50,
    Edition.STANDARD_EVALUATION: 79,
    Edition.DATACENTER_EVALUATION: 80,
    Edition.DATACENTER_AZURE: 407,
}

_HRESULT_OF: dict[AvmaOutcome, int] = {
    AvmaOutcome.SUCCESS: 0,
    AvmaOutcome.INVALID_HOST: 0xC004FD02,
    AvmaOutcome.ACTIVATION_DENIED: 0xC004FD03,
    AvmaOutcome.INVALID_DATA: 0xC004FD04,
}


class FleetFileError(ValueError):
    """A fleet file that cannot be used; the message names the file, the place and the fix."""


@dataclass
class LabEvent:
    record_id: int
    time_created: datetime
    event_id: int
    message: str
    properties: tuple[str, ...]


@dataclass
class LabVm:
    name: str
    vm_id: str
    guest_version: ServerVersion | None
    guest_edition: Edition | None
    key: str | None  # the full product key installed in the guest; None: none installed
    key_channel: KeyChannel
    kvp_enabled: bool = True
    running: bool = True
    os_name: str | None = None
    kvp_items: dict[str, str] = field(default_factory=dict)
    address: str | None = None
    license_status: LicenseStatus = LicenseStatus.OOB_GRACE
    grace_minutes: int = 0
    avma_host_name: str | None = None
    last_activation: datetime | None = None
    guest_events: list[LabEvent] = field(default_factory=list)
    kvp_no_contact: bool = False
    # Items the host pushed into the guest's exchange (HostExchangeItems; the guest's Virtual Machine\External key).
    host_kvp_items: dict[str, str] = field(default_factory=dict)


@dataclass
class LabHost:
    name: str
    version: ServerVersion
    edition: Edition
    activated: bool
    hyperv: bool
    vms: list[LabVm] = field(default_factory=list)
    fault: str | None = None
    latency_ms: float = 0.0
    winrm: WinrmLimits = field(default_factory=WinrmLimits)
    locale: str = "en-US"
    cluster: str | None = None
    events: list[LabEvent] = field(default_factory=list)
    next_record_id: int = 4000

    def add_event(self, when: datetime, event_id: int, message: str, properties: tuple[str, ...]) -> LabEvent:
        event = LabEvent(self.next_record_id, when, event_id, message, properties)
        self.next_record_id += 1
        self.events.append(event)
        return event

    @property
    def can_serve_avma(self) -> bool:
        return self.hyperv and self.edition.can_host_avma

    def find_vm(self, name: str) -> LabVm | None:
        return next((vm for vm in self.vms if vm.name == name), None)


@dataclass
class LabCluster:
    name: str
    nodes: list[str]


@dataclass
class Credentials:
    username: str
    password: str


@dataclass
class LabFleet:
    credentials: Credentials
    guest_credentials: Credentials | None
    clusters: list[LabCluster]
    hosts: list[LabHost]
    # Every request thread touches the fleet: one lock keeps scans and write actions consistent.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # Bumped by every change to the fleet, so answers computed from an older state are never served.
    generation: int = 0
    # The fleet's "now": its simulated history, its event times and every write action's time come from here.
    clock: Clock = field(default=SYSTEM_CLOCK, repr=False)

    def changed(self) -> None:
        with self.lock:
            self.generation += 1

    def host(self, name: str) -> LabHost | None:
        folded = name.casefold()
        return next((host for host in self.hosts if host.name.casefold() == folded), None)

    def cluster_of(self, host_name: str) -> LabCluster | None:
        folded = host_name.casefold()
        return next((c for c in self.clusters if folded in (n.casefold() for n in c.nodes)), None)


# ---------------------------------------------------------------------------------------------------------
# The AVMA rules, as the host and the guest would play them out


def avma_outcome(host: LabHost, vm: LabVm) -> AvmaOutcome | None:
    """What an AVMA attempt of this guest on this host ends in; None when no attempt happens at all."""
    if vm.key_channel is not KeyChannel.AVMA or not vm.running or vm.guest_version is None:
        return None
    if not vm.kvp_enabled or vm.kvp_no_contact or not host.can_serve_avma:
        return AvmaOutcome.INVALID_HOST  # nobody answers on the other end of the KVP channel
    if not host.activated:
        return AvmaOutcome.INVALID_HOST
    key_products = avma_products_for_key(vm.key or "")
    key_matches_guest = any(
        version.avma_family == vm.guest_version.avma_family and edition == vm.guest_edition
        for version, edition in key_products
    )
    if not key_matches_guest or not host_can_activate(host.version, vm.guest_version):
        return AvmaOutcome.ACTIVATION_DENIED
    return AvmaOutcome.SUCCESS


def host_logs_request(host: LabHost, vm: LabVm) -> bool:
    """Whether the host's AVMA service saw the request (and so writes event 12310)."""
    return vm.kvp_enabled and not vm.kvp_no_contact and host.can_serve_avma


def attempt_activation(host: LabHost, vm: LabVm, when: datetime) -> AvmaOutcome | None:
    """Play one AVMA attempt: events on both sides and the guest's resulting licence state."""
    outcome = avma_outcome(host, vm)
    if outcome is None:
        return None
    logged = host_logs_request(host, vm)
    # Nobody answering is "not a supported Hyper-V platform"; an unactivated host answers "not activated".
    hresult = 0xC004FD01 if outcome is AvmaOutcome.INVALID_HOST and not logged else _HRESULT_OF[outcome]
    code = f"0x{hresult:08X}"
    if logged:
        message = host_event_message(
            host.locale, vm_name=vm.name, vm_id=vm.vm_id, outcome=outcome, hresult=_HRESULT_OF[outcome], when=when
        )
        host.add_event(when, 12310, message, (vm.name, vm.vm_id, outcome.value, code))
    record_id = (vm.guest_events[-1].record_id + 1) if vm.guest_events else 900
    guest_message = f"Automatic Virtual Machine Activation result: {outcome.value} ({code}). Host: {host.name}."
    vm.guest_events.append(LabEvent(record_id, when, 12309, guest_message, (outcome.value, code, host.name)))
    if outcome is AvmaOutcome.SUCCESS:
        vm.license_status = LicenseStatus.LICENSED
        vm.avma_host_name = host.name
        vm.last_activation = when
        vm.grace_minutes = 0
    elif vm.license_status is not LicenseStatus.LICENSED or vm.last_activation is None:
        vm.license_status = LicenseStatus.NOTIFICATION if vm.grace_minutes == 0 else LicenseStatus.OOB_GRACE
    elif when - vm.last_activation > timedelta(days=7):
        # An AVMA activation lasts seven days; renewals that fail let it lapse.
        vm.license_status = LicenseStatus.NOTIFICATION
    return outcome


def _initial_licence(vm: LabVm) -> None:
    if vm.key_channel in (KeyChannel.KMS, KeyChannel.RETAIL, KeyChannel.MAK, KeyChannel.OEM):
        vm.license_status = LicenseStatus.LICENSED
    else:
        vm.license_status = LicenseStatus.OOB_GRACE
        vm.grace_minutes = 30 * 24 * 60


def simulate_history(fleet: LabFleet, days: int = 14) -> None:
    """Give every VM the activation history it would have after `days` days of running on its host, up to
    the fleet clock's now.

    Successful activations renew every seven days; failed attempts retry daily (Windows retries far more
    often, but that would only multiply identical events).
    """
    now = fleet.clock.now()
    start = now - timedelta(days=days)
    for host_index, host in enumerate(fleet.hosts):
        for vm_index, vm in enumerate(host.vms):
            _initial_licence(vm)
            when = start + timedelta(minutes=7 * host_index + 3 * vm_index + 5)
            while when < now:
                outcome = attempt_activation(host, vm, when)
                if outcome is None:
                    break
                when += timedelta(days=7) if outcome is AvmaOutcome.SUCCESS else timedelta(days=1)
        host.events.sort(key=lambda event: event.time_created)
        for offset, event in enumerate(host.events):
            event.record_id = 4000 + offset
        host.next_record_id = 4000 + len(host.events)


def kvp_intrinsic_items(host: LabHost, vm: LabVm) -> dict[str, str]:
    """The intrinsic KVP items the guest's integration components publish (empty when off or KVP is off)."""
    if not vm.running or not vm.kvp_enabled or vm.kvp_no_contact:
        return {}
    items: dict[str, str] = {
        "FullyQualifiedDomainName": vm.name,
        "IntegrationServicesVersion": "10.0.20348.1",
        "NetworkAddressIPv4": vm.address or "",
        "NetworkAddressIPv6": "",
        "ProcessorArchitecture": "9",
        "ProductType": "3",
        "SuiteMask": "400",
        "OSPlatformId": "2",
        "OSSignature": "10",
        "OSVendor": "Microsoft Corporation",
        "CSDVersion": "",
    }
    if vm.guest_version is not None:
        build = vm.guest_version.build
        major, minor = ("6", "3") if vm.guest_version is ServerVersion.V2012R2 else ("10", "0")
        items.update(
            {
                "OSVersion": f"{major}.{minor}.{build}",
                "OSMajorVersion": major,
                "OSMinorVersion": minor,
                "OSBuildNumber": str(build),
            }
        )
    if vm.guest_edition is not None:
        items["OSEditionId"] = str(_SKU_OF[vm.guest_edition])
    items["OSName"] = guest_os_name(vm)
    return items


def guest_sku(vm: LabVm) -> int:
    return _SKU_OF[vm.guest_edition] if vm.guest_edition is not None else 4  # 4: Enterprise (desktop)


def guest_os_name(vm: LabVm) -> str:
    """What the guest calls itself (OSName; tenant-controlled, so a fleet file may set anything)."""
    if vm.os_name:
        return vm.os_name
    if vm.guest_version is None:
        return "Windows 10 Enterprise"
    edition = vm.guest_edition.label if vm.guest_edition else ""
    version = "" if vm.guest_version.is_semi_annual else f" {vm.guest_version.label}"
    return f"Windows Server{version} {edition}".strip()


def host_caption(host: LabHost) -> str:
    version = "" if host.version.is_semi_annual else f" {host.version.label}"
    return f"Microsoft Windows Server{version} {host.edition.label}"


def host_sku(host: LabHost) -> int:
    if host.version.is_semi_annual and host.edition in (Edition.DATACENTER, Edition.STANDARD):
        return 145 if host.edition is Edition.DATACENTER else 146
    return _SKU_OF[host.edition]


def host_license(host: LabHost) -> tuple[LicenseStatus, str, str]:
    """The host's own licence: (status, description, partial key)."""
    if host.edition.is_evaluation:
        return (
            LicenseStatus.OOT_GRACE if host.activated else LicenseStatus.NOTIFICATION,
            "TIMEBASED_EVAL channel",
            "XXXXX",
        )
    status = LicenseStatus.LICENSED if host.activated else LicenseStatus.NOTIFICATION
    return status, "Windows(R) Operating System, VOLUME_MAK channel", "3V66T"


def guest_description(vm: LabVm) -> str:
    return {
        KeyChannel.AVMA: _AVMA_DESCRIPTION,
        KeyChannel.KMS: _KMS_DESCRIPTION,
    }.get(vm.key_channel, _RETAIL_DESCRIPTION)


# ---------------------------------------------------------------------------------------------------------
# Reading a fleet file


def vm_uuid(host_name: str, vm_name: str) -> str:
    return str(uuid.uuid5(_VM_NAMESPACE, f"{host_name.casefold()}/{vm_name}")).upper()


def load_fleet_file(path: Path, *, clock: Clock = SYSTEM_CLOCK) -> LabFleet:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FleetFileError(f"cannot read fleet file {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise FleetFileError(f"fleet file {path} is not UTF-8 text ({error.reason} at byte {error.start})") from error
    return parse_fleet(text, source=str(path), clock=clock)


def parse_fleet(text: str, *, source: str = "fleet", clock: Clock = SYSTEM_CLOCK) -> LabFleet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FleetFileError(
            f"{source}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    fleet = fleet_from_data(data, source=source, clock=clock)
    simulate_history(fleet)
    return fleet


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> FleetFileError:
        return FleetFileError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, found {type(value).__name__}")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f'"{key}" must be a non-empty string')
        if len(value) > 1024:
            raise self.fail(where, f'"{key}" is longer than 1024 characters')
        return value

    def flag(self, data: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(where, f'"{key}" must be true or false')
        return value

    def items(self, data: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(where, f'"{key}" must be a list')
        return value


def _credentials(reader: _Reader, value: object, where: str) -> Credentials:
    data = reader.mapping(value, where)
    username = reader.text(data, "username", where)
    password = data.get("password")
    if not isinstance(password, str):
        raise reader.fail(where, '"password" must be a string')
    assert username is not None
    return Credentials(username, password)


def _resolve_key(
    reader: _Reader, spec: object, version: ServerVersion | None, edition: Edition | None, where: str
) -> tuple[str | None, KeyChannel]:
    if spec is None:
        return None, KeyChannel.UNKNOWN
    if not isinstance(spec, str):
        raise reader.fail(where, '"key" must be "avma", "avma:VERSION", "kms", "retail", a product key or null')
    if spec == "avma" or spec.startswith("avma:"):
        key_version = version if spec == "avma" else _parse(reader, parse_version, spec[5:], where)
        if key_version is None or edition is None:
            raise reader.fail(where, '"key": "avma" needs a known guest_version and guest_edition')
        key = avma_key_for(key_version, edition) or avma_key_for(key_version, Edition.DATACENTER)
        if key is None:
            raise reader.fail(where, f"no AVMA key exists for Windows Server {key_version.label} {edition.label}")
        return key, KeyChannel.AVMA
    if spec == "kms":
        gvlk = GVLKS.get((version.avma_family, edition)) if version and edition else None
        return gvlk or GVLKS[(ServerVersion.V2022, Edition.STANDARD)], KeyChannel.KMS
    if spec == "retail":
        return "YNMGQ-8RYV3-4PGQ3-C8XTP-7CFBY", KeyChannel.RETAIL
    try:
        key = validate_key(spec)
    except InvalidProductKeyError as error:
        raise reader.fail(where, f'"key": {error}') from None
    return key, KeyChannel.AVMA if key in AVMA_KEYS.values() else KeyChannel.RETAIL


def _parse(reader: _Reader, parse: Any, value: object, where: str) -> Any:
    if not isinstance(value, str):
        raise reader.fail(where, f"expected a string, found {value!r}")
    try:
        return parse(value)
    except ValueError as error:
        raise reader.fail(where, str(error)) from None


def fleet_from_data(data: object, *, source: str = "fleet", clock: Clock = SYSTEM_CLOCK) -> LabFleet:
    """The fleet as the file describes it, before any history (`simulate_history` adds that)."""
    reader = _Reader(source)
    root = reader.mapping(data, "top level")
    credentials = _credentials(reader, root.get("credentials"), "credentials")
    guest_credentials = (
        _credentials(reader, root["guest_credentials"], "guest_credentials") if root.get("guest_credentials") else None
    )
    hosts: list[LabHost] = []
    seen_hosts: set[str] = set()
    for index, host_data in enumerate(reader.items(root, "hosts", "top level")):
        where = f"hosts[{index}]"
        entry = reader.mapping(host_data, where)
        name = reader.text(entry, "name", where)
        assert name is not None
        where = f"host {name!r}"
        if name.casefold() in seen_hosts:
            raise reader.fail(where, "appears twice; host names must be unique")
        seen_hosts.add(name.casefold())
        fault = entry.get("fault")
        if fault is not None and fault not in FAULTS:
            raise reader.fail(where, f'"fault" must be one of {", ".join(FAULTS)} or absent, not {fault!r}')
        latency = entry.get("latency_ms", 0)
        if isinstance(latency, bool) or not isinstance(latency, int | float) or latency < 0:
            raise reader.fail(where, '"latency_ms" must be a number of at least 0')
        winrm_data = reader.mapping(entry.get("winrm", {}), f"{where}: winrm")
        try:
            winrm = limits_from_settings(winrm_data)
        except ValueError as error:
            raise reader.fail(f"{where}: winrm", str(error)) from None
        locale = entry.get("locale", "en-US")
        if locale not in LOCALES:
            raise reader.fail(where, f'"locale" must be one of {", ".join(LOCALES)}, not {locale!r}')
        host = LabHost(
            name=name,
            version=_parse(reader, parse_version, entry.get("version"), f"{where}: version"),
            edition=_parse(reader, parse_edition, entry.get("edition"), f"{where}: edition"),
            activated=reader.flag(entry, "activated", where, True),
            hyperv=reader.flag(entry, "hyperv", where, True),
            fault=fault,
            latency_ms=float(latency),
            winrm=winrm,
            locale=locale,
        )
        seen_vms: set[str] = set()
        for vm_index, vm_data in enumerate(reader.items(entry, "vms", where)):
            host.vms.append(_vm(reader, host, vm_data, f"{where}: vms[{vm_index}]", seen_vms))
        hosts.append(host)

    by_name = {host.name.casefold(): host for host in hosts}
    clusters: list[LabCluster] = []
    for index, cluster_data in enumerate(reader.items(root, "clusters", "top level")):
        where = f"clusters[{index}]"
        entry = reader.mapping(cluster_data, where)
        name = reader.text(entry, "name", where)
        assert name is not None
        nodes = reader.items(entry, "nodes", f"cluster {name!r}")
        if not nodes or not all(isinstance(node, str) for node in nodes):
            raise reader.fail(f"cluster {name!r}", '"nodes" must be a non-empty list of host names')
        for node in nodes:
            node_host = by_name.get(node.casefold())
            if node_host is None:
                raise reader.fail(f"cluster {name!r}", f"node {node!r} is not one of the hosts")
            if node_host.cluster is not None:
                raise reader.fail(
                    f"cluster {name!r}", f"node {node!r} already belongs to cluster {node_host.cluster!r}"
                )
            node_host.cluster = name
        clusters.append(LabCluster(name, list(nodes)))
    return LabFleet(credentials, guest_credentials, clusters, hosts, clock=clock)


def _vm(reader: _Reader, host: LabHost, data: object, where: str, seen: set[str]) -> LabVm:
    entry = reader.mapping(data, where)
    name = reader.text(entry, "name", where)
    assert name is not None
    where = f"host {host.name!r}: vm {name!r}"
    if name in seen:
        raise reader.fail(where, "appears twice on this host")
    seen.add(name)
    version_text = entry.get("guest_version")
    edition_text = entry.get("guest_edition")
    version = _parse(reader, parse_version, version_text, f"{where}: guest_version") if version_text else None
    edition = _parse(reader, parse_edition, edition_text, f"{where}: guest_edition") if edition_text else None
    key, channel = _resolve_key(reader, entry.get("key"), version, edition, where)
    kvp_items = entry.get("kvp_items", {})
    if not isinstance(kvp_items, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in kvp_items.items()
    ):
        raise reader.fail(where, '"kvp_items" must be an object of string names to string values')
    host_kvp_items = entry.get("host_kvp_items", {})
    if not isinstance(host_kvp_items, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in host_kvp_items.items()
    ):
        raise reader.fail(where, '"host_kvp_items" must be an object of string names to string values')
    return LabVm(
        name=name,
        vm_id=vm_uuid(host.name, name),
        guest_version=version,
        guest_edition=edition,
        key=key,
        key_channel=channel,
        kvp_enabled=reader.flag(entry, "kvp", where, True),
        running=reader.flag(entry, "running", where, True),
        os_name=reader.text(entry, "os_name", where, required=False),
        kvp_items=dict(kvp_items),
        address=reader.text(entry, "address", where, required=False),
        kvp_no_contact=reader.flag(entry, "kvp_no_contact", where, False),
        host_kvp_items=dict(host_kvp_items),
    )
