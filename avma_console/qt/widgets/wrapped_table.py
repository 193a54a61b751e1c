"""Tables of wrapped text, as the plan (confirm dialogs) and the results of a write action show them.

One row per VM, cells that wrap (reasons, errors), tooltips that show remote text literally, and row heights
refitted to the text whenever the columns or the scroll position change.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QTableView

AnyIndex = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")
_DISPLAY = Qt.ItemDataRole.DisplayRole

FIT_ALL_ROWS = 150  # up to this many rows all are fitted to their text; above, the rows in view (scrolling)


def fit_rows(table: QTableView) -> None:
    """Row heights for wrapped text: every row of a small table, only the rows in view of a big one (fitting
    a thousand wrapped rows takes longer than a frame)."""
    rows = table.model().rowCount()
    if rows <= FIT_ALL_ROWS:
        table.resizeRowsToContents()
        return
    first = max(0, table.rowAt(0))
    last = table.rowAt(table.viewport().height() - 1)
    last = min(rows - 1, first + 60) if last < 0 else min(rows - 1, last + 2)
    for row in range(first, last + 1):
        table.resizeRowToContents(row)


def row_fitter(table: QTableView, parent: QObject) -> QTimer:
    """Refit `table`'s rows once per turn of the event loop after a column resize or a scroll (wrapped text
    needs the final column widths); `start()` the returned timer after changing the rows."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(lambda: fit_rows(table))
    table.horizontalHeader().sectionResized.connect(timer.start)
    table.verticalScrollBar().valueChanged.connect(timer.start)
    return timer


def plain_tooltip(text: str) -> str:
    """A tooltip showing `text` literally: Qt reads tooltips that look like HTML as rich text, and host names
    or remote error texts must never render as markup."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text).replace("\n", "<br>") + "</p>"


class RowsModel(QAbstractTableModel, Generic[Row]):
    """A flat table: one `Row` a line under fixed headers; subclasses say what a cell shows (`data`)."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._rows: list[Row] = []

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_at(self, index: AnyIndex) -> Row | None:
        """The row under a valid index of this model, or None."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        row = self.row_at(index)
        return None if row is None else self.cell_data(row, index.column(), role)

    def cell_data(self, row: Row, column: int, role: int) -> Any:
        """What `data` answers for one cell of `row` (a row of this model, a column under the headers)."""
        raise NotImplementedError
