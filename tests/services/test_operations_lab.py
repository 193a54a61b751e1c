"""The lab plays Windows' part in the write actions faithfully: through real WinRM, the console's own scripts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fleet_support import GUEST_PASSWORD, LAB_PASSWORD, LabStarter, fleet_of

from avma_console.domain.keys import avma_key_for
from avma_console.domain.states import LicenseStatus
from avma_console.domain.versions import Edition, ServerVersion
from avma_console.lab.fleet import GVLKS, FleetFileError, LabFleet
from avma_console.lab.operations import guest_endpoint_lines, like, make_guest_server
from avma_console.lab.server_thread import LabServerThread
from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import ErrorKind, RemoteError
from avma_console.remote.parsing import parse_json_document

GUEST = {"username": "Administrator", "password": GUEST_PASSWORD}
KEY_2022_STD = avma_key_for(ServerVersion.V2022, Edition.STANDARD)
KEY_2019_STD = avma_key_for(ServerVersion.V2019, Edition.STANDARD)


def vm(name: str, version: str | None = "2022", edition: str | None = "Standard", **extra: Any) -> dict[str, Any]:
    return {"name": name, "guest_version": version, "guest_edition": edition, "key": None, **extra}


@pytest.fixture
def fleet() -> LabFleet:
    return fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-22",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [
                        vm("plain"),
                        vm("q'\"$(x)`b;|&"),
                        vm("avma", key="avma"),
                        vm("stopped", running=False),
                        vm("old", "2012R2", "Datacenter", address="192.0.2.10"),
                        vm("old-off", "2012R2", "Standard", address="192.0.2.11", running=False),
                        vm("nokvp", key="avma", kvp=False),
                        vm(
                            "switched",
                            key="retail",
                            kvp_items={"AVMA-HostName": "HV-22", "avma-lower": "x", "Tenant": "keep"},
                            host_kvp_items={"AutomaticVMActivationHint": "1", "Backup": "keep"},
                        ),
                    ],
                },
                {
                    "name": "HV-12",
                    "version": "2012R2",
                    "edition": "Datacenter",
                    "vms": [vm("legacy", "2012R2", "Standard")],
                },
            ]
        }
    )


@pytest.fixture
def guests(fleet: LabFleet, tmp_path: Path) -> Iterator[LabServerThread]:
    server = make_guest_server(fleet, work_dir=tmp_path / "guests")
    assert server is not None
    with LabServerThread(server) as lab:
        yield lab


def host_run(lab: LabServerThread, host: str, script: str, params: Mapping[str, object]) -> dict[str, Any]:
    endpoint = Endpoint(host, lab.endpoint(host).url, transport="ntlm", username="LAB\\operator")
    with WinRmClient(endpoint, LAB_PASSWORD) as client:
        return parse_json_document(client.run_json_script(script, params))


def guest_run(
    lab: LabServerThread, address: str, script: str, params: Mapping[str, object], password: str = GUEST_PASSWORD
) -> dict[str, Any]:
    endpoint = Endpoint(address, lab.endpoint(address).url, transport="ntlm", username="Administrator")
    with WinRmClient(endpoint, password) as client:
        return parse_json_document(client.run_json_script(script, params))


def vm_id(fleet: LabFleet, name: str) -> str:
    return next(v.vm_id for host in fleet.hosts for v in host.vms if v.name == name)


def lab_vm(fleet: LabFleet, name: str) -> Any:
    return next(v for host in fleet.hosts for v in host.vms if v.name == name)


def install(lab: LabServerThread, fleet: LabFleet, name: str, key: str, **extra: object) -> dict[str, Any]:
    params: dict[str, object] = {
        "mode": "direct",
        "vm_id": vm_id(fleet, name),
        "key": key,
        "guest_credential": GUEST,
        "settle_seconds": 0,
        **extra,
    }
    return host_run(lab, "HV-22", "install_key", params)


def test_an_avma_key_installs_and_the_avma_attempt_follows(start_lab: LabStarter, fleet: LabFleet) -> None:
    lab = start_lab(fleet)
    generation = fleet.generation
    assert KEY_2022_STD is not None
    document = install(lab, fleet, "plain", KEY_2022_STD.lower().replace("-", ""))
    assert document["InstallError"] is None
    assert document["Before"]["LicenseStatus"] is None, "no key installed before"
    assert document["After"]["LicenseStatus"] == LicenseStatus.LICENSED
    assert "VIRTUAL_MACHINE_ACTIVATION" in document["After"]["Description"]
    assert document["After"]["AutomaticVMActivationHostMachineName"] == "HV-22"
    assert [event["Id"] for event in document["GuestEvents"]] == [12309]
    assert "AVMA Success" in document["GuestEvents"][0]["Message"]
    assert [event["Id"] for event in document["HostEvents"]] == [12310]
    assert fleet.generation > generation, "a change invalidates cached scan answers"
    assert lab_vm(fleet, "plain").key == KEY_2022_STD


def test_keys_windows_would_reject_are_rejected_with_its_codes(start_lab: LabStarter, fleet: LabFleet) -> None:
    lab = start_lab(fleet)
    generation = fleet.generation
    assert KEY_2019_STD is not None
    typo = KEY_2022_STD[:-1] + ("B" if KEY_2022_STD[-1] != "B" else "C") if KEY_2022_STD else ""
    cases = {
        typo: 0xC004F050,  # checksum fails: invalid product key
        KEY_2019_STD: 0xC004F069,  # the AVMA key of another version
        GVLKS[(ServerVersion.V2022, Edition.DATACENTER)]: 0xC004F069,  # a KMS key of another edition
    }
    for key, code in cases.items():
        document = install(lab, fleet, "avma", key)
        assert document["InstallError"]["NativeCode"] == code, key
        assert f"0x{code:08X}" in document["InstallError"]["Message"]
        assert document["After"] == document["Before"], "a rejected key changes nothing"
        assert document["GuestEvents"] == [] and document["HostEvents"] == []
    assert fleet.generation == generation


def test_a_kms_key_changes_the_channel_without_an_avma_attempt(start_lab: LabStarter, fleet: LabFleet) -> None:
    lab = start_lab(fleet)
    document = install(lab, fleet, "avma", GVLKS[(ServerVersion.V2022, Edition.STANDARD)])
    assert document["InstallError"] is None
    assert "VIRTUAL_MACHINE_ACTIVATION" in document["Before"]["Description"]
    assert "VOLUME_KMSCLIENT" in document["After"]["Description"]
    assert document["After"]["LicenseStatus"] == LicenseStatus.LICENSED
    assert document["GuestEvents"] == [] and document["HostEvents"] == []


def test_an_avma_key_without_data_exchange_meets_no_host(start_lab: LabStarter, fleet: LabFleet) -> None:
    lab = start_lab(fleet)
    assert KEY_2022_STD is not None
    document = install(lab, fleet, "nokvp", KEY_2022_STD)
    assert document["InstallError"] is None
    assert document["After"]["LicenseStatus"] != LicenseStatus.LICENSED
    assert "0xC004FD01" in document["GuestEvents"][0]["Message"], "not a supported Hyper-V platform: nobody answered"
    assert document["HostEvents"] == [], "the host never heard the request"


@pytest.mark.parametrize(
    ("name", "credential", "message"),
    [
        ("stopped", GUEST, "is not in running state"),
        ("old", GUEST, "does not support PowerShell Direct"),
        ("plain", {"username": "Administrator", "password": "wrong-password"}, "The credential is invalid."),
        ("plain", None, "The credential is invalid."),
    ],
)
def test_powershell_direct_fails_as_windows_does(
    start_lab: LabStarter, fleet: LabFleet, name: str, credential: object, message: str
) -> None:
    lab = start_lab(fleet)
    assert KEY_2022_STD is not None
    with pytest.raises(RemoteError) as caught:
        install(lab, fleet, name, KEY_2022_STD, guest_credential=credential)
    assert caught.value.kind is ErrorKind.SCRIPT
    assert message in caught.value.message
    assert "wrong-password" not in str(caught.value)


def test_a_2012_r2_host_has_no_powershell_direct(start_lab: LabStarter, fleet: LabFleet) -> None:
    lab = start_lab(fleet)
    params = {"mode": "direct", "vm_id": vm_id(fleet, "legacy"), "key": "x", "guest_credential": GUEST}
    with pytest.raises(RemoteError, match="parameter name 'VMId'"):
        host_run(lab, "HV-12", "install_key", params)


def test_the_scripts_refuse_the_wrong_kind_of_machine(
    start_lab: LabStarter, fleet: LabFleet, guests: LabServerThread
) -> None:
    lab = start_lab(fleet)
    with pytest.raises(RemoteError, match="not a Hyper-V virtual machine"):
        host_run(lab, "HV-22", "install_key", {"mode": "local", "key": KEY_2022_STD})
    with pytest.raises(RemoteError, match="'Get-VM' is not recognized"):
        guest_run(guests, "192.0.2.10", "install_key", {"mode": "direct", "key": "x", "vm_id": "y"})
    with pytest.raises(RemoteError, match="not the virtual machine that was selected"):
        guest_run(
            guests, "192.0.2.10", "install_key", {"mode": "local", "key": "x", "expected_vm_id": vm_id(fleet, "plain")}
        )
    with pytest.raises(RemoteError, match="unable to find a virtual machine"):
        host_run(lab, "HV-22", "enable_kvp", {"vm_id": "00000000-0000-0000-0000-000000000000"})


def test_a_guest_with_an_address_answers_winrm_itself(fleet: LabFleet, guests: LabServerThread) -> None:
    key = avma_key_for(ServerVersion.V2012R2, Edition.DATACENTER)
    params = {"mode": "local", "key": key, "expected_vm_id": vm_id(fleet, "old"), "settle_seconds": 0}
    document = guest_run(guests, "192.0.2.10", "install_key", params)
    assert document["InstallError"] is None
    assert document["After"]["LicenseStatus"] == LicenseStatus.LICENSED
    assert document["HostEvents"] == [], "inside the guest the host's log is out of reach"
    assert lab_vm(fleet, "old").avma_host_name == "HV-22"

    with pytest.raises(RemoteError) as wrong:
        guest_run(guests, "192.0.2.10", "install_key", params, password="not-the-password")
    assert wrong.value.kind is ErrorKind.AUTH
    with pytest.raises(RemoteError) as off:
        guest_run(guests, "192.0.2.11", "install_key", params)
    assert off.value.kind is ErrorKind.REFUSED, "a powered-off guest does not listen"
    lines = {line["guest"]: line for line in guest_endpoint_lines(guests.server, fleet)}
    assert lines["old"]["address"] == "192.0.2.10"
    assert lines["old"]["url"] == guests.endpoint("192.0.2.10").url


def test_data_exchange_is_enabled_once(start_lab: LabStarter, fleet: LabFleet) -> None:
    lab = start_lab(fleet)
    first = host_run(lab, "HV-22", "enable_kvp", {"vm_id": vm_id(fleet, "nokvp")})
    assert (first["Before"]["Enabled"], first["After"]["Enabled"]) == (False, True)
    assert first["After"]["PrimaryStatusDescription"] == "OK"
    generation = fleet.generation
    again = host_run(lab, "HV-22", "enable_kvp", {"vm_id": vm_id(fleet, "nokvp")})
    assert (again["Before"]["Enabled"], again["After"]["Enabled"]) == (True, True)
    assert fleet.generation == generation, "nothing changed, nothing invalidated"


def test_kvp_items_go_item_by_item_and_only_those_matching(start_lab: LabStarter, fleet: LabFleet) -> None:
    lab = start_lab(fleet)
    patterns = ["AVMA*", "*AutomaticVMActivation*"]
    params: dict[str, object] = {"mode": "direct", "vm_id": vm_id(fleet, "switched"), "patterns": patterns}
    host_only = host_run(lab, "HV-22", "remove_kvp_items", {**params, "guest_credential": None})
    assert [(i["Name"], i["Source"], i["Removed"]) for i in host_only["Items"]] == [
        ("AutomaticVMActivationHint", "host", True)
    ]
    both = host_run(lab, "HV-22", "remove_kvp_items", {**params, "guest_credential": GUEST})
    assert sorted((i["Name"], i["Source"]) for i in both["Items"]) == [
        ("AVMA-HostName", "guest"),
        ("avma-lower", "guest"),
    ]
    switched = lab_vm(fleet, "switched")
    assert switched.kvp_items == {"Tenant": "keep"}
    assert switched.host_kvp_items == {"Backup": "keep"}
    wrong = host_run(
        lab, "HV-22", "remove_kvp_items", {**params, "guest_credential": {"username": "Administrator", "password": "x"}}
    )
    assert wrong["GuestError"] == "The credential is invalid."


def test_like_is_powershells_case_blind_wildcard() -> None:
    assert like("AVMA-HostName", "avma*")
    assert like("x-AutomaticVMActivation-y", "*AutomaticVMActivation*")
    assert not like("MyAVMA", "AVMA*")
    assert like("A1", "A?")


def test_guest_listeners_need_an_address_each(fleet: LabFleet) -> None:
    assert make_guest_server(fleet_of({"hosts": [{"name": "H", "version": "2022", "edition": "Datacenter"}]})) is None
    twins = fleet_of(
        {
            "hosts": [
                {
                    "name": "H",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [vm("a", address="192.0.2.1"), vm("b", address="192.0.2.1")],
                }
            ]
        }
    )
    with pytest.raises(FleetFileError, match=r"share the address 192\.0\.2\.1"):
        make_guest_server(twins)


def test_the_host_reports_a_hostile_vm_name_exactly(start_lab: LabStarter, fleet: LabFleet) -> None:
    lab = start_lab(fleet)
    name = "q'\"$(x)`b;|&"
    assert KEY_2022_STD is not None
    document = install(lab, fleet, name, KEY_2022_STD, vm_name=name)
    assert document["VmName"] == name
    assert document["After"]["LicenseStatus"] == LicenseStatus.LICENSED
