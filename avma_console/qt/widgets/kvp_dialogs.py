"""Confirm the Data Exchange actions: enable the integration service, or remove stale AVMA KVP data."""

from __future__ import annotations

from avma_console.domain.fleet import VmRecord
from avma_console.qt.widgets.confirm_dialog import HOST, ConfirmDialog, PlanRow
from avma_console.services.operations import (
    AccessPath,
    Action,
    KvpCleanupPlan,
    KvpEnablePlan,
    needs_guest_winrm,
    plan_kvp_cleanup,
    plan_kvp_enable,
)


def _data_exchange(vm: VmRecord, enabled: str, disabled: str, unknown: str) -> str:
    text = unknown if vm.kvp_enabled is None else (enabled if vm.kvp_enabled else disabled)
    return f"{text} ({vm.kvp_status})" if vm.kvp_enabled and vm.kvp_status else text


class KvpEnableDialog(ConfirmDialog):
    action = Action.ENABLE_KVP
    initial_size = (1120, 480)

    def _action_headers(self) -> tuple[str, ...]:
        return (self.tr("Data Exchange now"), self.tr("What happens"))

    def _supports_override(self) -> bool:
        return False  # nothing here can be overridden: a host that did not answer cannot be changed

    def _plan(self) -> KvpEnablePlan:
        return plan_kvp_enable(self.snapshot, self.targets)

    def _rows(self, plan: object) -> list[PlanRow]:
        assert isinstance(plan, KvpEnablePlan)
        rows = []
        for item in plan.items:
            if not item.runnable:
                what = self.tr("nothing: not attempted")
            elif item.vm.kvp_enabled:
                what = self.tr("nothing changes: already enabled")
            else:
                what = self.tr("Enable-VMIntegrationService (Data Exchange) on {host}").format(host=item.host.name)
            now = _data_exchange(item.vm, self.tr("enabled"), self.tr("disabled"), self.tr("unknown"))
            rows.append(self._plan_row(item, (now, what), (what,)))
        return rows

    def _intro_text(self, total: int) -> str:
        return self.tr(
            "Enable the Data Exchange integration service (AVMA talks to its host through it) for {total} selected "
            "VM(s). Nothing changes until you confirm; every attempt is recorded in the audit log."
        ).format(total=total)

    def _ok_text(self, count: int) -> str:
        return self.tr("Enable on {count} VM(s)").format(count=count)


PATH, ADDRESS, ITEMS, WHAT, REASONS = range(HOST + 1, HOST + 6)


class KvpCleanupDialog(ConfirmDialog):
    action = Action.KVP_CLEANUP
    address_column = ADDRESS
    uses_guest_account = True
    guest_account_required = False

    def _action_headers(self) -> tuple[str, ...]:
        return (
            self.tr("Path into the guest"),
            self.tr("Guest address"),
            self.tr("AVMA items seen"),
            self.tr("What happens"),
        )

    def _plan(self) -> KvpCleanupPlan:
        return plan_kvp_cleanup(
            self.snapshot, self.targets, override=self.state.override, guest_addresses=self.state.addresses
        )

    def _rows(self, plan: object) -> list[PlanRow]:
        assert isinstance(plan, KvpCleanupPlan)
        rows = []
        for item in plan.items:
            guest_winrm = item.vm.running and needs_guest_winrm(item.host, item.vm)
            if item.guest_path is AccessPath.POWERSHELL_DIRECT:
                path = self.tr("PowerShell Direct")
            elif item.guest_path is AccessPath.GUEST_WINRM or guest_winrm:
                path = self.tr("WinRM to guest")
            else:
                path = self.tr("none: host-side items only")
            if item.runnable:
                what = self.tr("remove KVP items matching {patterns}").format(patterns=", ".join(item.patterns))
            else:
                what = self.tr("nothing: not attempted")
            address = self.address_text(item.vm.vm_id) if guest_winrm else "—"
            cells = (path, address, ", ".join(item.known_items) or "—", what)
            rows.append(self._plan_row(item, cells, (what,), address_editable=guest_winrm))
        return rows

    def _intro_text(self, total: int) -> str:
        return self.tr(
            "Remove AVMA's key-value-pair data from {total} selected VM(s) whose AVMA key was replaced. Items the "
            "guest pushed itself are deleted inside the guest (guest account below); without it only host-side "
            "items go. Nothing changes until you confirm; every attempt is recorded in the audit log."
        ).format(total=total)

    def _ok_text(self, count: int) -> str:
        return self.tr("Clean up {count} VM(s)").format(count=count)
