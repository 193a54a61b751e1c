"""Write actions end to end through the real lab: push keys, enable Data Exchange, clean up KVP, the CLI.

Every test checks what the NEXT scan shows, because that is what an operator sees after acting, and that no
password reached any file, log line or result.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fleet_support import GUEST_PASSWORD, LAB_PASSWORD, LabStarter, fleet_of, lab_inventory
from kerberos_support import start_lab_for

from avma_console.domain.clock import FixedClock
from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.inventory import Inventory, InventoryEntry
from avma_console.domain.states import ActivationState, AvmaOutcome
from avma_console.lab.fleet import GVLKS, LabFleet
from avma_console.lab.operations import make_guest_server
from avma_console.lab.server_thread import LabServerThread
from avma_console.services.audit import JsonLinesAuditLog
from avma_console.services.credentials import Secret
from avma_console.services.operations import (
    AccessPath,
    GuestAddress,
    GuestCredential,
    GuestCredentials,
    HostAccess,
    OperationProgress,
    PushResult,
    ResultStatus,
    execute_kvp_cleanup,
    execute_kvp_enable,
    execute_push,
    plan_kvp_cleanup,
    plan_kvp_enable,
    plan_push,
    select_vms,
)
from avma_console.services.scan import ScanOptions, scan_inventory

WRONG_PASSWORD = "tenant-Wr0ng!secret"
SECRETS = (GUEST_PASSWORD, LAB_PASSWORD, WRONG_PASSWORD)
RIGHT = GuestCredential("Administrator", Secret(GUEST_PASSWORD))


def env_password(entry: InventoryEntry) -> str:
    return os.environ["AVMA_LAB_PASSWORD"]


def scan(inventory: Inventory, guest: GuestCredential | None = RIGHT) -> FleetSnapshot:
    options = ScanOptions(guest_credential=guest.as_param() if guest else None)
    return asyncio.run(scan_inventory(inventory, env_password, options=options))


def by_vm(snapshot: FleetSnapshot) -> dict[str, tuple[str, str, set[str]]]:
    return {
        vm.name: (vm.state.value, vm.source.value, {f.code.value for f in vm.findings}) for vm in snapshot.all_vms()
    }


@pytest.fixture
def start_guests(tmp_path: Path) -> Iterator[Any]:
    running: list[LabServerThread] = []

    def start(fleet: LabFleet) -> dict[str, GuestAddress]:
        server = make_guest_server(fleet, work_dir=tmp_path / f"guests{len(running)}")
        assert server is not None
        lab = LabServerThread(server)
        lab.start()
        running.append(lab)
        ids = {v.address: v.vm_id for host in fleet.hosts for v in host.vms if v.address}
        return {ids[e.host_name]: GuestAddress("127.0.0.1", e.port) for e in lab.endpoints}

    yield start
    for lab in running:
        lab.stop()


@pytest.fixture(autouse=True)
def everything_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


def assert_no_secrets(tmp_path: Path, caplog: pytest.LogCaptureFixture, *things: object) -> None:
    """No password in any file written under tmp_path, in any log record, or in any result."""
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert files, "the test wrote files (audit log, lab work folders)"
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"a password in {path}"
    texts = [record.getMessage() for record in caplog.records] + [repr(thing) for thing in things]
    texts += [json.dumps(thing.as_json()) for thing in things if hasattr(thing, "as_json")]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def vm(name: str, version: str | None = "2022", edition: str | None = "Standard", **extra: Any) -> dict[str, Any]:
    return {"name": name, "guest_version": version, "guest_edition": edition, "key": None, **extra}


def push(
    plan: Any, inventory: Inventory, audit: JsonLinesAuditLog, credentials: GuestCredentials | None = None
) -> dict[str, PushResult]:
    seen: list[tuple[str, int]] = []

    def on_result(result: PushResult, progress: OperationProgress) -> None:
        seen.append((result.vm, progress.done))

    results = asyncio.run(
        execute_push(
            plan,
            HostAccess(inventory, env_password),
            credentials or GuestCredentials(default=RIGHT),
            audit,
            settle_seconds=0,
            on_result=on_result,
        )
    )
    assert sorted(done for _, done in seen) == list(range(1, len(plan.items) + 1)), "progress for every VM"
    assert [r.vm for r in results] == [item.vm.name for item in plan.items], "results in plan order"
    return {result.vm: result for result in results}


# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["ntlm", "kerberos"])
def test_bulk_push_gives_every_vm_its_own_result_and_the_next_scan_agrees(  # noqa: PLR0917
    start_lab: LabStarter,
    start_guests: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    transport: str,
    request: pytest.FixtureRequest,
) -> None:
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-MIX",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [
                        vm("fresh-01", "2019", "Standard"),
                        vm("wrongkey-01", "2019", "Datacenter", key="avma:2022"),
                        vm("future-01", "2025", "Standard"),
                        vm("old-2012", "2012R2", "Datacenter", address="198.51.100.12"),
                        vm("off-01", key="avma", running=False),
                        vm("tenant-01", "2016", "Standard"),
                    ],
                }
            ]
        }
    )
    lab, overrides = start_lab_for(transport, request, start_lab, fleet)
    addresses = start_guests(fleet)
    inventory = lab_inventory(lab, fleet, **overrides)
    audit = JsonLinesAuditLog(tmp_path / "audit.jsonl")
    before = scan(inventory)
    assert before.host("HV-MIX") is not None
    assert by_vm(before)["wrongkey-01"][0] == "activation_denied"

    names = ["fresh-01", "wrongkey-01", "future-01", "old-2012", "off-01", "tenant-01"]
    plan = plan_push(before, select_vms(before, names), guest_addresses=addresses)
    tenant_id = next(v.vm_id for v in before.all_vms() if v.name == "tenant-01")
    credentials = GuestCredentials(
        default=RIGHT, per_vm={tenant_id: GuestCredential("Administrator", Secret(WRONG_PASSWORD))}
    )
    results = push(plan, inventory, audit, credentials)

    assert {name: r.status for name, r in results.items()} == {
        "fresh-01": ResultStatus.SUCCEEDED,
        "wrongkey-01": ResultStatus.SUCCEEDED,
        "future-01": ResultStatus.REFUSED,
        "old-2012": ResultStatus.SUCCEEDED,
        "off-01": ResultStatus.REFUSED,
        "tenant-01": ResultStatus.FAILED,
    }
    fresh = results["fresh-01"]
    assert (fresh.state_after, fresh.outcome) == (ActivationState.AVMA_ACTIVATED, AvmaOutcome.SUCCESS)
    assert fresh.summary == "unknown -> avma_activated (AVMA Success, event 12309/12310)", "no key before"
    assert {event.event_id for event in fresh.events} == {12309, 12310}
    assert fresh.after is not None and fresh.after.avma_host_name == "HV-MIX"
    assert results["wrongkey-01"].before is not None and results["wrongkey-01"].before.partial_key == "DV9BG"
    assert results["old-2012"].path is AccessPath.GUEST_WINRM
    assert "newer than HV-MIX" in (results["future-01"].error or "")
    assert "off" in (results["off-01"].error or "")
    assert "The credential is invalid." in (results["tenant-01"].error or ""), "Windows' own words"

    after = by_vm(scan(inventory))
    assert after["fresh-01"][:2] == ("avma_activated", "guest")
    assert after["wrongkey-01"][:2] == ("avma_activated", "guest")
    assert after["old-2012"][:2] == ("avma_activated", "host_events"), "2012 R2: the host's 12310 tells"
    assert after["future-01"] == by_vm(before)["future-01"]
    assert after["off-01"] == by_vm(before)["off-01"]
    assert after["tenant-01"] == by_vm(before)["tenant-01"]

    # The operator overrides the refusal for the guest that is too new: Windows takes the key, AVMA says no.
    forced = plan_push(scan(inventory), select_vms(before, ["future-01"]), override=True)
    (denied,) = push(forced, inventory, audit).values()
    assert denied.status is ResultStatus.FAILED and denied.forced
    assert denied.outcome is AvmaOutcome.ACTIVATION_DENIED
    assert denied.outcome_code == 0xC004FD03
    assert by_vm(scan(inventory))["future-01"][:2] == ("activation_denied", "guest"), "read in the guest"

    entries = audit.entries()
    assert [(e.target_vm, e.result) for e in entries[-1:]] == [("future-01", "failed")]
    assert sorted((e.target_vm, e.result) for e in entries[:-1]) == sorted(
        (name, results[name].status.value) for name in names
    ), "every attempt and every refusal is on record"
    by_name = {e.target_vm: e for e in entries[:-1]}
    assert (
        by_name["fresh-01"].who == overrides.get("username", "LAB\\operator")
        and by_name["fresh-01"].details["guest_account"] == "Administrator"
    )
    assert by_name["old-2012"].who == "Administrator", "over WinRM to the guest, the guest account acts"
    assert by_name["fresh-01"].key_last5 == "4GF74"
    assert entries[-1].details["forced"] is True
    assert "credential is invalid" in (by_name["tenant-01"].error or "")
    assert_no_secrets(tmp_path, caplog, *results.values(), denied, *entries)


@pytest.mark.parametrize("transport", ["ntlm", "kerberos"])
def test_enabling_data_exchange_makes_a_guest_activatable(
    start_lab: LabStarter,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    transport: str,
    request: pytest.FixtureRequest,
) -> None:
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-KVP",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [vm("nokvp-01", key="avma", kvp=False), vm("nokvp-02", "2019", "Standard", kvp=False)],
                }
            ]
        }
    )
    lab, overrides = start_lab_for(transport, request, start_lab, fleet)
    inventory = lab_inventory(lab, fleet, **overrides)
    audit = JsonLinesAuditLog(tmp_path / "audit.jsonl")
    before = scan(inventory)
    assert all("kvp_disabled" in findings for _, _, findings in by_vm(before).values())
    refused = plan_push(before, select_vms(before, ["nokvp-01"]))
    assert {r.code for r in refused.items[0].refusals} == {"kvp_disabled"}

    plan = plan_kvp_enable(before)
    assert [item.vm.name for item in plan.items] == ["nokvp-01", "nokvp-02"]
    results = asyncio.run(execute_kvp_enable(plan, HostAccess(inventory, env_password), audit))
    assert [(r.status, r.enabled_before, r.enabled_after) for r in results] == [
        (ResultStatus.SUCCEEDED, False, True),
        (ResultStatus.SUCCEEDED, False, True),
    ]
    assert results[0].summary == "disabled -> enabled (OK)"

    middle = scan(inventory)
    assert not any("kvp_disabled" in findings for _, _, findings in by_vm(middle).values())
    again = asyncio.run(
        execute_kvp_enable(
            plan_kvp_enable(middle, select_vms(middle, ["nokvp-01"])), HostAccess(inventory, env_password), audit
        )
    )
    assert again[0].status is ResultStatus.UNCHANGED

    pushed = push(plan_push(middle, select_vms(middle, ["nokvp-01", "nokvp-02"])), inventory, audit)
    assert all(result.status is ResultStatus.SUCCEEDED for result in pushed.values())
    final = by_vm(scan(inventory))
    assert final["nokvp-01"][:2] == final["nokvp-02"][:2] == ("avma_activated", "guest")
    # Recorded as each VM finishes: VMs run concurrently, so the order within one run may vary.
    assert sorted((e.action, e.target_vm or "", e.result) for e in audit.entries()) == [
        ("enable_kvp", "nokvp-01", "succeeded"),
        ("enable_kvp", "nokvp-01", "unchanged"),
        ("enable_kvp", "nokvp-02", "succeeded"),
        ("push_key", "nokvp-01", "succeeded"),
        ("push_key", "nokvp-02", "succeeded"),
    ]
    assert_no_secrets(tmp_path, caplog, *results, *pushed.values())


def test_kvp_cleanup_after_a_key_change_removes_items_one_by_one(
    start_lab: LabStarter, start_guests: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-CLEAN",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [
                        vm(
                            "switched-01",
                            key="retail",
                            kvp_items={"AVMA-HostName": "HV-CLEAN", "Tenant-App": "keep"},
                            host_kvp_items={"AutomaticVMActivationHost": "HV-CLEAN", "Backup-Tag": "keep"},
                        ),
                        vm(
                            "old-switched",
                            "2012R2",
                            "Standard",
                            key="retail",
                            address="198.51.100.40",
                            kvp_items={"AVMA-Old": "1"},
                        ),
                        vm("avma-01", key="avma"),
                    ],
                }
            ]
        }
    )
    lab = start_lab(fleet)
    addresses = start_guests(fleet)
    inventory = lab_inventory(lab, fleet)
    audit = JsonLinesAuditLog(tmp_path / "audit.jsonl")
    before = scan(inventory)
    stale = {name for name, (_, _, findings) in by_vm(before).items() if "kvp_stale_after_key_change" in findings}
    # Without PowerShell Direct nobody reads a 2012 R2 guest's key, so no finding for it: the operator names it.
    assert stale == {"switched-01"}

    plan = plan_kvp_cleanup(before, select_vms(before, ["switched-01", "old-switched"]), guest_addresses=addresses)
    results = asyncio.run(
        execute_kvp_cleanup(plan, HostAccess(inventory, env_password), GuestCredentials(default=RIGHT), audit)
    )
    outcome = {r.vm: r for r in results}
    assert outcome["switched-01"].status is ResultStatus.SUCCEEDED
    assert sorted((i.name, i.source, i.removed) for i in outcome["switched-01"].items) == [
        ("AVMA-HostName", "guest", True),
        ("AutomaticVMActivationHost", "host", True),
    ]
    assert [(i.name, i.source) for i in outcome["old-switched"].items] == [("AVMA-Old", "guest")]
    after = by_vm(scan(inventory))
    assert "kvp_stale_after_key_change" not in after["switched-01"][2]
    switched, old_switched = (v for v in fleet.hosts[0].vms if v.name in ("switched-01", "old-switched"))
    assert switched.kvp_items == {"Tenant-App": "keep"} and switched.host_kvp_items == {"Backup-Tag": "keep"}
    assert old_switched.kvp_items == {}, "deleted inside the 2012 R2 guest over its own WinRM listener"
    recorded = {e.target_vm: e for e in audit.entries()}
    assert recorded["switched-01"].details["removed"] == ["host:AutomaticVMActivationHost", "guest:AVMA-HostName"]

    refused = plan_kvp_cleanup(scan(inventory), select_vms(before, ["avma-01"]))
    (still_avma,) = asyncio.run(
        execute_kvp_cleanup(refused, HostAccess(inventory, env_password), GuestCredentials(default=RIGHT), audit)
    )
    assert still_avma.status is ResultStatus.REFUSED
    assert audit.entries()[-1].result == "refused"
    assert_no_secrets(tmp_path, caplog, *results)


def test_a_push_at_midnight_of_new_year_is_stamped_by_one_clock(start_lab: LabStarter, tmp_path: Path) -> None:
    """The audit entry and the events the push causes on the guest and the host carry the same clock's time."""
    clock = FixedClock(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC))
    fleet = fleet_of(
        {"hosts": [{"name": "HV-Y", "version": "2022", "edition": "Datacenter", "vms": [vm("new-year")]}]}, clock
    )
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    audit = JsonLinesAuditLog(tmp_path / "audit.jsonl", clock=clock)
    before = scan(inventory)
    clock.advance(seconds=2)
    (result,) = push(plan_push(before, select_vms(before, ["new-year"])), inventory, audit).values()
    assert result.status is ResultStatus.SUCCEEDED
    assert [entry.at for entry in audit.entries()] == [datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC)]
    assert {event.event_id for event in result.events} == {12309, 12310}
    assert {event.time_created for event in result.events} == {datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC)}


def test_a_kms_key_switches_a_guest_away_from_avma(
    start_lab: LabStarter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fleet = fleet_of(
        {"hosts": [{"name": "HV-K", "version": "2022", "edition": "Datacenter", "vms": [vm("to-kms", key="avma")]}]}
    )
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    audit = JsonLinesAuditLog(tmp_path / "audit.jsonl")
    before = scan(inventory)
    gvlk = GVLKS[(before.all_vms()[0].guest.version, before.all_vms()[0].guest.edition)]  # type: ignore[index]
    plan = plan_push(before, select_vms(before, ["to-kms"]), key=gvlk)
    assert plan.items[0].key_shown == "XXXXX-XXXXX-XXXXX-XXXXX-VMK7H"
    (result,) = push(plan, inventory, audit).values()
    assert result.status is ResultStatus.SUCCEEDED and not result.events, "no AVMA attempt for a KMS key"
    assert result.after is not None and result.after.channel.value == "kms"
    state, _, findings = by_vm(scan(inventory))["to-kms"]
    assert state == "activated_other"
    # The lab's AVMA leaves no KVP items behind (which items real AVMA writes is unconfirmed), so nothing is stale.
    assert "kvp_stale_after_key_change" not in findings
    assert audit.entries()[0].key_last5 == "VMK7H"
    assert gvlk not in (tmp_path / "audit.jsonl").read_text(encoding="utf-8"), "only the last five characters"
    assert_no_secrets(tmp_path, caplog, result)


HOSTILE_NAMES = ['O\'Brien "quoted"', "$(Remove-Item C:\\ -Recurse)", "`whoami` & calc.exe", "a;b|c>d {0} %PATH%"]


def test_hostile_vm_names_pass_through_the_parameter_blob_unchanged(
    start_lab: LabStarter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-NAMES",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [vm(name, kvp=False) for name in HOSTILE_NAMES],
                }
            ]
        }
    )
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    audit = JsonLinesAuditLog(tmp_path / "audit.jsonl")
    before = scan(inventory)
    enabled = asyncio.run(
        execute_kvp_enable(
            plan_kvp_enable(before, select_vms(before, HOSTILE_NAMES)), HostAccess(inventory, env_password), audit
        )
    )
    assert [(r.vm, r.status) for r in enabled] == [(name, ResultStatus.SUCCEEDED) for name in HOSTILE_NAMES]
    middle = scan(inventory)
    results = push(plan_push(middle, select_vms(middle, HOSTILE_NAMES)), inventory, audit)
    assert list(results) == HOSTILE_NAMES
    assert all(r.status is ResultStatus.SUCCEEDED for r in results.values())
    assert all(state == "avma_activated" for state, _, _ in by_vm(scan(inventory)).values())
    assert sorted(e.target_vm or "" for e in audit.entries()) == sorted(HOSTILE_NAMES * 2)
    assert_no_secrets(tmp_path, caplog, *results.values())


# ---------------------------------------------------------------------------------------------------------
# The command line


def run_cli(tmp_path: Path, *arguments: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AVMA_LAB")}
    environment.update(
        {
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "AVMA_LAB_GUEST_PASSWORD": GUEST_PASSWORD,
            "AVMA_LAB_PASSWORD": LAB_PASSWORD,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "avma_console", *arguments],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=environment,
        input=stdin,
        check=False,
    )


def audit_lines(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "data" / "avma-console" / "audit-demo.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_cli_push_without_yes_prints_the_plan_and_changes_nothing(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "push", "--demo", "--all-eligible")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "crm-01" in result.stderr and "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW" in result.stderr, "AVMA keys shown whole"
    assert "add --yes" in result.stderr
    assert audit_lines(tmp_path) == []


def test_cli_push_with_yes_reports_every_vm_and_exits_by_the_worst(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, "push", "--demo", "--vm", "crm-01", "--vm", "ts-01", "--vm", "app-2025", "--yes", "--format", "json"
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    statuses = {r["vm"]: r["status"] for r in document["results"]}
    assert statuses == {"crm-01": "succeeded", "ts-01": "succeeded", "app-2025": "refused"}
    ts = next(r for r in document["results"] if r["vm"] == "ts-01")
    assert ts["path"] == "guest_winrm", "the demo's 2012 R2 guest is reached at its own listener"
    assert [line["target_vm"] for line in audit_lines(tmp_path)].count("app-2025") == 1
    ok = run_cli(tmp_path, "push", "--demo", "--vm", "crm-01", "--yes")
    assert ok.returncode == 0, ok.stderr
    assert "avma_activated" in ok.stdout
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert GUEST_PASSWORD.encode() not in path.read_bytes() and LAB_PASSWORD.encode() not in path.read_bytes()


def test_cli_rejects_a_mistyped_key_before_touching_anything(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "push", "--demo", "--all-eligible", "--key", "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMB", "--yes")
    assert result.returncode == 2
    assert "checksum" in result.stderr and "--key" in result.stderr
    assert audit_lines(tmp_path) == []


def test_cli_kvp_enable_and_unattend(tmp_path: Path) -> None:
    enable = run_cli(tmp_path, "kvp", "enable", "--demo", "--all-disabled", "--yes", "--format", "json")
    assert enable.returncode == 0, enable.stderr
    assert [(r["vm"], r["status"]) for r in json.loads(enable.stdout)["results"]] == [("dc-01", "succeeded")]
    output = tmp_path / "unattend.xml"
    unattend = run_cli(tmp_path, "unattend", "--version", "2022", "--edition", "Datacenter", "--output", str(output))
    assert unattend.returncode == 0, unattend.stderr
    root = ElementTree.fromstring(output.read_bytes())  # noqa: S314 - our own output
    assert root.findtext(".//{urn:schemas-microsoft-com:unattend}ProductKey") == "W3GNR-8DDXR-2TFRP-H8P33-DV9BG"
    bad = run_cli(tmp_path, "unattend", "--version", "2019", "--edition", "DatacenterAzure")
    assert bad.returncode == 2 and "no key" in bad.stderr


def test_when_the_audit_log_fails_no_further_change_is_made(start_lab: LabStarter, tmp_path: Path) -> None:
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-AUDIT",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [vm(f"vm-{index}", "2019", "Standard") for index in range(3)],
                }
            ]
        }
    )
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    path = tmp_path / "audit.jsonl"
    audit = JsonLinesAuditLog(path)
    path.unlink()
    path.mkdir()  # appends now fail, even for root
    snapshot = scan(inventory)
    plan = plan_push(snapshot, select_vms(snapshot, ["vm-0", "vm-1", "vm-2"]))
    results = asyncio.run(
        execute_push(plan, HostAccess(inventory, env_password), GuestCredentials(default=RIGHT), audit, concurrency=1)
    )
    first, *rest = results
    assert first.status is ResultStatus.SUCCEEDED and first.audit_error and not first.ok
    assert "no further changes were made" in first.audit_error
    assert [r.status for r in rest] == [ResultStatus.CANCELLED, ResultStatus.CANCELLED]
    states = by_vm(scan(inventory))
    assert [states[name][0] for name in ("vm-1", "vm-2")] == ["unknown", "unknown"], "untouched"


def test_a_cancelled_run_attempts_nothing_and_records_nothing(start_lab: LabStarter, tmp_path: Path) -> None:
    fleet = fleet_of(
        {"hosts": [{"name": "HV-C", "version": "2022", "edition": "Datacenter", "vms": [vm("c-1"), vm("c-2")]}]}
    )
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    audit = JsonLinesAuditLog(tmp_path / "audit.jsonl")
    snapshot = scan(inventory)
    stop = threading.Event()
    stop.set()
    results = asyncio.run(
        execute_push(
            plan_push(snapshot, select_vms(snapshot, ["c-1", "c-2"])),
            HostAccess(inventory, env_password),
            GuestCredentials(default=RIGHT),
            audit,
            cancelled=stop,
        )
    )
    assert [r.status for r in results] == [ResultStatus.CANCELLED, ResultStatus.CANCELLED]
    assert audit.entries() == []
