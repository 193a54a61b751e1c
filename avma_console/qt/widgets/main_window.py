"""The console window: fleet tree with filter and legend, detail pane, matrix and error docks, status bar."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from avma_console.domain.fleet import HostRecord
from avma_console.domain.inventory import Inventory
from avma_console.domain.states import ActivationState
from avma_console.qt import theme
from avma_console.qt.context import AppContext
from avma_console.qt.details import DetailLoader, DetailView, selection_of
from avma_console.qt.fleet_cells import COLUMN_WIDTHS, Column, counts_text
from avma_console.qt.fleet_filter import FleetFilterProxy
from avma_console.qt.fleet_model import FleetModel
from avma_console.qt.fleet_tree import GroupNode, Node, VmNode
from avma_console.qt.i18n import LanguageMenu
from avma_console.qt.matrix_model import MatrixModel
from avma_console.qt.passwords import dialog_asker
from avma_console.qt.scan_controller import ScanController, ScanSummary, scan_status_text
from avma_console.qt.session import Session
from avma_console.qt.text import remote_error, remote_fix
from avma_console.qt.widgets.connections_dialog import ConnectionsDialog
from avma_console.qt.widgets.detail_pane import DetailPane, plain_label, warning_banner
from avma_console.qt.widgets.fleet_view import FleetTreeView, PythonModelTableView
from avma_console.qt.widgets.history_docks import HistoryFeature
from avma_console.qt.widgets.operations_ui import OperationsUi
from avma_console.qt.widgets.state_filter import StateFilterBar
from avma_console.qt.widgets.window_layout import default_size, fit_layout, wrap_last_column

SMALL_FLEET_VMS = 300  # a filter with at most this many matches expands them all
SMALL_INVENTORY = 25  # up to this many inventory entries, hosts are expanded as they arrive
FLEET_SUMMARY_MS = 250  # while a scan runs, counts, legend and matrix are refreshed at most this often


def _add_action_groups(target: QMenu | QToolBar, *groups: tuple[QAction, ...]) -> None:
    """A menu's or a toolbar's actions, a separator between groups."""
    for number, group in enumerate(groups):
        if number:
            target.addSeparator()
        target.addActions(list(group))


class MainWindow(QMainWindow):
    first_scan_finished = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setObjectName("mainWindow")
        self.model = FleetModel(self, clock=context.clock)
        self.proxy = FleetFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.session = Session(context)
        self.scans = ScanController(context, self.model, dialog_asker(self))
        self.details = DetailLoader(context.tasks)
        self.matrix_model = MatrixModel(self)
        self._selected_key: tuple[int, ...] | None = None
        self._scans_finished = 0
        self._errors: dict[str, QTreeWidgetItem] = {}
        self._dialog: ConnectionsDialog | None = None
        self._filter_expanded = False

        self._build_actions()
        self._build_central()
        self._build_docks()
        self._build_status()
        self._wire()
        self._update_title()
        self._update_actions()
        self.operations = OperationsUi(self, self)  # push keys, Data Exchange, KVP clean-up, unattend
        self.history = HistoryFeature(context, self)  # recording, AVMA events, VM timeline, reports
        self.history.install(before_menu=self.view_menu.menuAction(), tabify_with=self.matrix_dock)
        self.scans.hook = self.history.recording
        self.operations.controller.history_audit = self.history.recording.audit_log  # actions on the timeline
        self.history.recording.problem.connect(self._show_problem)
        self.details.loaded.connect(lambda view: self.history.select(view.selection))
        self.details.cleared.connect(lambda: self.history.select(None))
        self.resize(1600, 1000)

    # -- construction ----------------------------------------------------------------------------------------
    def _action(self, text: str, shortcut: QKeySequence | str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.scan_action = self._action(self.tr("Scan"), "F5", self.tr("Query every host of the inventory (F5)"))
        self.scan_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.cancel_action = self._action(self.tr("Cancel"), "Esc", self.tr("Stop the running scan (Esc)"))
        self.cancel_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserStop))
        self.connections_action = self._action(
            self.tr("Connections…"), "Ctrl+K", self.tr("Add, edit and test clusters and hosts (Ctrl+K)")
        )
        self.open_action = self._action(self.tr("Open inventory…"), QKeySequence(key.Open))
        self.open_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton))
        self.connections_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon))
        self.save_action = self._action(self.tr("Save inventory"), QKeySequence(key.Save))
        self.save_as_action = self._action(self.tr("Save inventory as…"), "Ctrl+Shift+S")
        self.export_csv_action = self._action(self.tr("Export CSV…"), "Ctrl+E", self.tr("Every VM with its state"))
        self.export_csv_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.export_json_action = self._action(self.tr("Export JSON…"), "Ctrl+Shift+E")
        self.push_action = self._action(self.tr("Push AVMA key…"), "Ctrl+P")  # wired by OperationsUi
        self.filter_action = self._action(self.tr("Filter"), QKeySequence(key.Find), self.tr("Filter by name (Ctrl+F)"))
        self.expand_action = self._action(self.tr("Expand all"), "Ctrl+Shift+Right")
        self.collapse_action = self._action(self.tr("Collapse to hosts"), "Ctrl+Shift+Left")
        self.quit_action = self._action(self.tr("Quit"), QKeySequence(key.Quit))
        self.about_action = self._action(self.tr("About AVMA Console"))

        menu = self.menuBar()
        _add_action_groups(
            menu.addMenu(self.tr("&Inventory")),
            (self.connections_action, self.open_action, self.save_action, self.save_as_action),
            (self.export_csv_action, self.export_json_action),
            (self.quit_action,),
        )
        _add_action_groups(menu.addMenu(self.tr("&Scan")), (self.scan_action, self.cancel_action))
        self.actions_menu = menu.addMenu(self.tr("&Actions"))  # OperationsUi adds the other write actions
        self.actions_menu.addAction(self.push_action)
        self.view_menu = menu.addMenu(self.tr("&View"))
        _add_action_groups(self.view_menu, (self.filter_action, self.expand_action, self.collapse_action))
        self.language_menu = LanguageMenu(self.view_menu)
        self.view_menu.addSeparator()  # the dock toggles follow
        help_menu = menu.addMenu(self.tr("&Help"))
        help_menu.addAction(self.about_action)

        toolbar = QToolBar(self.tr("Main"))
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        _add_action_groups(
            toolbar,
            (self.connections_action, self.open_action),
            (self.scan_action, self.cancel_action),
            (self.push_action, self.export_csv_action),
        )
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _build_central(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)

        self.banner, self.banner_text = warning_banner()
        layout.addWidget(self.banner)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(4)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter by cluster, host or VM name (Ctrl+F)"))
        self.filter_edit.setClearButtonEnabled(True)
        left_layout.addWidget(self.filter_edit)
        self.state_filter = StateFilterBar()
        left_layout.addWidget(self.state_filter)

        self.tree = FleetTreeView()
        self.tree.setObjectName("fleetTree")
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # write actions: many VMs
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSortingEnabled(True)
        self.tree.header().setSortIndicator(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.tree.setColumnWidth(column, width)
        self.tree.setIconSize(QSize(16, 16))
        left_layout.addWidget(self.tree, 1)
        self.splitter.addWidget(left)

        self.detail_pane = DetailPane()
        self.splitter.addWidget(self.detail_pane)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([1060, 540])
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.matrix_view = PythonModelTableView()
        self.matrix_view.setObjectName("matrixView")
        self.matrix_view.setModel(self.matrix_model)
        self.matrix_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.matrix_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix_view.setCornerButtonEnabled(False)
        self.matrix_dock = QDockWidget(self.tr("Compatibility matrix (host × guest, VMs of the fleet)"), self)
        self.matrix_dock.setObjectName("matrixDock")
        self.matrix_dock.setWidget(self.matrix_view)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.matrix_dock)

        self.errors_list = QTreeWidget()
        self.errors_list.setObjectName("errorsList")
        self.errors_list.setHeaderLabels([self.tr("Host"), self.tr("Problem"), self.tr("What to do")])
        self.errors_list.setRootIsDecorated(False)
        self.errors_list.setWordWrap(True)
        self.errors_list.setColumnWidth(0, 130)
        self.errors_list.setColumnWidth(1, 340)
        wrap_last_column(self.errors_list)  # "What to do" wraps instead of being cut off
        self.errors_dock = QDockWidget(self.tr("Errors"), self)
        self.errors_dock.setObjectName("errorsDock")
        self.errors_dock.setWidget(self.errors_list)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.errors_dock)
        self.splitDockWidget(self.matrix_dock, self.errors_dock, Qt.Orientation.Horizontal)
        self.resizeDocks([self.matrix_dock, self.errors_dock], [700, 900], Qt.Orientation.Horizontal)
        self.resizeDocks([self.matrix_dock], [230], Qt.Orientation.Vertical)
        self.view_menu.addAction(self.matrix_dock.toggleViewAction())
        self.view_menu.addAction(self.errors_dock.toggleViewAction())

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.status_label = plain_label(wrap=False)
        bar.addWidget(self.status_label, 1)
        self.counts_label = plain_label(wrap=False)
        bar.addPermanentWidget(self.counts_label)
        self.progress = QProgressBar()
        self.progress.setFormat(self.tr("%v/%m hosts"))
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(True)
        self.elapsed_label = plain_label(wrap=False)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop the running scan (Esc)"))
        for widget in (self.progress, self.elapsed_label, self.cancel_button):
            bar.addPermanentWidget(widget)
            widget.hide()
        self.elapsed_timer = QTimer(self)
        self.elapsed_timer.setInterval(250)
        self.elapsed_timer.timeout.connect(self._update_elapsed)
        # During a scan the model changes in many small steps; the fleet summary (O(hosts)) follows at a pace.
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(FLEET_SUMMARY_MS)
        self._summary_timer.timeout.connect(self._fleet_changed)

    def _wire(self) -> None:
        self.scan_action.triggered.connect(self.start_scan)
        self.cancel_action.triggered.connect(self.scans.cancel)
        self.cancel_button.clicked.connect(self.scans.cancel)
        self.connections_action.triggered.connect(self.open_connections)
        self.open_action.triggered.connect(self._choose_inventory)
        self.save_action.triggered.connect(self._save_inventory)
        self.save_as_action.triggered.connect(self._save_inventory_as)
        self.export_csv_action.triggered.connect(lambda: self._choose_export("csv"))
        self.export_json_action.triggered.connect(lambda: self._choose_export("json"))
        self.filter_action.triggered.connect(self._focus_filter)
        self.expand_action.triggered.connect(self.tree.expandAll)
        self.collapse_action.triggered.connect(self._collapse_to_hosts)
        self.quit_action.triggered.connect(self.close)
        self.about_action.triggered.connect(self._about)

        self.filter_edit.textChanged.connect(self.set_filter_text)
        self.state_filter.changed.connect(self._state_filter_changed)
        self.tree.selectionModel().currentRowChanged.connect(self._current_changed)
        self.proxy.rowsInserted.connect(self._rows_inserted)
        self.model.hosts_changed.connect(self._hosts_changed)

        self.details.loaded.connect(self._details_loaded)
        self.details.cleared.connect(lambda: self.detail_pane.show_view(None))
        self.detail_pane.copy_requested.connect(self._copy)
        self.detail_pane.rescan_requested.connect(self.rescan_hosts)

        self.scans.started.connect(self._scan_started)
        self.scans.progressed.connect(self._scan_progressed)
        self.scans.finished.connect(self._scan_finished)
        self.scans.host_failed.connect(self._host_failed)
        self.scans.host_recovered.connect(self._host_recovered)
        self.scans.guest_problem.connect(self._guest_problem)
        self.errors_list.itemActivated.connect(self._error_activated)

        self.session.inventory_changed.connect(self._inventory_changed)
        self.session.status.connect(self.status_label.setText)
        self.language_menu.chosen.connect(self.status_label.setText)
        self.session.problem.connect(self._show_problem)
        self.context.errors.reported.connect(self._show_unexpected)

    # -- state of actions, title, banner ---------------------------------------------------------------------
    def _update_actions(self) -> None:
        running = self.scans.running
        has_inventory = bool(self.context.inventory and self.context.inventory.entries)
        self.scan_action.setEnabled(has_inventory and not running)
        self.cancel_action.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.save_action.setEnabled(self.context.inventory is not None)
        self.save_as_action.setEnabled(self.context.inventory is not None)
        has_data = self.model.host_count > 0
        self.export_csv_action.setEnabled(has_data)
        self.export_json_action.setEnabled(has_data)

    def _update_title(self) -> None:
        if self.context.demo_lab is not None:
            where = self.tr("demo lab")
        elif self.context.inventory_path is not None:
            where = self.context.inventory_path.name
        else:
            where = self.tr("no inventory")
        self.setWindowTitle(self.tr("AVMA Console — {where}").format(where=where))

    def _inventory_changed(self, inventory: Inventory | None) -> None:
        self.model.clear()
        self.errors_list.clear()
        self._errors.clear()
        self.detail_pane.show_view(None)
        insecure = [entry.name for entry in inventory.entries if entry.settings.allow_insecure] if inventory else []
        if insecure and inventory is not None and inventory.defaults.allow_insecure and not inventory.entries:
            insecure = ["[defaults]"]
        if insecure:
            shown = ", ".join(insecure[:5]) + (" …" if len(insecure) > 5 else "")
            self.banner_text.setText(
                self.tr(
                    "Insecure connections allowed for {count} endpoint(s): {names}. Credentials and data may "
                    "travel unencrypted (allow_insecure = true). Use https, or NTLM/Kerberos message encryption."
                ).format(count=len(insecure), names=shown)
            )
        self.banner.setVisible(bool(insecure))
        self._update_title()
        self._update_actions()

    # -- scanning ------------------------------------------------------------------------------------------------
    def start_scan(self) -> bool:
        started = self.scans.start()
        self._update_actions()
        return started

    def rescan_hosts(self, names: tuple[str, ...]) -> None:
        if self.scans.rescan_hosts(list(names)):
            self._update_actions()
        else:
            self.status_label.setText(
                self.tr("Cannot rescan now: a scan is running or the host is not in the inventory")
            )

    def _scan_started(self, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(0)
        for widget in (self.progress, self.elapsed_label, self.cancel_button):
            widget.show()
        self.status_label.setText(self.tr("Scanning…"))
        self.elapsed_timer.start()
        self._update_elapsed()
        self._update_actions()

    def _scan_progressed(self, done: int, total: int, failed: int) -> None:
        # QProgressBar.setValue repaints at once, and a synchronous repaint paints every dirty widget of the
        # window (the tree too) inside this callback; with updates off it is queued with the window's next paint.
        self.progress.setUpdatesEnabled(False)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress.setUpdatesEnabled(True)  # schedules the repaint
        text = self.tr("Scanning: {done}/{total} hosts").format(done=done, total=total)
        if failed:
            text += self.tr(", {failed} failed").format(failed=failed)
        self.status_label.setText(text)

    def _update_elapsed(self) -> None:
        seconds = int(time.monotonic() - self.scans.started_at)
        self.elapsed_label.setText(f"{seconds // 60}:{seconds % 60:02d}")

    def _scan_finished(self, summary: ScanSummary) -> None:
        self.elapsed_timer.stop()
        if self._summary_timer.isActive():
            self._summary_timer.stop()
            self._fleet_changed()
        for widget in (self.progress, self.elapsed_label, self.cancel_button):
            widget.hide()
        self.status_label.setText(scan_status_text(summary))
        self._update_actions()
        self._refresh_selection()
        self._scans_finished += 1
        if self._scans_finished == 1:
            self.first_scan_finished.emit()

    def _host_failed(self, host: HostRecord) -> None:
        item = self._errors.get(host.name.casefold())
        if item is None:
            item = QTreeWidgetItem(self.errors_list)
            self._errors[host.name.casefold()] = item
            item.setIcon(0, theme.state_icon(ActivationState.UNREACHABLE))
        item.setText(0, host.name)
        item.setText(1, remote_error(host.error))
        item.setText(2, remote_fix(host.error_fix))
        for column in range(3):
            item.setToolTip(column, f"{remote_error(host.error)}\n{remote_fix(host.error_fix)}")
        self.errors_dock.setWindowTitle(self.tr("Errors ({count})").format(count=len(self._errors)))

    def _guest_problem(self, problem: str) -> None:
        """A guest password that was not found: those guests are read from the host side only (one row each)."""
        key = "\0guests:" + problem.casefold()
        item = self._errors.get(key) or QTreeWidgetItem(self.errors_list)
        self._errors[key] = item
        item.setIcon(0, theme.warning_icon())
        for column, text in enumerate(
            (self.tr("Guest credentials"), problem, self.tr("Connections > Guest credentials"))
        ):
            item.setText(column, text)
            item.setToolTip(column, problem)

    def _host_recovered(self, name: str) -> None:
        item = self._errors.pop(name.casefold(), None)
        if item is not None:
            index = self.errors_list.indexOfTopLevelItem(item)
            self.errors_list.takeTopLevelItem(index)
            self.errors_dock.setWindowTitle(self.tr("Errors ({count})").format(count=len(self._errors)))

    def error_hosts(self) -> list[tuple[str, str, str]]:
        return [
            (item.text(0), item.text(1), item.text(2))
            for item in (self.errors_list.topLevelItem(i) for i in range(self.errors_list.topLevelItemCount()))
            if item is not None
        ]

    def _error_activated(self, item: QTreeWidgetItem) -> None:
        node = self.model.host_node(item.text(0))
        if node is not None:
            self.select_node(node)

    # -- tree ------------------------------------------------------------------------------------------------------
    def _expand_hosts(self) -> bool:
        inventory = self.context.inventory
        return inventory is None or len(inventory.entries) <= SMALL_INVENTORY

    def _rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            small = self._expand_hosts()
            for row in range(first, last + 1):
                group = self.proxy.index(row, 0)
                self.tree.expand(group)
                if small:
                    for host_row in range(self.proxy.rowCount(group)):
                        self.tree.expand(self.proxy.index(host_row, 0, group))
        elif self._expand_hosts() and isinstance(self.proxy.node(parent), GroupNode):
            for row in range(first, last + 1):
                self.tree.expand(self.proxy.index(row, 0, parent))

    def _collapse_to_hosts(self) -> None:
        self.tree.collapseAll()
        for row in range(self.proxy.rowCount()):
            self.tree.expand(self.proxy.index(row, 0))

    def _default_expansion(self) -> None:
        """Groups open, hosts open only for a small inventory: what the tree looks like without a filter."""
        self._collapse_to_hosts()
        if self._expand_hosts():
            self.tree.expandAll()

    def _focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def set_filter_text(self, text: str) -> None:
        self._undo_filter_expansion()
        self.proxy.set_text(text)
        self._expand_matches()

    def _state_filter_changed(self) -> None:
        self._undo_filter_expansion()
        self.proxy.set_problems_only(self.state_filter.problems_only.isChecked())
        self.proxy.set_states(self.state_filter.shown_states())
        self._expand_matches()

    def _undo_filter_expansion(self) -> None:
        # Rows the last filter opened would otherwise stay open and flood the tree when the filter widens.
        if self._filter_expanded:
            self._filter_expanded = False
            self._default_expansion()

    def _expand_matches(self) -> None:
        """With a filter on and few matches, show them: expand every remaining row."""
        if not self.proxy.active:
            return
        shown = 0
        for host in self.model.tree.hosts.values():
            shown += self.proxy.shown_vm_count(host)
            if shown > SMALL_FLEET_VMS:
                return
        self.tree.expandAll()
        self._filter_expanded = True

    def _hosts_changed(self) -> None:
        if not self.scans.running:
            self._summary_timer.stop()
            self._fleet_changed()
        elif not self._summary_timer.isActive():
            self._summary_timer.start()

    def _fleet_changed(self) -> None:
        fleet_counts = self.model.fleet_counts()
        self.state_filter.set_counts(fleet_counts)
        self.matrix_model.set_counts(self.model.matrix_overlay())
        counts = counts_text(fleet_counts)
        host_count, vm_count = self.model.host_count, self.model.vm_count  # plain names for lupdate
        self.counts_label.setText(
            self.tr("{hosts}, {vms}   {counts}").format(
                hosts=self.tr("%n hosts", "", host_count), vms=self.tr("%n VMs", "", vm_count), counts=counts
            )
        )
        self._update_actions()
        if not self.scans.running:
            self._refresh_selection()

    def current_node(self) -> Node | None:
        return self.proxy.node(self.tree.currentIndex())

    def select_node(self, node: Node) -> bool:
        source = self.model.index_of(node)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.tree.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def select_vm(self, name: str) -> bool:
        node = self.model.tree.find_vm(name)
        return node is not None and self.select_node(node)

    @staticmethod
    def _selection_key(node: Node | None) -> tuple[int, ...] | None:
        if node is None:
            return None
        if isinstance(node, GroupNode):
            return (node.id, id(node.cluster), *(id(host.record) for host in node.children))
        return (node.id, id(node.record))

    def _current_changed(self, current: QModelIndex | QPersistentModelIndex, _previous: object = None) -> None:
        node = self.proxy.node(current)
        self._selected_key = self._selection_key(node)
        self.details.select(selection_of(node))
        if isinstance(node, VmNode):
            self.matrix_model.set_highlight(node.parent.record.version, node.record.guest_version)
        else:
            self.matrix_model.set_highlight(None, None)

    def _refresh_selection(self) -> None:
        node = self.current_node()
        if self._selection_key(node) != self._selected_key:
            self._current_changed(self.tree.currentIndex())

    def _details_loaded(self, view: DetailView) -> None:
        self.detail_pane.show_view(view)

    def show_status(self, text: str) -> None:
        """A one-line result in the status bar (what features report through `qt.shell.StatusReport`)."""
        self.status_label.setText(text)

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.status_label.setText(self.tr("Copied to the clipboard"))

    # -- inventory and files --------------------------------------------------------------------------------------
    def open_connections(self) -> ConnectionsDialog:
        dialog = ConnectionsDialog(self.context, self.context.inventory, self)
        dialog.inventory_accepted.connect(self._connections_accepted)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()
        return dialog

    def _connections_accepted(self, inventory: Inventory) -> None:
        path = self.context.inventory_path
        self.session.set_inventory(inventory, path)
        if path is not None:
            self.context.tasks.spawn(self.session.save_inventory(path, inventory), name="save inventory")

    def _choose_inventory(self) -> None:
        start = str(self.context.settings.last_inventory or "")
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open inventory"), start, self.tr("Inventory (*.toml)"))
        if path:
            self.context.tasks.spawn(self.open_inventory(Path(path)), name="open inventory")

    async def open_inventory(self, path: Path, *, scan: bool = True) -> bool:
        opened = await self.session.open_inventory(path)
        if opened and scan:
            self.start_scan()
        return opened

    def _save_inventory(self) -> None:
        if self.context.inventory_path is None:
            self._save_inventory_as()
        else:
            self.context.tasks.spawn(self.session.save_inventory(self.context.inventory_path), name="save inventory")

    def _save_inventory_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save inventory"), "", self.tr("Inventory (*.toml)"))
        if path:
            self.context.tasks.spawn(self.session.save_inventory(Path(path)), name="save inventory")
            self._update_title()

    def _choose_export(self, fmt: str) -> None:
        suffix = "CSV (*.csv)" if fmt == "csv" else "JSON (*.json)"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export fleet"), f"avma-fleet.{fmt}", suffix)
        if path:
            self.context.tasks.spawn(self.session.export(self.model.snapshot(), Path(path), fmt), name="export")

    async def start_demo(self) -> None:
        if await self.session.start_demo():
            self.start_scan()

    # -- messages ----------------------------------------------------------------------------------------------------
    def _show_problem(self, title: str, message: str) -> None:
        self.status_label.setText(f"{title}: {message}")
        item = QTreeWidgetItem(self.errors_list)
        item.setIcon(0, theme.warning_icon())
        item.setText(0, title)
        item.setText(1, message)
        item.setToolTip(1, message)
        self.errors_dock.show()

    def _show_unexpected(self, title: str, details: str) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(self.tr("Unexpected error"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(title)
        box.setInformativeText(self.tr("The console keeps running. Details are in the log."))
        box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _about(self) -> None:
        box = QMessageBox(self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowTitle(self.tr("About AVMA Console"))
        box.setText(self.tr("AVMA Console: see and fix Automatic Virtual Machine Activation across a Hyper-V fleet."))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- geometry ----------------------------------------------------------------------------------------------------
    def restore_layout(self) -> None:
        settings = self.context.settings
        geometry = settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(default_size(self.screen()))
        state = settings.window_state()
        if state is not None:
            self.restoreState(state)
        else:
            fit_layout(self, self.width(), self.height())
        splitter = settings.splitter_state()
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def save_layout(self) -> None:
        self.context.settings.save_window(self.saveGeometry(), self.saveState(), self.splitter.saveState())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.context.shutdown()
        super().closeEvent(event)
