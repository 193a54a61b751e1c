"""Write actions in the console window against the real lab: select VMs, confirm the plan, watch the results.

Every test that changes something checks what the NEXT scan shows (the tree after the automatic rescan of
the touched hosts), what the audit log recorded, and that no password reached any file under tmp_path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.errors
import pytest
from fleet_support import LAB_PASSWORD
from keyring.backend import KeyringBackend
from keyring.compat import properties
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QLabel
from qt_helpers import GUEST_PASSWORD, LabStarter, fleet_of, lab_inventory, make_host

from avma_console.domain.inventory import Inventory
from avma_console.domain.keys import avma_key_for
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import Edition, ServerVersion
from avma_console.lab.fleet import GVLKS, LabFleet
from avma_console.lab.operations import make_guest_server
from avma_console.lab.server_thread import LabServerThread
from avma_console.qt.context import AppContext
from avma_console.qt.fleet_tree import VmNode
from avma_console.qt.widgets.confirm_dialog import ConfirmDialog, RowKind
from avma_console.qt.widgets.kvp_dialogs import KvpCleanupDialog, KvpEnableDialog
from avma_console.qt.widgets.main_window import MainWindow
from avma_console.qt.widgets.push_dialog import ADDRESS, KEY, PATH, REASONS, PushDialog
from avma_console.services.audit import JsonLinesAuditLog
from avma_console.services.credentials import CredentialStore
from avma_console.services.operations import Action

TIMEOUT_MS = 60_000
SECRETS = (GUEST_PASSWORD, LAB_PASSWORD)


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring handed to the context's CredentialStore (never installed globally)."""

    @properties.classproperty
    def priority(self) -> float:
        raise RuntimeError("test-only backend")  # "not viable": keyring's discovery never picks it

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "audit.jsonl"


@pytest.fixture
def window(qtbot: Any, audit_path: Path, memory_keyring: MemoryKeyring) -> Iterator[MainWindow]:
    context = AppContext(audit_path=audit_path, credentials=CredentialStore(backend=memory_keyring))
    main = MainWindow(context)
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


@pytest.fixture
def start_guests(tmp_path: Path) -> Iterator[Any]:
    """Own WinRM listeners for the fleet's VMs with an address (2012 R2 guests): {VM name: "127.0.0.1:PORT"}."""
    running: list[LabServerThread] = []

    def start(fleet: LabFleet) -> dict[str, str]:
        server = make_guest_server(fleet, work_dir=tmp_path / f"guests{len(running)}")
        assert server is not None
        lab = LabServerThread(server)
        lab.start()
        running.append(lab)
        names = {vm.address: vm.name for host in fleet.hosts for vm in host.vms if vm.address}
        return {names[endpoint.host_name]: f"127.0.0.1:{endpoint.port}" for endpoint in lab.endpoints}

    yield start
    for lab in running:
        lab.stop()


def vm(name: str, version: str | None = "2022", edition: str | None = "Standard", **extra: Any) -> dict[str, Any]:
    return {"name": name, "guest_version": version, "guest_edition": edition, "key": None, **extra}


def one_host(name: str, *vms: dict[str, Any]) -> LabFleet:
    return fleet_of({"hosts": [{"name": name, "version": "2022", "edition": "Datacenter", "vms": list(vms)}]})


def scan(qtbot: Any, window: MainWindow, inventory: Inventory) -> None:
    window.session.set_inventory(inventory, None)
    with qtbot.waitSignal(window.scans.finished, timeout=TIMEOUT_MS):
        assert window.start_scan()


def vm_node(window: MainWindow, name: str) -> VmNode:
    node = window.model.tree.find_vm(name)
    assert node is not None, name
    return node


def select(window: MainWindow, *names: str) -> None:
    """Select these VM rows (a click on the first, Ctrl+click on the others), nothing else."""
    selection = window.tree.selectionModel()
    flags = QItemSelectionModel.SelectionFlag
    for position, name in enumerate(names):
        index = window.proxy.mapFromSource(window.model.index_of(vm_node(window, name)))
        assert index.isValid(), name
        if position == 0:
            selection.setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
        else:
            selection.select(index, flags.Select | flags.Rows)
    assert len(selection.selectedRows()) == len(names)


def rows(dialog: ConfirmDialog) -> dict[str, tuple[RowKind, dict[int, str]]]:
    """VM name -> (plan kind, column -> text as shown)."""
    model = dialog.model
    found = {}
    for row, plan in enumerate(model.rows()):
        found[plan.cells[1]] = (plan.kind, {column: model.text(row, column) for column in range(model.columnCount())})
    return found


def type_address(dialog: ConfirmDialog, vm_name: str, text: str) -> None:
    row = next(row for row, plan in enumerate(dialog.model.rows()) if plan.cells[1] == vm_name)
    index = dialog.model.index(row, ADDRESS)
    assert dialog.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert dialog.model.setData(index, text)


def audit_of(window: MainWindow) -> Path:
    path = window.context.audit_path
    assert path is not None
    return path


def assert_no_secrets_in_files(tmp_path: Path) -> None:
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"a password in {path}"
            assert secret.encode("utf-16-le") not in data, f"a password in {path}"


# ---------------------------------------------------------------------------------------------------------


def test_push_to_several_vms_confirm_watch_results_and_the_rescan_shows_them(
    qtbot: Any,
    window: MainWindow,
    start_lab: LabStarter,
    start_guests: Any,
    tmp_path: Path,
) -> None:
    fleet = one_host(
        "HV-OPS",
        vm("fresh-01", "2019", "Standard"),
        vm("future-01", "2025", "Standard"),
        vm("off-01", running=False),
        vm("old-2012", "2012R2", "Datacenter", address="198.51.100.12"),
    )
    lab = start_lab(fleet)
    guests = start_guests(fleet)
    scan(qtbot, window, lab_inventory(lab, fleet))
    assert vm_node(window, "fresh-01").record.state is ActivationState.UNKNOWN

    select(window, "fresh-01", "future-01", "off-01", "old-2012")
    assert window.push_action.isEnabled()
    assert window.push_action.shortcut().toString() == "Ctrl+P"
    qtbot.keyClick(window.tree, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    dialog = window.operations.dialog
    assert isinstance(dialog, PushDialog)
    assert dialog.isVisible() and dialog.isModal()

    plan = rows(dialog)
    assert list(plan) == ["fresh-01", "future-01", "off-01", "old-2012"], "tree order"
    kind, cells = plan["fresh-01"]
    assert kind is RowKind.RUN
    assert cells[KEY] == avma_key_for(ServerVersion.V2019, Edition.STANDARD), "AVMA keys are shown whole"
    assert cells[PATH] == "PowerShell Direct"
    assert cells[0] == "Will run"
    kind, cells = plan["future-01"]
    assert kind is RowKind.REFUSED and cells[0] == "Refused"
    assert "newer than HV-OPS" in cells[REASONS]
    kind, cells = plan["off-01"]
    assert kind is RowKind.REFUSED and "off" in cells[REASONS].lower()
    kind, cells = plan["old-2012"]
    assert kind is RowKind.REFUSED and cells[PATH] == "WinRM to guest"
    assert cells[ADDRESS] == "(type the address)" and "cannot be overridden" in cells[REASONS]
    refused_row = dialog.model.index(1, 0)
    assert dialog.model.data(refused_row, Qt.ItemDataRole.DecorationRole) is not None, "an icon besides the text"
    assert dialog.model.data(refused_row, Qt.ItemDataRole.BackgroundRole) is not None, "refused rows are tinted"

    # No guest password yet: nothing can be confirmed, and the dialog says why.
    assert not dialog.ok_button.isEnabled()
    assert "password" in dialog.problem_label.text()

    # The 2012 R2 guest's address: a typo is caught as it is typed; the right one makes the VM runnable.
    type_address(dialog, "old-2012", "10.0.0.5:notaport")
    assert "not a port number" in dialog.problem_label.text()
    assert dialog.model.data(dialog.model.index(3, ADDRESS), Qt.ItemDataRole.ToolTipRole)
    type_address(dialog, "old-2012", guests["old-2012"])
    assert rows(dialog)["old-2012"][0] is RowKind.RUN
    assert rows(dialog)["old-2012"][1][ADDRESS] == guests["old-2012"]

    # Override: only overridable refusals give way, with a visible warning; then back off.
    assert dialog.override.isEnabled() and not dialog.override_warning.isVisible()
    dialog.override.setChecked(True)
    assert dialog.override_warning.isVisible()
    assert "audit log" in dialog.override_text.text()
    overridden = rows(dialog)
    assert overridden["future-01"][0] is RowKind.FORCED and overridden["future-01"][1][0] == "Override"
    # off-01's OS (and so its key) is unknown while it is off: that refusal cannot be overridden.
    assert overridden["off-01"][0] is RowKind.REFUSED and "cannot be overridden" in overridden["off-01"][1][REASONS]
    dialog.override.setChecked(False)
    assert rows(dialog)["future-01"][0] is RowKind.REFUSED

    assert dialog.account is not None
    qtbot.keyClicks(dialog.account.password, GUEST_PASSWORD)
    dialog.account.save.setChecked(True)
    assert dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.account.password, Qt.Key.Key_Return)
    assert dialog.isVisible(), "Enter in a field does not confirm a write action"
    assert dialog.ok_button.text() == "Push key to 2 VM(s)"

    arrived: list[str] = []
    controller = window.operations.controller
    controller.result_ready.connect(lambda result, *_: arrived.append(result.vm))
    with (
        qtbot.waitSignal(window.scans.finished, timeout=TIMEOUT_MS),
        qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as finished,
    ):
        dialog.ok_button.click()
        assert not window.push_action.isEnabled(), "one write action at a time"
    assert window.operations.dialog is None, "closed (and deleted)"
    assert sorted(arrived) == ["fresh-01", "future-01", "off-01", "old-2012"], "each result as it arrived"
    assert [result.vm for result in finished.args[1]] == ["fresh-01", "future-01", "off-01", "old-2012"]

    results = window.operations.results
    assert results is not None and results.isVisible()
    shown = {row.vm: row for row in results.model.rows()}
    assert [shown[name].cells[0] for name in ("fresh-01", "future-01", "off-01", "old-2012")] == [
        "Succeeded",
        "Refused",
        "Refused",
        "Succeeded",
    ]
    fresh = shown["fresh-01"]
    assert fresh.change == "Unknown → AVMA activated"
    assert fresh.outcome == "AVMA Success"
    assert "12309" in fresh.events and "12310" in fresh.events
    assert "newer than HV-OPS" in shown["future-01"].error
    assert results.summary.text().startswith("Done. Succeeded: 2, Refused: 2")
    assert "scanned again" in results.summary.text()
    copied = results.copy_all()
    assert QApplication.clipboard().text() == copied
    assert copied.splitlines()[0].startswith("Result\tVM\tHost")
    assert any(line.startswith("Succeeded\tfresh-01\tHV-OPS\tUnknown → AVMA activated") for line in copied.splitlines())

    # The automatic rescan of HV-OPS shows the new states in the tree.
    assert vm_node(window, "fresh-01").record.state is ActivationState.AVMA_ACTIVATED
    assert vm_node(window, "old-2012").record.state is ActivationState.AVMA_ACTIVATED
    assert vm_node(window, "future-01").record.state is not ActivationState.AVMA_ACTIVATED
    assert window.push_action.isEnabled()
    assert not window.operations.progress.isVisible()

    entries = JsonLinesAuditLog(audit_of(window)).entries()
    assert sorted((entry.target_vm or "", entry.result) for entry in entries) == [
        ("fresh-01", "succeeded"),
        ("future-01", "refused"),
        ("off-01", "refused"),
        ("old-2012", "succeeded"),
    ], "every attempt and every refusal"
    assert window.context.credentials.get("guests", "Administrator") == GUEST_PASSWORD, "saved as asked"
    assert_no_secrets_in_files(tmp_path)


def test_cancel_in_the_dialog_runs_nothing(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, audit_path: Path, tmp_path: Path
) -> None:
    fleet = one_host("HV-C", vm("c-1"), vm("c-2"))
    lab = start_lab(fleet)
    window.context.guest_credential = {"username": "Administrator", "password": GUEST_PASSWORD}
    scan(qtbot, window, lab_inventory(lab, fleet))
    select(window, "c-1", "c-2")
    dialog = window.operations.open_dialog(Action.PUSH_KEY)
    assert isinstance(dialog, PushDialog)
    assert dialog.account is not None and dialog.account.password.text() == GUEST_PASSWORD, "filled in"
    assert "scan settings" in dialog.account.note.text()
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert window.operations.dialog is None, "closed (and deleted)"
    assert not window.operations.controller.running and window.operations.results is None
    assert not audit_path.exists() or JsonLinesAuditLog(audit_path).entries() == []

    # The Cancel button does the same.
    dialog = window.operations.open_dialog(Action.ENABLE_KVP)
    assert isinstance(dialog, KvpEnableDialog)
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert window.operations.results is None
    assert not audit_path.exists() or JsonLinesAuditLog(audit_path).entries() == []
    assert {vm_node(window, name).record.state for name in ("c-1", "c-2")} == {ActivationState.UNKNOWN}
    assert_no_secrets_in_files(tmp_path)


def test_a_typed_key_is_checked_as_it_is_typed(qtbot: Any, window: MainWindow) -> None:
    window.model.upsert_hosts([make_host("HV-1", None, (("guest-a", ActivationState.GRACE),))])
    select(window, "guest-a")
    dialog = window.operations.open_dialog(Action.PUSH_KEY)
    assert isinstance(dialog, PushDialog)
    assert dialog.account is not None
    dialog.account.password.setText(GUEST_PASSWORD)
    assert dialog.ok_button.isEnabled()
    avma_2022_standard = avma_key_for(ServerVersion.V2022, Edition.STANDARD)
    assert rows(dialog)["guest-a"][1][KEY] == avma_2022_standard

    qtbot.keyClicks(dialog.key_edit, "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMB")  # one character off
    assert not dialog.ok_button.isEnabled()
    assert "checksum" in dialog.key_message.text() and "mistyped" in dialog.key_message.text()
    assert "typed key is not valid" in dialog.problem_label.text()

    dialog.key_edit.setText("W3GNR-8DDXR")
    assert not dialog.ok_button.isEnabled()
    assert dialog.key_message.text().startswith("✗")

    # The AVMA key of another product: a refusal that may be overridden.
    dialog.key_edit.setText(avma_key_for(ServerVersion.V2022, Edition.DATACENTER) or "")
    assert "The AVMA key of Windows Server 2022 Datacenter" in dialog.key_message.text()
    kind, cells = rows(dialog)["guest-a"]
    assert kind is RowKind.REFUSED and "0xC004F069" in cells[REASONS]
    assert not dialog.ok_button.isEnabled() and dialog.override.isEnabled()

    # Another channel's key: valid, shown by its last five characters only.
    gvlk = GVLKS[(ServerVersion.V2022, Edition.STANDARD)]
    dialog.key_edit.setText(gvlk.lower())
    assert "not an AVMA key" in dialog.key_message.text()
    kind, cells = rows(dialog)["guest-a"]
    assert kind is RowKind.RUN and cells[KEY] == "XXXXX-XXXXX-XXXXX-XXXXX-" + gvlk[-5:]
    assert dialog.ok_button.isEnabled()

    dialog.key_edit.clear()
    assert rows(dialog)["guest-a"][1][KEY] == avma_2022_standard
    dialog.reject()


def test_data_exchange_and_kvp_cleanup_from_the_detail_pane_and_the_host_row(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, audit_path: Path, tmp_path: Path
) -> None:
    fleet = one_host(
        "HV-KVP",
        vm("nokvp-01", key="avma", kvp=False),
        vm("switched-01", key="retail", kvp_items={"AVMA-HostName": "HV-KVP", "Tenant-App": "keep"}),
        vm("fine-01", key="avma"),
    )
    lab = start_lab(fleet)
    window.context.guest_credential = {"username": "Administrator", "password": GUEST_PASSWORD}
    scan(qtbot, window, lab_inventory(lab, fleet))
    assert "kvp_disabled" in {f.code.value for f in vm_node(window, "nokvp-01").record.findings}
    assert "kvp_stale_after_key_change" in {f.code.value for f in vm_node(window, "switched-01").record.findings}

    # Enable Data Exchange from the detail pane's button, for the selected VM.
    with qtbot.waitSignal(window.details.loaded, timeout=5000):
        select(window, "nokvp-01")
    pane = window.detail_pane
    assert pane.kvp_enable_button.isVisible() and pane.kvp_enable_button.isEnabled()
    pane.kvp_enable_button.click()
    dialog = window.operations.dialog
    assert isinstance(dialog, KvpEnableDialog)
    assert not dialog.override.isVisibleTo(dialog), "nothing to override here"
    kind, cells = rows(dialog)["nokvp-01"]
    assert kind is RowKind.RUN and cells[3] == "disabled"
    with (
        qtbot.waitSignal(window.scans.finished, timeout=TIMEOUT_MS),
        qtbot.waitSignal(window.operations.controller.finished, timeout=TIMEOUT_MS),
    ):
        dialog.ok_button.click()
    results = window.operations.results
    assert results is not None
    (row,) = results.model.rows()
    assert (row.cells[0], row.change) == ("Succeeded", "disabled → enabled (OK)")
    assert "kvp_disabled" not in {f.code.value for f in vm_node(window, "nokvp-01").record.findings}
    assert vm_node(window, "nokvp-01").record.kvp_enabled is True

    # Clean up KVP data for the host row: only the VM with stale AVMA data is listed.
    host = window.model.host_node("HV-KVP")
    assert host is not None
    window.select_node(host)
    menu = window.operations.build_context_menu()
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["Push AVMA key…", "Enable Data Exchange…", "Clean up KVP data…", "Unattend snippet…"]
    assert all(action.isEnabled() for action in menu.actions())
    menu.deleteLater()
    window.operations.cleanup_action.trigger()
    dialog = window.operations.dialog
    assert isinstance(dialog, KvpCleanupDialog)
    assert list(rows(dialog)) == ["switched-01"]
    assert rows(dialog)["switched-01"][1][5] == "AVMA-HostName"
    with (
        qtbot.waitSignal(window.scans.finished, timeout=TIMEOUT_MS),
        qtbot.waitSignal(window.operations.controller.finished, timeout=TIMEOUT_MS),
    ):
        dialog.ok_button.click()
    results = window.operations.results
    assert results is not None
    (row,) = results.model.rows()
    assert row.cells[0] == "Succeeded" and "AVMA-HostName (guest)" in row.change
    assert "kvp_stale_after_key_change" not in {f.code.value for f in vm_node(window, "switched-01").record.findings}

    entries = JsonLinesAuditLog(audit_path).entries()
    assert [(e.action, e.target_vm, e.result) for e in entries] == [
        ("enable_kvp", "nokvp-01", "succeeded"),
        ("kvp_cleanup", "switched-01", "succeeded"),
    ]
    assert_no_secrets_in_files(tmp_path)


def test_unattend_snippet_for_the_selected_vm(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    window.model.upsert_hosts([make_host("HV-1", None, (("tmpl-01", ActivationState.GRACE),))])
    select(window, "tmpl-01")
    assert "Unattend snippet…" in [action.text() for action in window.actions_menu.actions()]
    dialog = window.operations.open_unattend()
    assert dialog.chosen() == (ServerVersion.V2022, Edition.STANDARD), "from the selected VM"
    key = avma_key_for(ServerVersion.V2022, Edition.STANDARD)
    assert f"<ProductKey>{key}</ProductKey>" in dialog.xml()
    assert dialog.text.isReadOnly()
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == dialog.xml()

    dialog.select(ServerVersion.V2019, Edition.DATACENTER_AZURE)
    assert dialog.xml() == "" and "no key" in dialog.message.text()
    assert not dialog.copy_button.isEnabled() and not dialog.save_button.isEnabled()

    dialog.select(ServerVersion.V2025, Edition.DATACENTER)
    target = tmp_path / "unattend.xml"
    task = window.context.tasks.spawn(dialog.save_to(target), name="save")
    qtbot.waitUntil(task.done)
    assert task.result() is True
    assert "<ProductKey>YQB4H-NKHHJ-Q6K4R-4VMY6-VCH67</ProductKey>" in target.read_text(encoding="utf-8")
    dialog.close()


def test_an_unwritable_audit_log_stops_the_run_before_anything_changes(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, tmp_path: Path
) -> None:
    fleet = one_host("HV-A", vm("a-1", key="avma", kvp=False))
    lab = start_lab(fleet)
    scan(qtbot, window, lab_inventory(lab, fleet))
    audit = audit_of(window)
    audit.mkdir(parents=True)  # a folder where the file should be: appends fail, even for root
    select(window, "a-1")
    dialog = window.operations.open_dialog(Action.ENABLE_KVP)
    assert isinstance(dialog, KvpEnableDialog)
    controller = window.operations.controller
    with qtbot.waitSignal(controller.problem, timeout=TIMEOUT_MS) as problem:
        dialog.ok_button.click()
    title, message = problem.args
    assert title == "Nothing was changed"
    assert str(audit) in message and "audit log" in message
    results = window.operations.results
    assert results is not None and "Nothing was changed" in results.summary.text()
    assert [row.status for row in results.model.rows()] == [None]
    assert results.model.index(0, 0).data() == "Not attempted"
    assert not controller.running
    assert window.operations.enable_kvp_action.isEnabled()
    assert not window.operations.progress.isVisible()
    with qtbot.waitSignal(window.scans.finished, timeout=TIMEOUT_MS):
        assert window.start_scan()
    assert vm_node(window, "a-1").record.kvp_enabled is False, "untouched"


def test_stop_during_a_run_leaves_the_rest_unattempted(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, tmp_path: Path
) -> None:
    names = [f"s-{index}" for index in range(4)]
    fleet = one_host("HV-S", *(vm(name, "2019", "Standard") for name in names))
    lab = start_lab(fleet)
    window.context.guest_credential = {"username": "Administrator", "password": GUEST_PASSWORD}
    scan(qtbot, window, lab_inventory(lab, fleet))
    select(window, *names)
    dialog = window.operations.open_dialog(Action.PUSH_KEY)
    assert isinstance(dialog, PushDialog) and dialog.ok_button.text() == "Push key to 4 VM(s)"
    controller = window.operations.controller
    controller.concurrency = 1

    stopped: list[str] = []

    def stop_after_the_first(result: Any, *_: object) -> None:
        results = window.operations.results
        assert results is not None
        if not stopped:
            stopped.append(result.vm)
            assert results.stop_button.isEnabled()
            results.stop_button.click()  # the results window's Stop (the status bar has one too)
        assert not results.stop_button.isEnabled() and not window.operations.stop_button.isEnabled()

    controller.result_ready.connect(stop_after_the_first)
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as finished:
        dialog.ok_button.click()
        assert window.operations.progress.isVisible() and window.operations.stop_button.isVisible()
    controller.result_ready.disconnect(stop_after_the_first)
    assert stopped == ["s-0"]
    statuses = [result.status.value for result in finished.args[1]]
    assert statuses == ["succeeded", "cancelled", "cancelled", "cancelled"]
    results = window.operations.results
    assert results is not None
    assert [row.cells[0] for row in results.model.rows()] == ["Succeeded", "Cancelled", "Cancelled", "Cancelled"]
    assert "not attempted" in results.model.rows()[1].error
    qtbot.waitUntil(lambda: not window.scans.running, timeout=TIMEOUT_MS)
    assert [vm_node(window, name).record.state for name in names] == [
        ActivationState.AVMA_ACTIVATED,
        ActivationState.UNKNOWN,
        ActivationState.UNKNOWN,
        ActivationState.UNKNOWN,
    ]
    entries = JsonLinesAuditLog(audit_of(window)).entries()
    assert [(entry.target_vm, entry.result) for entry in entries] == [("s-0", "succeeded")]
    assert_no_secrets_in_files(tmp_path)


def test_markup_in_names_and_errors_stays_text(qtbot: Any, window: MainWindow) -> None:
    bold = "<b>bold</b>"
    window.model.upsert_hosts([make_host("HV-1", None, ((bold, ActivationState.GRACE),))])
    select(window, bold)
    dialog = window.operations.open_dialog(Action.PUSH_KEY)
    assert isinstance(dialog, PushDialog)
    assert rows(dialog)[bold][1][1] == bold, "the cell shows the name as it is"
    tooltip = dialog.model.data(dialog.model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;bold&lt;/b&gt;" in tooltip and "<b>" not in tooltip, "escaped: tooltips are rich text"
    labels = [label for label in dialog.findChildren(QLabel) if label.text()]
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    dialog.reject()
