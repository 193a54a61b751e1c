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

A third cost is Qt's own: laying out a cell's text (QTextLayout: Unicode analysis, shaping) on every paint, ~40 us
a cell here, ~10 ms for a screenful of rows. During a scan the tree repaints after every batch of hosts while
most rows on screen stay as they were, so `FleetTreeView` keeps the pictures of rows (`RowPictures`), found by
everything that decides how a row looks: a row whose look and place have not changed is copied, not laid out.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Protocol, cast

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize
from PySide6.QtGui import QPainter, QPixmap, QSinglePointEvent
from PySide6.QtWidgets import QAbstractItemView, QStyleOptionViewItem, QTableView, QTreeView, QWidget

from avma_console.qt.fleet_tree import Node

ROW_PICTURE_BUDGET_BYTES = 32 << 20  # a few screens of rows, even on a wide high-DPI screen
SEEN_ROWS_LIMIT = 8192  # looks remembered as painted once (forgotten all at once beyond this)
# Events after which no kept picture is right any more (they change colours, fonts, sizes or text direction).
_REPAINT_ALL_EVENTS = frozenset(
    {
        QEvent.Type.PaletteChange,
        QEvent.Type.ApplicationPaletteChange,
        QEvent.Type.StyleChange,
        QEvent.Type.FontChange,
        QEvent.Type.ApplicationFontChange,
        QEvent.Type.LanguageChange,
        QEvent.Type.LayoutDirectionChange,
        QEvent.Type.EnabledChange,
        QEvent.Type.DevicePixelRatioChange,
        QEvent.Type.ScreenChangeInternal,
    }
)
_POINTER_EVENTS = frozenset({QEvent.Type.HoverEnter, QEvent.Type.HoverMove, QEvent.Type.MouseMove, QEvent.Type.Enter})
_POINTER_GONE_EVENTS = frozenset({QEvent.Type.HoverLeave, QEvent.Type.Leave})


class RowLooks(Protocol):
    """A model whose rows are nodes with a look (FleetModel, FleetFilterProxy)."""

    def node(self, index: QModelIndex | QPersistentModelIndex) -> Node | None: ...

    def look_of(self, node: Node) -> tuple[object, ...]: ...


class RowPictures:
    """Pictures of painted rows, by a key that holds everything deciding how the row looks.

    A row gets a picture from its second paint with the same key on: a row painted once (a filter's new
    matches, a row scrolled past) costs no more than before. The pictures live within a byte budget, the
    least recently used going first."""

    def __init__(self, budget_bytes: int = ROW_PICTURE_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._pictures: OrderedDict[Hashable, QPixmap] = OrderedDict()
        self._seen: set[Hashable] = set()
        self._bytes = 0
        self.copied = 0  # rows painted from a picture (tests and benchmarks read it)

    def __len__(self) -> int:
        return len(self._pictures)

    def picture(self, key: Hashable) -> QPixmap | None:
        picture = self._pictures.get(key)
        if picture is not None:
            self._pictures.move_to_end(key)
            self.copied += 1
        return picture

    def worth_keeping(self, key: Hashable) -> bool:
        """True when this look was painted before (so it is likely to be painted again)."""
        if key in self._seen:
            return True
        if len(self._seen) >= SEEN_ROWS_LIMIT:
            self._seen.clear()
        self._seen.add(key)
        return False

    def keep(self, key: Hashable, picture: QPixmap) -> None:
        size = picture.width() * picture.height() * 4
        if size > self.budget_bytes:
            return
        self._pictures[key] = picture
        self._bytes += size
        while self._bytes > self.budget_bytes:
            _, oldest = self._pictures.popitem(last=False)
            self._bytes -= oldest.width() * oldest.height() * 4

    def clear(self) -> None:
        self._pictures.clear()
        self._seen.clear()
        self._bytes = 0


class FleetTreeView(QTreeView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row_pictures = RowPictures()
        self.keeps_row_pictures = True  # False: every row painted afresh (tests compare the two)
        self._pointer_y: float | None = None  # over the viewport: that row is painted afresh (hover effects)
        self._looks: RowLooks | None = None
        header = self.header()
        for signal in (header.sectionResized, header.sectionMoved, header.sectionCountChanged):
            signal.connect(self.forget_row_pictures)
        self.horizontalScrollBar().valueChanged.connect(self.forget_row_pictures)
        self.iconSizeChanged.connect(self.forget_row_pictures)

    def forget_row_pictures(self, *_: object) -> None:
        self.row_pictures.clear()

    def setModel(self, model: QAbstractItemModel | None, /) -> None:
        self.row_pictures.clear()
        # Only rows of a model that tells their looks get pictures (any other model's rows are painted as Qt does).
        self._looks = cast(RowLooks, model) if model is not None and hasattr(model, "look_of") else None
        super().setModel(model)

    def event(self, event: QEvent, /) -> bool:
        if event.type() in _REPAINT_ALL_EVENTS:
            self.row_pictures.clear()
        return super().event(event)  # one entry into Python per event (see the module docstring)

    def viewportEvent(self, event: QEvent, /) -> bool:
        kind = event.type()
        if kind in _POINTER_EVENTS and isinstance(event, QSinglePointEvent):
            self._pointer_y = event.position().y()
        elif kind in _POINTER_GONE_EVENTS:
            self._pointer_y = None
        return super().viewportEvent(event)  # paints and clicks: one entry into Python each

    def drawRow(
        self, painter: QPainter, options: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex, /
    ) -> None:
        """Copy the row's picture when one with the same look and place is kept, else paint it (see the
        module docstring); from a look's second paint on, the row is painted into a picture first."""
        key = self._row_key(options, index) if self.keeps_row_pictures else None
        if key is None:
            super().drawRow(painter, options, index)
            return
        picture = self.row_pictures.picture(key)
        if picture is None:
            if not self.row_pictures.worth_keeping(key):
                super().drawRow(painter, options, index)
                return
            picture = self._picture_of_row(options, index)
            self.row_pictures.keep(key, picture)
        painter.drawPixmap(options.rect.topLeft(), picture)

    def _row_key(self, options: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> Hashable | None:
        """Everything that decides how this row looks here, or None to paint it afresh every time: the row
        with the keyboard focus, the row under the pointer, a partly selected row, a row while dragging."""
        current = self.currentIndex()
        if current.row() == index.row() and current.internalId() == index.internalId():
            return None  # the same row under the same parent (a proxy's indexes share their parent's id)
        rect = options.rect
        if self._pointer_y is not None and rect.top() <= self._pointer_y <= rect.bottom():
            return None
        if self.state() != QAbstractItemView.State.NoState:
            return None
        looks = self._looks
        node = looks.node(index) if looks is not None else None
        if looks is None or node is None:
            return None
        model = self.model()
        parent = index.parent()
        selection = self.selectionModel()
        selected = selection.isRowSelected(index.row(), parent)
        if not selected and selection.rowIntersectsSelection(index.row(), parent):
            return None
        height = max(1, rect.height())
        alternate = self.alternatingRowColors() and ((rect.top() + self.verticalOffset()) // height) % 2 == 1
        # The row's own branch (children, expanded, siblings below) is in `options.state` (State_Children,
        # State_Open, State_Sibling); its parent's line, in styles that draw one, depends on the parent's siblings.
        parent_last = parent.isValid() and parent.row() == model.rowCount(parent.parent()) - 1
        return (
            looks.look_of(node),
            rect.width(),
            height,
            options.state.value,
            selected,
            alternate,
            parent_last,
            self.viewport().devicePixelRatioF(),
            self.hasFocus(),  # selection colours follow the focus and the window's activation in some styles
            self.isActiveWindow(),
        )

    def _picture_of_row(self, options: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QPixmap:
        """The row painted as the viewport would paint it: on the viewport's background, at its own origin."""
        rect = options.rect
        ratio = self.viewport().devicePixelRatioF()
        picture = QPixmap(QSize(math.ceil(rect.width() * ratio), math.ceil(rect.height() * ratio)))
        picture.setDevicePixelRatio(ratio)
        viewport = self.viewport()
        background = viewport.palette().brush(viewport.backgroundRole())
        painter = QPainter(picture)
        painter.fillRect(QRect(QPoint(0, 0), rect.size()), background)
        painter.translate(-rect.topLeft())
        super().drawRow(painter, options, index)
        painter.end()
        return picture

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
