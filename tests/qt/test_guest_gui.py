"""Guest credentials in the console: set in Connections (keyring), used by the next scan, shown in the detail pane."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fleet_support import GUEST_FLEET
from qt_helpers import GUEST_PASSWORD, LabStarter, fleet_of, lab_inventory
from test_operations_gui import MemoryKeyring

from avma_console.qt.context import AppContext
from avma_console.qt.widgets.main_window import MainWindow
from avma_console.services.credentials import CredentialStore
from avma_console.services.guest_credentials import GUEST_KEYRING_TARGET

SCAN_TIMEOUT_MS = 60_000


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def window(qtbot: Any, keyring_backend: MemoryKeyring) -> Iterator[MainWindow]:
    main = MainWindow(AppContext(credentials=CredentialStore(backend=keyring_backend)))
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


def scan_and_select(qtbot: Any, window: MainWindow, vm: str) -> None:
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS):
        assert window.start_scan()
    with qtbot.waitSignal(window.details.loaded, timeout=5000):
        assert window.select_vm(vm)


def test_guest_credentials_from_connections_make_the_next_scan_guest_verified(
    qtbot: Any, window: MainWindow, start_lab: LabStarter, keyring_backend: MemoryKeyring
) -> None:
    fleet = fleet_of(GUEST_FLEET)
    window.session.set_inventory(lab_inventory(start_lab(fleet), fleet), None)

    # Without guest credentials: the KMS guest is unknown and the pane says the state is only inferred.
    scan_and_select(qtbot, window, "kms-guest")
    facts = window.detail_pane.facts_text()
    assert "Verified: Inferred from the host" in facts
    assert "Connections > Guest credentials" in facts
    assert "No AVMA activation of kms-guest" in window.detail_pane.findings_text()

    dialog = window.open_connections()
    dialog.guest_user.setText("Administrator")
    dialog.guest_password.setText(GUEST_PASSWORD)
    dialog.accept()
    inventory = window.context.inventory
    assert inventory is not None
    assert (inventory.defaults.guest_username, inventory.defaults.guest_credential) == ("Administrator", "keyring")
    assert GUEST_PASSWORD not in repr(inventory), "the password goes to the keyring only"
    qtbot.waitUntil(lambda: keyring_backend.passwords.get(("avma-console", f"Administrator@{GUEST_KEYRING_TARGET}"))
                    == GUEST_PASSWORD)  # fmt: skip

    scan_and_select(qtbot, window, "kms-guest")
    facts = window.detail_pane.facts_text()
    assert "Verified: Guest-verified" in facts
    assert "Licence status: Licensed" in facts
    assert "Key channel: kms" in facts
    assert "KMS client key" in window.detail_pane.findings_text()
    node = window.model.tree.find_vm("kms-guest")
    assert node is not None and node.record.source.value == "guest"


def test_a_guest_password_the_keyring_lacks_is_said_and_the_scan_goes_on(
    qtbot: Any, window: MainWindow, start_lab: LabStarter
) -> None:
    fleet = fleet_of(GUEST_FLEET)
    inventory = lab_inventory(start_lab(fleet), fleet, guest_username="Auditor", guest_credential="keyring")
    window.session.set_inventory(inventory, None)
    scan_and_select(qtbot, window, "avma-ok")
    (row,) = [row for row in window.error_hosts() if row[0] == "Guest credentials"]
    assert "Auditor@guests" in row[1] and "keyring" in row[1]
    assert all(host.reachable for host in window.model.tree.host_records())
    assert "Verified: Inferred from the host" in window.detail_pane.facts_text()
