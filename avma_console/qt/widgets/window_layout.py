"""Fitting the console's layout to the window it gets: dock heights, tree columns, the Errors dock's wrapping.

Kept apart from MainWindow, which only calls `fit_layout` once its size is known (a saved layout, restored
from QSettings, is left as the operator left it).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import (
    QDockWidget,
    QHeaderView,
    QMainWindow,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QTreeWidget,
    QWidget,
)

from avma_console.qt.fleet_cells import Column

# Below this window height the bottom docks give up room, so the tree and the detail pane stay usable.
COMPACT_HEIGHT = 900
DOCK_SHARE_COMPACT = 0.24  # of the window height, for the matrix and Errors docks (at 768: ~185 px)
DOCK_HEIGHT = 230
DETAIL_SHARE = 0.36  # of the splitter's width, for the detail pane (at least its minimum width)
STATE_COLUMN = Column.STATE
STATE_SHARE = 0.4  # of the tree's width, for the State column (badges and roll-ups live there)
STATE_MIN, STATE_MAX = 260, 520
ERRORS_SHARE = 900 / 1600  # the Errors dock's part of the width, beside the matrix (MainWindow's default)


DEFAULT_SIZE = QSize(1600, 1000)


def default_size(screen: QScreen | None) -> QSize:
    """The first start's window size: 1600x1000, or what the screen has room for."""
    if screen is None:
        return DEFAULT_SIZE
    room = screen.availableGeometry().size()
    return QSize(min(DEFAULT_SIZE.width(), room.width()), min(DEFAULT_SIZE.height(), room.height()))


class ConsoleWindow(Protocol):
    """What this module needs of MainWindow (typed without importing it)."""

    @property
    def matrix_dock(self) -> QDockWidget: ...
    @property
    def errors_dock(self) -> QDockWidget: ...
    @property
    def splitter(self) -> QSplitter: ...
    @property
    def tree(self) -> QTreeView: ...


def fit_layout(window: ConsoleWindow, width: int, height: int) -> None:
    """The default layout for a window of this size: dock heights, splitter, State column."""
    assert isinstance(window, QMainWindow)
    dock_height = round(height * DOCK_SHARE_COMPACT) if height < COMPACT_HEIGHT else DOCK_HEIGHT
    window.resizeDocks([window.matrix_dock, window.errors_dock], [dock_height, dock_height], Qt.Orientation.Vertical)
    detail = window.splitter.widget(1)
    detail_width = max(detail.minimumWidth() if detail is not None else 0, round(width * DETAIL_SHARE))
    window.splitter.setSizes([max(1, width - detail_width), detail_width])
    tree_width = width - detail_width
    window.tree.setColumnWidth(STATE_COLUMN, max(STATE_MIN, min(STATE_MAX, round(tree_width * STATE_SHARE))))
    errors = window.errors_dock.widget()
    if isinstance(errors, QTreeWidget) and errors.columnCount() == 3:
        # Problem and "What to do" share the dock (its share of the width is the one MainWindow gives it).
        rest = round(width * ERRORS_SHARE) - errors.columnWidth(0)
        errors.setColumnWidth(1, max(180, rest // 2))


class WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their wrapped text at the column's current width (Qt's tree views ask the delegate
    for a size without telling it the column width, so wrapped text would be cut to one line)."""

    def __init__(self, tree: QTreeView, parent: QWidget | None = None) -> None:
        super().__init__(parent or tree)
        self._tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not isinstance(text, str) or not text:
            return size
        style = self._tree.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self._tree) + 1
        width = self._tree.header().sectionSize(index.column()) - 2 * margin
        if index.data(Qt.ItemDataRole.DecorationRole) is not None:
            width -= max(16, self._tree.iconSize().width()) + 4  # the icon shares the cell
        if width <= 0:
            return size
        bounds = option.fontMetrics.boundingRect(QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap, text)
        return QSize(size.width(), max(size.height(), bounds.height() + 2 * margin))


def wrap_last_column(tree: QTreeWidget) -> None:
    """Every column wraps its sentences onto more lines ("What to do" takes the rest of the width); rows grow
    to fit, and re-flow whenever a column is resized. The full texts stay in the tooltips as well."""
    tree.setWordWrap(True)
    tree.setUniformRowHeights(False)
    tree.setTextElideMode(Qt.TextElideMode.ElideNone)
    tree.setItemDelegate(WrappingDelegate(tree))
    header = tree.header()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.sectionResized.connect(lambda *_: tree.scheduleDelayedItemsLayout())
