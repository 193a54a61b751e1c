"""History through the real lab: scans recorded while the fleet changes, then the reports an auditor reads.

The lab changes between scans the way a fleet does: a VM live-migrates to an unactivated node and fails to
activate there, and a guest's AVMA key is replaced by a retail key.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tomli_w
from fleet_support import LabStarter, fleet_of, lab_inventory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from avma_console.cli import main
from avma_console.domain.clock import SYSTEM_CLOCK, Clock, FixedClock
from avma_console.domain.fleet import FleetSnapshot
from avma_console.domain.inventory import Inventory, InventoryEntry
from avma_console.domain.keys import KeyChannel
from avma_console.domain.states import LicenseStatus
from avma_console.lab.fleet import LabFleet, attempt_activation
from avma_console.lab.runner import inventory_data
from avma_console.lab.server_thread import LabServerThread
from avma_console.services.history import HistoryRecorder
from avma_console.services.reports import ReportKind, build_report, report_csv, report_html
from avma_console.services.scan import ScanOptions, scan_inventory
from avma_console.store import HistoryStore

HOSTILE = "<b>bold</b>"
RETAIL_KEY = "YNMGQ-8RYV3-4PGQ3-C8XTP-7CFBY"
POSTGRES_VARIABLE = "AVMA_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "history.sqlite3")
        return
    base = os.environ.get(POSTGRES_VARIABLE)
    if not base:
        pytest.skip(f"{POSTGRES_VARIABLE} is not set (scripts/test.sh starts a PostgreSQL server and sets it)")
    schema = "e2e_" + secrets.token_hex(6)
    admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def small_fleet(clock: Clock = SYSTEM_CLOCK) -> LabFleet:
    return fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-GOOD",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [
                        {"name": "app-01", "guest_version": "2019", "guest_edition": "Standard", "key": "avma"},
                        {"name": HOSTILE, "guest_version": "2022", "guest_edition": "Standard", "key": "avma"},
                        {"name": "steady-01", "guest_version": "2022", "guest_edition": "Datacenter", "key": "avma"},
                    ],
                },
                {"name": "HV-COLD", "version": "2022", "edition": "Datacenter", "activated": False, "vms": []},
            ]
        },
        clock,
    )


def migrate_and_rekey(fleet: LabFleet, attempt_at: datetime | None = None) -> None:
    """app-01 moves to the unactivated node and fails there once its activation has lapsed; the hostile VM
    gets a retail key. The failed attempt happens at `attempt_at`, by default the fleet clock's now."""
    with fleet.lock:
        good, cold = fleet.host("HV-GOOD"), fleet.host("HV-COLD")
        assert good is not None and cold is not None
        app = good.find_vm("app-01")
        assert app is not None and app.last_activation is not None
        good.vms.remove(app)
        cold.vms.append(app)
        when = attempt_at or fleet.clock.now()
        assert when - app.last_activation > timedelta(days=7), "the activation must have lapsed by then"
        assert attempt_activation(cold, app, when) is not None
        bold = good.find_vm(HOSTILE)
        assert bold is not None
        bold.key, bold.key_channel, bold.license_status = RETAIL_KEY, KeyChannel.RETAIL, LicenseStatus.LICENSED
    fleet.changed()


def env_password(entry: InventoryEntry) -> str:
    return os.environ["AVMA_LAB_PASSWORD"]


def scan(
    inventory: Inventory, recorder: HistoryRecorder, guest: dict[str, str] | None, clock: Clock = SYSTEM_CLOCK
) -> FleetSnapshot:
    options = recorder.scan_options(ScanOptions(guest_credential=guest, clock=clock))
    return asyncio.run(scan_inventory(inventory, env_password, options=options))


def guest_of(fleet: LabFleet) -> dict[str, str]:
    assert fleet.guest_credentials is not None
    return {"username": fleet.guest_credentials.username, "password": fleet.guest_credentials.password}


# One clock for the lab, the scans and the history, fixed so that the months in the reports do not depend on
# the day the suite runs. The first scan, the failed attempt eight days later and the scans after it: all in
# one UTC month with the 14 days of simulated history before them, so each host has one compliance row.
SCENARIO_START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def test_two_recorded_scans_of_a_changing_lab(start_lab: LabStarter, history_url: str) -> None:
    clock = FixedClock(SCENARIO_START)
    fleet = small_fleet(clock)
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    guest = guest_of(fleet)
    with HistoryStore.open(history_url, clock=clock) as store:
        recorder = HistoryRecorder(store, source="e2e")
        assert recorder.since_for("HV-GOOD") is None, "an empty history asks hosts for all their events"
        first = scan(inventory, recorder, guest, clock)
        recorder.record(first)
        first_events = {host: len(store.events(host=host, event_id=12310)) for host in ("HV-GOOD", "HV-COLD")}
        assert first_events["HV-GOOD"] > 3 and first_events["HV-COLD"] == 0
        mark = store.watermark("HV-GOOD")
        assert mark is not None

        clock.advance(days=8)
        migrate_and_rekey(fleet)
        clock.advance(minutes=30)
        recorder = HistoryRecorder(store, source="e2e")
        raw = scan(inventory, recorder, guest, clock)
        good = raw.host("HV-GOOD")
        assert good is not None
        # The watermark was honoured: HV-GOOD sent only events at or after it (the boundary one again).
        assert good.events, "the newest event comes back once more"
        assert all(event.time_created >= mark for event in good.events)
        assert len(good.events) < first_events["HV-GOOD"]
        recorded = recorder.record(raw)
        assert recorded.new_events == 1, "the one new 12310 on HV-COLD; HV-GOOD's boundary event is not doubled"
        assert {host: len(store.events(host=host, event_id=12310)) for host in ("HV-GOOD", "HV-COLD")} == {
            "HV-GOOD": first_events["HV-GOOD"],
            "HV-COLD": 1,
        }

        changes = {t.vm_name: t for t in store.transitions()}
        assert set(changes) == {"app-01", HOSTILE}
        moved = changes["app-01"]
        assert (moved.from_host, moved.to_host, moved.from_state, moved.to_state) == (
            "HV-GOOD",
            "HV-COLD",
            "avma_activated",
            "invalid_host",
        )
        assert moved.kinds == ("state", "host")
        rekeyed = changes[HOSTILE]
        assert (rekeyed.from_key_channel, rekeyed.from_partial_key) == ("avma", "78VHK")
        assert (rekeyed.to_key_channel, rekeyed.to_partial_key, rekeyed.to_state) == (
            "retail",
            "7CFBY",
            "activated_other",
        )
        (cold_event,) = store.events(host="HV-COLD", event_id=12310)
        assert (cold_event.vm_name, cold_event.outcome, cold_event.error_code) == ("app-01", "Invalid Host", 0xC004FD02)

        timeline = store.vm_timeline(moved.vm_id)
        assert [span.host for span in timeline.hosts] == ["HV-GOOD", "HV-COLD"]
        assert timeline.events[-1].host == "HV-COLD"

        # Without guest access states rest on host events alone. The recent-events-only answer lacks the
        # hostile VM's last activation (before the watermark); the history supplies it, so the recorded
        # verdicts are exactly those of a full scan.
        clock.advance(minutes=30)
        recorder = HistoryRecorder(store, source="e2e")
        raw = scan(inventory, recorder, None, clock)
        full = asyncio.run(scan_inventory(inventory, env_password, options=ScanOptions(clock=clock)))
        completed = recorder.record(raw).snapshot
        assert verdicts(raw) != verdicts(full)
        assert verdicts(raw)[HOSTILE] == ("unknown", None)
        assert verdicts(completed) == verdicts(full)
        assert store.integrity_check().ok

        inventory_rows = {row["vm"]: row for row in _csv(report_csv(build_report(store, ReportKind.INVENTORY)))}
        assert (inventory_rows["app-01"]["host"], inventory_rows["app-01"]["state"]) == ("HV-COLD", "invalid_host")
        compliance_rows = _csv(report_csv(build_report(store, ReportKind.COMPLIANCE)))
        assert {row["month"] for row in compliance_rows} == {"2026-11"}
        compliance = {row["host"]: row for row in compliance_rows}
        assert (compliance["HV-COLD"]["vms_seen_running"], compliance["HV-COLD"]["not_activated"]) == ("1", "1")
        assert compliance["HV-COLD"]["failed_events"] == "1"
        assert compliance["HV-COLD"]["not_activated_vms"] == "app-01"
        assert compliance["HV-GOOD"]["avma_success_events"] != "0"
        changes_page = report_html(build_report(store, ReportKind.CHANGES))
        assert "&lt;b&gt;bold&lt;/b&gt;" in changes_page and HOSTILE not in changes_page


def verdicts(snapshot: FleetSnapshot) -> dict[str, tuple[str, int | None]]:
    return {vm.name: (vm.state.value, vm.last_event.record_id if vm.last_event else None) for vm in snapshot.all_vms()}


def _csv(text_: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text_.removeprefix("\ufeff"))))


def _write_inventory(lab: LabServerThread, fleet: LabFleet, path: Path) -> Path:
    path.write_text(tomli_w.dumps(inventory_data(lab.endpoints, fleet, lab.ca_file)), encoding="utf-8")
    return path


def test_scheduled_scans_and_reports_from_the_command_line(
    start_lab: LabStarter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command line reads the wall clock. The lab's simulated history ends eight days before it, so app-01's
    # activation has lapsed when it fails on the cold node, now, between the two scheduled scans.
    fleet = small_fleet(FixedClock(SYSTEM_CLOCK.now() - timedelta(days=8)))
    lab = start_lab(fleet)
    inventory = _write_inventory(lab, fleet, tmp_path / "lab.toml")
    history = tmp_path / "history.sqlite3"
    scan_args = ["scan", "--inventory", str(inventory), "--format", "json", "--record", "--history", str(history)]

    assert main(scan_args) == 0
    assert "recorded snapshot 1" in capsys.readouterr().err
    migrate_and_rekey(fleet, attempt_at=SYSTEM_CLOCK.now())
    assert main(scan_args) == 0
    assert "recorded snapshot 2" in capsys.readouterr().err

    csv_path = tmp_path / "changes.csv"
    report = ["report", "--history", str(history), "--kind", "changes"]
    assert main([*report, "--format", "csv", "--output", str(csv_path)]) == 0
    rows = _csv(csv_path.read_text(encoding="utf-8"))
    assert [(row["change"], row["vm"], row["to_host"]) for row in rows] == [("state, host", "app-01", "HV-COLD")]

    # The PDF as a scheduler makes it: a separate process with no display and no Qt application around.
    pdf = tmp_path / "compliance.pdf"
    environment = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "avma_console",
            "report",
            "--history",
            str(history),
            "--kind",
            "compliance",
            "--format",
            "pdf",
            "--output",
            str(pdf),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is not None:
        printed = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
        assert "HV-COLD" in printed.stdout and "app-01" in printed.stdout
