"""The fleet as a tree (groups > hosts > VMs), without Qt: the structure the item model adapts.

Groups are clusters (by name) and one "Standalone hosts" group, always last. Every node has a small integer
id (what Qt indexes carry, so a stale index can never point at freed memory), its row in its parent, and
caches that the model fills lazily (display strings) and clears when a record changes. Roll-ups (worst state
and per-state counts) are computed when a record is set, so drawing never walks a subtree.

Nothing here emits signals: `FleetModel` calls these primitives between its begin*/end* calls.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from avma_console.domain.fleet import ClusterRecord, HostRecord, VmRecord
from avma_console.domain.outlook import (
    Category,
    HostReadiness,
    NodeGap,
    category_of,
    guest_versions_of,
    host_readiness,
    worst_category,
)
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import ServerVersion

STANDALONE_KEY = "\x00standalone"
_ids = itertools.count(1)

SortKey = tuple[Any, ...]


class VmNode:
    __slots__ = ("category", "cells", "id", "parent", "record", "row", "search")

    def __init__(self, record: VmRecord, parent: HostNode, row: int) -> None:
        self.id = next(_ids)
        self.parent = parent
        self.row = row
        self.record = record
        self.search = record.name.casefold()
        self.cells: list[str] | None = None
        self.category: Category = category_of(record)

    @property
    def state(self) -> ActivationState:
        return self.record.state

    def set_record(self, record: VmRecord) -> None:
        self.record = record
        self.cells = None
        self.category = category_of(record)


class HostNode:
    __slots__ = (
        "cells",
        "children",
        "counts",
        "id",
        "key",
        "pairs",
        "parent",
        "readiness",
        "readiness_stale",
        "record",
        "row",
        "search",
        "worst",
    )

    def __init__(self, record: HostRecord, parent: GroupNode, row: int = 0) -> None:
        self.id = next(_ids)
        self.parent = parent
        self.row = row
        self.key = record.name.casefold()
        self.children: list[VmNode] = []
        self.record = record
        self.search = self.key
        self.cells: list[str] | None = None
        # Per display category (states, at risk, not applicable): what roll-ups, counts and toggles show.
        self.counts: Counter[Category] = Counter()
        self.worst: Category | None = None
        # Datacenter, activated, Hyper-V, version: set by the group, which knows the guests that may run here.
        self.readiness: HostReadiness | None = None
        self.readiness_stale = True  # its record changed since the group last worked out its readiness
        # (host version family, guest version family) -> VMs: this host's share of the matrix overlay.
        self.pairs: Counter[tuple[ServerVersion, ServerVersion]] = Counter()

    @property
    def state(self) -> Category | None:
        return self.worst

    def set_record(self, record: HostRecord) -> None:
        """Replace the record; VM nodes must be made to match by the caller (same names, or rebuilt)."""
        self.record = record
        self.cells = None
        self.readiness_stale = True
        categories = [category_of(vm) for vm in record.vms]
        self.counts = Counter(categories)
        if not record.reachable:
            self.counts = Counter({ActivationState.UNREACHABLE: 1})
            self.worst = ActivationState.UNREACHABLE
        else:
            self.worst = worst_category(categories)
        self.pairs = Counter()
        if record.reachable and record.version is not None:
            family = record.version.avma_family
            for vm in record.vms:
                if vm.guest_version is not None:
                    self.pairs[(family, vm.guest_version.avma_family)] += 1

    def vm_names(self) -> list[str]:
        return [child.record.name for child in self.children]


class GroupNode:
    __slots__ = (
        "cells",
        "children",
        "cluster",
        "counts",
        "gaps",
        "guest_versions",
        "id",
        "key",
        "name",
        "row",
        "search",
        "worst",
    )

    def __init__(self, key: str, name: str, row: int = 0) -> None:
        self.id = next(_ids)
        self.key = key
        self.name = name
        self.row = row
        self.cluster: ClusterRecord | None = None
        self.children: list[HostNode] = []
        self.search = name.casefold() if key != STANDALONE_KEY else ""
        self.cells: list[str] | None = None
        self.counts: Counter[Category] = Counter()
        self.worst: Category | None = None
        self.gaps: tuple[NodeGap, ...] = ()  # cluster nodes that cannot activate some of its guests
        # A cluster's guest versions when its nodes' readiness was last worked out (None: not yet).
        self.guest_versions: tuple[ServerVersion, ...] | None = None

    @property
    def standalone(self) -> bool:
        return self.key == STANDALONE_KEY

    @property
    def state(self) -> Category | None:
        return self.worst

    def refresh(self) -> list[HostNode]:
        """Recompute roll-ups and the hosts' readiness; returns the hosts whose readiness changed.

        Readiness is worked out again only where it can have changed: hosts with a new record, and every node
        of a cluster whose guest versions changed. A scan refreshes a group after every batch of hosts, so
        working it out for all of a large group's hosts each time would cost the square of its size."""
        counts: Counter[Category] = Counter()
        for host in self.children:
            counts.update(host.counts)
        self.counts = counts
        self.worst = worst_category(host.worst for host in self.children if host.worst is not None)
        self.cells = None
        # In a cluster any VM may fail over to any node: a node must activate every guest version of the
        # cluster. A standalone host only needs to activate its own guests.
        shared = guest_versions_of(host.record for host in self.children) if not self.standalone else None
        every_host = shared != self.guest_versions
        self.guest_versions = shared
        changed = []
        for host in self.children:
            if not (every_host or host.readiness_stale):
                continue
            host.readiness_stale = False
            versions = shared if shared is not None else guest_versions_of([host.record])
            readiness = host_readiness(host.record, versions)
            if readiness != host.readiness:
                host.readiness = readiness
                host.cells = None
                changed.append(host)
        if not self.standalone:
            # What cluster_gaps(records) finds, from the readiness just brought up to date.
            self.gaps = tuple(
                NodeGap(
                    host.record.name,
                    host.readiness.cannot_activate_any,
                    () if host.readiness.cannot_activate_any else host.readiness.too_new,
                )
                for host in self.children
                if host.readiness is not None and host.readiness.ready is False
            )
        return changed


Node = GroupNode | HostNode | VmNode


def release(nodes: Iterable[GroupNode | HostNode]) -> None:
    """Break the parent/children cycles of nodes that left the tree, so reference counting frees them.

    The console freezes its heap after every scan (scan_controller.responsive_while_scanning): a cycle among
    frozen objects would never be collected.
    """
    for node in nodes:
        if isinstance(node, GroupNode):
            release(node.children)
        node.children = []


def group_key_of(record: HostRecord) -> str:
    return record.cluster.casefold() if record.cluster else STANDALONE_KEY


def renumber(children: Sequence[GroupNode | HostNode | VmNode], start: int = 0) -> None:
    for row in range(start, len(children)):
        children[row].row = row


class FleetTree:
    """Groups in display order, plus look-ups by id (for Qt indexes) and by host name."""

    def __init__(self) -> None:
        self.groups: list[GroupNode] = []
        self.nodes: dict[int, Node] = {}
        self.hosts: dict[str, HostNode] = {}
        self.groups_by_key: dict[str, GroupNode] = {}
        self.clusters: dict[str, ClusterRecord] = {}
        self.vm_count = 0

    # -- building nodes (not yet in the tree) ------------------------------------------------------------
    def new_group(self, key: str, name: str) -> GroupNode:
        group = GroupNode(key, name)
        group.cluster = self.clusters.get(key)
        return group

    def new_host(self, record: HostRecord, group: GroupNode) -> HostNode:
        host = HostNode(record, group)
        host.set_record(record)
        host.children = [VmNode(vm, host, row) for row, vm in enumerate(record.vms)]
        return host

    # -- structural changes ------------------------------------------------------------------------------
    def insert_group(self, row: int, group: GroupNode) -> None:
        self.groups.insert(row, group)
        renumber(self.groups, row)
        self.groups_by_key[group.key] = group
        self._register(group)
        for host in group.children:
            self._register_host(host)
        group.refresh()

    def remove_group(self, row: int) -> GroupNode:
        group = self.groups.pop(row)
        renumber(self.groups, row)
        del self.groups_by_key[group.key]
        for host in group.children:
            self._unregister_host(host)
        self.nodes.pop(group.id, None)
        return group

    def insert_hosts(self, group: GroupNode, row: int, hosts: Sequence[HostNode]) -> None:
        group.children[row:row] = hosts
        renumber(group.children, row)
        for host in hosts:
            host.parent = group
            self._register_host(host)

    def remove_hosts(self, group: GroupNode, first: int, last: int) -> list[HostNode]:
        removed = group.children[first : last + 1]
        del group.children[first : last + 1]
        renumber(group.children, first)
        for host in removed:
            self._unregister_host(host)
        return removed

    def set_vms(self, host: HostNode, vms: Sequence[VmRecord]) -> None:
        """Rebuild a host's VM nodes (its rows must have been removed from views first)."""
        for child in host.children:
            self.nodes.pop(child.id, None)
        self.vm_count -= len(host.children)
        host.children = [VmNode(vm, host, row) for row, vm in enumerate(vms)]
        for child in host.children:
            self.nodes[child.id] = child
        self.vm_count += len(host.children)

    def clear_vms(self, host: HostNode) -> None:
        self.set_vms(host, ())

    def update_host(self, host: HostNode, record: HostRecord) -> None:
        """Same VM names in the same order: records are replaced in place."""
        host.set_record(record)
        for child, vm in zip(host.children, record.vms, strict=True):
            child.set_record(vm)

    def adopt_equal(self, host: HostNode, record: HostRecord) -> None:
        """`record` equals the host's record: take the new objects, keep every cache (nothing visible changes)."""
        fresh = {id(old): new for old, new in zip(host.record.vms, record.vms, strict=True)}
        host.record = record
        for child in host.children:
            child.record = fresh.get(id(child.record), child.record)

    def _register(self, node: Node) -> None:
        self.nodes[node.id] = node

    def _register_host(self, host: HostNode) -> None:
        self.nodes[host.id] = host
        self.hosts[host.key] = host
        for child in host.children:
            self.nodes[child.id] = child
        self.vm_count += len(host.children)

    def _unregister_host(self, host: HostNode) -> None:
        self.nodes.pop(host.id, None)
        if self.hosts.get(host.key) is host:
            del self.hosts[host.key]
        for child in host.children:
            self.nodes.pop(child.id, None)
        self.vm_count -= len(host.children)

    # -- queries -------------------------------------------------------------------------------------------
    def host_records(self) -> list[HostRecord]:
        return [host.record for group in self.groups for host in group.children]

    def cluster_records(self) -> list[ClusterRecord]:
        return [group.cluster for group in self.groups if group.cluster is not None]

    def find_vm(self, name: str, host: str | None = None) -> VmNode | None:
        folded = name.casefold()
        for group in self.groups:
            for host_node in group.children:
                if host is not None and host_node.key != host.casefold():
                    continue
                for vm in host_node.children:
                    if vm.search == folded:
                        return vm
        return None

    def group_insert_row(self, group: GroupNode, key: Callable[[Node], SortKey], descending: bool) -> int:
        """Where a new group goes: clusters in sort order, the standalone group always last."""
        if group.standalone:
            return len(self.groups)
        clusters = [g for g in self.groups if not g.standalone]
        return insert_position(clusters, group, key, descending)


def insert_position(children: Sequence[Node], node: Node, key: Callable[[Node], SortKey], descending: bool) -> int:
    """The row that keeps `children` sorted (children are assumed sorted already); after equal keys."""
    target = key(node)
    low, high = 0, len(children)
    while low < high:
        middle = (low + high) // 2
        probe = key(children[middle])
        before = probe >= target if descending else probe <= target
        if before:
            low = middle + 1
        else:
            high = middle
    return low


def runs(positions: Iterable[tuple[int, HostNode]]) -> list[tuple[int, list[HostNode]]]:
    """Group (position, node) pairs, sorted by position, into runs that insert at one position."""
    grouped: list[tuple[int, list[HostNode]]] = []
    for position, node in positions:
        if grouped and grouped[-1][0] == position:
            grouped[-1][1].append(node)
        else:
            grouped.append((position, [node]))
    return grouped


def last_activation_key(value: datetime | None) -> str:
    return value.isoformat() if value else ""
