"""What each cell of the fleet tree says: the columns, the data roles, the display strings and tooltips.

Pure formatting of `FleetTree` nodes (no model state): `fleet_model.FleetModel` caches `cells_of` on the nodes and
answers Qt's roles from here; the details pane reuses the readiness and gap texts.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import IntEnum

from PySide6.QtCore import Qt

from avma_console.domain.fleet import VmRecord
from avma_console.domain.i18n import tr_noop
from avma_console.domain.outlook import (
    Category,
    Check,
    CheckResult,
    HostReadiness,
    Marker,
    NodeGap,
    category_rank,
    risk_nodes,
)
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import ServerVersion
from avma_console.qt import theme
from avma_console.qt.fleet_tree import GroupNode, HostNode, Node, VmNode
from avma_console.qt.text import error_kind_text, finding_message, local_time, remote_error, remote_fix, translator


class Column(IntEnum):
    NAME = 0
    STATE = 1
    GUEST_VERSION = 2
    HOST_VERSION = 3
    EDITION = 4
    DATA_EXCHANGE = 5
    LAST_ACTIVATION = 6


# Per column, in the order of `Column`: its header (translated by the model) and its default width in pixels.
# A new column is a member above, a line here and its cell in `_vm_cells`, `_host_cells` and `_group_cells`.
_COLUMN_TABLE: dict[Column, tuple[str, int]] = {
    Column.NAME: (tr_noop("FleetModel", "Name"), 195),
    Column.STATE: (tr_noop("FleetModel", "State"), 300),
    Column.GUEST_VERSION: (tr_noop("FleetModel", "Guest version"), 95),
    Column.HOST_VERSION: (tr_noop("FleetModel", "Host version"), 90),
    Column.EDITION: (tr_noop("FleetModel", "Edition"), 120),
    Column.DATA_EXCHANGE: (tr_noop("FleetModel", "Data Exchange"), 100),
    Column.LAST_ACTIVATION: (tr_noop("FleetModel", "Last activation"), 135),
}
assert list(_COLUMN_TABLE) == list(Column), "one row per Column, in order"
COLUMN_TITLES = tuple(title for title, _ in _COLUMN_TABLE.values())
COLUMN_WIDTHS = tuple(width for _, width in _COLUMN_TABLE.values())

NODE_ROLE = Qt.ItemDataRole.UserRole + 1  # the FleetTree node (GroupNode | HostNode | VmNode)
STATE_ROLE = Qt.ItemDataRole.UserRole + 2  # the category value of the row (worst for roll-ups), or None
KIND_ROLE = Qt.ItemDataRole.UserRole + 3  # "group" | "host" | "vm"
# A host's readiness (True ready, False cannot activate some or all guests, None not known); None elsewhere.
READINESS_ROLE = Qt.ItemDataRole.UserRole + 4
# The row's display category (an ActivationState or a Marker: at risk, not applicable), not its JSON value.
CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 5


_tr = translator("FleetModel")


def counts_text(counts: Counter[Category]) -> str:
    """ "4 ✓ 1 ⚠ 2 ✗": per-state counts folded by glyph, best first."""
    by_glyph: dict[str, int] = {}
    for state in theme.CATEGORY_ORDER:
        if counts.get(state):
            glyph = theme.STATE_GLYPHS[state]
            by_glyph[glyph] = by_glyph.get(glyph, 0) + counts[state]
    return "  ".join(f"{count} {glyph}" for glyph, count in by_glyph.items())


def _version(value: ServerVersion | None) -> str:
    return value.label if value is not None else ""


def _local_time(value: datetime | None) -> str:
    return local_time(value, with_seconds=False) if value else ""


def data_exchange_text(vm: VmRecord) -> str:
    if vm.kvp_enabled is None:
        return _tr("unknown")
    if not vm.kvp_enabled:
        return _tr("Disabled")
    status = (vm.kvp_status or "").strip()
    if status and status.casefold() != "ok":
        return _tr("Enabled · {status}").format(status=status)
    return _tr("Enabled")


def vm_state_text(node: VmNode) -> str:
    """The State cell: the state, or the display category with the state it refines."""
    vm = node.record
    if node.category is Marker.AT_RISK:
        return _tr("At risk on failover · {state}").format(state=theme.state_label(vm.state))
    if node.category is Marker.NOT_APPLICABLE:
        return _tr("Not applicable (client OS)") if vm.guest.is_server is False else _tr("Not applicable")
    if node.category is Marker.NO_EVIDENCE:
        return theme.state_label(Marker.NO_EVIDENCE)
    return theme.state_label(vm.state)


def _vm_cells(node: VmNode) -> list[str]:
    vm = node.record
    host = node.parent.record
    guest = vm.guest
    edition = guest.edition.label if guest.edition else ""
    not_applicable = node.category is Marker.NOT_APPLICABLE
    if not guest.version and guest.is_server is False:
        edition = _tr("client OS")
    return [
        vm.name,
        vm_state_text(node),
        _version(guest.version) or (_tr("n/a") if not_applicable else "?" if vm.running else ""),
        _version(host.version),
        edition,
        data_exchange_text(vm),
        _local_time(vm.last_activation),
    ]


def _rollup_text(worst: Category | None, counts: Counter[Category], empty: str) -> str:
    if worst is None:
        return empty
    summary = counts_text(counts)
    return f"{theme.state_label(worst)}  {summary}" if summary else theme.state_label(worst)


def _host_cells(node: HostNode) -> list[str]:
    host = node.record
    if not host.reachable:
        state = theme.state_label(ActivationState.UNREACHABLE)
        if host.error_kind:
            state += f" ({error_kind_text(host.error_kind)})"
    else:
        state = _rollup_text(node.worst, node.counts, _tr("No VMs"))
        badge = readiness_text(node.readiness)
        if badge:
            state = f"{badge}  │  {state}"
    return [
        host.name,
        state,
        "",
        _version(host.version),
        host.edition.label if host.edition else "",
        "",
        "",
    ]


_CHECK_FAILURES = {  # short: the badge shares the State cell with the roll-up; the tooltip has the long form
    Check.DATACENTER: tr_noop("FleetModel", "{detail} edition"),
    Check.ACTIVATED: tr_noop("FleetModel", "not activated"),
    Check.HYPERV: tr_noop("FleetModel", "no Hyper-V"),
    Check.VERSION: tr_noop("FleetModel", "too old for {versions}"),
}
_CHECK_NAMES = {
    Check.DATACENTER: tr_noop("FleetModel", "Datacenter edition"),
    Check.ACTIVATED: tr_noop("FleetModel", "Activated"),
    Check.HYPERV: tr_noop("FleetModel", "Hyper-V role"),
    Check.VERSION: tr_noop("FleetModel", "Version activates every guest that may run here"),
}


def check_failure_text(check: CheckResult) -> str:
    versions = ", ".join(v.label for v in check.too_new)
    return _tr(_CHECK_FAILURES[check.check]).format(detail=check.detail, versions=versions)


def readiness_text(readiness: HostReadiness | None) -> str:
    """The host badge: "Ready", or "Not ready: " and every failing check."""
    if readiness is None:
        return ""
    if readiness.ready is None:
        return _tr("Readiness not known")
    if readiness.ready:
        return _tr("Ready")
    return _tr("Not ready: {checks}").format(checks="; ".join(check_failure_text(c) for c in readiness.failing))


def readiness_tooltip(readiness: HostReadiness) -> list[str]:
    lines = [_tr("AVMA host readiness:")]
    for check in readiness.checks:
        mark = "✓" if check.ok else "✗" if check.ok is False else "?"
        line = f"{mark} {_tr(_CHECK_NAMES[check.check])}"
        if check.ok is False:
            line += f": {check_failure_text(check)}"
        elif check.ok is None:
            line += f": {_tr('not reported')}"
        lines.append(line)
    return lines


def gaps_text(gaps: tuple[NodeGap, ...], nodes: int) -> str:
    """ "2 of 3 nodes cannot activate: HV-FRA-02 (any guest), HV-FRA-03 (2022, 2025)"."""
    if not gaps:
        return ""
    parts = [
        _tr("{node} (any guest)").format(node=gap.node)
        if gap.any_guest
        else _tr("{node} ({versions})").format(node=gap.node, versions=", ".join(v.label for v in gap.versions))
        for gap in gaps
    ]
    return _tr("{count} of {nodes} nodes cannot activate: {which}").format(
        count=len(gaps), nodes=nodes, which=", ".join(parts)
    )


def _group_cells(node: GroupNode) -> list[str]:
    name = _tr("Standalone hosts") if node.standalone else node.name
    state = _rollup_text(node.worst, node.counts, "")
    gaps = gaps_text(node.gaps, len(node.children))
    if gaps:
        state = f"{gaps}  │  {state}"
    return [name, state, "", "", "", "", ""]


def cells_of(node: Node) -> list[str]:
    cells = node.cells
    if cells is None:
        if isinstance(node, VmNode):
            cells = _vm_cells(node)
        elif isinstance(node, HostNode):
            cells = _host_cells(node)
        else:
            cells = _group_cells(node)
        node.cells = cells
    return cells


def tooltip_of(node: Node) -> str:
    if isinstance(node, VmNode):
        vm = node.record
        lines = [f"{vm.name}: {vm_state_text(node)}", theme.category_description(vm.state)]
        if node.category is not vm.state:
            lines.append(theme.category_description(node.category))
        if node.category is Marker.AT_RISK:
            nodes = ", ".join(dict.fromkeys(risk_nodes(vm)))
            lines.append(_tr("Nodes that could not activate it: {nodes}").format(nodes=nodes))
        lines += [f"• {finding_message(finding)}" for finding in vm.findings[:3]]
        return "\n".join(lines)
    if isinstance(node, HostNode):
        host = node.record
        if not host.reachable:
            lines = [
                _tr("{host} could not be queried: {reason}").format(host=host.name, reason=remote_error(host.error))
            ]
            if host.error_fix:
                lines.append(remote_fix(host.error_fix))
            return "\n".join(lines)
        lines = [host.name, _tr("{count} VMs").format(count=len(host.vms))]
        lines += [f"{count} × {theme.state_label(state)}" for state, count in _ordered(node.counts)]
        if node.readiness is not None:
            lines += readiness_tooltip(node.readiness)
        lines += [f"• {finding_message(finding)}" for finding in host.findings[:3]]
        return "\n".join(lines)
    title = _tr("Standalone hosts") if node.standalone else _tr("Cluster {name}").format(name=node.name)
    lines = [title, _tr("{count} hosts").format(count=len(node.children))]
    if node.cluster is not None and node.cluster.nodes:
        lines.append(_tr("Nodes: {nodes}").format(nodes=", ".join(node.cluster.nodes)))
    lines += [f"{count} × {theme.state_label(state)}" for state, count in _ordered(node.counts)]
    gaps = gaps_text(node.gaps, len(node.children))
    if gaps:
        lines.append(gaps)
    return "\n".join(lines)


def _ordered(counts: Counter[Category]) -> list[tuple[Category, int]]:
    return sorted(counts.items(), key=lambda item: -category_rank(item[0]))
