"""The history in the main window: the History menu, the AVMA events and VM timeline docks, the recorder.

`HistoryFeature` owns everything history-related so the main window only installs it and forwards two things:
the tree's selection (`select`, from the detail loader: an immutable `Selection`) and the recorder's problems
(to its Errors dock). The docks are tabbed behind the compatibility matrix, so the default layout stays as it
was; a dock that is not shown does not query the history until it is.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from avma_console.qt.context import AppContext
from avma_console.qt.details import Selection
from avma_console.qt.history_recording import HistoryRecording
from avma_console.qt.text import translator
from avma_console.qt.widgets.event_viewer import EventViewer
from avma_console.qt.widgets.history_settings import HistoryLocationDialog
from avma_console.qt.widgets.report_dialog import ReportDialog
from avma_console.qt.widgets.timeline_panel import TimelinePanel
from avma_console.services.history_access import EventScope

_tr = translator("History")


def scope_of(selection: Selection | None) -> tuple[EventScope, str]:
    """What the event viewer reads for a selection, and how to name it (plain text)."""
    if selection is None:
        return EventScope(), _tr("Whole fleet")
    if selection.kind == "vm" and selection.vm is not None:
        host = selection.host.name if selection.host is not None else selection.vm.host_name
        return EventScope(vm_id=selection.vm.vm_id), _tr("VM {vm} on {host}").format(vm=selection.vm.name, host=host)
    if selection.kind == "host" and selection.host is not None:
        return EventScope(hosts=(selection.host.name,)), _tr("Host {host}").format(host=selection.host.name)
    hosts = tuple(host.name for host in selection.hosts)
    if selection.standalone:
        return EventScope(hosts=hosts), _tr("Standalone hosts")
    return EventScope(hosts=hosts), _tr("Cluster {cluster}").format(cluster=selection.name)


class HistoryFeature(QObject):
    def __init__(self, context: AppContext, window: QMainWindow) -> None:
        super().__init__(window)
        self._context = context
        self._window = window
        self.recording = HistoryRecording(context, self)
        self.events = EventViewer(self.recording, context.tasks)
        self.timeline = TimelinePanel(self.recording, context.tasks)
        self._scope: tuple[EventScope, str] | None = None
        self.report_dialog: ReportDialog | None = None
        self.location_dialog: HistoryLocationDialog | None = None

        self.events_dock = QDockWidget(_tr("AVMA events"), window)
        self.events_dock.setObjectName("eventsDock")
        self.events_dock.setWidget(self.events)
        self.timeline_dock = QDockWidget(_tr("VM timeline"), window)
        self.timeline_dock.setObjectName("timelineDock")
        self.timeline_dock.setWidget(self.timeline)

        self.reports_action = QAction(_tr("Reports…"), self)
        self.reports_action.setShortcut(QKeySequence("Ctrl+R"))
        self.reports_action.setStatusTip(_tr("Inventory, compliance (SPLA) and change reports as PDF, HTML or CSV"))
        self.record_action = QAction(_tr("Record scans in the history"), self)
        self.record_action.setCheckable(True)
        self.record_action.setChecked(self.recording.enabled)
        self.location_action = QAction(_tr("History database…"), self)
        self.location_action.setStatusTip(_tr("Where scans are recorded: a file or a PostgreSQL database"))
        self.events_action = self.events_dock.toggleViewAction()
        self.events_action.setText(_tr("AVMA events"))
        self.events_action.setShortcut(QKeySequence("Ctrl+Shift+V"))
        self.timeline_action = self.timeline_dock.toggleViewAction()
        self.timeline_action.setText(_tr("VM timeline"))
        self.timeline_action.setShortcut(QKeySequence("Ctrl+Shift+T"))

        self.menu = QMenu(_tr("&History"), window)
        self.menu.addAction(self.events_action)
        self.menu.addAction(self.timeline_action)
        self.menu.addSeparator()
        self.menu.addAction(self.reports_action)
        self.menu.addSeparator()
        self.menu.addAction(self.record_action)
        self.menu.addAction(self.location_action)

        self.reports_action.triggered.connect(self.open_reports)
        self.record_action.toggled.connect(self.recording.set_enabled)
        self.location_action.triggered.connect(self.open_location)
        self.events_action.triggered.connect(self._raise_events)
        self.timeline_action.triggered.connect(self._raise_timeline)

    def _raise_events(self, shown: bool) -> None:
        if shown:
            self.events_dock.raise_()

    def _raise_timeline(self, shown: bool) -> None:
        if shown:
            self.timeline_dock.raise_()

    def install(self, *, before_menu: QAction, tabify_with: QDockWidget) -> None:
        """Add the menu (before `before_menu`) and the docks (tabbed behind `tabify_with`, which stays in front)."""
        window = self._window
        window.menuBar().insertMenu(before_menu, self.menu)
        for dock in (self.events_dock, self.timeline_dock):
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            window.tabifyDockWidget(tabify_with, dock)
        tabify_with.raise_()

    def select(self, selection: Selection | None) -> None:
        """The tree's current selection (latest wins in the viewers' own queries)."""
        scope = scope_of(selection)
        if scope != self._scope:
            self._scope = scope
            self.events.set_scope(*scope)
        vm = selection.vm if selection is not None and selection.kind == "vm" else None
        self.timeline.set_vm(vm.vm_id if vm is not None else None, vm.name if vm is not None else "")

    def show_events(self) -> None:
        self.events_dock.show()
        self.events_dock.raise_()

    def show_timeline(self) -> None:
        self.timeline_dock.show()
        self.timeline_dock.raise_()

    def open_reports(self) -> ReportDialog:
        dialog = ReportDialog(self.recording, self._context.tasks, self._window)
        dialog.finished.connect(dialog.deleteLater)
        self.report_dialog = dialog
        dialog.open()
        return dialog

    def open_location(self) -> HistoryLocationDialog:
        dialog = HistoryLocationDialog(self.recording, self._window)
        dialog.finished.connect(dialog.deleteLater)
        dialog.accepted.connect(lambda: self.record_action.setChecked(self.recording.enabled))
        self.location_dialog = dialog
        dialog.open()
        return dialog
