"""Changing what a model shows in place: reordering its rows, refiltering a proxy (the fleet tree, the events).

Both keep the views' selection and current row, and both announce a change to Qt exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

Item = TypeVar("Item")
Criteria = TypeVar("Criteria")


def reorder_rows(
    model: QAbstractItemModel,
    item_of: Callable[[QModelIndex | QPersistentModelIndex], Item],
    reorder: Callable[[], None],
    index_of: Callable[[Item, int], QModelIndex],
) -> None:
    """Run `reorder` inside a layout change, keeping every persistent index (selection, current row) on its item."""
    model.layoutAboutToBeChanged.emit()
    old = model.persistentIndexList()
    remembered = [(item_of(index), index.column()) for index in old]
    reorder()
    new = [index_of(item, column) for item, column in remembered]
    model.changePersistentIndexList(old, new)
    model.layoutChanged.emit()


class CriteriaProxy(QSortFilterProxyModel, Generic[Criteria]):
    """A filter proxy whose whole filter is one immutable value (a frozen dataclass of the user's choices).

    Setting an equal value does nothing; a different one re-tests the rows once. Subclasses read
    `self._criteria` and drop what they derived from the old value in `_criteria_changed`.
    """

    def __init__(self, criteria: Criteria, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._criteria = criteria

    def _set_criteria(self, criteria: Criteria) -> None:
        if criteria != self._criteria:
            self.beginFilterChange()
            self._criteria = criteria
            self._criteria_changed()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _criteria_changed(self) -> None:
        """Forget what was computed for the old criteria (memos, verdicts)."""
