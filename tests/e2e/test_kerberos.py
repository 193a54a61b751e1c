"""Kerberos end to end against a real MIT KDC: scans, the five failures operators meet, and what the host refuses."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fleet_support import LAB_PASSWORD, LabStarter, fleet_of, lab_inventory
from kerberos_support import OPERATOR, REALM, Kdc

from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.inventory import InventoryEntry
from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import RemoteError
from avma_console.services.scan import ScanOptions, scan_inventory

HOSTS = ["HV-K-01", "HV-K-02"]


def fleet_data(hosts: list[str]) -> dict[str, object]:
    return {
        "hosts": [
            {
                "name": name,
                "version": "2022",
                "edition": "Datacenter",
                "activated": True,
                "hyperv": True,
                "vms": [
                    {"name": f"vm-{name.lower()}", "guest_version": "2019", "guest_edition": "Standard", "key": "avma"}
                ],
            }
            for name in hosts
        ]
    }


def password(entry: InventoryEntry) -> str:
    return os.environ["AVMA_LAB_PASSWORD"]


def scan(inventory: object) -> FleetSnapshot:
    return asyncio.run(scan_inventory(inventory, password, options=ScanOptions()))  # type: ignore[arg-type]


@pytest.fixture
def kerberos_lab(kdc: Kdc, start_lab: LabStarter) -> tuple[object, object]:
    fleet = fleet_of(fleet_data(HOSTS))
    kdc.add_services(HOSTS)
    lab = start_lab(fleet, auth="kerberos", kerberos_keytab=kdc.keytab, kerberos_realm=REALM)
    return lab, fleet


def test_a_password_gets_the_ticket_and_every_host_answers_sealed(kerberos_lab: tuple[object, object]) -> None:
    lab, fleet = kerberos_lab
    snapshot = scan(lab_inventory(lab, fleet, transport="kerberos", username=OPERATOR))  # type: ignore[arg-type]
    assert [(host.name, host.error) for host in snapshot.hosts] == [(name, None) for name in HOSTS]
    assert {vm.state.value for vm in snapshot.all_vms()} == {"avma_activated"}


def test_a_ticket_from_kinit_is_used_without_any_password(kdc: Kdc, kerberos_lab: tuple[object, object]) -> None:
    lab, fleet = kerberos_lab
    kdc.kinit(LAB_PASSWORD)
    try:

        def no_password(entry: InventoryEntry) -> str:
            raise AssertionError("a ticket cache needs no password")

        inventory = lab_inventory(lab, fleet, transport="kerberos", username="")  # type: ignore[arg-type]
        snapshot = asyncio.run(scan_inventory(inventory, no_password, options=ScanOptions()))
    finally:
        kdc.kdestroy()
    assert [host.error for host in snapshot.hosts] == [None, None]


def test_no_ticket_says_kinit(kdc: Kdc, kerberos_lab: tuple[object, object]) -> None:
    lab, fleet = kerberos_lab
    kdc.kdestroy()
    snapshot = scan(lab_inventory(lab, fleet, transport="kerberos", username=""))  # type: ignore[arg-type]
    host = snapshot.hosts[0]
    assert host.error_kind == "auth"
    assert "no Kerberos ticket" in (host.error or "")
    assert "kinit" in (host.error_fix or "")


def test_an_unknown_spn_says_setspn(kdc: Kdc, start_lab: LabStarter) -> None:
    fleet = fleet_of(fleet_data(["HV-NO-SPN"]))  # no HTTP/hv-no-spn in the KDC
    lab = start_lab(fleet, auth="kerberos", kerberos_keytab=kdc.keytab, kerberos_realm=REALM)
    snapshot = scan(lab_inventory(lab, fleet, transport="kerberos", username=OPERATOR))
    host = snapshot.hosts[0]
    assert host.error == "unknown SPN: the KDC has no service principal HTTP/hv-no-spn@LAB.TEST"
    assert "setspn -S HTTP/hv-no-spn" in (host.error_fix or "")


def test_an_unreachable_kdc_is_named(kerberos_lab: tuple[object, object]) -> None:
    lab, fleet = kerberos_lab
    snapshot = scan(lab_inventory(lab, fleet, transport="kerberos", username="operator@UNREACHABLE.TEST"))  # type: ignore[arg-type]
    host = snapshot.hosts[0]
    assert host.error == "no KDC (domain controller) of realm UNREACHABLE.TEST could be reached"
    assert "port 88" in (host.error_fix or "")


def test_a_realm_this_machine_does_not_know_is_a_realm_mismatch(kerberos_lab: tuple[object, object]) -> None:
    lab, fleet = kerberos_lab
    snapshot = scan(lab_inventory(lab, fleet, transport="kerberos", username="operator@CONTOSO.LOCAL"))  # type: ignore[arg-type]
    host = snapshot.hosts[0]
    assert (host.error or "").startswith("realm mismatch:")
    assert "CONTOSO.LOCAL" in (host.error or "")
    assert "user@REALM" in (host.error_fix or "")


def test_the_host_refuses_a_ticket_for_another_hosts_spn(kdc: Kdc, kerberos_lab: tuple[object, object]) -> None:
    lab, _ = kerberos_lab
    url = lab.endpoint("HV-K-02").url  # type: ignore[attr-defined]
    endpoint = Endpoint(host="HV-K-02", url=url, transport="kerberos", username=OPERATOR, spn_host="HV-K-01")
    with pytest.raises(RemoteError) as caught, WinRmClient(endpoint, LAB_PASSWORD) as client:
        client.run_json_script("Get-AvmaHostInventory", {})
    assert caught.value.kind.value == "auth"
    assert caught.value.message.startswith("the host refused the Kerberos ticket for HTTP/hv-k-01")
    assert "setspn -Q" in caught.value.fix


SKEWED_CLIENT = """
import sys
from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import RemoteError
endpoint = Endpoint(host="HV-K-01", url=sys.argv[1], transport="kerberos", spn_host="HV-K-01")
try:
    with WinRmClient(endpoint, None) as client:
        client.run_json_script("Get-AvmaHostInventory", {})
except RemoteError as error:
    print(error.message)
    print(error.fix)
"""


def test_a_clock_ten_minutes_ahead_is_refused_by_the_host(
    kdc: Kdc, kerberos_lab: tuple[object, object], tmp_path: Path
) -> None:
    # A ticket got while the clocks agreed, then this client's clock runs 10 minutes ahead (libfaketime): its
    # authenticator is out of the 5-minute window and the host's acceptor answers KRB_AP_ERR_SKEW.
    lab, _ = kerberos_lab
    kdc.kinit(LAB_PASSWORD)
    try:
        subprocess.run(["kvno", f"HTTP/hv-k-01@{REALM}"], check=True, capture_output=True)
        env = {**os.environ, "FAKETIME": "+10m", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        result = subprocess.run(
            ["faketime", "-f", "+10m", sys.executable, "-c", SKEWED_CLIENT, lab.endpoint("HV-K-01").url],  # type: ignore[attr-defined]
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        kdc.kdestroy()
    assert "the clocks differ by more than Kerberos allows (5 minutes)" in result.stdout, result.stderr[-2000:]
    assert "w32tm /resync" in result.stdout
