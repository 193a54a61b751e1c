"""The write actions in the console window: Actions menu, tree context menu, detail pane buttons, progress.

`OperationsUi` is installed by the main window and owns everything about operations there:
- the actions "Push AVMA key…" (Ctrl+P, the window's `push_action`), "Enable Data Exchange…",
  "Clean up KVP data…" and "Unattend snippet…", in the Actions menu and the tree's context menu;
- what a selection means (VM rows, or the VMs under selected host and cluster rows that the action is
  meant for, as far as the filter shows them);
- the confirmation dialog, then the run (`OperationsController`), its progress in the status bar with a
  Stop button, and the results window that fills in as each VM finishes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QProgressBar, QPushButton

from avma_console.qt.fleet_tree import GroupNode, HostNode, Node, VmNode
from avma_console.qt.operations_controller import (
    OperationRequest,
    OperationsController,
    action_title,
    targets_of,
)
from avma_console.qt.passwords import dialog_asker
from avma_console.qt.widgets.confirm_dialog import ConfirmDialog
from avma_console.qt.widgets.kvp_dialogs import KvpCleanupDialog, KvpEnableDialog
from avma_console.qt.widgets.operation_results import OperationResultsDialog
from avma_console.qt.widgets.push_dialog import PushDialog
from avma_console.qt.widgets.unattend_dialog import UnattendDialog
from avma_console.services.operations import Action, AnyResult, ResultStatus

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from avma_console.qt.shell import FleetSelection, OperationsHost

DIALOGS: dict[Action, type[ConfirmDialog]] = {
    Action.PUSH_KEY: PushDialog,
    Action.ENABLE_KVP: KvpEnableDialog,
    Action.KVP_CLEANUP: KvpCleanupDialog,
}


class OperationsUi(QObject):
    """`host`: what this feature needs of the window (a protocol); `parent`: the widget its dialogs belong to."""

    def __init__(self, host: OperationsHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self._parent = parent
        window = host
        self.controller = OperationsController(window.context, window.scans, dialog_asker(parent), self)
        self.dialog: ConfirmDialog | None = None
        self.results: OperationResultsDialog | None = None
        self.unattend: UnattendDialog | None = None
        self._awaiting_rescan = False

        self.push_action = window.push_action
        self._tip(
            self.push_action,
            self.tr("Install the AVMA key in the selected VMs, after confirming the plan (Ctrl+P)"),
        )
        self.enable_kvp_action = QAction(self.tr("Enable Data Exchange…"), parent)
        self._tip(self.enable_kvp_action, self.tr("Enable the Data Exchange integration service of the selected VMs"))
        self.cleanup_action = QAction(self.tr("Clean up KVP data…"), parent)
        self._tip(self.cleanup_action, self.tr("Remove stale AVMA KVP data from VMs whose AVMA key was replaced"))
        self.unattend_action = QAction(self.tr("Unattend snippet…"), parent)
        self._tip(self.unattend_action, self.tr("The unattend.xml fragment that installs the AVMA key at setup"))
        self.write_actions = {
            Action.PUSH_KEY: self.push_action,
            Action.ENABLE_KVP: self.enable_kvp_action,
            Action.KVP_CLEANUP: self.cleanup_action,
        }
        for action, qaction in self.write_actions.items():
            qaction.triggered.connect(lambda _checked=False, chosen=action: self.open_dialog(chosen))
        self.unattend_action.triggered.connect(self.open_unattend)

        menu = window.actions_menu
        if isinstance(menu, QMenu):
            menu.addAction(self.enable_kvp_action)
            menu.addAction(self.cleanup_action)
            menu.addSeparator()
            menu.addAction(self.unattend_action)

        window.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.tree.customContextMenuRequested.connect(self._context_menu)

        bar = window.statusBar()
        self.progress = QProgressBar()
        self.progress.setObjectName("operationProgress")
        self.progress.setFormat(self.tr("%v/%m VMs"))
        self.progress.setFixedWidth(200)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the running write action: VMs not started yet are not attempted"))
        self.stop_button.clicked.connect(self.stop)
        for widget in (self.progress, self.stop_button):
            bar.addPermanentWidget(widget)
            widget.hide()

        pane = window.detail_pane
        operation_requested = getattr(pane, "operation_requested", None)
        if operation_requested is not None:
            operation_requested.connect(lambda value: self.open_dialog(Action(value)))

        self.controller.started.connect(self._started)
        self.controller.result_ready.connect(self._result)
        self.controller.finished.connect(self._finished)
        self.controller.problem.connect(self._problem)
        self.controller.status.connect(window.show_status)
        self.controller.rescan_started.connect(self._rescanning)
        window.tree.selectionModel().selectionChanged.connect(self.update_actions)
        window.scans.started.connect(self.update_actions)
        window.scans.finished.connect(self.update_actions)
        window.scans.finished.connect(self._scan_finished)
        window.session.inventory_changed.connect(self._inventory_changed)
        self.update_actions()

    @staticmethod
    def _tip(action: QAction, text: str) -> None:
        action.setToolTip(text)
        action.setStatusTip(text)

    # -- state ---------------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.controller.running or self.host.scans.running

    def update_actions(self, *_: object) -> None:
        selection = self.host.tree.selectionModel()
        has_selection = selection.hasSelection() or self.host.tree.currentIndex().isValid()
        enabled = has_selection and not self.busy and self.host.context.inventory is not None
        for qaction in self.write_actions.values():
            qaction.setEnabled(enabled)
        pane = self.host.detail_pane
        set_enabled = getattr(pane, "set_operations_enabled", None)
        if set_enabled is not None:
            set_enabled(not self.busy and self.host.context.inventory is not None)

    def _inventory_changed(self, *_: object) -> None:
        self.controller.forget_passwords()
        self.update_actions()

    # -- the selection -------------------------------------------------------------------------------------------
    def selected_nodes(self) -> list[tuple[Node, list[VmNode]]]:
        """Selected rows in tree order with the VM rows under each that the view shows.

        No selected row: the current row (the one the detail pane shows), if any.
        """
        tree, proxy = self.host.tree, self.host.proxy
        indexes = tree.selectionModel().selectedRows(0)
        if not indexes and tree.currentIndex().isValid():
            indexes = [tree.currentIndex().siblingAtColumn(0)]
        indexes.sort(key=_path)
        chosen: list[tuple[Node, list[VmNode]]] = []
        for index in indexes:
            node = proxy.node(index)
            if node is None:
                continue
            shown: list[VmNode] = []
            if isinstance(node, HostNode):
                shown = _vm_rows(self.host, index)
            elif isinstance(node, GroupNode):
                for row in range(proxy.rowCount(index)):
                    shown += _vm_rows(self.host, proxy.index(row, 0, index))
            chosen.append((node, shown))
        return chosen

    # -- confirming ----------------------------------------------------------------------------------------------
    def open_dialog(self, action: Action) -> ConfirmDialog | None:
        """The confirmation dialog for the selection; None (with a status line saying why) if there is nothing."""
        if self.busy:
            self.host.show_status(self.tr("Wait until the running scan or action has finished"))
            return None
        targets = targets_of(action, self.selected_nodes())
        if not targets:
            hints = {
                Action.PUSH_KEY: self.tr("select VMs, or hosts and clusters with VMs that are not activated"),
                Action.ENABLE_KVP: self.tr("select VMs, or hosts and clusters with Data Exchange disabled somewhere"),
                Action.KVP_CLEANUP: self.tr("select VMs, or hosts and clusters with stale AVMA KVP data"),
            }
            self.host.show_status(
                self.tr("{action}: nothing selected to act on; {hint}").format(
                    action=action_title(action), hint=hints[action]
                )
            )
            return None
        dialog = DIALOGS[action](self.host.context, self.host.model.snapshot(), targets, self._parent)
        dialog.accepted.connect(lambda: self._confirmed(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: ConfirmDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _confirmed(self, dialog: ConfirmDialog) -> None:
        request = dialog.request()
        self.start(request)

    def start(self, request: OperationRequest) -> bool:
        if not self.controller.start(request):
            return False
        if self.results is not None:
            self.results.close()
        results = OperationResultsDialog(request.action, request.plan, self._parent)
        results.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        results.stop_requested.connect(self.stop)
        results.copied.connect(lambda _text: self.host.show_status(self.tr("Copied to the clipboard")))
        results.destroyed.connect(lambda _obj=None: self._results_gone(results))
        self.results = results
        results.show()
        self.update_actions()
        return True

    def _results_gone(self, dialog: OperationResultsDialog) -> None:
        if self.results is dialog:
            self.results = None

    def stop(self) -> None:
        self.controller.cancel()
        self.stop_button.setEnabled(False)
        self.host.show_status(self.tr("Stopping: VMs not started yet will not be attempted…"))

    # -- progress ------------------------------------------------------------------------------------------------
    def _started(self, action: str, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(0)
        self.stop_button.setEnabled(True)
        for widget in (self.progress, self.stop_button):
            widget.show()
        self.host.show_status(
            self.tr("{action}: {total} VM(s)…").format(action=action_title(Action(action)), total=total)
        )
        self.update_actions()

    def _result(self, result: AnyResult, done: int, total: int, failed: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        if self.results is not None:
            self.results.add_result(result, done, total, failed)
        text = self.tr("{action}: {done}/{total} VM(s)").format(
            action=action_title(result.action), done=done, total=total
        )
        if failed:
            text += self.tr(", {failed} not OK").format(failed=failed)
        self.host.show_status(text)

    def _finished(self, action: str, results: list[AnyResult]) -> None:
        for widget in (self.progress, self.stop_button):
            widget.hide()
        if self.results is not None and self.results.running:
            self.results.finish(results)
        ok = sum(1 for result in results if result.ok)
        refused = sum(1 for result in results if result.status is ResultStatus.REFUSED)
        self.host.show_status(
            self.tr("{action} finished: {ok} OK, {bad} not OK ({refused} refused) — details in the results").format(
                action=action_title(Action(action)), ok=ok, bad=len(results) - ok, refused=refused
            )
        )
        self.update_actions()

    def _rescanning(self, hosts: list[str]) -> None:
        self._awaiting_rescan = True
        if self.results is not None:
            self.results.rescanning(hosts)

    def _scan_finished(self, *_: object) -> None:
        if self.results is not None and self._awaiting_rescan:
            self.results.rescanned()
        self._awaiting_rescan = False

    def _problem(self, title: str, message: str) -> None:
        for widget in (self.progress, self.stop_button):
            widget.hide()
        self.host.show_status(f"{title}: {message}")
        if self.results is not None:
            self.results.abandon(f"{title}: {message}")
        self.update_actions()

    # -- context menu and unattend ---------------------------------------------------------------------------
    def _context_menu(self, position: QPoint) -> None:
        menu = self.build_context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.host.tree.viewport().mapToGlobal(position))

    def build_context_menu(self) -> QMenu:
        self.update_actions()
        menu = QMenu(self.host.tree)
        for qaction in self.write_actions.values():
            menu.addAction(qaction)
        menu.addSeparator()
        menu.addAction(self.unattend_action)
        return menu

    def open_unattend(self) -> UnattendDialog:
        version = edition = None
        node = self.host.current_node()
        if isinstance(node, VmNode):
            version, edition = node.record.guest.version, node.record.guest.edition
        dialog = UnattendDialog(self.host.context, version, edition, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda path: self.host.show_status(self.tr("Saved {path}").format(path=path)))
        dialog.problem.connect(self.host.show_status)
        self.unattend = dialog
        dialog.show()
        return dialog


def _path(index: QModelIndex) -> tuple[int, ...]:
    rows: list[int] = []
    while index.isValid():
        rows.append(index.row())
        index = index.parent()
    return tuple(reversed(rows))


def _vm_rows(window: FleetSelection, host_index: QModelIndex) -> list[VmNode]:
    proxy = window.proxy
    nodes = (proxy.node(proxy.index(row, 0, host_index)) for row in range(proxy.rowCount(host_index)))
    return [node for node in nodes if isinstance(node, VmNode)]
