"""The history in the console against the real lab: GUI scans recorded, the event viewer, the VM timeline
(drawn, and checked as a picture), CSV export and the report dialog.

The lab changes between scans the way tests/e2e/test_history.py changes it: a VM live-migrates to an
unactivated node and fails to activate there, and a guest's AVMA key is replaced by a retail key.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QLabel, QMessageBox
from qt_helpers import GUEST_PASSWORD, LabStarter, fleet_of, lab_inventory, make_host, make_vm

from avma_console.domain.fleet import AvmaEvent, FleetSnapshot, GuestLicense
from avma_console.domain.inventory import Inventory
from avma_console.domain.keys import KeyChannel
from avma_console.domain.states import ActivationState, AvmaOutcome, StateTone
from avma_console.lab.fleet import LabFleet, attempt_activation
from avma_console.qt import theme
from avma_console.qt.context import AppContext
from avma_console.qt.history_models import EVENT_ROLE, EventColumn, LogFilter, OutcomeFilter
from avma_console.qt.time_axis import time_ticks
from avma_console.qt.widgets.main_window import MainWindow
from avma_console.qt.widgets.report_dialog import PeriodChoice
from avma_console.qt.widgets.timeline import HEIGHT, TimelineWidget
from avma_console.services.history_access import ConsoleHistory, RecordedScan, StoredEvent
from avma_console.services.report_documents import ReportKind
from avma_console.services.vm_timeline import Lane, TimelineData, TimeRange, build_timeline
from avma_console.store import HistoryStore

SCAN_TIMEOUT_MS = 60_000
HOSTILE = "<b>bold</b>"
RETAIL_KEY = "YNMGQ-8RYV3-4PGQ3-C8XTP-7CFBY"
# Set to a folder to keep the rendered timelines (the pictures are looked at, not only asserted on).
PICTURES = os.environ.get("AVMA_TEST_PICTURES")


@pytest.fixture
def window(qtbot: Any) -> Iterator[MainWindow]:
    main = MainWindow(AppContext())
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


def small_fleet() -> LabFleet:
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
        }
    )


def migrate_and_rekey(fleet: LabFleet) -> None:
    """app-01 moves to the unactivated node and fails there; the hostile VM gets a retail key."""
    with fleet.lock:
        good, cold = fleet.host("HV-GOOD"), fleet.host("HV-COLD")
        assert good is not None and cold is not None
        app = good.find_vm("app-01")
        assert app is not None and app.last_activation is not None
        good.vms.remove(app)
        cold.vms.append(app)
        assert attempt_activation(cold, app, app.last_activation + timedelta(days=8)) is not None
        bold = good.find_vm(HOSTILE)
        assert bold is not None
        bold.key, bold.key_channel = RETAIL_KEY, KeyChannel.RETAIL
    fleet.changed()


def recorded_scan(qtbot: Any, window: MainWindow) -> RecordedScan:
    """Scan and wait until the scan is in the history."""
    with qtbot.waitSignal(window.history.recording.recorded, timeout=SCAN_TIMEOUT_MS) as recorded:
        assert window.start_scan()
    result = recorded.args[0]
    assert isinstance(result, RecordedScan)
    return result


def start(window: MainWindow, lab_fleet: LabFleet, start_lab: LabStarter) -> Inventory:
    lab = start_lab(lab_fleet)
    assert lab_fleet.guest_credentials is not None
    window.context.guest_credential = {"username": "Administrator", "password": GUEST_PASSWORD}
    inventory = lab_inventory(lab, lab_fleet)
    window.session.set_inventory(inventory, None)
    return inventory


def select_vm(qtbot: Any, window: MainWindow, name: str) -> None:
    with qtbot.waitSignal(window.details.loaded, timeout=5000):
        assert window.select_vm(name)


def shown_events(window: MainWindow) -> list[StoredEvent]:
    proxy = window.history.events.proxy
    return [proxy.index(row, 0).data(EVENT_ROLE) for row in range(proxy.rowCount())]


def wait_events_of(qtbot: Any, window: MainWindow, title: str) -> None:
    viewer = window.history.events
    qtbot.waitUntil(
        lambda: title in viewer.scope_label.text() and not viewer.query.busy and viewer.model.rowCount() > 0
    )


def wait_timeline(qtbot: Any, window: MainWindow, vm_id: str) -> TimelineData:
    view = window.history.timeline.view
    qtbot.waitUntil(lambda: view.data is not None and view.data.vm_id == vm_id.upper(), timeout=5000)
    assert view.data is not None
    return view.data


def render(widget: TimelineWidget, path: Path, width: int = 1100) -> QImage:
    widget.resize(width, int(HEIGHT))
    image = widget.grab().toImage()
    assert image.save(str(path))
    if PICTURES:
        image.save(str(Path(PICTURES) / path.name))
    return image


def colors_along(image: QImage, y: int) -> set[str]:
    return {image.pixelColor(x, y).name() for x in range(image.width())}


def state_lane_y(widget: TimelineWidget, image: QImage) -> int:
    rect = widget._lane_rects()["state"]
    return round(rect.center().y() * image.height() / widget.height())


# ---------------------------------------------------------------------------------------------------------


def test_two_recorded_scans_fill_the_event_viewer_and_the_timeline(
    qtbot: Any, qtmodeltester: Any, window: MainWindow, start_lab: LabStarter, tmp_path: Path
) -> None:
    viewer = window.history.events
    qtmodeltester.check(viewer.proxy, force_py=True)  # watches every reset, filter and sort below
    fleet = small_fleet()
    start(window, fleet, start_lab)
    first = recorded_scan(qtbot, window)
    assert first.new_events > 3 and first.transitions == 0
    good = window.model.host_node("HV-GOOD")
    assert good is not None
    all_events = len(good.record.events)

    migrate_and_rekey(fleet)
    second = recorded_scan(qtbot, window)
    assert second.snapshot_id == first.snapshot_id + 1
    # Hosts were asked only for events since their watermark (the boundary event comes once more) ...
    good = window.model.host_node("HV-GOOD")
    assert good is not None
    assert 1 <= len(good.record.events) < all_events
    # ... and only the new one was stored.
    assert second.new_events == 1 and second.transitions == 2
    # A VM whose latest event is older than the watermark shows that event all the same (completed from the
    # history, in the history writer's process).
    bold = window.model.tree.find_vm(HOSTILE)
    assert bold is not None and bold.record.last_event is not None
    assert bold.record.last_event.record_id not in {event.record_id for event in good.record.events}
    app = window.model.tree.find_vm("app-01")
    assert app is not None
    assert (app.parent.record.name, app.record.state) == ("HV-COLD", ActivationState.INVALID_HOST)
    assert window.error_hosts() == []

    # The event viewer follows the selection: app-01's events from both hosts, newest first.
    window.history.show_events()
    select_vm(qtbot, window, "app-01")
    wait_events_of(qtbot, window, "app-01")
    events = shown_events(window)
    assert {event.vm_name for event in events} == {"app-01"}
    assert {event.host for event in events} == {"HV-GOOD", "HV-COLD"}
    assert events[0].host == "HV-COLD" and events[0].outcome == AvmaOutcome.INVALID_HOST.value
    assert [e.time_created for e in events] == sorted((e.time_created for e in events), reverse=True)
    first_row = viewer.proxy.index(0, EventColumn.OUTCOME)
    assert first_row.data() == "Invalid host"
    assert first_row.data(Qt.ItemDataRole.DecorationRole) is not None
    assert first_row.data(Qt.ItemDataRole.ForegroundRole).color() == theme.tone_text_color(StateTone.ERROR)
    assert viewer.proxy.index(0, EventColumn.CODE).data() == "0xC004FD02"

    # The guest's own 12309 of the same attempts sit beside the host's 12310 (the scans had guest credentials).
    assert {event.event_id for event in events} == {12310, 12309}
    viewer.set_log_filter(LogFilter.GUEST)
    guest_side = shown_events(window)
    assert guest_side and {event.event_id for event in guest_side} == {12309}
    assert guest_side[0].outcome == AvmaOutcome.INVALID_HOST.value and guest_side[0].host == "HV-COLD"
    assert viewer.proxy.index(0, EventColumn.LOG).data() == "12309 guest"
    viewer.set_log_filter(LogFilter.HOST)
    host_side = shown_events(window)
    assert {event.event_id for event in host_side} == {12310}
    assert len(host_side) + len(guest_side) == len(events)

    # Filters: outcome, text; sorting by any column (done by the model on cached keys).
    viewer.set_outcome_filter(OutcomeFilter.FAILED)
    assert [event.host for event in shown_events(window)] == ["HV-COLD"]
    viewer.set_outcome_filter(OutcomeFilter.SUCCESS)
    assert len(shown_events(window)) == len(host_side) - 1
    viewer.set_outcome_filter(OutcomeFilter.ALL)
    qtbot.keyClicks(viewer.filter_edit, "hv-cold")
    assert len(shown_events(window)) == 1
    viewer.filter_edit.clear()
    viewer.table.sortByColumn(EventColumn.HOST, Qt.SortOrder.AscendingOrder)
    assert shown_events(window)[0].host == "HV-COLD"
    viewer.table.sortByColumn(EventColumn.TIME, Qt.SortOrder.DescendingOrder)
    assert shown_events(window)[0].host == "HV-COLD"

    # Whole fleet: steady-01's events too.
    viewer.set_log_filter(LogFilter.ALL)
    viewer.whole_fleet.setChecked(True)
    wait_events_of(qtbot, window, "Whole fleet")
    assert {"app-01", "steady-01", HOSTILE} <= {event.vm_name for event in shown_events(window)}
    viewer.whole_fleet.setChecked(False)

    # The timeline: both states as labelled bands, both hosts, the change marked.
    window.history.show_timeline()
    data = wait_timeline(qtbot, window, app.record.vm_id)
    assert [band.state for band in data.bands] == ["avma_activated", "invalid_host"]
    assert [band.host for band in data.hosts] == ["HV-GOOD", "HV-COLD"]
    view = window.history.timeline.view
    assert view.labels() == ["AVMA activated", "Invalid host", "HV-GOOD", "HV-COLD"]
    (change,) = [marker.change for marker in data.markers if marker.lane is Lane.CHANGES]
    assert change is not None and change.kinds == ("state", "host")
    assert window.history.timeline.status_label.text().startswith("app-01: 2 state period(s), 2 host(s)")

    image = render(view, tmp_path / "timeline-lab.png")
    lane = colors_along(image, state_lane_y(view, image))
    dark = theme.palette_is_dark(view.palette())
    assert theme.tone_tint_color(StateTone.GOOD, dark).name() in lane, "the green band is drawn"
    assert theme.tone_tint_color(StateTone.ERROR, dark).name() in lane, "the red band is drawn"
    # The tooltip of the red band says what it is, in words.
    x_red = next(
        x
        for x in range(image.width() - 1, 0, -1)
        if image.pixelColor(x, state_lane_y(view, image)).name() == theme.tone_tint_color(StateTone.ERROR, dark).name()
    )
    tip = view.tooltip_at(QPointF(x_red * view.width() / image.width(), view._lane_rects()["state"].center().y()))
    assert "Invalid host" in tip and "HV-COLD" in tip


def test_a_rescan_without_guest_access_judges_vms_as_a_full_scan_would(
    qtbot: Any, window: MainWindow, start_lab: LabStarter
) -> None:
    """Without guest access states rest on host events, and the second scan gets only the newest ones: the
    history supplies each VM's latest event, so the tree shows the same verdicts, not "unknown"."""
    start(window, small_fleet(), start_lab)
    window.context.guest_credential = None
    recorded_scan(qtbot, window)
    before = {vm.name: vm.state for vm in window.model.snapshot().all_vms()}
    assert before["steady-01"] is ActivationState.AVMA_ACTIVATED
    recorded_scan(qtbot, window)
    after = {vm.name: vm.state for vm in window.model.snapshot().all_vms()}
    assert after == before


def test_markup_in_a_vm_name_shows_literally(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, tmp_path: Path
) -> None:
    fleet = small_fleet()
    start(window, fleet, start_lab)
    recorded_scan(qtbot, window)
    migrate_and_rekey(fleet)
    recorded_scan(qtbot, window)
    window.history.show_events()
    select_vm(qtbot, window, HOSTILE)
    wait_events_of(qtbot, window, HOSTILE)
    viewer = window.history.events
    assert viewer.scope_label.textFormat() == Qt.TextFormat.PlainText
    assert viewer.scope_label.text() == f"AVMA events: VM {HOSTILE} on HV-GOOD"
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in viewer.findChildren(QLabel) if label.text())
    cell = viewer.proxy.index(0, EventColumn.VM)
    assert cell.data() == HOSTILE
    tooltip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;bold&lt;/b&gt;" in tooltip and HOSTILE not in tooltip

    window.history.show_timeline()
    bold = window.model.tree.find_vm(HOSTILE)
    assert bold is not None
    data = wait_timeline(qtbot, window, bold.record.vm_id)
    assert data.name == HOSTILE
    (change,) = [marker.change for marker in data.markers if marker.lane is Lane.CHANGES]
    assert change is not None and change.kinds == ("state", "key")
    view = window.history.timeline.view
    render(view, tmp_path / "timeline-hostile.png")
    assert view.tooltip_at(QPointF(30, 15)).startswith(HOSTILE + "\n")  # the title's tooltip
    assert window.history.timeline.status_label.textFormat() == Qt.TextFormat.PlainText
    assert window.history.timeline.status_label.text().startswith(HOSTILE)


def test_event_export_is_spreadsheet_safe(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://evil.example","x")'
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-1",
                    "version": "2022",
                    "edition": "Datacenter",
                    "vms": [
                        {"name": formula, "guest_version": "2022", "guest_edition": "Standard", "key": "avma"},
                        {"name": "+plus", "guest_version": "2019", "guest_edition": "Standard", "key": "avma"},
                        {"name": "@at", "guest_version": "2016", "guest_edition": "Standard", "key": "avma"},
                    ],
                }
            ]
        }
    )
    start(window, fleet, start_lab)
    recorded_scan(qtbot, window)
    window.history.show_events()
    viewer = window.history.events
    qtbot.waitUntil(lambda: not viewer.query.busy and viewer.model.rowCount() > 0)
    path = tmp_path / "events.csv"
    with qtbot.waitSignal(viewer.exported, timeout=5000) as exported:
        task = viewer.export_csv(path)
    assert exported.args == [str(path), viewer.proxy.rowCount()]
    assert task.result() is True
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == viewer.proxy.rowCount()
    names = {row["vm"] for row in rows}
    assert names == {"'" + formula, "'+plus", "'@at"}
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
    # Host and guest events alike; the guest's come from its own log (scanned with guest credentials).
    assert {(row["event_id"], row["log"]) for row in rows} == {("12310", "host"), ("12309", "guest")}

    # A folder that cannot be written: said in the viewer, no dialog.
    with qtbot.waitSignal(viewer.exported, timeout=2000, raising=False) as blocked:
        task = viewer.export_csv(tmp_path / "missing" / "events.csv")
        qtbot.waitUntil(task.done)
    assert not blocked.signal_triggered and task.result() is False
    assert "Export failed" in viewer.status_label.text()


def test_report_dialog_writes_a_pdf_and_says_what_is_wrong(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, tmp_path: Path
) -> None:
    start(window, small_fleet(), start_lab)
    recorded_scan(qtbot, window)
    dialog = window.history.open_reports()
    assert dialog.isVisible()
    pdf = tmp_path / "compliance.pdf"
    dialog.set_choices(ReportKind.COMPLIANCE, "pdf", pdf, PeriodChoice.EVERYTHING)
    with qtbot.waitSignal(dialog.written, timeout=30_000) as written:
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        assert dialog.progress.isVisible()
    assert written.args[0] == str(pdf) and written.args[1] >= 1
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "Written" in dialog.status_label.text() and dialog.open_button.isVisible()
    assert not dialog.progress.isVisible()

    # Same dialog, other formats.
    html_path = tmp_path / "inventory.html"
    dialog.set_choices(ReportKind.INVENTORY, "html", html_path)
    with qtbot.waitSignal(dialog.written, timeout=30_000):
        dialog.create_report()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html_path.read_text(encoding="utf-8")

    # Nothing recorded last year: the dialog says so (no modal, no file).
    empty = tmp_path / "last-year.csv"
    dialog.set_choices(ReportKind.COMPLIANCE, "csv", empty, PeriodChoice.LAST_YEAR)
    with qtbot.waitSignal(dialog.failed, timeout=30_000) as failed:
        dialog.create_report()
    assert "no recorded scans" in failed.args[0] and not empty.exists()
    assert dialog.status_label.text() == failed.args[0]
    # A folder that does not exist is refused before anything runs.
    dialog.set_choices(ReportKind.CHANGES, "csv", tmp_path / "nowhere" / "x.csv", PeriodChoice.EVERYTHING)
    assert dialog.create_report() is None
    assert "does not exist" in dialog.status_label.text()
    assert [box for box in window.findChildren(QMessageBox) if box.isVisible()] == []
    dialog.close()


def test_a_history_that_cannot_be_written_costs_nothing_but_a_line_in_errors(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, tmp_path: Path
) -> None:
    (tmp_path / "a-folder").mkdir()
    window.history.recording.set_location(str(tmp_path / "a-folder"))  # a folder, not a database file
    start(window, small_fleet(), start_lab)
    with qtbot.waitSignal(window.history.recording.problem, timeout=SCAN_TIMEOUT_MS) as problem:
        assert window.start_scan()
    qtbot.waitUntil(lambda: not window.scans.running)
    assert problem.args[0] == "Scan not recorded in the history"
    assert "is a folder" in problem.args[1]
    assert window.model.vm_count == 3, "the scan is shown as usual"
    assert ("Scan not recorded in the history", problem.args[1], "") in window.error_hosts()
    assert window.errors_dock.isVisible()
    assert [box for box in window.findChildren(QMessageBox) if box.isVisible()] == []
    assert window.context.errors.count == 0


def test_closing_right_after_a_scan_keeps_it_in_the_history(
    qtbot: Any, start_lab: LabStarter, isolated_history: Path
) -> None:
    main = MainWindow(AppContext())
    qtbot.addWidget(main)
    main.show()
    start(main, small_fleet(), start_lab)
    with qtbot.waitSignal(main.scans.finished, timeout=SCAN_TIMEOUT_MS):
        assert main.start_scan()
    main.close()  # at once: the recording may still be running
    with HistoryStore.open(isolated_history, create=False) as store:
        (snapshot,) = store.snapshots()
        assert snapshot.vm_count == 3 and snapshot.source == "console"
        assert store.integrity_check().ok


# ---------------------------------------------------------------------------------------------------------
# The drawing on its own: a month of a VM's life


def month_of_history(path: Path) -> tuple[str, datetime]:
    """Daily scans of one VM for a month: activated, moved to an unactivated node (invalid host), a key
    pushed by an operator, back on a good node, then given a retail key. Returns (vm id, now)."""
    vm_id = "5C1A9E2B-0D4F-4E1A-9B7C-3F2E1D0C9B8A"
    now = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)
    start_day = now - timedelta(days=30, hours=14)
    record_id = 7000
    with HistoryStore.open(path) as store:
        for day in range(31):
            at = start_day + timedelta(days=day, hours=6)
            if day < 11:
                host, state, channel, partial = "HV-FRA-01", ActivationState.AVMA_ACTIVATED, KeyChannel.AVMA, "DPTTC"
            elif day < 15:
                host, state, channel, partial = "HV-FRA-03", ActivationState.INVALID_HOST, KeyChannel.AVMA, "DPTTC"
            elif day < 24:
                host, state, channel, partial = "HV-FRA-02", ActivationState.AVMA_ACTIVATED, KeyChannel.AVMA, "DPTTC"
            else:
                host, state, channel, partial = "HV-FRA-02", ActivationState.ACTIVATED_OTHER, KeyChannel.RETAIL, "7CFBY"
            status = 5 if state is ActivationState.INVALID_HOST else 1
            vm = replace(
                make_vm("sql-prod-01", host, state), vm_id=vm_id, guest_license=GuestLicense(status, channel, partial)
            )
            events = []
            if day in (0, 7, 18) or day in (11, 12, 13, 14):
                outcome = AvmaOutcome.INVALID_HOST if 11 <= day < 15 else AvmaOutcome.SUCCESS
                record_id += 1
                events.append(
                    AvmaEvent(
                        event_id=12310,
                        record_id=record_id,
                        time_created=at - timedelta(hours=2),
                        computer=host,
                        message=f"The AVMA request from 'sql-prod-01' ({vm_id}) was processed. Result: {outcome.value}.",
                        vm_name="sql-prod-01",
                        vm_id=vm_id,
                        outcome=outcome,
                        error_code=0xC004FD02 if outcome is AvmaOutcome.INVALID_HOST else 0,
                    )
                )
            hosts = [
                replace(make_host(name, "CL-FRA"), vms=(vm,), events=tuple(events))
                if name == host
                else make_host(name, "CL-FRA")
                for name in ("HV-FRA-01", "HV-FRA-02", "HV-FRA-03")
            ]
            store.record_snapshot(FleetSnapshot(scanned_at=at, hosts=tuple(hosts)), source="picture")
        store.record_audit(
            who="CONTOSO\\adm-maria",
            action="push_key",
            result="failed",
            target_host="HV-FRA-03",
            target_vm="sql-prod-01",
            vm_id=vm_id,
            key_last5="DPTTC",
            error="host not activated",
            at=start_day + timedelta(days=12, hours=9),
        )
        store.record_audit(
            who="CONTOSO\\adm-maria",
            action="enable_kvp",
            result="unchanged",
            target_host="HV-FRA-02",
            target_vm="sql-prod-01",
            vm_id=vm_id,
            at=start_day + timedelta(days=16, hours=10),
        )
        store.record_audit(
            who="CONTOSO\\adm-jonas",
            action="push_key",
            result="succeeded",
            target_host="HV-FRA-02",
            target_vm="sql-prod-01",
            vm_id=vm_id,
            key_last5="7CFBY",
            at=start_day + timedelta(days=23, hours=15),
        )
    return vm_id, now


def test_the_timeline_drawing_reads_in_light_and_dark(qtbot: Any, tmp_path: Path) -> None:
    vm_id, now = month_of_history(tmp_path / "month.sqlite3")
    history = ConsoleHistory.open(str(tmp_path / "month.sqlite3"))
    try:
        data = build_timeline(history.vm_timeline(vm_id), now=now)
    finally:
        history.close()
    assert [band.state for band in data.bands] == [
        "avma_activated",
        "invalid_host",
        "avma_activated",
        "activated_other",
    ]
    assert [band.host for band in data.hosts] == ["HV-FRA-01", "HV-FRA-03", "HV-FRA-02"]
    lanes = {lane: [m for m in data.markers if m.lane is lane] for lane in Lane}
    assert len(lanes[Lane.EVENTS]) == 7 and len(lanes[Lane.ACTIONS]) == 3
    assert [m.change.kinds for m in lanes[Lane.CHANGES] if m.change] == [
        ("state", "host"),
        ("state", "host"),
        ("state", "key"),
    ]

    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.set_data(data)
    widget.set_time_range(TimeRange.ALL)
    light = render(widget, tmp_path / "timeline.png", 1400)
    y = state_lane_y(widget, light)
    for tone in (StateTone.GOOD, StateTone.ERROR, StateTone.OTHER):
        assert theme.tone_tint_color(tone, False).name() in colors_along(light, y)

    dark_palette = QPalette(widget.palette())
    for role, color in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.AlternateBase, "#262626"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
        (QPalette.ColorRole.PlaceholderText, "#9a9a9a"),
        (QPalette.ColorRole.Mid, "#5a5a5a"),
    ):
        dark_palette.setColor(role, QColor(color))
    widget.setPalette(dark_palette)
    dark = render(widget, tmp_path / "timeline-dark.png", 1400)
    for tone in (StateTone.GOOD, StateTone.ERROR, StateTone.OTHER):
        assert theme.tone_tint_color(tone, True).name() in colors_along(dark, y)
    assert dark.pixelColor(5, 5).name() == "#1e1e1e"

    # Tooltips: the audit marker names the operator; events name their outcome.
    texts = [hit.text for hit in widget._hits]
    assert any("adm-maria" in text and "Key pushed" in text for text in texts)
    assert any("Invalid host" in text and "0xC004FD02" in text for text in texts)


def test_time_ticks_fit_their_span() -> None:
    end = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    for span, pixels in (
        (timedelta(seconds=30), 800),
        (timedelta(hours=5), 800),
        (timedelta(days=30), 900),
        (timedelta(days=800), 900),
    ):
        ticks = time_ticks(end - span, end, pixels)
        assert 3 <= len(ticks) <= pixels // 96 + 1, (span, ticks)
        assert ticks[0].context, "the first tick names its date or year"
        assert all(end - span <= tick.at <= end for tick in ticks)
