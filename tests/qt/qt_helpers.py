"""Helpers for the GUI tests: domain records to feed the model, and the shared lab helpers.

The lab helpers come from tests/fleet_support.py (inside tests/qt, `import conftest` would find this
folder's conftest.py, not the shared one).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fleet_support import GUEST_PASSWORD, LabStarter, demo_fleet, fleet_of, lab_inventory

from avma_console.domain.fleet import HostRecord, VmRecord
from avma_console.domain.states import ActivationState, StateSource
from avma_console.domain.versions import Edition, OsIdentity, ServerVersion
from avma_console.qt.context import AppContext
from avma_console.qt.widgets.main_window import MainWindow

__all__ = ["GUEST_PASSWORD", "LabStarter", "demo_fleet", "fleet_of", "lab_inventory", "make_host", "make_vm"]


def make_vm(
    name: str,
    host: str,
    state: ActivationState = ActivationState.AVMA_ACTIVATED,
    version: ServerVersion | None = ServerVersion.V2022,
) -> VmRecord:
    return VmRecord(
        name=name,
        vm_id=f"id-{host}-{name}",
        host_name=host,
        running=True,
        power_state="Running",
        guest=OsIdentity(version=version, edition=Edition.STANDARD, is_server=True, build=None),
        kvp_enabled=True,
        kvp_status="OK",
        state=state,
        source=StateSource.GUEST,
    )


def make_host(
    name: str,
    cluster: str | None = None,
    vms: tuple[tuple[str, ActivationState], ...] = (),
    version: ServerVersion = ServerVersion.V2022,
    error: str | None = None,
) -> HostRecord:
    record = HostRecord(
        name=name,
        cluster=cluster,
        os=OsIdentity(version=version, edition=Edition.DATACENTER, is_server=True, build=version.build),
        activated=True,
        hyperv=True,
        vms=tuple(make_vm(vm, name, state) for vm, state in vms),
    )
    if error is not None:
        record = replace(record, os=None, vms=(), error=error, error_kind="refused", error_fix="Start WinRM.")
    return record


def open_main_window(qtbot: Any, width: int, height: int) -> MainWindow:
    """The console's main window at this size, shown and exposed (closed by qtbot at the end of the test)."""
    main = MainWindow(AppContext())
    qtbot.addWidget(main)
    main.resize(width, height)
    main.show()
    qtbot.waitExposed(main)
    return main
