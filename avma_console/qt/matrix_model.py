"""The AVMA compatibility matrix as a 5 x 5 table model, with the fleet laid over it.

Rows are host versions and columns guest versions, newest first as in the published table. Each cell says
whether such a host activates such a guest and how many VMs of the fleet sit there; cells where guests are
newer than their host AND VMs sit in them stand out (red, bold). The pair of the current selection is
highlighted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from avma_console.domain.matrix import host_can_activate, main_versions_newest_first
from avma_console.domain.states import ActivationState, StateTone
from avma_console.domain.versions import ServerVersion
from avma_console.qt import theme

AnyIndex = QModelIndex | QPersistentModelIndex
CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # "ok" | "no" | "conflict"
HIGHLIGHT_ROLE = Qt.ItemDataRole.UserRole + 2
COUNT_ROLE = Qt.ItemDataRole.UserRole + 3


class MatrixModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._versions = main_versions_newest_first()
        self._counts: Counter[tuple[ServerVersion, ServerVersion]] = Counter()
        self._highlight: tuple[ServerVersion, ServerVersion] | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    @property
    def versions(self) -> tuple[ServerVersion, ...]:
        return self._versions

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._versions)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._versions)

    def pair(self, index: AnyIndex) -> tuple[ServerVersion, ServerVersion]:
        return self._versions[index.row()], self._versions[index.column()]

    def cell_kind(self, host: ServerVersion, guest: ServerVersion) -> str:
        if host_can_activate(host, guest):
            return "ok"
        return "conflict" if self._counts.get((host, guest)) else "no"

    def set_counts(self, counts: Counter[tuple[ServerVersion, ServerVersion]]) -> None:
        if counts != self._counts:
            self._counts = Counter(counts)
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._versions) - 1, len(self._versions) - 1))

    def set_highlight(self, host: ServerVersion | None, guest: ServerVersion | None) -> None:
        pair = (host.avma_family, guest.avma_family) if host is not None and guest is not None else None
        if pair != self._highlight:
            self._highlight = pair
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._versions) - 1, len(self._versions) - 1))

    @property
    def highlight(self) -> tuple[ServerVersion, ServerVersion] | None:
        return self._highlight

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._versions):
            label = self._versions[section].label
            if orientation == Qt.Orientation.Vertical:
                return self.tr("Host {version}").format(version=label)
            return self.tr("Guest {version}").format(version=label)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        host, guest = self.pair(index)
        kind = self.cell_kind(host, guest)
        count = self._counts.get((host, guest), 0)
        highlighted = self._highlight == (host, guest)
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "✓" if kind == "ok" else "✗" if kind == "conflict" else "—"
            if count == 1:
                return self.tr("{mark}  1 VM").format(mark=mark)
            if count:
                return self.tr("{mark}  {count} VMs").format(mark=mark, count=count)
            return mark
        if role == Qt.ItemDataRole.DecorationRole:
            if kind == "conflict":
                return theme.state_icon(ActivationState.ACTIVATION_DENIED)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            if highlighted:
                return QBrush(theme.accent_color())
            tone = {"ok": StateTone.GOOD, "conflict": StateTone.ERROR}.get(kind)
            return QBrush(theme.tone_tint_color(tone)) if tone is not None else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if highlighted:
                return QBrush(theme.accent_text_color())
            if kind == "conflict":
                return QBrush(theme.tone_text_color(StateTone.ERROR))
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if kind == "conflict" or highlighted or count else None
        if role == Qt.ItemDataRole.ToolTipRole:
            verdict = (
                self.tr("A Windows Server {host} host activates Windows Server {guest} guests.")
                if kind == "ok"
                else self.tr("A Windows Server {host} host cannot activate Windows Server {guest} guests.")
            ).format(host=host.label, guest=guest.label)
            if count:
                verdict += "\n" + self.tr("{count} VMs of the fleet sit here.").format(count=count)
            if kind == "conflict":
                verdict += "\n" + self.tr("Move these VMs to a newer host, or upgrade their hosts.")
            return verdict
        if role == CELL_ROLE:
            return kind
        if role == HIGHLIGHT_ROLE:
            return highlighted
        if role == COUNT_ROLE:
            return count
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled if index.isValid() else Qt.ItemFlag.NoItemFlags
