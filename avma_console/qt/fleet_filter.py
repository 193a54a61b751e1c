"""Filtering the fleet tree: text (names), "problems only" and per-state toggles, in one proxy.

Filtering is recursive in effect: a host or cluster row is accepted when it matches itself or when any VM
below it matches, so a matching VM always keeps its parents on screen; a matching host or cluster name
keeps all of its VMs that pass the state filter. The subtree test is done here on the Qt-free tree (cached
casefolded names, plain loops) instead of through Qt's recursive mode, which would call back into Python
for every row of every rejected subtree; a keystroke over 10,000 VMs stays in single-digit milliseconds.
Sorting is forwarded to the source model (see `FleetModel.sort`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from PySide6.QtCore import QModelIndex, QModelRoleData, QModelRoleDataSpan, QObject, QPersistentModelIndex, Qt

from avma_console.domain.outlook import Category, Marker, is_problem
from avma_console.domain.states import ActivationState
from avma_console.qt.fleet_model import ROW_FLAGS, FleetModel, fill_roles
from avma_console.qt.fleet_tree import GroupNode, HostNode, Node, VmNode
from avma_console.qt.model_changes import CriteriaProxy

AnyIndex = QModelIndex | QPersistentModelIndex
# Every category a toggle exists for: the JSON states and the display markers (at risk, not applicable).
ALL_STATES: frozenset[Category] = frozenset((*ActivationState, *Marker))


@dataclass(frozen=True, slots=True)
class FleetFilter:
    """What the user chose to see: a name fragment (casefolded), the shown categories, problems only."""

    text: str = ""
    states: frozenset[Category] = ALL_STATES
    problems_only: bool = False


_NO_FILTER = FleetFilter()


class FleetFilterProxy(CriteriaProxy[FleetFilter]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(FleetFilter(), parent)
        self._fleet: FleetModel | None = None
        # Results of the subtree test for the current filter and data (a group's answer needs its hosts'):
        # cleared whenever the filter or the source changes, so one keystroke walks the tree once.
        self._memo: dict[tuple[int, bool], bool] = {}
        # Rows are re-filtered when their data change (a VM turning bad shows its host under "problems only").
        # The proxy never sorts itself (its sort column stays -1): `sort` is forwarded to the source model.
        self.setDynamicSortFilter(True)

    def setSourceModel(self, model: FleetModel) -> None:  # type: ignore[override]
        self._fleet = model
        # Connected before the proxy's own handlers, so they never see answers for the old data.
        for signal in (
            model.dataChanged,
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            model.layoutChanged,
        ):
            signal.connect(self._forget)
        super().setSourceModel(model)
        model.snapshot_applied.connect(self.release_mappings)

    def _forget(self, *_: object) -> None:
        self._memo.clear()

    def release_mappings(self) -> None:
        """Forget the row mappings of every parent; Qt builds them again for what the view shows.

        A scan fills the tree host by host and each host's VMs arrive after it, which makes the proxy map every
        host (Qt maps a parent when rows are inserted under it): the next keystroke would then re-test all
        10,000 VM rows, collapsed or not (50 ms). Done whenever the model has taken a whole snapshot (a finished
        scan, or a fleet put into an empty tree at once)."""
        self.invalidate()

    # -- filter settings ---------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self._criteria.text

    @property
    def states(self) -> frozenset[Category]:
        return self._criteria.states

    @property
    def problems_only(self) -> bool:
        return self._criteria.problems_only

    @property
    def active(self) -> bool:
        return self._criteria != _NO_FILTER

    def set_text(self, text: str) -> None:
        self._set_criteria(replace(self._criteria, text=text.strip().casefold()))

    def set_states(self, states: Iterable[Category]) -> None:
        self._set_criteria(replace(self._criteria, states=frozenset(states)))

    def set_problems_only(self, enabled: bool) -> None:
        self._set_criteria(replace(self._criteria, problems_only=enabled))

    def _criteria_changed(self) -> None:
        self._memo.clear()

    # -- the test --------------------------------------------------------------------------------------------
    def _state_ok(self, state: Category) -> bool:
        if self._criteria.problems_only and not is_problem(state):
            return False
        return state in self._criteria.states

    def _vm_ok(self, vm: VmNode, text_matched: bool) -> bool:
        # By display category: an at-risk VM is a problem, a not-applicable one is not (whatever its JSON state).
        return self._state_ok(vm.category) and (text_matched or self._criteria.text in vm.search)

    def _host_ok(self, host: HostNode, text_matched: bool) -> bool:
        key = (host.id, text_matched)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._host_test(host, text_matched)
        return known

    def _host_test(self, host: HostNode, text_matched: bool) -> bool:
        matched = self._text_in(host, text_matched)
        if not host.record.reachable:
            return self._state_ok(ActivationState.UNREACHABLE) and (matched or not self._criteria.text)
        if not host.children:
            # A reachable host without VMs has no state to filter by: shown when only text filters apply.
            return (matched or not self._criteria.text) and self._only_text_filters
        return next(self._shown_vms(host, matched), None) is not None

    def _text_in(self, host: HostNode, text_matched: bool) -> bool:
        """Whether the filter text matches the host or (`text_matched`) one of its ancestors."""
        return text_matched or (bool(self._criteria.text) and self._criteria.text in host.search)

    @property
    def _only_text_filters(self) -> bool:
        return self._criteria.states == ALL_STATES and not self._criteria.problems_only

    def _shown_vms(self, host: HostNode, matched: bool) -> Iterator[VmNode]:
        """The host's VMs the filter shows, `matched` telling whether the text matched the host or an ancestor."""
        if self._only_text_filters:
            # Only the text narrows the VMs (as while typing in the filter box): no state test per VM, which
            # halves the cost of a keystroke that walks 10,000 VMs.
            text = self._criteria.text
            return iter(host.children) if matched else (vm for vm in host.children if text in vm.search)
        return (vm for vm in host.children if self._vm_ok(vm, matched))

    def _group_ok(self, group: GroupNode) -> bool:
        matched = bool(self._criteria.text) and self._criteria.text in group.search
        return any(self._host_ok(host, matched) for host in group.children)

    def accepts(self, node: Node) -> bool:
        """Whether a node is shown under the current filter (ancestors' name matches included)."""
        if not self.active:
            return True
        if isinstance(node, GroupNode):
            return self._group_ok(node)
        if isinstance(node, HostNode):
            return self._host_ok(node, self._ancestor_matches(node))
        return self._vm_ok(node, self._ancestor_matches(node))

    def shown_vm_count(self, host: HostNode) -> int:
        """How many of a host's VMs the filter shows: `accepts` for each, the host's text match found once."""
        if not self.accepts(host):
            return 0
        return sum(1 for _ in self._shown_vms(host, self._text_in(host, self._ancestor_matches(host))))

    def _ancestor_matches(self, node: HostNode | VmNode) -> bool:
        if not self._criteria.text:
            return False
        parent: GroupNode | HostNode | None = node.parent
        while parent is not None:
            if self._criteria.text in parent.search:
                return True
            parent = parent.parent if isinstance(parent, HostNode) else None
        return False

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not self.active:
            return True
        fleet = self._fleet
        assert fleet is not None
        if source_parent.isValid():
            parent = fleet.node_of_id(source_parent.internalId())
            if parent is None or isinstance(parent, VmNode) or source_row >= len(parent.children):
                return False
            node: Node = parent.children[source_row]
        else:
            groups = fleet.tree.groups
            if source_row >= len(groups):
                return False
            node = groups[source_row]
        return self.accepts(node)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        """Answered from the tree: Qt's own answer builds a mapping for every visible host, which runs the
        filter over all of its VMs just to draw an expand arrow (10,000 Python calls per keystroke)."""
        if not parent.isValid():
            return super().hasChildren(parent)
        node = self.node(parent)
        if node is None or isinstance(node, VmNode) or parent.column() != 0:
            return False
        # A shown host or group has a shown child by construction of the subtree test, unless it has none.
        return bool(node.children)

    # -- painting: one Python call per cell ------------------------------------------------------------------
    def multiData(self, index: AnyIndex, roles: QModelRoleDataSpan | QModelRoleData, /) -> None:
        """Every role of a cell in one call. QSortFilterProxyModel has no multiData of its own: the default
        asks `data` once per role, and each of those maps to the source (a Python `index` call) and calls the
        source's `data` (another): ~14 calls into Python per painted cell instead of 2."""
        fleet = self._fleet
        if fleet is None or not index.isValid():
            super().multiData(index, roles)
            return
        source = self.mapToSource(index)
        fill_roles(fleet, fleet.node(source), source.column(), roles)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """The source's flags (the same for every row), without mapping the index to the source first."""
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    # -- sorting goes to the source ---------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._fleet is not None:
            self._fleet.sort(column, order)

    def node(self, index: AnyIndex) -> Node | None:
        if self._fleet is None or not index.isValid():
            return None
        return self._fleet.node(self.mapToSource(index))

    def look_of(self, node: Node) -> tuple[object, ...]:
        assert self._fleet is not None  # a node came from it
        return self._fleet.look_of(node)
