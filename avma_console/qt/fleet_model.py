"""The one item model over the fleet: a thin Qt adapter on `FleetTree`, updated incrementally.

A scan delivers hosts one by one; `upsert_hosts` inserts new hosts in batches (one beginInsertRows per run
of adjacent rows), replaces a re-scanned host's record in place (dataChanged) and only removes/inserts VM
rows when the VM list itself changed. Display strings are computed once per record and cached on the node,
so painting 10,000 rows costs dictionary look-ups, not string formatting. Sorting happens here, on the Qt-free
tree with cached keys (the proxy forwards `sort` to the model), which is far cheaper than a proxy calling
`data()` back into Python for every comparison.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.fleet import ClusterRecord, FleetSnapshot, HostRecord
from avma_console.domain.outlook import Category, category_rank
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import ServerVersion
from avma_console.qt import theme
from avma_console.qt.fleet_cells import (
    CATEGORY_ROLE,
    COLUMN_TITLES,
    KIND_ROLE,
    NODE_ROLE,
    READINESS_ROLE,
    STATE_ROLE,
    Column,
    cells_of,
    tooltip_of,
)
from avma_console.qt.fleet_tree import (
    STANDALONE_KEY,
    FleetTree,
    GroupNode,
    HostNode,
    Node,
    SortKey,
    VmNode,
    group_key_of,
    insert_position,
    release,
    runs,
)
from avma_console.qt.model_changes import reorder_rows

AnyIndex = QModelIndex | QPersistentModelIndex


_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FONT = Qt.ItemDataRole.FontRole

_COLUMNS = len(Column)


def fill_roles(model: FleetModel, node: Node | None, column: int, span: QModelRoleDataSpan | QModelRoleData) -> None:
    """Answer every role of `span` for one cell (`multiData` of the model and of the filter proxy)."""
    entries: Sequence[QModelRoleData] = [span] if isinstance(span, QModelRoleData) else span  # type: ignore[assignment]
    for entry in entries:  # a span is a sequence at run time (len and []), though the stubs do not say so
        value = model.value_of(node, column, entry.role()) if node is not None else None
        if value is None:
            entry.clearData()
        else:
            entry.setData(value)


_BOLD = QFont()
_BOLD.setBold(True)
ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # every row (computed once: flags() is hot)
SNAPSHOT_STEP_HOSTS = 8  # hosts per step of `apply_snapshot_steps` (the caller decides when to yield)


class FleetModel(QAbstractItemModel):
    """Clusters > hosts > VMs over the domain records."""

    hosts_changed = Signal()  # after any batch of changes (counts, matrix overlay, status line)
    snapshot_applied = Signal()  # after a whole snapshot went in (a finished scan): views may re-map what they show

    def __init__(self, parent: QObject | None = None, *, clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(parent)
        self._clock = clock
        self._tree = FleetTree()
        self._sort_column = Column.NAME
        self._descending = False
        self._scanned_at: datetime | None = None
        self._generation = 0  # bumped by `clear`: steps of an incremental update stop when the tree they fed is gone

    # -- Qt interface --------------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if row < 0 or not 0 <= column < _COLUMNS:
            return QModelIndex()
        if not parent.isValid():
            groups = self._tree.groups
            return self.createIndex(row, column, groups[row].id) if row < len(groups) else QModelIndex()
        node = self._tree.nodes.get(parent.internalId())
        if node is None or isinstance(node, VmNode) or parent.column() != 0:
            return QModelIndex()
        children = node.children
        return self.createIndex(row, column, children[row].id) if row < len(children) else QModelIndex()

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid():
            return QModelIndex()
        node = self._tree.nodes.get(child.internalId())
        if node is None or isinstance(node, GroupNode):
            return QModelIndex()
        parent = node.parent
        return self.createIndex(parent.row, 0, parent.id)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._tree.groups)
        if parent.column() != 0:
            return 0
        node = self._tree.nodes.get(parent.internalId())
        if node is None or isinstance(node, VmNode):
            return 0
        return len(node.children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return _COLUMNS

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return ROW_FLAGS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < _COLUMNS:
            return QCoreApplication.translate("FleetModel", COLUMN_TITLES[section])
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        node = self._tree.nodes.get(index.internalId()) if index.isValid() else None
        if node is None:
            return None
        return self.value_of(node, index.column(), role)

    def multiData(self, index: AnyIndex, roles: QModelRoleDataSpan | QModelRoleData, /) -> None:
        """All roles a delegate asks for in one call (Qt 6 delegates paint through this, ~7 roles per cell)."""
        node = self._tree.nodes.get(index.internalId()) if index.isValid() else None
        fill_roles(self, node, index.column(), roles)

    def value_of(self, node: Node, column: int, role: int) -> Any:
        """What `data` answers for `node` in `column`: the one place the roles are decided."""
        if role == _DISPLAY:
            cells = node.cells or cells_of(node)
            return cells[column]
        if role == _DECORATION:
            if column == Column.STATE:
                state = self._state_of(node)
                return theme.state_icon(state) if state is not None else None
            if column == Column.NAME and isinstance(node, HostNode) and node.readiness is not None:
                return theme.readiness_icon(node.readiness.ready)  # the host badge, beside its name
            return None
        if role == _FOREGROUND:
            if column == Column.STATE:
                state = self._state_of(node)
                return theme.state_brush(state) if state is not None else None
            return None
        if role == _FONT:
            return _BOLD if isinstance(node, GroupNode) and column == Column.NAME else None
        if role == _TOOLTIP:
            return tooltip_of(node)
        if role == NODE_ROLE:
            return node
        if role in (STATE_ROLE, CATEGORY_ROLE):
            state = self._state_of(node)
            if role == CATEGORY_ROLE:
                return state
            return state.value if state is not None else None
        if role == READINESS_ROLE:
            return node.readiness.ready if isinstance(node, HostNode) and node.readiness is not None else None
        if role == KIND_ROLE:
            return "vm" if isinstance(node, VmNode) else "host" if isinstance(node, HostNode) else "group"
        return None

    def look_of(self, node: Node) -> tuple[object, ...]:
        """Everything `value_of` paints in `node`'s row: its kind (the bold group name, the indentation), state
        (icon and text colour), host badge and texts. Rows with equal looks paint alike in the same place of a
        view, so a view may keep the picture of one (widgets/fleet_view.py). Tooltips are not painted."""
        readiness = node.readiness.ready if isinstance(node, HostNode) and node.readiness is not None else None
        return (type(node), self._state_of(node), readiness, *(node.cells or cells_of(node)))

    @staticmethod
    def _state_of(node: Node) -> Category | None:
        if isinstance(node, HostNode) and not node.record.reachable:
            return ActivationState.UNREACHABLE
        if isinstance(node, VmNode):
            return node.category
        return node.state

    # -- look-ups --------------------------------------------------------------------------------------------
    @property
    def tree(self) -> FleetTree:
        return self._tree

    def node(self, index: AnyIndex) -> Node | None:
        return self._tree.nodes.get(index.internalId()) if index.isValid() else None

    def node_of_id(self, node_id: int) -> Node | None:
        return self._tree.nodes.get(node_id)

    def index_of(self, node: Node, column: int = 0) -> QModelIndex:
        if self._tree.nodes.get(node.id) is not node:
            return QModelIndex()
        return self.createIndex(node.row, column, node.id)

    def host_node(self, name: str) -> HostNode | None:
        return self._tree.hosts.get(name.casefold())

    def find_vm(self, name: str, host: str | None = None) -> QModelIndex:
        node = self._tree.find_vm(name, host)
        return self.index_of(node) if node is not None else QModelIndex()

    @property
    def vm_count(self) -> int:
        return self._tree.vm_count

    @property
    def host_count(self) -> int:
        return len(self._tree.hosts)

    def fleet_counts(self) -> Counter[Category]:
        counts: Counter[Category] = Counter()
        for group in self._tree.groups:
            counts.update(group.counts)
        return counts

    def matrix_overlay(self) -> Counter[tuple[ServerVersion, ServerVersion]]:
        overlay: Counter[tuple[ServerVersion, ServerVersion]] = Counter()
        for host in self._tree.hosts.values():
            overlay.update(host.pairs)
        return overlay

    def snapshot(self) -> FleetSnapshot:
        return FleetSnapshot(
            scanned_at=self._scanned_at or self._clock.now(),
            clusters=tuple(self._tree.cluster_records()),
            hosts=tuple(self._tree.host_records()),
        )

    # -- changes ---------------------------------------------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self._generation += 1
        old, self._tree = self._tree, FleetTree()
        release(old.groups)
        self._scanned_at = None
        self.endResetModel()
        self.hosts_changed.emit()

    def set_clusters(self, clusters: Iterable[ClusterRecord]) -> None:
        for cluster in clusters:
            key = cluster.name.casefold()
            self._tree.clusters[key] = cluster
            group = self._tree.groups_by_key.get(key)
            if group is not None and group.cluster != cluster:
                group.cluster = cluster
                group.cells = None
                self._group_changed(group)

    def upsert_hosts(self, records: Sequence[HostRecord]) -> None:
        """Add new hosts and replace the records of known ones; emits the finest-grained signals it can."""
        if not records:
            return
        self._merge_hosts(records)
        self.hosts_changed.emit()

    def apply_snapshot(self, snapshot: FleetSnapshot, *, complete: bool) -> None:
        """A finished scan: final records (cluster-wide findings included); `complete` drops hosts it lacks."""
        for _ in self.apply_snapshot_steps(snapshot, complete=complete):
            pass

    def apply_snapshot_steps(self, snapshot: FleetSnapshot, *, complete: bool) -> Iterator[int]:
        """`apply_snapshot` in small steps: a generator that yields (hosts done so far) after every few hosts.

        Every step leaves the model consistent (whole begin/end pairs), so the caller may return to the event
        loop between steps: the GUI thread's part of a finished 500-host scan becomes many short callbacks
        instead of one long one. Hosts whose record is unchanged cost a comparison and no signal; changed
        hosts with the same VMs get dataChanged on their rows (no remove/insert). The generator stops early if
        the model is cleared meanwhile (another inventory); `hosts_changed` is emitted once, at the end.
        """
        generation = self._generation
        self._scanned_at = snapshot.scanned_at
        self.set_clusters(snapshot.clusters)
        hosts = snapshot.hosts
        for start in range(0, len(hosts), SNAPSHOT_STEP_HOSTS):
            if self._generation != generation:
                return
            self._merge_hosts(hosts[start : start + SNAPSHOT_STEP_HOSTS])
            yield min(len(hosts), start + SNAPSHOT_STEP_HOSTS)
        if self._generation != generation:
            return
        if complete:
            present = {host.name.casefold() for host in hosts}
            self.remove_hosts([key for key in self._tree.hosts if key not in present])
        self._drop_empty_groups()
        if self._sort_column != Column.NAME or self._descending:
            # States changed in place; with another sort than by name the rows must be put in order again.
            self.sort(
                self._sort_column, Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder
            )
        self.hosts_changed.emit()
        self.snapshot_applied.emit()

    def _merge_hosts(self, records: Sequence[HostRecord]) -> None:
        """The work of `upsert_hosts` without `hosts_changed` (callers batch that)."""
        new_by_group: dict[str, list[HostRecord]] = {}
        touched: set[str] = set()
        changed: list[HostNode] = []  # hosts that stayed in place with a new record: dataChanged on their rows
        for record in records:
            key = group_key_of(record)
            host = self._tree.hosts.get(record.name.casefold())
            if host is not None and host.parent.key != key:
                old_group = host.parent
                self._remove_host_rows(old_group, host.row, host.row)
                touched.add(old_group.key)
                host = None
            if host is None:
                new_by_group.setdefault(key, []).append(record)
            elif host.record is record:
                continue
            elif host.record == record:
                # The same answer again (a finished scan confirming what arrived host by host): adopt the new
                # objects, so the snapshot and the details see them, without a signal or a repaint.
                self._tree.adopt_equal(host, record)
            else:
                self._replace_host(host, record)
                changed.append(host)
                touched.add(key)
        for key, new in new_by_group.items():
            self._insert_hosts(key, new)
            touched.add(key)
        self._host_rows_changed(changed)
        for key in touched:
            group = self._tree.groups_by_key.get(key)
            if group is not None:
                self._refresh_group(group)

    def remove_hosts(self, names: Iterable[str]) -> None:
        touched: set[str] = set()
        for name in names:
            host = self._tree.hosts.get(name.casefold())
            if host is not None:
                group = host.parent
                self._remove_host_rows(group, host.row, host.row)
                touched.add(group.key)
        for key in touched:
            changed = self._tree.groups_by_key.get(key)
            if changed is not None:
                self._refresh_group(changed)
        self._drop_empty_groups()

    # -- change helpers ------------------------------------------------------------------------------------------
    def _insert_hosts(self, key: str, records: list[HostRecord]) -> None:
        sort_key = self._sort_key_function()
        group = self._tree.groups_by_key.get(key)
        if group is None:
            cluster_name = records[0].cluster or ""
            group = self._tree.new_group(key, cluster_name)
            hosts = [self._tree.new_host(record, group) for record in records]
            self._sort_nodes(hosts, sort_key)
            for host in hosts:
                self._sort_nodes(host.children, sort_key)
            group.children = hosts
            for row, host in enumerate(hosts):
                host.row = row
            row = self._tree.group_insert_row(group, sort_key, self._descending)
            self.beginInsertRows(QModelIndex(), row, row)
            self._tree.insert_group(row, group)
            self.endInsertRows()
            return
        hosts = [self._tree.new_host(record, group) for record in records]
        for host in hosts:
            self._sort_nodes(host.children, sort_key)
        placed = sorted(
            ((insert_position(group.children, host, sort_key, self._descending), host) for host in hosts),
            key=lambda pair: pair[0],
        )
        parent = self.index_of(group)
        shift = 0
        for position, run in runs(placed):
            self._sort_nodes(run, sort_key)
            first = position + shift
            self.beginInsertRows(parent, first, first + len(run) - 1)
            self._tree.insert_hosts(group, first, run)
            self.endInsertRows()
            shift += len(run)

    def _replace_host(self, host: HostNode, record: HostRecord) -> None:
        parent = self.index_of(host)
        old_names = host.vm_names()
        new_names = [vm.name for vm in record.vms]
        if sorted(new_names) == sorted(old_names) and len(set(new_names)) == len(new_names):
            # The same VMs (perhaps in our sort order rather than the host's): rows stay, records change.
            by_name = {vm.name: vm for vm in record.vms}
            host.set_record(record)
            for child in host.children:
                child.set_record(by_name[child.record.name])
            if host.children:
                self.dataChanged.emit(self.index_of(host.children[0]), self.index_of(host.children[-1], _COLUMNS - 1))
        else:
            if host.children:
                self.beginRemoveRows(parent, 0, len(host.children) - 1)
                self._tree.clear_vms(host)
                self.endRemoveRows()
            host.set_record(record)
            if record.vms:
                vms = list(record.vms)
                self.beginInsertRows(parent, 0, len(vms) - 1)
                self._tree.set_vms(host, vms)
                self._sort_nodes(host.children, self._sort_key_function())
                self.endInsertRows()

    def _host_rows_changed(self, hosts: list[HostNode]) -> None:
        """dataChanged for the rows of `hosts`, one signal per run of adjacent rows under one group."""
        live = [host for host in hosts if self._tree.nodes.get(host.id) is host]
        live.sort(key=lambda host: (host.parent.id, host.row))
        index = 0
        while index < len(live):
            first = last = live[index]
            index += 1
            while index < len(live) and live[index].parent is first.parent and live[index].row == last.row + 1:
                last = live[index]
                index += 1
            self.dataChanged.emit(self.index_of(first, 0), self.index_of(last, _COLUMNS - 1))

    def _remove_host_rows(self, group: GroupNode, first: int, last: int) -> None:
        self.beginRemoveRows(self.index_of(group), first, last)
        removed = self._tree.remove_hosts(group, first, last)
        self.endRemoveRows()
        release(removed)

    def _drop_empty_groups(self) -> None:
        for group in list(self._tree.groups):
            if not group.children:
                row = group.row
                self.beginRemoveRows(QModelIndex(), row, row)
                self._tree.remove_group(row)
                self.endRemoveRows()

    def _refresh_group(self, group: GroupNode) -> None:
        changed = group.refresh()  # hosts whose readiness changed (a cluster's new guest version, say)
        self._group_changed(group)
        self._host_rows_changed(changed)

    def _group_changed(self, group: GroupNode) -> None:
        self.dataChanged.emit(self.index_of(group, 0), self.index_of(group, _COLUMNS - 1))

    # -- sorting ------------------------------------------------------------------------------------------------
    def _sort_key_function(self) -> Callable[[Node], SortKey]:
        column = self._sort_column

        def key(node: Node) -> SortKey:
            name = node.search
            if column == Column.NAME:
                return (name,)
            if column == Column.STATE:
                state = self._state_of(node)
                return (category_rank(state) if state is not None else -2, name)
            if column == Column.LAST_ACTIVATION and isinstance(node, VmNode):
                activation = node.record.last_activation
                return (activation.isoformat() if activation else "", name)
            return (cells_of(node)[column].casefold(), name)

        return key

    def _sort_nodes(self, nodes: list[Any], key: Callable[[Node], SortKey]) -> None:
        nodes.sort(key=key, reverse=self._descending)
        for row, node in enumerate(nodes):
            node.row = row

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < _COLUMNS:
            return
        self._sort_column = Column(column)
        self._descending = order == Qt.SortOrder.DescendingOrder
        reorder_rows(
            self,
            self.node,
            self._sort_tree,
            lambda node, column: self.index_of(node, column) if node is not None else QModelIndex(),
        )

    def _sort_tree(self) -> None:
        key = self._sort_key_function()
        tree = self._tree
        clusters = [group for group in tree.groups if group.key != STANDALONE_KEY]
        standalone = [group for group in tree.groups if group.key == STANDALONE_KEY]
        self._sort_nodes(clusters, key)
        tree.groups[:] = clusters + standalone
        for row, group in enumerate(tree.groups):
            group.row = row
            self._sort_nodes(group.children, key)
            for host in group.children:
                self._sort_nodes(host.children, key)

    @property
    def sort_column(self) -> int:
        return int(self._sort_column)

    @property
    def sort_descending(self) -> bool:
        return self._descending
