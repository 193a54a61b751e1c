"""A German Windows host scans exactly like its English twin: same states, sources, findings and events."""

from __future__ import annotations

import asyncio
from typing import Any

from fleet_support import GUEST_PASSWORD, LAB_PASSWORD, LabStarter, fleet_of, lab_inventory

from avma_console.assets import resource
from avma_console.domain.inventory import InventoryEntry
from avma_console.lab.localized import KVP_SERVICE_ID, KVP_SERVICE_NAMES
from avma_console.remote.client import WinRmClient
from avma_console.services.scan import ScanOptions, endpoint_for, scan_inventory

VMS: list[dict[str, Any]] = [
    {"name": "web-01", "guest_version": "2022", "guest_edition": "Standard", "key": "avma"},
    {"name": "app-25", "guest_version": "2025", "guest_edition": "Standard", "key": "avma"},  # too new: denied
    {"name": "dc-01", "guest_version": "2019", "guest_edition": "Datacenter", "key": "avma", "kvp": False},
    {"name": "lost-01", "guest_version": "2019", "guest_edition": "Standard", "key": "avma", "kvp_no_contact": True},
    {"name": "kms-01", "guest_version": "2019", "guest_edition": "Standard", "key": "kms"},
    {"name": "off-01", "guest_version": "2016", "guest_edition": "Standard", "key": "avma", "running": False},
]


def _twin(name: str, locale: str) -> dict[str, Any]:
    return {"name": name, "version": "2022", "edition": "Datacenter", "locale": locale, "vms": VMS}


def _password_for(entry: InventoryEntry) -> str:
    return LAB_PASSWORD


def _view(snapshot: Any, host_name: str) -> tuple[Any, ...]:
    host = next(host for host in snapshot.hosts if host.name == host_name)
    vms = tuple(
        (
            vm.name,
            vm.state,
            vm.source,
            tuple(finding.code for finding in vm.findings),
            vm.last_event.outcome if vm.last_event else None,
            vm.guest_license.channel if vm.guest_license else None,
        )
        for vm in host.vms
    )
    return host.reachable, host.version, host.activated, tuple(f.code for f in host.findings), vms


def test_a_german_host_scans_exactly_like_its_english_twin(start_lab: LabStarter) -> None:
    fleet = fleet_of({"hosts": [_twin("HV-EN", "en-US"), _twin("HV-DE", "de-DE")]})
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    for guest_password in (GUEST_PASSWORD, "wrong-password"):  # PowerShell Direct answering, then refusing
        credential = {"username": "Administrator", "password": guest_password}
        snapshot = asyncio.run(
            scan_inventory(inventory, _password_for, options=ScanOptions(guest_credential=credential))
        )
        english, german = _view(snapshot, "HV-EN"), _view(snapshot, "HV-DE")
        assert english == german
        assert english[0] and len(english[4]) == len(VMS)
        states = {vm[0]: vm[1].value for vm in german[4]}
        assert states["web-01"] == "avma_activated" and states["app-25"] == "activation_denied", states
        assert "kvp_no_contact" in {vm[0]: vm[3] for vm in german[4]}["lost-01"]


def test_the_german_lab_host_really_speaks_german(start_lab: LabStarter) -> None:
    fleet = fleet_of({"hosts": [_twin("HV-DE", "de-DE")]})
    lab = start_lab(fleet)
    entry = lab_inventory(lab, fleet).entries[0]
    credential = {"username": "Administrator", "password": "wrong-password"}
    with WinRmClient(endpoint_for(entry), LAB_PASSWORD) as client:
        answer = client.run_json_script(
            "host_inventory", {"since": None, "max_events": 50, "guest_credential": credential}
        )
    assert "Keinen Kontakt" in answer  # Data Exchange's status text
    assert "Die Anforderung zur automatischen Aktivierung" in answer and "wurde am " in answer  # event 12310, date text
    assert "Die Anmeldeinformationen sind ung" in answer  # PowerShell Direct's error record


def test_scripts_find_data_exchange_by_its_id_never_by_a_localized_caption() -> None:
    """A German host calls Data Exchange "Datenaustausch": a script matching the English caption finds nothing."""
    touching = {
        name: text
        for name, text in (
            (node.name.removesuffix(".ps1"), node.read_text(encoding="utf-8"))
            for node in resource("ps").iterdir()
            if node.name.endswith(".ps1")
        )
        if "Get-VMIntegrationService" in text
    }
    assert set(touching) >= {"host_inventory", "enable_kvp"}
    for name, text in touching.items():
        assert KVP_SERVICE_ID in text, name
        assert not any(caption.casefold() in text.casefold() for caption in KVP_SERVICE_NAMES.values()), name
