"""Whole scans through the lab: every VM gets the state and findings the AVMA rules imply."""

from __future__ import annotations

import asyncio
import threading

import pytest
from fleet_support import LabStarter, demo_fleet, fleet_of, lab_inventory
from kerberos_support import start_lab_for

from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.inventory import InventoryEntry, parse_inventory
from avma_console.services.scan import ScanOptions, scan_inventory

LAB_PASSWORD_ENV = "AVMA_LAB_PASSWORD"


def env_password(entry: InventoryEntry) -> str:
    import os

    assert entry.settings.credential == f"env:{LAB_PASSWORD_ENV}"
    return os.environ[LAB_PASSWORD_ENV]


def scan(inventory: object, **options: object) -> FleetSnapshot:
    return asyncio.run(scan_inventory(inventory, env_password, options=ScanOptions(**options)))  # type: ignore[arg-type]


def by_vm(snapshot: FleetSnapshot) -> dict[str, tuple[str, str, set[str]]]:
    return {
        vm.name: (vm.state.value, vm.source.value, {f.code.value for f in vm.findings}) for vm in snapshot.all_vms()
    }


# What the AVMA rules imply for the demo fleet, read with guest credentials (PowerShell Direct). A state read in
# the guest is "guest" even when the host's refusal explains it.
DEMO_EXPECTED = {
    "web-01": ("avma_activated", "guest", {"cluster_node_cannot_activate"}),
    "web-02": ("avma_activated", "guest", {"cluster_node_cannot_activate"}),
    "sql-01": ("avma_activated", "guest", {"cluster_node_cannot_activate"}),
    "app-2025": ("activation_denied", "guest", {"guest_newer_than_host", "cluster_node_cannot_activate"}),
    "dc-01": ("grace", "guest", {"kvp_disabled", "cluster_node_cannot_activate"}),
    "kms-legacy": ("activated_other", "guest", {"non_avma_key"}),
    "files-01": ("invalid_host", "guest", {"host_not_activated", "cluster_node_cannot_activate"}),
    "print-01": ("invalid_host", "guest", {"host_not_activated"}),
    "erp-01": ("avma_activated", "guest", {"cluster_node_cannot_activate"}),
    "ts-01": ("avma_activated", "host_events", {"cluster_node_cannot_activate"}),  # 2012 R2: no PowerShell Direct
    "build-01": ("unknown", "none", {"cluster_node_cannot_activate", "no_avma_evidence"}),  # off
    "mail-01": ("avma_activated", "guest", set()),
    "Buchhaltung-Müller": ("avma_activated", "guest", set()),
    "vdi-win11": ("unknown", "none", {"guest_not_windows_server"}),
    "crm-01": ("activation_denied", "guest", {"non_avma_key"}),
    "legacy-2012": ("avma_activated", "host_events", set()),
    "gw-01": ("activated_other", "guest", {"non_avma_key", "kvp_stale_after_key_change"}),
    "test-01": ("grace", "guest", {"host_not_datacenter"}),
    "test-02": ("grace", "guest", {"host_not_datacenter"}),
}


@pytest.mark.parametrize("transport", ["ntlm", "kerberos"])
def test_demo_fleet_scan_gives_every_vm_the_state_the_rules_imply(
    start_lab: LabStarter, transport: str, request: pytest.FixtureRequest
) -> None:
    fleet = demo_fleet()
    lab, overrides = start_lab_for(transport, request, start_lab, fleet)
    assert fleet.guest_credentials is not None
    guest = {"username": fleet.guest_credentials.username, "password": fleet.guest_credentials.password}
    snapshot = scan(lab_inventory(lab, fleet, **overrides), guest_credential=guest)

    assert by_vm(snapshot) == DEMO_EXPECTED
    unreachable = [host for host in snapshot.hosts if not host.reachable]
    assert [host.name for host in unreachable] == ["HV-BER-09"]
    assert unreachable[0].error_kind == "refused"
    assert unreachable[0].findings[0].code.value == "host_unreachable"
    assert {vm.state.value for vm in unreachable[0].vms} <= {"unreachable"}

    hosts = {host.name: host for host in snapshot.hosts}
    assert {f.code.value for f in hosts["HV-FRA-02"].findings} == {"host_not_activated"}
    assert {f.code.value for f in hosts["HV-BER-02"].findings} == {"host_not_datacenter"}
    assert hosts["HV-FRA-01"].avma_capable and not hosts["HV-FRA-02"].avma_capable
    (cluster,) = snapshot.clusters
    assert cluster.name == "CL-FRA"
    assert set(cluster.nodes) == {"HV-FRA-01", "HV-FRA-02", "HV-FRA-03"}
    flagged_nodes = {f.fields["node"] for f in cluster.findings}
    assert flagged_nodes == {"HV-FRA-01", "HV-FRA-02", "HV-FRA-03"}  # 01: 2025 guest, 02: unactivated, 03: 2019


def test_without_guest_credentials_states_come_from_host_events_only(start_lab: LabStarter) -> None:
    fleet = demo_fleet()
    lab = start_lab(fleet)
    states = by_vm(scan(lab_inventory(lab, fleet)))
    assert states["web-01"][:2] == ("avma_activated", "host_events")
    assert states["kms-legacy"][:2] == ("unknown", "none"), "a KMS guest makes no AVMA request: the host cannot know"
    assert states["dc-01"][:2] == ("unknown", "none"), "with Data Exchange off the host never hears from the guest"
    assert "kvp_disabled" in states["dc-01"][2]


HOSTILE_NAMES = [
    'O\'Brien "quoted"',
    "$(Remove-Item C:\\ -Recurse)",
    "`whoami` & calc.exe",
    "a && b | c > d",
    "Größe-ÄÖÜ-ß",
    "東京-サーバー-01",
    "<b>bold</b>",
    "{host} {0} %PATH%",
    "semi;colon\ttab",
]


def test_hostile_vm_names_round_trip_exactly(start_lab: LabStarter) -> None:
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-NAMES",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [
                        {"name": name, "guest_version": "2022", "guest_edition": "Standard", "key": "avma"}
                        for name in HOSTILE_NAMES
                    ],
                }
            ]
        }
    )
    lab = start_lab(fleet)
    snapshot = scan(lab_inventory(lab, fleet))
    assert [vm.name for vm in snapshot.all_vms()] == HOSTILE_NAMES
    assert all(vm.state.value == "avma_activated" for vm in snapshot.all_vms()), "events matched to every VM"


def test_one_bad_host_never_stops_the_others(start_lab: LabStarter) -> None:
    hosts = [
        {
            "name": f"HV-{index}",
            "version": "2022",
            "edition": "Datacenter",
            "vms": [{"name": f"vm-{index}", "guest_version": "2019", "guest_edition": "Standard", "key": "avma"}],
        }
        for index in range(6)
    ]
    fleet = fleet_of({"hosts": hosts})
    lab = start_lab(fleet)
    for name, fault in [("HV-1", "refuse"), ("HV-2", "garble"), ("HV-3", "http500"), ("HV-4", "auth")]:
        lab.set_fault(name, fault)
    snapshot = scan(lab_inventory(lab, fleet, operation_timeout_s=2, read_timeout_s=20))
    reachable = {host.name for host in snapshot.hosts if host.reachable}
    assert reachable == {"HV-0", "HV-5"}
    kinds = {host.name: host.error_kind for host in snapshot.hosts if not host.reachable}
    assert kinds == {"HV-1": "refused", "HV-2": "protocol", "HV-3": "wsman_fault", "HV-4": "auth"}


def test_cancelling_a_scan_stops_hosts_from_starting(start_lab: LabStarter) -> None:
    hosts = [{"name": f"HV-{index:02d}", "version": "2022", "edition": "Datacenter", "vms": []} for index in range(12)]
    fleet = fleet_of({"hosts": hosts})
    lab = start_lab(fleet, latency_ms=40)
    inventory = lab_inventory(lab, fleet)
    cancelled = threading.Event()
    seen: list[str] = []

    def on_result(outcome: object, progress: object) -> None:
        seen.append(outcome.target.endpoint.host)  # type: ignore[attr-defined]
        cancelled.set()

    snapshot = asyncio.run(
        scan_inventory(
            inventory, env_password, options=ScanOptions(concurrency=2), on_result=on_result, cancelled=cancelled
        )
    )
    cancelled_hosts = [host for host in snapshot.hosts if host.error_kind == "cancelled"]
    assert len(cancelled_hosts) >= 8, "after the first answer, hosts not yet started must not be queried"
    assert sum(lab.requests_seen(host.name) for host in cancelled_hosts) == 0


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_scan_over_https_with_the_labs_certificate_authority(start_lab: LabStarter, transport: str) -> None:
    fleet = demo_fleet()
    lab = start_lab(fleet, auth=transport, tls=True)
    inventory = lab_inventory(lab, fleet)
    assert inventory.defaults.scheme == "https"
    snapshot = scan(inventory)
    assert sum(1 for host in snapshot.hosts if host.reachable) == 5


def test_a_cluster_entry_discovers_the_other_nodes(start_lab: LabStarter) -> None:
    node = {"version": "2022", "edition": "Datacenter", "vms": []}
    fleet = fleet_of(
        {
            "clusters": [{"name": "CL-X", "nodes": ["NODE-A", "node-b.invalid"]}],
            "hosts": [{"name": "NODE-A", **node}, {"name": "node-b.invalid", **node}],
        }
    )
    lab = start_lab(fleet)
    port = lab.endpoint("NODE-A").port
    text = (
        '[defaults]\ntransport = "ntlm"\nscheme = "http"\nusername = "LAB\\\\operator"\n'
        'credential = "env:AVMA_LAB_PASSWORD"\n'
        f'[[clusters]]\nname = "CL-X"\naddress = "127.0.0.1"\nport = {port}\n'
    )
    snapshot = scan(parse_inventory(text, source="cluster.toml"))
    hosts = {host.name: host for host in snapshot.hosts}
    assert set(hosts) == {"NODE-A", "node-b.invalid"}, "the node that answered for CL-X, and the one it named"
    assert hosts["NODE-A"].reachable
    assert hosts["node-b.invalid"].error_kind == "dns", "discovered by name, which does not resolve here"
    (cluster,) = snapshot.clusters
    assert (cluster.name, set(cluster.nodes)) == ("CL-X", {"NODE-A", "node-b.invalid"})

    listed = (
        text
        + f'[[hosts]]\nname = "node-b.invalid"\naddress = "127.0.0.1"\nport = {lab.endpoint("node-b.invalid").port}\n'
    )
    both = scan(parse_inventory(listed, source="cluster.toml"))
    assert sorted(host.name for host in both.hosts) == ["NODE-A", "node-b.invalid"]
    assert all(host.reachable for host in both.hosts), "a node listed in the inventory is reached where it says"
