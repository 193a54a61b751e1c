"""Recording snapshots and reading history back: identical behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from history_support import FORMULA, HOSTILE, T0, event, host, snapshot, two_scans, vm, vm_id_of
from sqlalchemy import delete

from avma_console.domain.keys import KeyChannel
from avma_console.domain.states import ActivationState, AvmaOutcome
from avma_console.store import HistoryStore
from avma_console.store import schema as tables


def test_a_fresh_store_is_at_the_current_schema_and_consistent(store: HistoryStore) -> None:
    assert store.schema_version() == 2
    report = store.integrity_check()
    assert report.ok, report.problems
    assert set(report.counts) == set(tables.DATA_TABLES)
    assert store.latest_snapshot() is None
    assert store.watermark("HV-A") is None


def test_snapshot_round_trip_keeps_every_value_exactly(store: HistoryStore) -> None:
    first, _ = two_scans()
    snapshot_id = store.record_snapshot(first, source="inventory.toml")
    (info,) = store.snapshots()
    assert (info.id, info.scanned_at, info.source) == (snapshot_id, T0, "inventory.toml")
    assert (info.host_count, info.reachable_count, info.vm_count, info.event_count) == (3, 2, 5, 3)

    hosts = {state.host: state for state in store.host_states(snapshot_id)}
    assert hosts["HV-A"].version == "2022" and hosts["HV-A"].avma_capable
    assert hosts["HV-B"].activated is False and not hosts["HV-B"].avma_capable
    assert hosts["HV-C"].error == "HV-C refused the connection" and not hosts["HV-C"].reachable

    vms = {state.vm_name: state for state in store.vm_states(snapshot_id)}
    assert set(vms) == {"web-01", HOSTILE, "db-01", "Buchhaltung-Müller", FORMULA}
    hostile = vms[HOSTILE]
    assert (hostile.vm_id, hostile.state, hostile.key_channel, hostile.partial_key) == (
        vm_id_of(HOSTILE),
        "avma_activated",
        "avma",
        "DV9BG",
    )
    assert hostile.last_event_record_id == 4001
    assert hostile.last_event_time == T0 - timedelta(days=1)
    assert hostile.last_event_time.tzinfo is not None, "times come back aware, in UTC"
    assert vms["db-01"].guest_version == "2019"


def test_transitions_name_state_changes_moves_key_changes_arrivals_and_departures(store: HistoryStore) -> None:
    first, second = two_scans()
    store.record_snapshot(first)
    assert store.transitions() == [], "the first snapshot is the baseline, not a wave of arrivals"
    second_id = store.record_snapshot(second)

    found = {transition.vm_name: transition for transition in store.transitions()}
    assert set(found) == {"web-01", HOSTILE, "new-01", "db-01"}, "Müller's VM and the grace VM did not change"
    web = found["web-01"]
    assert (web.from_state, web.to_state, web.from_host, web.to_host) == (
        "avma_activated",
        "invalid_host",
        "HV-A",
        "HV-B",
    )
    assert web.kinds == ("state", "host")
    key = found[HOSTILE]
    assert key.kinds == ("state", "key")
    assert (key.from_key_channel, key.from_partial_key, key.to_key_channel, key.to_partial_key) == (
        "avma",
        "DV9BG",
        "retail",
        "7CFBY",
    )
    assert found["new-01"].appeared and found["new-01"].to_host == "HV-B"
    assert found["db-01"].vanished and found["db-01"].from_host == "HV-A"
    assert all(
        transition.snapshot_id == second_id and transition.at == second.scanned_at for transition in found.values()
    )

    assert [t.vm_name for t in store.transitions(host="HV-B")] == ["web-01", "new-01"]
    assert [t.vm_name for t in store.transitions(to_state="invalid_host")] == ["web-01"]
    assert [t.vm_name for t in store.transitions(vm="web-01")] == ["web-01"]
    assert store.transitions(since=second.scanned_at + timedelta(seconds=1)) == []


def test_an_unreachable_host_says_nothing_about_its_vms(store: HistoryStore) -> None:
    before = snapshot(T0, host("HV-A", (vm("app-01", "HV-A"),)))
    after = snapshot(T0 + timedelta(hours=1), host("HV-A", error="timed out"))
    store.record_snapshot(before)
    store.record_snapshot(after)
    assert store.transitions() == [], "no answer is no evidence that the VM left"


def test_missing_key_evidence_is_not_a_key_change(store: HistoryStore) -> None:
    with_key = snapshot(T0, host("HV-A", (vm("app-01", "HV-A", channel=KeyChannel.AVMA, partial_key="DV9BG"),)))
    without_guest_access = snapshot(T0 + timedelta(hours=1), host("HV-A", (vm("app-01", "HV-A"),)))
    store.record_snapshot(with_key)
    store.record_snapshot(without_guest_access)
    assert store.transitions() == []


def test_a_replica_pair_is_one_vm_judged_by_its_running_copy(store: HistoryStore) -> None:
    primary = vm("erp-01", "HV-A")
    replica = replace(vm("erp-01", "HV-R", ActivationState.UNKNOWN, running=False), vm_id=primary.vm_id)
    store.record_snapshot(snapshot(T0, host("HV-A", (primary,)), host("HV-R", (replica,))))
    store.record_snapshot(snapshot(T0 + timedelta(hours=1), host("HV-R", (replica,)), host("HV-A", (primary,))))
    assert store.transitions() == [], "the idle replica must not flip the VM's state back and forth"
    assert len(store.vm_timeline(primary.vm_id).states) == 4


def test_events_are_stored_once_and_watermarks_follow_the_newest(store: HistoryStore) -> None:
    first, second = two_scans()
    store.record_snapshot(first)
    store.record_snapshot(second)
    store.record_snapshot(second)  # a scheduler that ran twice

    events = store.events()
    assert [(e.host, e.record_id) for e in events] == [
        ("HV-A", 4000),
        ("HV-A", 4001),
        ("HV-A", 4002),
        ("HV-B", 7000),
    ]
    assert [info.event_count for info in store.snapshots()] == [3, 1, 0]
    assert store.watermark("HV-A") == T0 - timedelta(hours=5)
    assert store.watermark("HV-B") == second.scanned_at - timedelta(hours=1)
    assert store.watermarks() == {"HV-A": T0 - timedelta(hours=5), "HV-B": second.scanned_at - timedelta(hours=1)}
    assert store.integrity_check().ok


def test_events_are_tied_to_their_vm_by_the_scan_by_guid_or_by_quoted_name(store: HistoryStore) -> None:
    by_guid = event("HV-A", 1, T0, "app-01")
    by_name = replace(event("HV-A", 2, T0, "app-01"), message="Request from virtual machine 'app-01' processed.")
    nobody = replace(event("HV-A", 3, T0, "app-01"), message="A request from an unknown machine.")
    scanned = replace(event("HV-A", 4, T0, "app-01"), message="Opaque text.")
    app = vm("app-01", "HV-A", last_event=scanned)
    store.record_snapshot(snapshot(T0, host("HV-A", (app,), events=(by_guid, by_name, nobody, scanned))))
    tied = {e.record_id: (e.vm_id, e.vm_name) for e in store.events()}
    assert tied == {
        1: (app.vm_id, "app-01"),
        2: (app.vm_id, "app-01"),
        3: (None, None),
        4: (app.vm_id, "app-01"),
    }
    assert store.latest_vm_events("HV-A")[app.vm_id].record_id == 4


def test_event_filters(store: HistoryStore) -> None:
    first, second = two_scans()
    store.record_snapshot(first)
    store.record_snapshot(second)
    assert [e.record_id for e in store.events(host="HV-B")] == [7000]
    assert [e.record_id for e in store.events(vm="web-01")] == [4000, 7000]
    assert [e.record_id for e in store.events(vm=vm_id_of("web-01").lower())] == [4000, 7000]
    assert [e.record_id for e in store.events(outcome=AvmaOutcome.INVALID_HOST)] == [7000]
    assert [e.record_id for e in store.events(since=T0 - timedelta(days=1), until=T0)] == [4001, 4002]
    assert [e.record_id for e in store.events(newest_first=True, limit=2)] == [7000, 4002]
    assert [e.record_id for e in store.events(event_id=12309)] == []


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("MÜLLER", [4002]),  # non-ASCII case folding inside the database
        ("müller", [4002]),
        ("<B>BOLD</B>", [4001]),
        ("invalid host", [7000]),
        ("HV-b", [7000]),  # the host's name counts too
        ("%", []),  # LIKE wildcards are literal characters
        ("_", []),
    ],
)
def test_event_text_search_is_case_insensitive_and_literal(
    store: HistoryStore, needle: str, expected: list[int]
) -> None:
    first, second = two_scans()
    store.record_snapshot(first)
    store.record_snapshot(second)
    assert [e.record_id for e in store.events(text=needle)] == expected


def test_audit_keeps_only_the_last_five_key_characters_and_no_secrets(store: HistoryStore) -> None:
    entry_id = store.record_audit(
        who="CONTOSO\\svc-avma",
        action="push_key",
        result="succeeded",
        target_host="HV-A",
        target_vm="web-01",
        vm_id=vm_id_of("web-01").lower(),
        key_last5="W3GNR-8DDXR-2TFRP-H8P33-DV9BG",
        details={"guest_account": "Administrator", "guest_password": "hunter2", "nested": [{"Token": "abc"}]},
        at=T0,
    )
    (entry,) = store.audit_entries()
    assert entry.id == entry_id
    assert (entry.who, entry.action, entry.result, entry.key_last5, entry.vm_id) == (
        "CONTOSO\\svc-avma",
        "push_key",
        "succeeded",
        "DV9BG",
        vm_id_of("web-01"),
    )
    assert entry.details == {"guest_account": "Administrator", "guest_password": "***", "nested": [{"Token": "***"}]}
    assert entry.at == T0
    assert store.audit_entries(vm="web-01") == [entry]
    assert store.audit_entries(who="someone else") == []
    assert store.audit_entries(since=T0 + timedelta(seconds=1)) == []


def test_vm_timeline_tells_the_whole_story_of_one_vm(store: HistoryStore) -> None:
    first, second = two_scans()
    store.record_snapshot(first)
    store.record_audit(who="LAB\\op", action="push_key", result="succeeded", vm_id=vm_id_of(HOSTILE), key_last5="7CFBY")
    store.record_snapshot(second)

    web = store.vm_timeline(vm_id_of("web-01"))
    assert web.names == ("web-01",)
    assert [(s.host, s.state) for s in web.states] == [("HV-A", "avma_activated"), ("HV-B", "invalid_host")]
    assert [(span.host, span.snapshots) for span in web.hosts] == [("HV-A", 1), ("HV-B", 1)]
    assert [e.record_id for e in web.events] == [4000, 7000]
    assert web.states[1].findings[0].code == "guest_newer_than_host"

    hostile = store.vm_timeline(vm_id_of(HOSTILE))
    assert len(hostile.key_changes) == 1
    assert [a.action for a in hostile.audit] == ["push_key"]


def test_integrity_check_finds_a_half_written_snapshot(store: HistoryStore) -> None:
    first, _ = two_scans()
    snapshot_id = store.record_snapshot(first)
    with store.engine.begin() as connection:
        connection.execute(delete(tables.vm_states).where(tables.vm_states.c.vm_name == "db-01"))
    problems = store.integrity_check().problems
    assert any(f"snapshot {snapshot_id}: VM states: 5 recorded, 4 stored" in problem for problem in problems), problems
