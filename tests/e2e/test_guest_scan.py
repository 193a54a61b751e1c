"""Guest-side truth through the lab: the same fleet scanned from the host alone and with guest credentials.

With guest credentials every running 2016+ guest is read through PowerShell Direct (licence, key, AVMA host,
events 12309); guests that refuse or cannot be reached keep their host-side verdict and carry an error with its fix.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fleet_support import GUEST_FLEET, GUEST_PASSWORD, LabStarter, fleet_of, lab_inventory

from avma_console.cli import main
from avma_console.domain.clock import SYSTEM_CLOCK, Clock, FixedClock
from avma_console.domain.findings import FindingCode
from avma_console.domain.fleet import FleetSnapshot, VmRecord
from avma_console.domain.inventory import InventoryEntry, inventory_toml
from avma_console.domain.outlook import Marker, category_of
from avma_console.domain.states import AvmaOutcome
from avma_console.lab.runner import inventory_data
from avma_console.services.fleet_formats import snapshot_json, to_table
from avma_console.services.history import HistoryRecorder, RecordedScan, open_history
from avma_console.services.scan import ScanOptions, scan_inventory

LAB_PASSWORD_ENV = "AVMA_LAB_PASSWORD"
GUEST_PASSWORD_ENV = "AVMA_TEST_GUEST_PASSWORD"


def _password(entry: InventoryEntry) -> str:
    import os

    return os.environ[LAB_PASSWORD_ENV]


def scan(
    start_lab: LabStarter, guest_password: str | None, clock: Clock = SYSTEM_CLOCK, **options: object
) -> FleetSnapshot:
    """A new lab of GUEST_FLEET, its history simulated up to `clock`'s now, scanned at that clock."""
    fleet = fleet_of(GUEST_FLEET, clock)
    lab = start_lab(fleet)
    guest = {"username": "Administrator", "password": guest_password} if guest_password is not None else None
    scan_options = ScanOptions(guest_credential=guest, clock=clock, **options)  # type: ignore[arg-type]
    return asyncio.run(scan_inventory(lab_inventory(lab, fleet), _password, options=scan_options))


def vms(snapshot: FleetSnapshot) -> dict[str, VmRecord]:
    return {vm.name: vm for vm in snapshot.all_vms()}


def codes(vm: VmRecord) -> set[str]:
    return {finding.code.value for finding in vm.findings}


def test_host_only_scan_gives_no_evidence_findings_and_guest_scan_the_truth(start_lab: LabStarter) -> None:
    host_only_snapshot = scan(start_lab, None)
    guest_snapshot = scan(start_lab, GUEST_PASSWORD)
    host_only, guest = vms(host_only_snapshot), vms(guest_snapshot)

    # The roll-ups count the running VMs nothing is known about: KMS, retail, and the 2012 R2 host's KMS guest
    # (services-off is explained by its silent Data Exchange, stopped by being off).
    without = sorted(vm.name for vm in host_only.values() if category_of(vm) is Marker.NO_EVIDENCE)
    assert without == ["kms-guest", "on-old-host", "retail-guest"]
    assert snapshot_json(host_only_snapshot)["without_avma_evidence"] == 3
    assert "(3 running without any AVMA evidence)" in to_table(host_only_snapshot).splitlines()[0]
    # With guest credentials only the guest PowerShell Direct cannot reach (a 2012 R2 host) is left.
    assert [vm.name for vm in guest.values() if category_of(vm) is Marker.NO_EVIDENCE] == ["on-old-host"]
    assert snapshot_json(guest_snapshot)["without_avma_evidence"] == 1

    for name in ("kms-guest", "retail-guest"):
        # From the host alone: a guest that never asked for AVMA is unknown, and says so with what to do.
        assert (host_only[name].state.value, host_only[name].source.value) == ("unknown", "none")
        (finding,) = [f for f in host_only[name].findings if f.code is FindingCode.NO_AVMA_EVIDENCE]
        assert "No AVMA activation of " + name in finding.message
        assert "another key" in finding.message
        assert "guest credentials" in finding.remediation
        assert not host_only[name].guest_verified
        # With guest credentials: licensed through another channel, and the key is named.
        assert (guest[name].state.value, guest[name].source.value) == ("activated_other", "guest")
        assert codes(guest[name]) == {"non_avma_key"}
        assert guest[name].guest_verified
    assert "KMS client key" in next(iter(guest["kms-guest"].findings)).message
    assert "retail key" in next(iter(guest["retail-guest"].findings)).message

    # Host-side verdicts are confirmed inside the guest: same state, now verified there, with the AVMA host.
    assert (host_only["avma-ok"].state.value, host_only["avma-ok"].source.value) == ("avma_activated", "host_events")
    assert (guest["avma-ok"].state.value, guest["avma-ok"].source.value) == ("avma_activated", "guest")
    license_ = guest["avma-ok"].guest_license
    assert license_ is not None
    assert license_.avma_host_name == "HV-G1"
    assert license_.partial_key == "78VHK"  # the 2022 Standard AVMA key's last five
    assert license_.last_activation is not None
    # A refusal seen on the host gets its explanation from the guest's key.
    assert host_only["wrong-key"].state.value == "activation_denied"
    assert codes(host_only["wrong-key"]) == {"avma_refused"}
    assert (guest["wrong-key"].state.value, guest["wrong-key"].source.value) == ("activation_denied", "guest")
    assert codes(guest["wrong-key"]) == {"non_avma_key"}


def test_guests_that_cannot_be_read_keep_the_host_verdict_and_name_the_fix(start_lab: LabStarter) -> None:
    snapshot = scan(start_lab, "wrong-password")
    assert all(host.reachable for host in snapshot.hosts), "one bad guest never fails its host"
    found = vms(snapshot)

    refused = found["avma-ok"]
    assert refused.guest_error == "The credential is invalid."
    assert (refused.state.value, refused.source.value) == ("avma_activated", "host_events")
    kms = found["kms-guest"]
    (finding,) = [f for f in kms.findings if f.code is FindingCode.NO_AVMA_EVIDENCE]
    assert "The credential is invalid." in finding.message
    assert "local administrator of the guest" in finding.remediation
    assert "--guest-user" in finding.remediation

    # Integration services stopped in the guest: PowerShell Direct cannot open a session.
    assert "remote session might have ended" in (found["services-off"].guest_error or "")
    services = [f for f in found["services-off"].findings if f.code is not FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE]
    assert "kvp_no_contact" in {f.code.value for f in services}
    # A 2012 R2 host has no PowerShell Direct: the guest's verdict comes from the host, and the error says why.
    old = found["on-old-host"]
    assert "VMId" in (old.guest_error or "")
    assert old.state.value == "unknown"
    (finding,) = [f for f in old.findings if f.code is FindingCode.NO_AVMA_EVIDENCE]
    assert "Windows Server 2016 or later host" in finding.remediation
    # A VM that is off is not asked at all; it says why its state is unknown.
    stopped = found["stopped"]
    assert stopped.guest_error is None
    assert [f.template for f in stopped.findings] == ["no_avma_evidence_off"]


def test_guest_events_12309_come_with_guest_credentials_since_each_guests_watermark(start_lab: LabStarter) -> None:
    # One instant for every lab of this test: each simulates its history up to its clock's now, and a watermark
    # taken from one lab's events must mean the same events in the next (with the wall clock, a second between
    # two labs moved every event past it).
    clock = FixedClock(SYSTEM_CLOCK.now())
    host_only = vms(scan(start_lab, None, clock))
    assert all(vm.guest_events == () for vm in host_only.values())

    found = vms(scan(start_lab, GUEST_PASSWORD, clock))
    denied = found["wrong-key"].guest_events
    assert denied, "every failed attempt leaves an event 12309 in the guest"
    assert {event.event_id for event in denied} == {12309}
    assert {(event.outcome, event.error_code) for event in denied} == {(AvmaOutcome.ACTIVATION_DENIED, 0xC004FD03)}
    assert all(event.vm_id == found["wrong-key"].vm_id and event.vm_name == "wrong-key" for event in denied)
    succeeded = found["avma-ok"].guest_events
    assert succeeded and {event.outcome for event in succeeded} == {AvmaOutcome.SUCCESS}
    assert found["kms-guest"].guest_events == (), "a KMS guest never asks for AVMA"

    # Only what is newer than each guest's watermark is read again.
    newest = max(event.time_created for event in denied)
    marks = {
        found["wrong-key"].vm_id: newest + timedelta(seconds=1),
        found["avma-ok"].vm_id: newest - timedelta(days=30),
    }
    again = vms(scan(start_lab, GUEST_PASSWORD, clock, guest_since_for=lambda host: marks))
    assert again["wrong-key"].guest_events == ()
    assert len(again["avma-ok"].guest_events) == len(succeeded)


def _inventory_file(start_lab: LabStarter, tmp_path: Path) -> Path:
    """The lab's inventory with guest credentials at [defaults], and none for the 2012 R2 host (cleared)."""
    fleet = fleet_of(GUEST_FLEET)
    lab = start_lab(fleet)
    data = inventory_data(lab.endpoints, fleet, lab.ca_file)
    defaults = data["defaults"]
    hosts = data["hosts"]
    assert isinstance(defaults, dict)
    assert isinstance(hosts, list)
    defaults.update({"guest_username": "Administrator", "guest_credential": f"env:{GUEST_PASSWORD_ENV}"})
    for host in hosts:
        if host["name"] == "HV-OLD":
            host.update({"guest_username": "", "guest_credential": ""})
    path = tmp_path / "fleet.toml"
    path.write_text(inventory_toml(data), encoding="utf-8")
    return path


def _scan_json(inventory: Path, out: Path, *extra: str) -> tuple[int, dict[str, dict[str, Any]]]:
    code = main(["scan", "--inventory", str(inventory), "--format", "json", "--output", str(out), *extra])
    document = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"hosts": []}
    return code, {vm["name"]: vm for host in document["hosts"] for vm in host["vms"]}


def test_scan_command_takes_guest_credentials_from_the_inventory_or_the_command_line(
    start_lab: LabStarter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = _inventory_file(start_lab, tmp_path)
    monkeypatch.setenv(GUEST_PASSWORD_ENV, GUEST_PASSWORD)
    code, found = _scan_json(inventory, tmp_path / "right.json")
    assert code == 0
    assert (found["kms-guest"]["state"], found["kms-guest"]["source"]) == ("activated_other", "guest")
    assert found["kms-guest"]["guest_verified"] is True
    assert [f["code"] for f in found["kms-guest"]["findings"]] == ["non_avma_key"]
    denied = found["wrong-key"]["guest_events"]
    assert denied and {(e["outcome"], e["error_code"]) for e in denied} == {("Activation Denied", "0xC004FD03")}
    old = found["on-old-host"]
    assert (old["guest_error"], old["guest_verified"]) == (None, False), "the host whose guest settings are cleared"

    # The command line wins over the file: a wrong password is a per-VM error naming the fix, hosts still answer.
    monkeypatch.setenv("AVMA_TEST_WRONG_GUEST", "wrong-password")
    code, found = _scan_json(inventory, tmp_path / "wrong.json", "--guest-credential", "env:AVMA_TEST_WRONG_GUEST")
    assert code == 0, "a guest that refuses never fails its host"
    kms = found["kms-guest"]
    assert kms["guest_error"] == "The credential is invalid."
    assert "--guest-credential" in kms["guest_error_fix"]
    assert (kms["state"], kms["source"]) == ("unknown", "none")
    assert "The credential is invalid." in kms["findings"][0]["message"]
    assert found["on-old-host"]["guest_error"] is not None, "--guest-credential covers every host"

    # A password that cannot be found stops the command before any scan, naming the setting and the fix.
    monkeypatch.delenv(GUEST_PASSWORD_ENV)
    capsys.readouterr()
    code, _ = _scan_json(inventory, tmp_path / "missing.json")
    assert code == 2
    message = capsys.readouterr().err
    assert "guest_credential" in message
    assert GUEST_PASSWORD_ENV in message
    assert not (tmp_path / "missing.json").exists()


def test_guest_events_reach_the_history_once_and_the_events_report(
    start_lab: LabStarter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = fleet_of(GUEST_FLEET)
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    guest = {"username": "Administrator", "password": GUEST_PASSWORD}
    history = tmp_path / "history.sqlite3"

    def recorded_scan() -> RecordedScan:
        with open_history(history) as store:
            recorder = HistoryRecorder(store, source="test")
            options = recorder.scan_options(ScanOptions(guest_credential=guest))
            return recorder.record(asyncio.run(scan_inventory(inventory, _password, options=options)))

    first = recorded_scan()
    assert first.new_guest_events > 0 and first.new_events > 0
    with open_history(history) as store:
        guest_events = store.events(event_id=12309)
        host_events = store.events(event_id=12310)
        marks = store.guest_watermarks()["HV-G1"]
    failed = [event for event in guest_events if event.vm_name == "wrong-key"]
    succeeded = [event for event in guest_events if event.vm_name == "avma-ok"]
    assert failed and {(e.outcome, e.error_code) for e in failed} == {("Activation Denied", 0xC004FD03)}
    assert succeeded and {e.outcome for e in succeeded} == {"AVMA Success"}
    assert {event.host for event in guest_events} == {"HV-G1"}, "the host the guests were read through"
    assert len(guest_events) == first.new_guest_events
    assert host_events, "the hosts' 12310 are kept as before"
    assert marks[failed[0].vm_id] == max(event.time_created for event in failed)

    # The next recorded scan asks each guest only for newer events and stores none twice.
    second = recorded_scan()
    assert second.new_guest_events == 0
    with open_history(history) as store:
        assert len(store.events(event_id=12309)) == len(guest_events)

    out = tmp_path / "events.csv"
    code = main(["report", "--history", str(history), "--kind", "events", "--vm", "wrong-key", "--output", str(out)])
    assert code == 0
    rows = list(
        csv.DictReader(
            io.StringIO(out.read_text(encoding="utf-8-sig")),
        )
    )
    assert {"event_id", "time_utc", "host", "vm", "outcome", "error_code"} <= set(rows[0])
    assert {(row["event_id"], row["log"], row["vm"]) for row in rows} >= {("12309", "guest", "wrong-key")}
    guest_rows = [row for row in rows if row["event_id"] == "12309"]
    assert len(guest_rows) == len(failed)
    assert {(row["outcome"], row["error_code"], row["host"]) for row in guest_rows} == {
        ("Activation Denied", "0xC004FD03", "HV-G1")
    }
    host_rows = [row for row in rows if row["event_id"] == "12310"]
    assert host_rows and all(row["log"] == "host" for row in host_rows), "the host's side of the same attempts"

    html = tmp_path / "events.html"
    assert main(["report", "--history", str(history), "--kind", "events", "--host", "HV-G1", "--format", "html",
                 "--output", str(html)]) == 0  # fmt: skip
    assert "avma-ok" in html.read_text(encoding="utf-8")
    # Narrowing is for the events report only; saying so is a usage error.
    capsys.readouterr()
    assert main(["report", "--history", str(history), "--kind", "inventory", "--vm", "avma-ok"]) == 2
    assert "--host and --vm narrow the events report only" in capsys.readouterr().err


def test_a_german_host_refusing_the_guest_password_gets_the_same_fix(start_lab: LabStarter) -> None:
    german = {**GUEST_FLEET["hosts"][0], "name": "HV-DE", "locale": "de-DE"}  # type: ignore[dict-item]
    fleet = fleet_of({"hosts": [german]})
    lab = start_lab(fleet)
    options = ScanOptions(guest_credential={"username": "Administrator", "password": "wrong-password"})
    snapshot = asyncio.run(scan_inventory(lab_inventory(lab, fleet), _password, options=options))
    kms = vms(snapshot)["kms-guest"]
    assert kms.guest_error == "Die Anmeldeinformationen sind ungültig."
    (finding,) = [f for f in kms.findings if f.code is FindingCode.NO_AVMA_EVIDENCE]
    assert "local administrator of the guest" in finding.remediation
