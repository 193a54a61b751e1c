"""Planning the write actions (pure), the audit log, unattend fragments and the command line's shape."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from avma_console.cli import build_parser
from avma_console.domain.clock import FixedClock
from avma_console.domain.diagnosis import assess_fleet
from avma_console.domain.fleet import FleetSnapshot, GuestLicense, HostRecord, VmRecord
from avma_console.domain.keys import AVMA_KEYS, InvalidProductKeyError, KeyChannel, avma_key_for
from avma_console.domain.states import AvmaOutcome
from avma_console.domain.versions import Edition, OsIdentity, ServerVersion, identify_os
from avma_console.services.audit import (
    AuditEntry,
    AuditLog,
    AuditLogError,
    JsonLinesAuditLog,
    TeeAuditLog,
    scrub_secrets,
)
from avma_console.services.operations import (
    AccessPath,
    GuestAddress,
    OperationError,
    eligible_for_push,
    plan_kvp_cleanup,
    plan_kvp_enable,
    plan_push,
    select_vms,
)
from avma_console.services.unattend import UNATTEND_NAMESPACE, UnattendError, product_key_xml, unattend_product_key_xml

V, E = ServerVersion, Edition
GVLK_2022_STANDARD = "VDYBN-27WPP-V4HQT-9VMD4-VMK7H"  # a public KMS client key: not an AVMA key


def host(name: str, version: str = "2022", edition: str = "Datacenter", *vms: VmRecord, **facts: Any) -> HostRecord:
    caption = f"Microsoft Windows Server {version} {edition}"
    build = ServerVersion(version).build
    facts.setdefault("activated", True)
    facts.setdefault("hyperv", True)
    vms = tuple(VmRecord(**{**vm_fields(vm), "host_name": name}) for vm in vms)
    return HostRecord(name=name, os=identify_os(caption=caption, build=build), vms=vms, **facts)


def vm_fields(vm: VmRecord) -> dict[str, Any]:
    return {slot: getattr(vm, slot) for slot in VmRecord.__slots__}


def guest(
    name: str,
    version: str | None = "2022",
    edition: str | None = "Standard",
    *,
    running: bool = True,
    kvp: bool | None = True,
    license_: GuestLicense | None = None,
    is_server: bool | None = True,
    items: dict[str, str] | None = None,
) -> VmRecord:
    os_identity = OsIdentity(
        ServerVersion(version) if version else None,
        Edition(edition) if edition else None,
        is_server,
        ServerVersion(version).build if version else None,
        caption=None if is_server is not False else "Microsoft Windows 11 Enterprise",
    )
    return VmRecord(
        name=name,
        vm_id=f"00000000-0000-0000-0000-{abs(hash(name)) % 10**12:012d}",
        host_name="",
        running=running,
        power_state="Running" if running else "Off",
        guest=os_identity,
        kvp_enabled=kvp,
        kvp_status="OK" if kvp and running else None,
        kvp_items=items or {},
        guest_license=license_,
    )


def grace() -> GuestLicense:
    return GuestLicense(license_status=2, channel=KeyChannel.AVMA, partial_key="78VHK")


def snapshot(*hosts: HostRecord) -> FleetSnapshot:
    return assess_fleet(FleetSnapshot(scanned_at=datetime(2026, 11, 20, tzinfo=UTC), hosts=hosts))


def item_of(plan: Any, name: str) -> Any:
    return next(item for item in plan.items if item.vm.name == name)


def codes(item: Any) -> set[str]:
    return {refusal.code for refusal in item.refusals}


# ---------------------------------------------------------------------------------------------------------
# push planning


@pytest.fixture
def fleet() -> FleetSnapshot:
    return snapshot(
        host(
            "HV-22",
            "2022",
            "Datacenter",
            guest("fresh", "2019", "Standard"),
            guest("newer", "2025", "Standard"),
            guest("off", running=False),
            guest("nokvp", kvp=False),
            guest("old", "2012R2", "Datacenter"),
            guest("desktop", None, None, is_server=False),
            guest("mystery", None, None, is_server=None),
            guest("fine", license_=GuestLicense(1, KeyChannel.AVMA, "78VHK")),
            guest("kms", license_=GuestLicense(1, KeyChannel.KMS, "VMK7H", "VOLUME_KMSCLIENT channel")),
        ),
        host("HV-STD", "2022", "Standard", guest("on-standard", license_=grace())),
        host("HV-OFF", "2022", "Datacenter", guest("on-unactivated", license_=grace()), activated=False),
        host("HV-12", "2012R2", "Datacenter", guest("on-2012-host", "2012R2", "Standard")),
        HostRecord(name="HV-GONE", error="refused the connection"),
    )


def test_each_guest_gets_the_avma_key_of_its_own_version_and_edition(fleet: FleetSnapshot) -> None:
    plan = plan_push(fleet, select_vms(fleet, ["fresh"]))
    (item,) = plan.items
    assert item.key == avma_key_for(V.V2019, E.STANDARD) == item.key_shown, "AVMA keys are public: shown whole"
    assert item.key_is_avma and item.runnable and item.refusals == ()
    assert item.path is AccessPath.POWERSHELL_DIRECT
    assert item.expected_outcome is AvmaOutcome.SUCCESS
    assert item.key_last5 == "4GF74"


@pytest.mark.parametrize(
    ("name", "code", "overridable"),
    [
        ("newer", "guest_newer_than_host", True),
        ("off", "vm_not_running", True),
        ("nokvp", "kvp_disabled", True),
        ("on-standard", "host_cannot_activate", True),
        ("on-unactivated", "host_cannot_activate", True),
        ("desktop", "desktop_os", False),
        ("mystery", "unknown_guest_os", False),
        ("old", "no_guest_address", False),
        ("on-2012-host", "no_guest_address", False),
    ],
)
def test_push_refuses_where_avma_cannot_work(fleet: FleetSnapshot, name: str, code: str, overridable: bool) -> None:
    item = item_of(plan_push(fleet, select_vms(fleet, [name])), name)
    assert code in codes(item)
    assert not item.runnable
    refusal = next(r for r in item.refusals if r.code == code)
    assert refusal.overridable is overridable
    assert name in refusal.reason or item.host.name in refusal.reason
    forced = item_of(plan_push(fleet, select_vms(fleet, [name]), override=True), name)
    assert forced.runnable is all(r.overridable for r in forced.refusals)
    assert forced.forced


def test_forcing_predicts_what_windows_will_answer(fleet: FleetSnapshot) -> None:
    plan = plan_push(fleet, select_vms(fleet, ["newer", "nokvp", "on-unactivated"]), override=True)
    assert [item.expected_outcome for item in plan.items] == [
        AvmaOutcome.ACTIVATION_DENIED,
        AvmaOutcome.INVALID_HOST,
        AvmaOutcome.INVALID_HOST,
    ]
    assert all(item.runnable for item in plan.items)


def test_2012_r2_guests_go_over_winrm_to_the_address_the_operator_gives(fleet: FleetSnapshot) -> None:
    targets = select_vms(fleet, ["old", "on-2012-host"])
    addresses = {"old": GuestAddress.parse("10.0.0.5"), targets[1][1].vm_id: GuestAddress.parse("10.0.0.6:5986")}
    plan = plan_push(fleet, targets, guest_addresses=addresses)
    assert [(item.path, str(item.guest_address)) for item in plan.items] == [
        (AccessPath.GUEST_WINRM, "10.0.0.5"),
        (AccessPath.GUEST_WINRM, "10.0.0.6:5986"),
    ]
    assert all(item.runnable for item in plan.items)
    fresh = plan_push(fleet, select_vms(fleet, ["fresh"]), guest_addresses={"fresh": GuestAddress("10.0.0.7")})
    assert fresh.items[0].path is AccessPath.POWERSHELL_DIRECT, "PowerShell Direct needs no network path: preferred"


def test_a_typed_key_is_checked_before_anything_else(fleet: FleetSnapshot) -> None:
    key = avma_key_for(V.V2022, E.STANDARD)
    assert key is not None
    with pytest.raises(InvalidProductKeyError, match="checksum"):
        plan_push(fleet, select_vms(fleet, ["fresh"]), key=key[:-1] + ("B" if key[-1] != "B" else "C"))
    plan = plan_push(fleet, select_vms(fleet, ["fresh", "nokvp"]), key=key.lower())
    wrong, right = plan.items
    assert codes(wrong) == {"key_for_other_product"} and "0xC004F069" in wrong.refusals[0].reason
    assert "kvp_disabled" in codes(right)


def test_a_key_of_another_channel_is_masked_and_skips_the_avma_rules(fleet: FleetSnapshot) -> None:
    plan = plan_push(fleet, select_vms(fleet, ["on-standard", "fine"]), key=GVLK_2022_STANDARD)
    for item in plan.items:
        assert item.runnable and not item.key_is_avma
        assert item.key_shown == "XXXXX-XXXXX-XXXXX-XXXXX-VMK7H"
        assert any("leaves AVMA" in note for note in item.notes)


def test_all_eligible_means_helpful_and_unrefused(fleet: FleetSnapshot) -> None:
    eligible = {vm.name for _, vm in eligible_for_push(fleet)}
    assert eligible == {"fresh"}, "fine is activated, kms is licensed elsewhere, the rest are refused"
    assert [item.vm.name for item in plan_push(fleet).items] == ["fresh"]


def test_selecting_vms_names_what_is_wrong(fleet: FleetSnapshot) -> None:
    with pytest.raises(OperationError, match=r"no VM named 'nope'.*HV-GONE"):
        select_vms(fleet, ["nope"])
    twins = snapshot(host("A", "2022", "Datacenter", guest("web")), host("B", "2022", "Datacenter", guest("web")))
    web_ids = [vm.vm_id for h in twins.hosts for vm in h.vms]
    twins = FleetSnapshot(
        twins.scanned_at,
        hosts=tuple(
            HostRecord(h.name, os=h.os, vms=(VmRecord(**{**vm_fields(h.vms[0]), "vm_id": f"{i}" + web_ids[i][1:]}),))
            for i, h in enumerate(twins.hosts)
        ),
    )
    with pytest.raises(OperationError, match="names several VMs"):
        select_vms(twins, ["web"])
    by_id = select_vms(twins, ["{" + twins.hosts[1].vms[0].vm_id.lower() + "}"])
    assert by_id[0][0].name == "B"


@pytest.mark.parametrize(
    ("text", "address", "port"),
    [
        ("10.0.0.5", "10.0.0.5", None),
        ("ts-01.tenant.local:5986", "ts-01.tenant.local", 5986),
        ("[fd00::5]:5985", "fd00::5", 5985),
        ("fd00::5", "fd00::5", None),
    ],
)
def test_guest_addresses_parse(text: str, address: str, port: int | None) -> None:
    parsed = GuestAddress.parse(text)
    assert (parsed.address, parsed.port) == (address, port)


@pytest.mark.parametrize("text", ["evil@10.0.0.1", "http://x", "x:0", "x:abc", "a b", "[fd00::5]x"])
def test_bad_guest_addresses_are_refused(text: str) -> None:
    with pytest.raises(OperationError):
        GuestAddress.parse(text)


# ---------------------------------------------------------------------------------------------------------
# Data Exchange and KVP clean-up planning


def test_data_exchange_plan_targets_disabled_vms(fleet: FleetSnapshot) -> None:
    plan = plan_kvp_enable(fleet)
    assert [item.vm.name for item in plan.items] == ["nokvp"]
    again = plan_kvp_enable(fleet, select_vms(fleet, ["fresh"]))
    assert again.items[0].runnable and "already enabled" in again.items[0].notes[0]


def test_cleanup_plan_targets_stale_kvp_and_spares_avma_guests() -> None:
    retail = GuestLicense(1, KeyChannel.RETAIL, "7CFBY", "RETAIL channel")
    fleet = snapshot(
        host(
            "HV",
            "2022",
            "Datacenter",
            guest("switched", license_=retail, items={"AVMA-HostName": "HV", "Other": "x"}),
            guest("still-avma", license_=grace(), items={"AVMA-HostName": "HV"}),
            guest("old-switched", "2012R2", "Standard", license_=retail, items={"AVMA-x": "1"}),
        )
    )
    plan = plan_kvp_cleanup(fleet)
    assert [item.vm.name for item in plan.items] == ["switched", "old-switched"]
    switched, old = plan.items
    assert switched.known_items == ("AVMA-HostName",) and switched.guest_path is AccessPath.POWERSHELL_DIRECT
    assert old.guest_path is None and "only host-pushed items" in old.notes[0]
    refused = plan_kvp_cleanup(fleet, select_vms(fleet, ["still-avma"])).items[0]
    assert codes(refused) == {"guest_still_avma"} and not refused.runnable


# ---------------------------------------------------------------------------------------------------------
# The audit log


def entry(vm: str, at: datetime, **extra: Any) -> AuditEntry:
    return AuditEntry(
        at=at,
        who="CONTOSO\\svc-avma",
        action="push_key",
        result="succeeded",
        target_host="HV",
        target_vm=vm,
        key_last5="78VHK",
        details={"path": "powershell_direct", **extra},
    )


def test_the_audit_log_appends_durable_json_lines_and_reads_them_back(tmp_path: Path) -> None:
    path = tmp_path / "data" / "audit.jsonl"
    log: AuditLog = JsonLinesAuditLog(path)
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    for index, name in enumerate(["a", 'O\'Brien "x" $(y)', "東京"]):
        log.record(entry(name, start + timedelta(minutes=index)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and all(json.loads(line)["schema"] == 1 for line in lines)
    read = JsonLinesAuditLog(path).entries()
    assert [e.target_vm for e in read] == ["a", 'O\'Brien "x" $(y)', "東京"]
    assert read[0] == entry("a", start)
    assert [e.target_vm for e in log.entries(since=start + timedelta(minutes=1))] == ['O\'Brien "x" $(y)', "東京"]
    assert [e.target_vm for e in log.entries(limit=1)] == ["東京"]


def test_a_damaged_line_is_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = JsonLinesAuditLog(path)
    log.record(entry("a", datetime(2026, 1, 1, tzinfo=UTC)))
    with path.open("a", encoding="utf-8") as file:
        file.write('{"schema": 1, "at": "2026-01-0\n')  # a crash mid-write
    log.record(entry("b", datetime(2026, 1, 2, tzinfo=UTC)))
    assert [e.target_vm for e in log.entries()] == ["a", "b"]
    assert log.skipped_lines == 1


def test_a_line_without_a_time_zone_is_skipped_and_does_not_break_a_period_query(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = JsonLinesAuditLog(path)
    log.record(entry("a", datetime(2026, 12, 1, tzinfo=UTC)))
    edited = json.loads(path.read_text(encoding="utf-8"))
    edited["at"], edited["target_vm"] = "2026-12-01T00:30:00", "hand-edited"  # somebody's local time, no zone
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(edited) + "\n")
    assert [e.target_vm for e in log.entries(since=datetime(2026, 11, 30, tzinfo=UTC))] == ["a"]
    assert log.skipped_lines == 1


def test_audit_entries_take_the_time_of_the_logs_clock(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC))
    log = JsonLinesAuditLog(tmp_path / "audit.jsonl", clock=clock)
    assert log.clock.now() == datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert TeeAuditLog(log, JsonLinesAuditLog(tmp_path / "other.jsonl")).clock is clock


def test_an_unwritable_audit_log_stops_write_actions_up_front(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(AuditLogError, match="write actions are refused"):
        JsonLinesAuditLog(blocker / "audit.jsonl")


def test_secrets_are_scrubbed_from_remote_texts() -> None:
    assert scrub_secrets("bad password Pa55 for Pa55", ["Pa55", None, ""]) == "bad password *** for ***"
    assert scrub_secrets(None, ["x"]) is None


# ---------------------------------------------------------------------------------------------------------
# Unattend


@pytest.mark.parametrize(("version", "edition"), sorted(AVMA_KEYS))
def test_unattend_fragment_is_valid_xml_with_the_avma_key(version: ServerVersion, edition: Edition) -> None:
    document = unattend_product_key_xml(version, edition)
    root = ElementTree.fromstring(document.encode("utf-8"))  # noqa: S314 - our own output
    ns = {"u": UNATTEND_NAMESPACE}
    assert root.tag == f"{{{UNATTEND_NAMESPACE}}}unattend"
    (settings,) = root.findall("u:settings", ns)
    assert settings.get("pass") == "specialize"
    (component,) = settings.findall("u:component", ns)
    assert component.attrib == {
        "name": "Microsoft-Windows-Shell-Setup",
        "processorArchitecture": "amd64",
        "publicKeyToken": "31bf3856ad364e35",
        "language": "neutral",
        "versionScope": "nonSxS",
    }
    key = component.findtext("u:ProductKey", namespaces=ns)
    assert key == AVMA_KEYS[(version, edition)] and len(key) == 29


def test_unattend_refuses_what_has_no_avma_key() -> None:
    with pytest.raises(UnattendError, match="no key for Windows Server 2019 Datacenter: Azure Edition"):
        unattend_product_key_xml(V.V2019, E.DATACENTER_AZURE)
    with pytest.raises(InvalidProductKeyError):
        product_key_xml("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")


# ---------------------------------------------------------------------------------------------------------
# The command line's shape


@pytest.mark.parametrize(
    "arguments",
    [
        ["push", "--demo", "--all-eligible"],
        ["push", "--inventory", "x.toml", "--vm", "a", "--vm", "b", "--key", "K", "--yes", "--force"],
        ["push", "--demo", "--vm", "a", "--guest-credential", "env:X", "--guest-address", "a=10.0.0.1:5985"],
        ["kvp", "enable", "--demo", "--all-disabled", "--format", "json"],
        ["kvp", "cleanup", "--inventory", "x.toml", "--all-stale", "--yes"],
        ["unattend", "--version", "2022", "--edition", "Datacenter", "--output", "u.xml"],
    ],
)
def test_operation_commands_parse(arguments: list[str]) -> None:
    assert callable(build_parser().parse_args(arguments).handler)


@pytest.mark.parametrize(
    "arguments",
    [
        ["push", "--demo"],  # no VMs chosen
        ["push", "--demo", "--inventory", "x", "--all-eligible"],
        ["push", "--demo", "--all-eligible", "--key", "K", "--auto"],
        ["kvp", "enable", "--demo", "--vm", "a", "--all-disabled"],
        ["kvp", "--demo"],
    ],
)
def test_contradictory_options_are_usage_errors(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(arguments)
    assert stopped.value.code == 2


def test_building_the_parser_loads_no_winrm() -> None:
    code = "import sys; from avma_console.cli import build_parser; build_parser(); print('winrm' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ}
    )
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------------------
# The write scripts' house rules beyond tests/test_scripts.py


def test_write_scripts_use_the_documented_calls_and_nothing_that_expands_names() -> None:
    from avma_console.remote.scripts import script_text

    install = script_text("install_key")
    assert "'InstallProductKey'" in install and "'RefreshLicenseStatus'" in install
    assert "Invoke-Command -VMId" in install and "12309" in install and "12310" in install
    enable = script_text("enable_kvp")
    assert "2A34B1C2-FD73-4043-8A5B-DD2159BC743F" in enable and "Key-Value Pair Exchange" not in enable
    cleanup = script_text("remove_kvp_items")
    assert "'RemoveKvpItems'" in cleanup and "Virtual Machine\\Guest" in cleanup
    # Remove-ItemProperty treats a value name as a wildcard; a tenant-chosen name must be taken literally.
    code_lines = [line for line in cleanup.splitlines() if not line.lstrip().startswith("#")]
    assert not any("Remove-ItemProperty" in line for line in code_lines) and ".DeleteValue(" in cleanup
    for text in (install, enable, cleanup):
        assert '-Filter "' not in text, "no WQL built from data"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "goes_ahead"), [("y\n", True), ("yes\n", True), ("\n", False), ("no\n", False)])
def test_the_terminal_confirmation_takes_only_yes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], answer: str, goes_ahead: bool
) -> None:
    from avma_console.services.ops_command import CommandError, _confirm

    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    args = build_parser().parse_args(["push", "--demo", "--all-eligible"])
    if goes_ahead:
        _confirm(args, "Install the keys in 2 VM(s)?", 2)
    else:
        with pytest.raises(CommandError, match="not confirmed") as stopped:
            _confirm(args, "Install the keys in 2 VM(s)?", 2)
        assert stopped.value.code == 1
    assert "Install the keys in 2 VM(s)? [y/N]" in capsys.readouterr().err
