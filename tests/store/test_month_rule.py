"""The compliance report's month rule on a real history (SQLite and PostgreSQL): an event counts in the UTC month
of its own time, a VM seen running in the UTC month of the snapshot that saw it (domain/periods.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from history_support import event, host, snapshot, vm

from avma_console.domain.clock import FixedClock
from avma_console.domain.periods import parse_period_bound
from avma_console.domain.states import ActivationState, AvmaOutcome
from avma_console.services.reports import ReportError, ReportKind, build_report, report_csv
from avma_console.store import HistoryStore


def compliance(store: HistoryStore, **period: datetime) -> dict[tuple[str, str], dict[str, str]]:
    text = report_csv(build_report(store, ReportKind.COMPLIANCE, **period))
    return {(row["month"], row["host"]): row for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))}


def record_failed_attempt_then_scan(store: HistoryStore, attempt: datetime, scanned: datetime) -> None:
    """A scan twelve hours before the attempt sees app-01 running (still activated); the attempt fails; the
    next scan sees it not activated."""
    earlier = host("HV-COLD", (vm("app-01", "HV-COLD", ActivationState.AVMA_ACTIVATED),), activated=False)
    store.record_snapshot(snapshot(attempt - timedelta(hours=12), earlier), source="month rule")
    failure = event("HV-COLD", 4100, attempt, "app-01", AvmaOutcome.INVALID_HOST)
    cold = host(
        "HV-COLD",
        (vm("app-01", "HV-COLD", ActivationState.INVALID_HOST, last_event=failure),),
        activated=False,
        events=(failure,),
    )
    store.record_snapshot(snapshot(scanned, cold), source="month rule")


def test_an_event_before_midnight_and_the_scan_after_it_count_in_their_own_months(store: HistoryStore) -> None:
    record_failed_attempt_then_scan(
        store,
        attempt=datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
        scanned=datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC),
    )
    rows = compliance(store)
    assert set(rows) == {("2026-11", "HV-COLD"), ("2026-12", "HV-COLD")}
    november, december = rows["2026-11", "HV-COLD"], rows["2026-12", "HV-COLD"]
    assert (november["failed_events"], november["vms_seen_running"], november["not_activated"]) == ("1", "1", "0")
    assert (december["failed_events"], december["vms_seen_running"], december["not_activated"]) == ("0", "1", "1")
    assert december["not_activated_vms"] == "app-01"
    # Asking for November alone keeps the event and leaves the December sighting out, and the other way round.
    only_november = compliance(
        store, start=parse_period_bound("2026-11", end=False), end=parse_period_bound("2026-11", end=True)
    )
    assert set(only_november) == {("2026-11", "HV-COLD")}
    assert only_november["2026-11", "HV-COLD"]["failed_events"] == "1"
    only_december = compliance(
        store, start=parse_period_bound("2026-12-01", end=False), end=parse_period_bound("2026-12-01", end=True)
    )
    assert set(only_december) == {("2026-12", "HV-COLD")}


def test_a_period_across_the_year_boundary_has_both_years_months(store: HistoryStore) -> None:
    record_failed_attempt_then_scan(
        store,
        attempt=datetime(2026, 12, 31, 23, 50, tzinfo=UTC),
        scanned=datetime(2027, 1, 1, 0, 10, tzinfo=UTC),
    )
    rows = compliance(
        store, start=parse_period_bound("2026-12", end=False), end=parse_period_bound("2027-01", end=True)
    )
    assert set(rows) == {("2026-12", "HV-COLD"), ("2027-01", "HV-COLD")}
    assert rows["2026-12", "HV-COLD"]["failed_events"] == "1"
    assert rows["2027-01", "HV-COLD"]["vms_seen_running"] == "1"
    # An ISO time as --to is exclusive: the scan at 00:10 is outside a period that ends at 00:10.
    cut = compliance(store, end=parse_period_bound("2027-01-01T00:10:00Z", end=True))
    assert set(cut) == {("2026-12", "HV-COLD")}


def test_a_leap_day_is_part_of_its_february(store: HistoryStore) -> None:
    record_failed_attempt_then_scan(
        store,
        attempt=datetime(2028, 2, 29, 23, 40, tzinfo=UTC),
        scanned=datetime(2028, 2, 29, 23, 45, tzinfo=UTC),
    )
    february = compliance(
        store, start=parse_period_bound("2028-02-29", end=False), end=parse_period_bound("2028-02", end=True)
    )
    assert set(february) == {("2028-02", "HV-COLD")}
    assert (february["2028-02", "HV-COLD"]["failed_events"], february["2028-02", "HV-COLD"]["vms_seen_running"]) == (
        "1",
        "1",
    )
    with pytest.raises(ReportError, match=r"no recorded scans in the period \(from 2028-03-01 00:00:00 to the last"):
        compliance(store, start=parse_period_bound("2028-03", end=False))


def test_rows_the_store_writes_itself_take_its_clock(history_url: str) -> None:
    clock = FixedClock(datetime(2027, 1, 1, 0, 10, tzinfo=UTC))
    with HistoryStore.open(history_url, clock=clock) as store:
        record_failed_attempt_then_scan(
            store, attempt=clock.now() - timedelta(minutes=20), scanned=clock.now() - timedelta(minutes=5)
        )
        clock.advance(minutes=1)
        store.record_audit(who="LAB\\operator", action="push_key", result="succeeded", target_vm="app-01")
        assert [info.recorded_at for info in store.snapshots()] == [datetime(2027, 1, 1, 0, 10, tzinfo=UTC)] * 2
        (entry,) = store.audit_entries()
        assert entry.at == datetime(2027, 1, 1, 0, 11, tzinfo=UTC)
        # The report's "generated at" comes from the same clock.
        assert build_report(store, ReportKind.COMPLIANCE).generated_at == clock.now()
