"""The real console window against the real lab (WinRM on loopback): scan, filter, details, cancel, dialog."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from qt_helpers import GUEST_PASSWORD, LabStarter, demo_fleet, fleet_of, lab_inventory, make_host

from avma_console.domain.inventory import ConnectionSettings, Inventory, InventoryEntry
from avma_console.domain.states import ActivationState
from avma_console.qt.app import install_excepthook
from avma_console.qt.context import AppContext
from avma_console.qt.details import DetailView, Selection, describe
from avma_console.qt.fleet_cells import Column
from avma_console.qt.fleet_tree import VmNode
from avma_console.qt.scan_controller import ScanSummary
from avma_console.qt.widgets.main_window import MainWindow

SCAN_TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot: Any) -> Iterator[MainWindow]:
    context = AppContext()
    main = MainWindow(context)
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


def guest_credential() -> dict[str, str]:
    return {"username": "Administrator", "password": GUEST_PASSWORD}


def scan(qtbot: Any, window: MainWindow, inventory: Inventory) -> ScanSummary:
    window.session.set_inventory(inventory, None)
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS) as blocker:
        assert window.start_scan()
    summary = blocker.args[0]
    assert isinstance(summary, ScanSummary)
    return summary


def visible_tree(window: MainWindow) -> dict[str, dict[str, list[str]]]:
    proxy = window.proxy
    result: dict[str, dict[str, list[str]]] = {}
    for group_row in range(proxy.rowCount()):
        group = proxy.index(group_row, 0)
        hosts: dict[str, list[str]] = {}
        for host_row in range(proxy.rowCount(group)):
            host = proxy.index(host_row, 0, group)
            hosts[host.data()] = [proxy.index(r, 0, host).data() for r in range(proxy.rowCount(host))]
        result[group.data()] = hosts
    return result


def select_and_load(qtbot: Any, window: MainWindow, node: object) -> DetailView:
    with qtbot.waitSignal(window.details.loaded, timeout=5000) as blocker:
        assert window.select_node(node)  # type: ignore[arg-type]
    view = blocker.args[0]
    assert isinstance(view, DetailView)
    return view


def test_scan_the_demo_fleet_filter_select_and_read_the_details(
    qtbot: Any, qtmodeltester: Any, window: MainWindow, start_lab: LabStarter
) -> None:
    qtmodeltester.check(window.proxy, force_py=True)  # watches every incremental change of the real scan
    fleet = demo_fleet()
    lab = start_lab(fleet)
    window.context.guest_credential = guest_credential()
    summary = scan(qtbot, window, lab_inventory(lab, fleet))

    assert (summary.hosts, summary.vms, summary.unreachable, summary.cancelled) == (6, 19, 1, False)
    assert window.model.vm_count == 19
    tree = visible_tree(window)
    assert set(tree) == {"CL-FRA", "Standalone hosts"}
    assert set(tree["CL-FRA"]) == {"HV-FRA-01", "HV-FRA-02", "HV-FRA-03"}
    assert "app-2025" in tree["CL-FRA"]["HV-FRA-01"]

    # The failing host is listed with its reason (no modal popup), and its row explains it.
    errors = window.error_hosts()
    assert [host for host, _, _ in errors] == ["HV-BER-09"]
    assert "refused" in errors[0][1]
    assert "WinRM" in errors[0][2]
    down = window.model.host_node("HV-BER-09")
    assert down is not None
    assert "refused" in window.model.index_of(down).data(Qt.ItemDataRole.ToolTipRole)
    view = select_and_load(qtbot, window, down)
    assert view.state is ActivationState.UNREACHABLE
    assert "refused" in window.detail_pane.facts_text()

    # Filter: Ctrl+F focuses the box; typing keeps the matching VM with its parents.
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus()
    qtbot.keyClicks(window.filter_edit, "app-20")
    assert visible_tree(window) == {"CL-FRA": {"HV-FRA-01": ["app-2025"]}}
    window.filter_edit.clear()
    window.state_filter.problems_only.setChecked(True)
    problems = visible_tree(window)
    assert "web-01" not in problems["CL-FRA"]["HV-FRA-01"]
    assert "HV-BER-09" in problems["Standalone hosts"]
    window.state_filter.problems_only.setChecked(False)

    # Select a VM with findings: the detail pane shows them with their remediation.
    app_vm = window.model.tree.find_vm("app-2025")
    assert app_vm is not None
    view = select_and_load(qtbot, window, app_vm)
    assert view.title == "app-2025"
    text = window.detail_pane.findings_text()
    assert "newer than its host HV-FRA-01" in text
    assert "Move app-2025 to an activated Datacenter host running Windows Server 2025" in text
    assert window.detail_pane.copy_key_button.isEnabled()
    assert window.matrix_model.highlight is not None
    assert window.matrix_model.cell_kind(*window.matrix_model.highlight) == "conflict"
    window.detail_pane.copy_key_button.click()
    assert QApplication.clipboard().text() == "WWVGQ-PNHV9-B89P4-8GGM9-9HPQ4"
    assert window.detail_pane.push_button.isEnabled(), "opens the confirmation (tests/qt/test_operations_gui.py)"

    # Rescan one host from the detail pane: the fleet stays, the host is replaced, findings are kept.
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS):
        window.detail_pane.rescan_button.click()
    app_vm = window.model.tree.find_vm("app-2025")
    assert app_vm is not None
    assert {f.code.value for f in app_vm.record.findings} == {"guest_newer_than_host", "cluster_node_cannot_activate"}
    assert window.model.vm_count == 19
    assert not window.scans.running


def test_export_writes_csv_and_json(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    window.model.upsert_hosts([make_host("HV-1", None, (("=cmd", ActivationState.GRACE),))])
    for fmt in ("csv", "json"):
        path = tmp_path / f"fleet.{fmt}"
        task = window.context.tasks.spawn(window.session.export(window.model.snapshot(), path, fmt), name="export")
        qtbot.waitUntil(task.done)
        assert task.result() is True
    assert "'=cmd" in (tmp_path / "fleet.csv").read_text(encoding="utf-8")
    assert '"name": "HV-1"' in (tmp_path / "fleet.json").read_text(encoding="utf-8")


def test_cancel_stops_a_running_scan(qtbot: Any, window: MainWindow, start_lab: LabStarter) -> None:
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": f"HV-{index:02}",
                    "version": "2022",
                    "edition": "Datacenter",
                    "activated": True,
                    "hyperv": True,
                    "latency_ms": 40,
                    "vms": [
                        {"name": f"vm-{index}", "guest_version": "2022", "guest_edition": "Standard", "key": "avma"}
                    ],
                }
                for index in range(24)
            ]
        }
    )
    lab = start_lab(fleet)
    window.context.settings.set_value("scan/concurrency", 2)
    window.session.set_inventory(lab_inventory(lab, fleet), None)
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS) as finished:
        assert window.start_scan()
        assert window.cancel_action.isEnabled()
        qtbot.waitUntil(lambda: window.progress.isVisible() and window.progress.value() >= 1, timeout=SCAN_TIMEOUT_MS)
        assert "/24 hosts" in window.progress.text()
        qtbot.keyClick(window.tree, Qt.Key.Key_Escape)  # Esc cancels
    summary = finished.args[0]
    assert summary.cancelled
    assert 1 <= summary.hosts < 24
    assert window.model.host_count == summary.hosts
    assert window.error_hosts() == []  # cancelled hosts are not errors
    assert "cancelled" in window.status_label.text()
    assert not window.progress.isVisible()
    assert window.scan_action.isEnabled()


def test_markup_in_names_is_shown_literally(qtbot: Any, window: MainWindow, start_lab: LabStarter) -> None:
    bold = "<b>bold</b>"
    fleet = fleet_of(
        {
            "hosts": [
                {
                    "name": "HV-01",
                    "version": "2022",
                    "edition": "Datacenter",
                    "activated": True,
                    "hyperv": True,
                    "vms": [{"name": bold, "guest_version": "2025", "guest_edition": "Standard", "key": "avma"}],
                }
            ]
        }
    )
    lab = start_lab(fleet)
    scan(qtbot, window, lab_inventory(lab, fleet))
    node = window.model.tree.find_vm(bold)
    assert node is not None
    assert window.model.index_of(node).data() == bold
    select_and_load(qtbot, window, node)
    assert window.detail_pane.title_text() == bold
    labels = [label for label in window.detail_pane.findChildren(QLabel) if bold in label.text()]
    assert len(labels) >= 2  # the title and the finding that names the VM
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    assert any(label.text().startswith(bold + " runs Windows Server 2025") for label in labels)


def test_the_latest_selection_wins(qtbot: Any, window: MainWindow) -> None:
    window.model.upsert_hosts(
        [make_host("HV-1", None, (("first", ActivationState.GRACE), ("second", ActivationState.UNLICENSED)))]
    )
    host = window.model.host_node("HV-1")
    assert host is not None
    first, second = (next(vm for vm in host.children if vm.record.name == name) for name in ("first", "second"))
    gate = asyncio.Event()
    described: list[str] = []

    async def slow_for_first(selection: Selection) -> DetailView:
        if selection.name == "first":
            await asyncio.shield(gate.wait())  # work that cannot be interrupted, like a thread
        described.append(selection.name)
        return describe(selection)

    window.details.set_describer(slow_for_first)
    loaded: list[str] = []
    window.details.loaded.connect(lambda view: loaded.append(view.title))
    window.select_node(first)
    with qtbot.waitSignal(window.details.loaded, timeout=5000):
        window.select_node(second)
    gate.set()
    qtbot.waitUntil(lambda: not window.details.busy)
    qtbot.wait(50)
    assert loaded == ["second"]
    assert window.detail_pane.title_text() == "second"


def test_add_a_connection_in_the_dialog_and_test_it(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, tmp_path: Path
) -> None:
    fleet = demo_fleet()
    lab = start_lab(fleet)
    endpoints = {endpoint.host_name: endpoint for endpoint in lab.endpoints}
    dialog = window.open_connections()
    qtbot.addWidget(dialog)

    def fill(name: str, port: int) -> None:
        dialog.add_entry("host")
        dialog.name.setText(name)
        dialog.address.setText("127.0.0.1")
        dialog.transport.setCurrentIndex(dialog.transport.findData("ntlm"))
        dialog.scheme.setCurrentIndex(dialog.scheme.findData("http"))
        dialog.port.setValue(port)
        dialog.username.setText(fleet.credentials.username)
        dialog.credential.setCurrentIndex(dialog.credential.findData("env"))
        dialog.env_var.setText("AVMA_LAB_PASSWORD")

    fill("HV-FRA-01", endpoints["HV-FRA-01"].port)
    assert dialog.error_label.text() == ""
    with qtbot.waitSignal(dialog.tested, timeout=SCAN_TIMEOUT_MS) as tested:
        dialog.test_button.click()
    ok, message = tested.args
    assert ok, message
    assert "OK" in message and "Windows Server 2022" in message and "Datacenter" in message

    fill("HV-BER-09", endpoints["HV-BER-09"].port)  # the lab refuses this one
    with qtbot.waitSignal(dialog.tested, timeout=SCAN_TIMEOUT_MS) as tested:
        dialog.test_button.click()
    ok, message = tested.args
    assert not ok
    assert "refused" in message and "What to do" in message

    # http with basic auth needs allow_insecure: the form says so, and the warning shows once ticked.
    dialog.transport.setCurrentIndex(dialog.transport.findData("basic"))
    assert "allow_insecure" in dialog.error_label.text()
    dialog.allow_insecure.setChecked(True)
    assert dialog.insecure_warning.isVisibleTo(dialog)
    assert dialog.error_label.text() == ""

    exported = tmp_path / "inventory.toml"
    task = window.context.tasks.spawn(dialog.export_to(exported), name="export")
    qtbot.waitUntil(task.done)
    assert task.result() is True
    assert "HV-FRA-01" in exported.read_text(encoding="utf-8")

    with qtbot.waitSignal(dialog.inventory_accepted):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    inventory = window.context.inventory
    assert inventory is not None
    assert [entry.name for entry in inventory.entries] == ["HV-FRA-01", "HV-BER-09"]
    assert window.banner.isVisible()  # HV-BER-09 now allows insecure connections
    assert "HV-BER-09" in window.banner_text.text()


def test_settings_and_window_layout_are_persisted(qtbot: Any, tmp_path: Path, isolated_settings: Path) -> None:
    inventory_file = tmp_path / "fleet.toml"
    inventory_file.write_text('[[hosts]]\nname = "hv-01"\n', encoding="utf-8")
    first = MainWindow(AppContext())
    qtbot.addWidget(first)
    first.show()
    task = first.context.tasks.spawn(first.open_inventory(inventory_file, scan=False), name="open")
    qtbot.waitUntil(task.done)
    assert task.result() is True
    first.errors_dock.hide()
    first.resize(1100, 600)
    # The detail pane wider than by default (which gives it no more than its minimum on a small screen).
    first.splitter.setSizes([300, 800])
    first.close()

    settings = QSettings()
    assert settings.fileName().startswith(str(isolated_settings))
    assert settings.value("inventory/last_path") == str(inventory_file)
    assert settings.value("window/geometry") is not None

    second = MainWindow(AppContext())
    qtbot.addWidget(second)
    second.restore_layout()
    second.show()
    assert second.context.settings.last_inventory == inventory_file
    assert second.width() < 1600  # not the default size (the offscreen screen may clamp the saved one)
    assert not second.errors_dock.isVisible()
    assert second.matrix_dock.isVisible()
    sizes = second.splitter.sizes()
    assert sizes[1] > second.detail_pane.minimumWidth() + 50  # the remembered split, not the default one
    second.close()


def test_insecure_endpoints_show_a_banner(qtbot: Any, window: MainWindow) -> None:
    insecure = ConnectionSettings(transport="basic", scheme="http", allow_insecure=True)
    inventory = Inventory(
        entries=(
            InventoryEntry(kind="host", name="hv-lab", settings=insecure),
            InventoryEntry(kind="host", name="hv-ok"),
        )
    )
    window.session.set_inventory(inventory, None)
    assert window.banner.isVisible()
    assert "hv-lab" in window.banner_text.text() and "hv-ok" not in window.banner_text.text()
    window.session.set_inventory(Inventory(entries=(InventoryEntry(kind="host", name="hv-ok"),)), None)
    assert not window.banner.isVisible()


def test_unexpected_errors_are_shown_not_lost(qtbot: Any, window: MainWindow) -> None:
    restore = install_excepthook(window.context.errors)
    try:
        with qtbot.waitSignal(window.context.errors.reported) as reported:
            try:
                raise RuntimeError("boom")
            except RuntimeError as error:
                import sys

                sys.excepthook(type(error), error, error.__traceback__)
    finally:
        restore()
    assert "boom" in reported.args[0]
    boxes = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert boxes and "boom" in boxes[0].text()
    for box in boxes:
        box.close()


def test_tree_columns_and_shortcuts(window: MainWindow) -> None:
    headers = [window.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(len(Column))]
    assert headers == ["Name", "State", "Guest version", "Host version", "Edition", "Data Exchange", "Last activation"]
    assert window.scan_action.shortcut().toString() == "F5"
    assert window.cancel_action.shortcut().toString() == "Esc"
    assert window.filter_action.shortcut().toString() == "Ctrl+F"
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.push_action.shortcut().toString() == "Ctrl+P"
    assert isinstance(window.model.tree.nodes, dict)
    assert VmNode is not None
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
