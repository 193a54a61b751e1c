"""What the console window offers the features it hosts, as small typed protocols.

The main window is a shell: it builds menus, docks and the layout, and hands each feature (operations,
history, ...) only the narrow interface that feature needs. A feature never imports the window (an
import-linter contract says so), so it can be built and tested against anything with these members, and the
window can change its layout without touching a feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu, QStatusBar

    from avma_console.qt.context import AppContext
    from avma_console.qt.fleet_filter import FleetFilterProxy
    from avma_console.qt.fleet_model import FleetModel
    from avma_console.qt.fleet_tree import Node
    from avma_console.qt.scan_controller import ScanController
    from avma_console.qt.session import Session
    from avma_console.qt.widgets.detail_pane import DetailPane
    from avma_console.qt.widgets.fleet_view import FleetTreeView


class FleetSelection(Protocol):
    """The fleet tree as a feature sees it: the view, its filter, the model under it, the current row."""

    @property
    def tree(self) -> FleetTreeView: ...
    @property
    def proxy(self) -> FleetFilterProxy: ...
    @property
    def model(self) -> FleetModel: ...
    def current_node(self) -> Node | None: ...


class StatusReport(Protocol):
    """Where a feature shows a one-line result, and the bar it may put its own progress widgets on."""

    def show_status(self, text: str) -> None: ...
    def statusBar(self) -> QStatusBar: ...


class OperationsHost(FleetSelection, StatusReport, Protocol):
    """What the write actions (qt/widgets/operations_ui.py) need of the window."""

    @property
    def context(self) -> AppContext: ...
    @property
    def scans(self) -> ScanController: ...
    @property
    def session(self) -> Session: ...
    @property
    def detail_pane(self) -> DetailPane: ...
    @property
    def push_action(self) -> QAction: ...  # the window's Ctrl+P, in its toolbar
    @property
    def actions_menu(self) -> QMenu: ...
