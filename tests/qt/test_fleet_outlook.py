"""The tree shows host readiness, cluster gaps, at-risk and not-applicable VMs (models checked by qtmodeltester)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, Qt

from avma_console.domain.diagnosis import assess_fleet
from avma_console.domain.fleet import ClusterRecord, FleetSnapshot, GuestLicense, HostRecord, VmRecord
from avma_console.domain.keys import KeyChannel
from avma_console.domain.outlook import Marker
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import Edition, OsIdentity, ServerVersion, identify_os
from avma_console.qt.fleet_cells import CATEGORY_ROLE, READINESS_ROLE, STATE_ROLE, Column
from avma_console.qt.fleet_filter import FleetFilterProxy
from avma_console.qt.fleet_model import FleetModel
from avma_console.qt.widgets.state_filter import StateFilterBar

S = ActivationState
TOOLTIP = Qt.ItemDataRole.ToolTipRole
DESKTOP = identify_os(caption="Microsoft Windows 11 Enterprise", build=22631, sku=4, product_type=1)


def server(version: str, edition: str = "Datacenter") -> OsIdentity:
    release = ServerVersion(version)
    return OsIdentity(version=release, edition=Edition(edition), is_server=True, build=release.build)


def guest(name: str, host: str, os: OsIdentity | None = None, *, licensed: bool = True) -> VmRecord:
    licence = GuestLicense(license_status=1, channel=KeyChannel.AVMA) if licensed else None
    return VmRecord(
        name=name,
        vm_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, name)),
        host_name=host,
        running=True,
        power_state="Running",
        guest=os or server("2022"),
        kvp_enabled=True,
        kvp_status="OK",
        guest_license=licence,
    )


def node(name: str, version: str = "2022", *, activated: bool = True, cluster: str | None = "CL",
         vms: Sequence[VmRecord] = ()) -> HostRecord:  # fmt: skip
    return HostRecord(name=name, cluster=cluster, os=server(version), activated=activated, hyperv=True, vms=tuple(vms))


def fleet() -> FleetSnapshot:
    """CL: HV-1 fine (two activated 2022 guests, at risk), HV-2 not activated, HV-3 too old for 2022;
    standalone HV-S with a Windows 11 desktop and an activated guest."""
    hosts = (
        node("HV-1", vms=[guest("web-01", "HV-1"), guest("web-02", "HV-1")]),
        node("HV-2", activated=False),
        node("HV-3", "2019", vms=[guest("erp-01", "HV-3", server("2019"))]),
        node("HV-S", "2025", cluster=None, vms=[guest("vdi-win11", "HV-S", DESKTOP, licensed=False),
                                                guest("mail-01", "HV-S")]),
    )  # fmt: skip
    clusters = (ClusterRecord("CL", ("HV-1", "HV-2", "HV-3")),)
    return assess_fleet(FleetSnapshot(datetime(2026, 11, 1, tzinfo=UTC), clusters, hosts))


def find(model: FleetModel | FleetFilterProxy, name: str, parent: QModelIndex | None = None) -> QModelIndex:
    parent = parent or QModelIndex()
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        if index.data() == name:
            return index
        found = find(model, name, index)
        if found.isValid():
            return found
    return QModelIndex()


def cell(model: FleetModel | FleetFilterProxy, name: str, column: Column) -> QModelIndex:
    index = find(model, name)
    return index.siblingAtColumn(column)


def test_vms_at_risk_and_not_applicable_show_icon_text_and_keep_their_json_state(qtmodeltester) -> None:
    model = FleetModel()
    qtmodeltester.check(model, force_py=True)
    model.apply_snapshot(fleet(), complete=True)

    web = cell(model, "web-01", Column.STATE)
    assert web.data() == "At risk on failover · AVMA activated"
    assert web.data(CATEGORY_ROLE) == Marker.AT_RISK.value
    assert web.data(STATE_ROLE) == "at_risk"
    assert model.snapshot().hosts[0].vms[0].state is S.AVMA_ACTIVATED  # the JSON state is unchanged
    assert web.data(Qt.ItemDataRole.DecorationRole) is not None  # an icon, not colour alone
    assert "HV-2, HV-3" in web.data(TOOLTIP)

    desk = cell(model, "vdi-win11", Column.STATE)
    assert desk.data() == "Not applicable (client OS)"
    assert desk.data(CATEGORY_ROLE) == Marker.NOT_APPLICABLE.value
    assert cell(model, "vdi-win11", Column.GUEST_VERSION).data() == "n/a"
    assert cell(model, "mail-01", Column.STATE).data() == "AVMA activated"

    counts = model.fleet_counts()
    assert counts[Marker.AT_RISK] == 3 and counts[Marker.NOT_APPLICABLE] == 1  # erp-01 may go to HV-2 too
    assert counts[S.AVMA_ACTIVATED] == 1  # mail-01, standalone
    standalone = cell(model, "Standalone hosts", Column.STATE).data()
    assert standalone.startswith("AVMA activated") and "1 –" in standalone  # not applicable is never the worst


def test_host_rows_carry_a_readiness_badge_and_the_cluster_row_names_its_gaps(qtmodeltester) -> None:
    model = FleetModel()
    qtmodeltester.check(model, force_py=True)
    model.apply_snapshot(fleet(), complete=True)

    hv1, hv2, hv3 = (find(model, name) for name in ("HV-1", "HV-2", "HV-3"))
    assert hv1.data(READINESS_ROLE) is True
    assert hv2.data(READINESS_ROLE) is False and hv3.data(READINESS_ROLE) is False
    assert hv2.data(Qt.ItemDataRole.DecorationRole) is not None  # the badge beside the host's name
    assert hv1.siblingAtColumn(Column.STATE).data().startswith("Ready")
    assert hv2.siblingAtColumn(Column.STATE).data().startswith("Not ready: not activated")
    assert hv3.siblingAtColumn(Column.STATE).data().startswith("Not ready: too old for 2022")
    tooltip = hv3.data(TOOLTIP)
    assert "✓ Datacenter edition" in tooltip and "✓ Activated" in tooltip and "✓ Hyper-V role" in tooltip
    assert "✗ Version activates every guest that may run here: too old for 2022" in tooltip
    assert "✗ Activated: not activated" in hv2.data(TOOLTIP)

    cluster = cell(model, "CL", Column.STATE).data()
    assert cluster.startswith("2 of 3 nodes cannot activate: HV-2 (any guest), HV-3 (2022)")
    assert "HV-2 (any guest)" in find(model, "CL").data(TOOLTIP)

    # A node upgraded in a rescan: its badge and the cluster row follow.
    upgraded = fleet()
    hosts = tuple(
        HostRecord(**{**{f: getattr(h, f) for f in ("name", "cluster", "activated", "hyperv", "vms")}, "os": server("2022")})
        if h.name == "HV-3" else h
        for h in upgraded.hosts
    )  # fmt: skip
    model.apply_snapshot(assess_fleet(FleetSnapshot(upgraded.scanned_at, upgraded.clusters, hosts)), complete=True)
    assert find(model, "HV-3").data(READINESS_ROLE) is True
    assert cell(model, "CL", Column.STATE).data().startswith("1 of 3 nodes cannot activate: HV-2 (any guest)")


def test_at_risk_and_not_applicable_have_their_own_toggles_and_counts(qtmodeltester) -> None:
    model = FleetModel()
    proxy = FleetFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    model.apply_snapshot(fleet(), complete=True)

    proxy.set_problems_only(True)
    # "Problems only" = not activated today: an at-risk VM is activated (it has its toggle below), and a
    # client OS is no AVMA problem even though its JSON state is "unknown".
    assert not find(proxy, "web-01").isValid()
    assert not find(proxy, "vdi-win11").isValid()
    assert not find(proxy, "mail-01").isValid()
    proxy.set_problems_only(False)

    bar = StateFilterBar()
    bar.set_counts(model.fleet_counts())
    assert bar.buttons[Marker.AT_RISK].text() == "At risk (3)"
    assert bar.buttons[Marker.NOT_APPLICABLE].text() == "Not applicable (1)"
    bar.buttons[Marker.AT_RISK].setChecked(False)
    proxy.set_states(bar.shown_states())
    assert not find(proxy, "web-01").isValid() and find(proxy, "mail-01").isValid()
    bar.buttons[Marker.AT_RISK].setChecked(True)
    bar.buttons[Marker.NOT_APPLICABLE].setChecked(False)
    proxy.set_states(bar.shown_states())
    assert not find(proxy, "vdi-win11").isValid() and find(proxy, "web-01").isValid()
    proxy.set_states({Marker.AT_RISK})
    assert sorted(proxy.index(r, 0, find(proxy, "HV-1")).data() for r in range(2)) == ["web-01", "web-02"]


def test_the_detail_pane_names_readiness_gaps_and_the_vms_category() -> None:
    from avma_console.qt.details import DetailView, describe, selection_of
    from avma_console.qt.fleet_tree import Node

    def details(node: Node) -> DetailView:
        selection = selection_of(node)
        assert selection is not None
        return describe(selection)

    model = FleetModel()
    model.apply_snapshot(fleet(), complete=True)
    tree = model.tree
    hv3 = tree.hosts["hv-3"]
    facts = dict(details(hv3).facts)
    assert facts["AVMA readiness"] == "Not ready: too old for 2022"
    group = dict(details(hv3.parent).facts)
    assert group["Readiness"] == "2 of 3 nodes cannot activate: HV-2 (any guest), HV-3 (2022)"
    web = tree.find_vm("web-01")
    assert web is not None
    view = details(web)
    assert view.state is S.AVMA_ACTIVATED
    assert view.state_text.startswith("At risk — A cluster node it may fail over to cannot activate it")
    assert "AVMA activated — Licensed through AVMA" in view.state_text
