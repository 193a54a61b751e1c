"""Host- and tenant-supplied text in exports: CSV cells are never formulas, HTML is always escaped.

A VM name, a guest's OS name and KVP values are chosen by whoever runs the guest. They travel through a
real lab scan into the history, then out as scan CSV, report CSV/HTML and events CSV.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os

from fleet_support import LabStarter, fleet_of, lab_inventory

from avma_console.domain.inventory import InventoryEntry
from avma_console.services.fleet_formats import spreadsheet_safe, to_csv
from avma_console.services.history import HistoryRecorder
from avma_console.services.history_access import events_csv
from avma_console.services.reports import ReportKind, build_report, report_csv, report_html
from avma_console.services.scan import ScanOptions, scan_inventory
from avma_console.store import HistoryStore

FORMULA = '=HYPERLINK("http://x","y")'
BOLD = "<b>bold</b>"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_FLEET = {
    "hosts": [
        {
            "name": "HV1",
            "version": "2022",
            "edition": "Datacenter",
            "vms": [
                {
                    "name": FORMULA,
                    "guest_version": "2022",
                    "guest_edition": "Standard",
                    "key": "avma",
                    "os_name": "@SUM(1+1)*cmd|' /C calc'!A0",
                    "kvp_items": {"Note": FORMULA, "Other": "+1+1"},
                },
                {"name": BOLD, "guest_version": "2019", "guest_edition": "Standard", "key": "avma"},
                {"name": "-2+3", "guest_version": "2016", "guest_edition": "Datacenter", "key": "avma"},
            ],
        }
    ]
}


def _password(entry: InventoryEntry) -> str:
    return os.environ["AVMA_LAB_PASSWORD"]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _assert_inert(text: str, *, expect: str = FORMULA) -> None:
    cells = _cells(text)
    assert "'" + expect in cells, "the hostile value must be exported, as text"
    bad = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert not bad, bad


def test_spreadsheet_safe_neutralises_every_formula_start() -> None:
    for start in FORMULA_STARTS:
        assert spreadsheet_safe(start + "1+1") == "'" + start + "1+1"
    assert spreadsheet_safe("web-01") == "web-01"


def test_hostile_names_are_inert_in_every_csv_and_escaped_in_html(start_lab: LabStarter, tmp_path: object) -> None:
    fleet = fleet_of(HOSTILE_FLEET)
    lab = start_lab(fleet)
    inventory = lab_inventory(lab, fleet)
    with HistoryStore.open(f"{tmp_path}/history.db") as store:
        recorder = HistoryRecorder(store, source="security")
        snapshot = asyncio.run(
            scan_inventory(inventory, _password, options=recorder.scan_options(ScanOptions(max_events=50)))
        )
        assert {vm.name for vm in snapshot.all_vms()} == {FORMULA, BOLD, "-2+3"}
        recorder.record(snapshot)

        _assert_inert(to_csv(snapshot))
        _assert_inert(to_csv(snapshot), expect="-2+3")
        for kind in ReportKind:
            report = build_report(store, kind)
            cells = _cells(report_csv(report))
            assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
            page = report_html(report)
            assert BOLD not in page, "the VM name must be escaped (the report's own <b> totals are fine)"
        inventory_report = build_report(store, ReportKind.INVENTORY)
        _assert_inert(report_csv(inventory_report))
        assert "&lt;b&gt;bold&lt;/b&gt;" in report_html(inventory_report)
        events = store.events()
        assert any(event.vm_name == FORMULA for event in events)
        _assert_inert(events_csv(events))
