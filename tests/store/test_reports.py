"""Reports from a recorded history: the rows they must contain, and CSV/HTML that hostile names cannot break."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from history_support import FORMULA, HOSTILE, T0, host, snapshot, two_scans, vm, vm_id_of

from avma_console.domain.versions import ServerVersion
from avma_console.services.reports import (
    CHANGES_COLUMNS,
    COMPLIANCE_COLUMNS,
    INVENTORY_COLUMNS,
    Report,
    ReportError,
    ReportKind,
    build_report,
    report_csv,
    report_html,
)
from avma_console.store import HistoryStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=T0.tzinfo)


@pytest.fixture
def history(store: HistoryStore) -> HistoryStore:
    first, second = two_scans()
    store.record_snapshot(first, source="fleet.toml")
    store.record_audit(
        who="CONTOSO\\svc-avma",
        action="push_key",
        result="succeeded",
        target_host="HV-A",
        target_vm=HOSTILE,
        vm_id=vm_id_of(HOSTILE),
        key_last5="7CFBY",
        details={"replaced": "avma"},
        at=T0 + timedelta(hours=2),
    )
    store.record_snapshot(second, source="fleet.toml")
    return store


def parse_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_inventory_has_one_row_per_vm_of_the_latest_snapshot(history: HistoryStore) -> None:
    report = build_report(history, ReportKind.INVENTORY, now=NOW)
    rows = parse_csv(report_csv(report))
    assert list(rows[0]) == list(INVENTORY_COLUMNS)
    by_vm = {row["vm"]: row for row in rows}
    assert set(by_vm) == {HOSTILE, "Buchhaltung-Müller", "'" + FORMULA, "web-01", "new-01", ""}
    assert by_vm[HOSTILE]["state"] == "activated_other"
    assert by_vm[HOSTILE]["key_channel"] == "retail"
    assert by_vm[HOSTILE]["partial_key"] == "7CFBY"
    web = by_vm["web-01"]
    assert (web["host"], web["state"], web["host_activated"], web["last_event_record_id"]) == (
        "HV-B",
        "invalid_host",
        "False",
        "7000",
    )
    assert web["finding_codes"] == "guest_newer_than_host"
    assert web["scanned_at_utc"] == "2026-10-31 08:00:00"
    unreachable = by_vm[""]
    assert (unreachable["host"], unreachable["host_error"]) == ("HV-C", "HV-C refused the connection")
    assert by_vm["'" + FORMULA]["vm"].startswith("'="), "a formula-looking name is text in a spreadsheet"

    assert report.matrix is not None
    assert report.matrix.count("2022", "2022") == 5


def test_the_fleet_matrix_marks_guests_their_host_cannot_activate(store: HistoryStore) -> None:
    store.record_snapshot(
        snapshot(
            T0,
            host(
                "HV-22",
                (vm("new", "HV-22", version=ServerVersion.V2025), vm("old", "HV-22", version=ServerVersion.V2016)),
            ),
            host(
                "HV-19",
                (vm("mid", "HV-19", version=ServerVersion.V2019), vm("pc", "HV-19", version=None)),
                version=ServerVersion.V2019,
            ),
        )
    )
    report = build_report(store, ReportKind.INVENTORY, now=NOW)
    matrix = report.matrix
    assert matrix is not None
    assert matrix.host_versions == ("2022", "2019")
    assert matrix.guest_versions == ("2025", "2019", "2016", "?")
    assert (matrix.count("2022", "2025"), matrix.count("2019", "?")) == (1, 1)
    assert matrix.incompatible == {("2022", "2025"), ("2019", "2025")}
    page = report_html(report)
    assert '<td class="num bad">✗ 1</td>' in page, "the 2025 guest on the 2022 host"
    assert '<td class="num na">–</td>' in page, "2019 hosts cannot serve 2025 guests, and none try"


def test_inventory_as_of_an_earlier_date_uses_the_snapshot_then(history: HistoryStore) -> None:
    report = build_report(history, "inventory", end=T0 + timedelta(hours=1), now=NOW)
    assert "db-01" in report.main_table.column("vm")


def test_compliance_counts_per_host_and_month_with_event_evidence(history: HistoryStore) -> None:
    report = build_report(history, ReportKind.COMPLIANCE, now=NOW)
    rows = parse_csv(report_csv(report))
    assert list(rows[0]) == list(COMPLIANCE_COLUMNS)
    cells = {(row["month"], row["host"]): row for row in rows}
    october_a = cells[("2026-10", "HV-A")]
    # T0 (Oct 30): web-01, hostile, db-01, Müller avma; formula grace. Oct 31: the second scan.
    assert october_a["vms_seen_running"] == "5"
    assert october_a["avma_activated"] == "3", "web-01 and db-01 and Müller; hostile ended the month on retail"
    assert october_a["activated_other"] == "1"
    assert october_a["not_activated"] == "1"
    assert october_a["not_activated_vms"] == "'" + FORMULA
    assert (october_a["events_12310"], october_a["avma_success_events"]) == ("3", "3")
    assert (october_a["first_record_id"], october_a["last_record_id"]) == ("4000", "4002")
    october_b = cells[("2026-10", "HV-B")]
    assert (october_b["vms_seen_running"], october_b["not_activated"], october_b["no_evidence"]) == ("2", "1", "1")
    assert (october_b["failed_events"], october_b["first_record_id"]) == ("1", "7000")
    assert october_b["host_avma_capable"] == "False"
    assert cells[("2026-10", "HV-C")]["vms_seen_running"] == "0"

    evidence = report.tables[1]
    muller = next(row for row in evidence.rows if row[2] == "Buchhaltung-Müller")
    assert muller[EVIDENCE_INDEX["avma_success_events"]] == 1
    assert muller[EVIDENCE_INDEX["last_success_record_id"]] == 4002


EVIDENCE_INDEX = {
    name: index
    for index, name in enumerate(
        (
            "month",
            "host",
            "vm",
            "vm_id",
            "state",
            "observations",
            "last_seen_utc",
            "avma_success_events",
            "last_success_record_id",
            "last_success_utc",
        )
    )
}


def test_compliance_for_a_period_without_scans_says_what_to_do(history: HistoryStore) -> None:
    with pytest.raises(ReportError) as caught:
        build_report(history, "compliance", start=NOW, end=NOW + timedelta(days=30))
    assert "no recorded scans in the period" in str(caught.value)
    assert "scan --record" in str(caught.value)


def test_changes_lists_transitions_and_operator_actions_in_time_order(history: HistoryStore) -> None:
    report = build_report(history, ReportKind.CHANGES, now=NOW)
    rows = parse_csv(report_csv(report))
    assert list(rows[0]) == list(CHANGES_COLUMNS)
    # Oldest first; changes found by one snapshot in the order of its hosts and VMs, departures last.
    assert [(row["change"], row["vm"]) for row in rows] == [
        ("audit", HOSTILE),
        ("state, key", HOSTILE),
        ("state, host", "web-01"),
        ("appeared", "new-01"),
        ("vanished", "db-01"),
    ]
    audit = rows[0]
    assert (audit["who"], audit["action"], audit["result"], audit["to_key"]) == (
        "CONTOSO\\svc-avma",
        "push_key",
        "succeeded",
        "…7CFBY",
    )
    key = rows[1]
    assert (key["from_key"], key["to_key"]) == ("avma …DV9BG", "retail …7CFBY")
    in_period = build_report(history, "changes", start=T0 + timedelta(hours=3), end=NOW, now=NOW)
    assert [row[1] for row in in_period.main_table.rows] == ["state, key", "state, host", "appeared", "vanished"]


@pytest.mark.parametrize("kind", list(ReportKind))
def test_html_escapes_every_value(history: HistoryStore, kind: ReportKind) -> None:
    page = report_html(build_report(history, kind, now=NOW))
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<b>bold</b>" not in page
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<table") == page.count("</table>")


def test_an_empty_history_has_no_inventory(store: HistoryStore) -> None:
    with pytest.raises(ReportError, match="has no recorded scans"):
        build_report(store, "inventory")


# -- PDF (Qt) ---------------------------------------------------------------------------------------------


def test_pdf_renders_tables_and_the_matrix(history: HistoryStore, qapp: object, tmp_path: Path) -> None:
    from avma_console.qt.reports_pdf import render_pdf

    report = build_report(history, ReportKind.INVENTORY, now=NOW)
    target = tmp_path / "inventory.pdf"
    pages = render_pdf(report, target)
    assert pages >= 1
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/Title" in data
    _check_pdf_text(target, report)
    _check_pdf_picture(target, tmp_path)


def _check_pdf_text(target: Path, report: Report) -> None:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return  # poppler-utils not installed: the bytes checks above must do
    text = subprocess.run([pdftotext, "-layout", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert report.title in text
    assert HOSTILE in text, "the hostile name is printed literally, not interpreted as markup"
    assert "Buchhaltung-Müller" in text
    assert "Fleet matrix" in text
    assert "page 1 of" in text


def _check_pdf_picture(target: Path, tmp_path: Path) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return
    subprocess.run(
        [pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "1", str(target), str(tmp_path / "page")], check=True
    )
    (picture,) = tmp_path.glob("page*.png")
    assert picture.stat().st_size > 2000, "a page with tables, not a blank one"


def test_a_german_report_speaks_german_while_its_csv_keeps_the_english_keys(history: HistoryStore) -> None:
    from avma_console.qt.i18n import report_translate

    german = build_report(history, ReportKind.COMPLIANCE, now=NOW, translate=report_translate("de"))
    page = report_html(german)
    assert german.title == "AVMA-Lizenzcompliance (SPLA)"
    for words in ("Pro Host und Monat", "<th>Monat</th>", "Alle Zeiten in UTC", "Flottenmatrix", '<html lang="de">'):
        assert words in page
    assert "Per host and month" not in page and "All times are UTC" not in page
    # CSV is a machine format: the same English keys in every language.
    assert (
        report_csv(german).splitlines()[0] == report_csv(build_report(history, "compliance", now=NOW)).splitlines()[0]
    )
    assert report_csv(german).lstrip("\ufeff").startswith("month,host,")
