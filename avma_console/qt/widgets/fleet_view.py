"""Item views over the console's Python models, built to stay responsive while scan threads hold the GIL.

Two things make a Qt view over a Python model slow during a scan, and both are fixed here:

* Every call from Qt into Python (a model's `data`, `index`, `parent`, ...) needs the GIL. When such calls
  come one by one from C++ (a paint event dispatched by the event loop), the GUI thread gives the GIL up after
  each of them, a busy scan thread takes it, and the next call waits for a switch interval: a paint of the
  fleet tree makes ~800 such calls, which took 0.4 s (2.5 s with the default 5 ms interval) next to a single
  CPU-bound thread. Routing the view's events through Python (`event`, `viewportEvent`) makes a paint, a
  delayed layout or a mouse click one entry into Python: the model's callbacks inside it run with the GIL
  already held.
* Qt 6's QTreeView handles dataChanged by working out the on-screen rectangle of every changed cell (each one
  maps an index through the filter proxy: ~15 Python calls per row). A finished scan changes the VMs of
  hundreds of collapsed hosts: ~300 calls into Python per host for rows that are not on screen. Rows under a
  collapsed parent have nothing to repaint and no layout to update, so their changes stop here.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QTableView, QTreeView, QWidget


class FleetTreeView(QTreeView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def event(self, event: QEvent, /) -> bool:
        return super().event(event)  # one entry into Python per event (see the module docstring)

    def viewportEvent(self, event: QEvent, /) -> bool:
        return super().viewportEvent(event)  # paints and clicks: one entry into Python each

    def dataChanged(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        /,
        roles: Sequence[int] = (),
    ) -> None:
        if self.shows_children_of(top_left.parent()):
            super().dataChanged(top_left, bottom_right, roles)

    def shows_children_of(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        """Whether rows under `parent` are laid out: it and all its ancestors are expanded (the root always)."""
        while parent.isValid():
            if not self.isExpanded(parent):
                return False
            parent = parent.parent()
        return True


class PythonModelTableView(QTableView):
    """A QTableView whose paints and layouts enter Python once (the matrix; see the module docstring)."""

    def event(self, event: QEvent, /) -> bool:
        return super().event(event)

    def viewportEvent(self, event: QEvent, /) -> bool:
        return super().viewportEvent(event)
