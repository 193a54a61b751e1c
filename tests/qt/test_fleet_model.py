"""The fleet model under incremental updates, checked by Qt's own model tester, and the filter proxy."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from PySide6.QtCore import QModelIndex, QModelRoleData, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon
from qt_helpers import make_host, make_vm

from avma_console.domain.fleet import ClusterRecord, FleetSnapshot, HostRecord
from avma_console.domain.outlook import cluster_gaps, guest_versions_of, host_readiness
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import ServerVersion
from avma_console.qt.fleet_cells import NODE_ROLE, STATE_ROLE, Column
from avma_console.qt.fleet_filter import FleetFilterProxy
from avma_console.qt.fleet_model import SNAPSHOT_STEP_HOSTS, FleetModel
from avma_console.qt.fleet_tree import HostNode, VmNode

S = ActivationState


def names(model: FleetModel | FleetFilterProxy, parent: QModelIndex | None = None) -> list[str]:
    parent = parent or QModelIndex()
    return [model.index(row, 0, parent).data() for row in range(model.rowCount(parent))]


def tree_of(model: FleetModel | FleetFilterProxy) -> dict[str, dict[str, list[str]]]:
    result: dict[str, dict[str, list[str]]] = {}
    for group_row in range(model.rowCount()):
        group = model.index(group_row, 0)
        result[group.data()] = {
            model.index(row, 0, group).data(): names(model, model.index(row, 0, group))
            for row in range(model.rowCount(group))
        }
    return result


def test_hosts_added_one_by_one_replaced_moved_and_removed_keep_the_model_consistent(qtmodeltester) -> None:
    model = FleetModel()
    qtmodeltester.check(model, force_py=True)  # the tester keeps watching every signal from here on

    model.upsert_hosts([make_host("HV-2", "CL", (("b-vm", S.GRACE), ("a-vm", S.AVMA_ACTIVATED)))])
    model.upsert_hosts([make_host("HV-1", "CL", (("c-vm", S.ACTIVATION_DENIED),))])
    model.upsert_hosts([make_host("HV-9", None, (("solo", S.UNKNOWN),))])
    model.upsert_hosts([make_host("HV-0", "AA-cluster", (("x", S.ACTIVATED_OTHER),))])
    model.upsert_hosts([make_host("HV-DOWN", None, error="refused")])
    assert tree_of(model) == {
        "AA-cluster": {"HV-0": ["x"]},
        "CL": {"HV-1": ["c-vm"], "HV-2": ["a-vm", "b-vm"]},
        "Standalone hosts": {"HV-9": ["solo"], "HV-DOWN": []},
    }
    assert model.vm_count == 5

    # Rescan: same VMs with new states -> records replaced in place (rows stay).
    hv2 = model.host_node("HV-2")
    assert hv2 is not None
    rows_before = [child.id for child in hv2.children]
    model.upsert_hosts([make_host("HV-2", "CL", (("a-vm", S.UNLICENSED), ("b-vm", S.AVMA_ACTIVATED)))])
    assert [child.id for child in hv2.children] == rows_before
    assert hv2.worst is S.UNLICENSED
    # Rescan with a different VM list -> VM rows removed and inserted.
    model.upsert_hosts([make_host("HV-2", "CL", (("new-vm", S.GRACE),))])
    assert tree_of(model)["CL"]["HV-2"] == ["new-vm"]
    # A host that joined a cluster moves groups; the empty standalone group stays while HV-DOWN is there.
    model.upsert_hosts([make_host("HV-9", "CL", (("solo", S.UNKNOWN),))])
    assert "HV-9" in tree_of(model)["CL"]
    # A batch of several new hosts at once (one insert per run of rows).
    model.upsert_hosts([make_host(f"HV-B{i}", "CL", (("vm", S.AVMA_ACTIVATED),)) for i in (3, 1, 2)])
    assert list(tree_of(model)["CL"]) == ["HV-1", "HV-2", "HV-9", "HV-B1", "HV-B2", "HV-B3"]
    model.remove_hosts(["HV-DOWN"])
    assert "Standalone hosts" not in tree_of(model)
    model.clear()
    assert model.rowCount() == 0


def test_a_finished_scan_adds_cluster_findings_and_drops_hosts_no_longer_there(qtmodeltester) -> None:
    model = FleetModel()
    qtmodeltester.check(model, force_py=True)
    model.upsert_hosts([make_host("HV-1", "CL", (("vm", S.AVMA_ACTIVATED),)), make_host("OLD", None)])
    snapshot = FleetSnapshot(
        scanned_at=model.snapshot().scanned_at,
        clusters=(ClusterRecord("CL", ("HV-1", "HV-2")),),
        hosts=(make_host("HV-1", "CL", (("vm", S.AVMA_ACTIVATED),)), make_host("HV-2", "CL", (("db", S.GRACE),))),
    )
    model.apply_snapshot(snapshot, complete=True)
    assert tree_of(model) == {"CL": {"HV-1": ["vm"], "HV-2": ["db"]}}
    group = model.index(0, 0)
    assert group.data(STATE_ROLE) == S.GRACE.value
    assert "1 ✓" in model.index(0, Column.STATE).data() and "1 ⚠" in model.index(0, Column.STATE).data()
    assert "HV-1, HV-2" in group.data(Qt.ItemDataRole.ToolTipRole)


def test_rows_show_colour_icon_and_text_and_unreachable_hosts_explain_why() -> None:
    model = FleetModel()
    model.upsert_hosts(
        [make_host("HV-1", None, (("vm", S.ACTIVATION_DENIED),)), make_host("DOWN", None, error="refused it")]
    )
    hv1, down_node = model.host_node("HV-1"), model.host_node("DOWN")
    assert hv1 is not None
    assert down_node is not None
    vm = model.index_of(hv1.children[0], Column.STATE)
    assert vm.data() == "Activation denied"
    assert vm.data(Qt.ItemDataRole.DecorationRole) is not None
    assert vm.data(Qt.ItemDataRole.ForegroundRole) is not None
    down = model.index_of(down_node)
    assert model.index_of(down_node, Column.STATE).data() == "Unreachable (refused)"
    tooltip = down.data(Qt.ItemDataRole.ToolTipRole)
    assert "refused it" in tooltip and "Start WinRM." in tooltip


def test_sorting_by_state_puts_the_worst_first_and_new_hosts_land_in_order(qtmodeltester) -> None:
    model = FleetModel()
    proxy = FleetFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    model.upsert_hosts(
        [
            make_host("HV-A", None, (("ok", S.AVMA_ACTIVATED),)),
            make_host("HV-B", None, (("bad", S.UNLICENSED),)),
        ]
    )
    proxy.sort(Column.STATE, Qt.SortOrder.DescendingOrder)
    assert names(proxy, proxy.index(0, 0)) == ["HV-B", "HV-A"]
    model.upsert_hosts([make_host("HV-C", None, (("grace", S.GRACE),))])
    assert names(proxy, proxy.index(0, 0)) == ["HV-B", "HV-C", "HV-A"]
    proxy.sort(Column.NAME, Qt.SortOrder.AscendingOrder)
    assert names(proxy, proxy.index(0, 0)) == ["HV-A", "HV-B", "HV-C"]


def test_the_filter_keeps_parents_of_matching_vms_and_filters_by_state(qtmodeltester) -> None:
    model = FleetModel()
    proxy = FleetFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    model.upsert_hosts(
        [
            make_host("HV-FRA-01", "CL-FRA", (("web-01", S.AVMA_ACTIVATED), ("app-2025", S.ACTIVATION_DENIED))),
            make_host("HV-BER-01", None, (("mail-01", S.AVMA_ACTIVATED), ("dc-01", S.GRACE))),
            make_host("HV-DOWN", None, error="refused"),
        ]
    )
    proxy.set_text("APP")
    assert tree_of(proxy) == {"CL-FRA": {"HV-FRA-01": ["app-2025"]}}
    # A host name match keeps its VMs.
    proxy.set_text("ber-01")
    assert tree_of(proxy) == {"Standalone hosts": {"HV-BER-01": ["dc-01", "mail-01"]}}
    proxy.set_text("")
    proxy.set_problems_only(True)
    assert tree_of(proxy) == {
        "CL-FRA": {"HV-FRA-01": ["app-2025"]},
        "Standalone hosts": {"HV-BER-01": ["dc-01"], "HV-DOWN": []},
    }
    proxy.set_problems_only(False)
    proxy.set_states({S.GRACE})
    assert tree_of(proxy) == {"Standalone hosts": {"HV-BER-01": ["dc-01"]}}
    # Changes while filtered: a VM turning to grace makes its host appear.
    model.upsert_hosts([make_host("HV-FRA-01", "CL-FRA", (("web-01", S.GRACE), ("app-2025", S.ACTIVATION_DENIED)))])
    assert tree_of(proxy) == {"CL-FRA": {"HV-FRA-01": ["web-01"]}, "Standalone hosts": {"HV-BER-01": ["dc-01"]}}
    # And new hosts arriving while filtered are filtered too.
    model.upsert_hosts([make_host("HV-NEW", None, (("ok", S.AVMA_ACTIVATED),))])
    assert "HV-NEW" not in tree_of(proxy).get("Standalone hosts", {})
    proxy.set_states(set(ActivationState))
    assert "HV-NEW" in tree_of(proxy)["Standalone hosts"]


@pytest.mark.parametrize(
    ("text", "states", "problems_only"),
    [
        ("", None, False),
        ("app", None, False),
        ("fra", None, False),  # the host's name (and the cluster's) match: all its VMs
        ("cl-fra", None, False),
        ("01", {S.GRACE}, False),
        ("", None, True),
        ("web", None, True),
        ("nothing", None, False),
    ],
)
def test_the_count_of_shown_vms_is_what_the_filter_accepts_one_by_one(
    text: str, states: set[ActivationState] | None, problems_only: bool
) -> None:
    model = FleetModel()
    proxy = FleetFilterProxy()
    proxy.setSourceModel(model)
    model.upsert_hosts(
        [
            make_host("HV-FRA-01", "CL-FRA", (("web-01", S.AVMA_ACTIVATED), ("app-2025", S.ACTIVATION_DENIED))),
            make_host("HV-BER-01", None, (("mail-01", S.AVMA_ACTIVATED), ("dc-01", S.GRACE), ("web-02", S.GRACE))),
            make_host("HV-DOWN", None, error="refused"),
        ]
    )
    proxy.set_text(text)
    if states is not None:
        proxy.set_states(states)
    proxy.set_problems_only(problems_only)
    for host in model.tree.hosts.values():
        one_by_one = sum(1 for vm in host.children if proxy.accepts(vm)) if proxy.accepts(host) else 0
        assert proxy.shown_vm_count(host) == one_by_one, host.key


def test_nodes_are_reachable_through_roles_and_matrix_pairs_are_counted() -> None:
    model = FleetModel()
    model.upsert_hosts([make_host("HV", None, (("vm", S.AVMA_ACTIVATED),), version=ServerVersion.V2019)])
    host = model.index(0, 0, model.index(0, 0))
    node = host.data(NODE_ROLE)
    assert isinstance(node, HostNode)
    assert isinstance(model.index(0, 0, host).data(NODE_ROLE), VmNode)
    assert model.matrix_overlay() == {(ServerVersion.V2019, ServerVersion.V2022): 1}
    # A record replaced by an equal one does not disturb the snapshot.
    model.upsert_hosts([replace(node.record)])
    assert [h.name for h in model.snapshot().hosts] == ["HV"]


def test_a_finished_scan_applied_step_by_step_signals_only_what_changed(qtmodeltester) -> None:
    model = FleetModel()
    qtmodeltester.check(model, force_py=True)  # checks the model after every step's signals
    vms = (("a-vm", S.AVMA_ACTIVATED), ("b-vm", S.GRACE))
    first = [make_host(f"HV-{i:02}", "CL" if i % 2 else None, vms) for i in range(20)] + [make_host("OLD", None, vms)]
    model.upsert_hosts(first)
    nodes = {host.name: model.host_node(host.name) for host in first}
    rows_before = {name: [child.id for child in node.children] for name, node in nodes.items() if node is not None}

    final = [replace(host) for host in first if host.name != "OLD"]  # equal records, new objects
    final[3] = make_host("HV-03", "CL", (("a-vm", S.UNLICENSED), ("b-vm", S.GRACE)))  # a state changed
    final[4] = make_host("HV-04", None, (("c-vm", S.GRACE),))  # another VM list
    final.append(make_host("HV-NEW", None, vms))
    snapshot = FleetSnapshot(
        scanned_at=model.snapshot().scanned_at, clusters=(ClusterRecord("CL", ("HV-01", "HV-03")),), hosts=tuple(final)
    )
    signalled: set[int] = set()  # ids of the nodes in every dataChanged range

    def note(top_left: QModelIndex, bottom_right: QModelIndex, _roles: object = None) -> None:
        parent = top_left.parent()
        for row in range(top_left.row(), bottom_right.row() + 1):
            node = model.node(model.index(row, 0, parent))
            assert node is not None
            signalled.add(node.id)

    model.dataChanged.connect(note)
    steps = model.apply_snapshot_steps(snapshot, complete=True)
    assert next(steps) == SNAPSHOT_STEP_HOSTS
    assert model.host_node("OLD") is not None  # hosts the scan no longer found go at the end
    assert list(steps) == [2 * SNAPSHOT_STEP_HOSTS, len(final)]
    assert model.host_node("OLD") is None
    assert model.host_node("HV-NEW") is not None

    # Unchanged hosts: no signal and the same rows, but the model hands out the new records.
    for name in ("HV-00", "HV-01", "HV-02", "HV-05", "HV-19"):
        node = model.host_node(name)
        assert node is not None
        assert node.record is next(host for host in final if host.name == name)
        assert [child.id for child in node.children] == rows_before[name]
        assert all(child.record in node.record.vms for child in node.children)
        assert signalled.isdisjoint({node.id, *rows_before[name]}), name
    # A changed state: the same rows with new data; another VM list: new rows.
    hv03 = model.host_node("HV-03")
    assert hv03 is not None
    assert [child.id for child in hv03.children] == rows_before["HV-03"]
    assert {hv03.id, *rows_before["HV-03"]} <= signalled
    assert hv03.worst is S.UNLICENSED
    assert tree_of(model)["Standalone hosts"]["HV-04"] == ["c-vm"]
    assert sorted(model.snapshot().hosts, key=lambda host: host.name) == sorted(final, key=lambda host: host.name)


def test_steps_stop_when_the_model_is_cleared_meanwhile(qtmodeltester) -> None:
    model = FleetModel()
    qtmodeltester.check(model, force_py=True)
    hosts = tuple(make_host(f"HV-{i:02}", None, (("vm", S.GRACE),)) for i in range(3 * SNAPSHOT_STEP_HOSTS))
    steps = model.apply_snapshot_steps(
        FleetSnapshot(scanned_at=model.snapshot().scanned_at, hosts=hosts), complete=True
    )
    next(steps)
    assert model.host_count == SNAPSHOT_STEP_HOSTS
    model.clear()  # another inventory was opened while the finished scan was going in
    assert list(steps) == []
    assert model.rowCount() == 0


def test_the_proxy_answers_all_roles_of_a_cell_in_one_call_as_data_would() -> None:
    model = FleetModel()
    proxy = FleetFilterProxy()
    proxy.setSourceModel(model)
    model.upsert_hosts(
        [make_host("HV-1", "CL", (("vm", S.ACTIVATION_DENIED),)), make_host("DOWN", None, error="refused")]
    )
    roles = [
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.BackgroundRole,
        STATE_ROLE,
    ]
    indexes: list[QModelIndex] = []
    for group_row in range(proxy.rowCount()):
        group = proxy.index(group_row, 0)
        for host_row in range(proxy.rowCount(group)):
            host = proxy.index(host_row, 0, group)
            rows = [group, host] + [proxy.index(row, 0, host) for row in range(proxy.rowCount(host))]
            indexes += [row.siblingAtColumn(column) for row in rows for column in range(len(Column))]
    assert len(indexes) > 20
    for index in indexes:
        for role in roles:
            entry = QModelRoleData(role)
            entry.setData("stale")  # a delegate reuses its entries: every role must be set or cleared
            proxy.multiData(index, entry)
            expected = proxy.data(index, role)
            if isinstance(expected, QIcon):
                assert entry.data().cacheKey() == expected.cacheKey()
            else:
                assert entry.data() == expected, (index.data(), role)
    assert proxy.flags(indexes[0]) == model.flags(proxy.mapToSource(QPersistentModelIndex(indexes[0])))


class _CountingProxy(FleetFilterProxy):
    def __init__(self) -> None:
        super().__init__()
        self.tests = 0

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        self.tests += 1
        return super().filterAcceptsRow(source_row, source_parent)


def test_a_finished_scans_snapshot_leaves_a_keystroke_only_the_rows_the_view_can_show(qtmodeltester) -> None:
    # The hosts were shown as they answered (and mapped, as a view that expanded them asks); the finished scan's
    # snapshot then brings their VMs. The model says when a whole snapshot is in, and the proxy forgets the
    # mappings that made, so the next keystroke tests what the view shows, not every VM.
    vms = tuple((f"vm-{n:02}", S.AVMA_ACTIVATED) for n in range(20))
    names = [f"HV-{n:02}" for n in range(10)]
    model = FleetModel()
    proxy = _CountingProxy()
    proxy.setSourceModel(model)
    model.upsert_hosts([make_host(name) for name in names])
    group = proxy.index(0, 0)
    assert [proxy.rowCount(proxy.index(row, 0, group)) for row in range(proxy.rowCount(group))] == [0] * len(names)
    snapshot = FleetSnapshot(
        scanned_at=model.snapshot().scanned_at, hosts=tuple(make_host(name, None, vms) for name in names)
    )
    model.apply_snapshot(snapshot, complete=True)
    proxy.tests = 0
    proxy.set_text("vm-0")
    assert proxy.tests <= 20
    fresh = FleetFilterProxy()
    fresh.setSourceModel(model)
    fresh.set_text("vm-0")
    assert tree_of(proxy) == tree_of(fresh)
    qtmodeltester.check(proxy, force_py=True)


def test_after_a_scan_a_keystroke_tests_only_the_rows_the_view_can_show(qtmodeltester) -> None:
    # A scan shows each host first and its VMs as they arrive, which makes Qt map every host; released, the
    # next keystroke re-tests the top rows (and what a view has expanded), not all VMs, with the same result.
    model = FleetModel()
    proxy = _CountingProxy()
    proxy.setSourceModel(model)
    vms = tuple((f"vm-{n:02}", S.AVMA_ACTIVATED) for n in range(20))
    names = [f"HV-{n:02}" for n in range(10)]
    model.upsert_hosts([make_host(name) for name in names])
    assert proxy.rowCount(proxy.index(0, 0)) == len(names)  # as a view showing the expanded group asks
    model.upsert_hosts([make_host(name, None, vms) for name in names])
    proxy.set_text("vm-0")
    mapped_everything = proxy.tests
    expected = tree_of(proxy)
    proxy.set_text("")
    proxy.release_mappings()
    proxy.tests = 0
    proxy.set_text("vm-0")
    assert mapped_everything >= 200
    assert proxy.tests <= 20
    assert tree_of(proxy) == expected
    qtmodeltester.check(proxy, force_py=True)


def test_readiness_worked_out_only_where_it_can_change_is_what_working_it_out_for_all_gives() -> None:
    """Groups re-check only hosts with a new record, and all nodes of a cluster whose guest versions changed."""
    rng = random.Random(16)
    versions = [ServerVersion.V2016, ServerVersion.V2019, ServerVersion.V2022, ServerVersion.V2025]
    model = FleetModel()
    checked_clusters = 0
    for _ in range(60):
        batch: dict[str, HostRecord] = {}
        for _ in range(rng.randint(1, 4)):
            name = f"HV-{rng.randrange(12)}"
            cluster = rng.choice(["CL-A", "CL-B", None])
            if rng.random() < 0.1:
                batch[name] = make_host(name, cluster, error="refused it")
                continue
            guests = tuple(
                make_vm(f"vm-{name}-{slot}", name, ActivationState.AVMA_ACTIVATED, rng.choice(versions))
                for slot in range(rng.randint(0, 3))
            )
            batch[name] = replace(make_host(name, cluster, version=rng.choice(versions)), vms=guests)
        model.upsert_hosts(list(batch.values()))
        if rng.random() < 0.2:
            model.remove_hosts([f"HV-{rng.randrange(12)}"])
        for group in model.tree.groups:
            records = [host.record for host in group.children]
            shared = None if group.standalone else guest_versions_of(records)
            for host in group.children:
                expected = host_readiness(
                    host.record, shared if shared is not None else guest_versions_of([host.record])
                )
                assert host.readiness == expected, host.record.name
            assert group.gaps == (() if group.standalone else cluster_gaps(records))
            checked_clusters += not group.standalone and bool(group.gaps)
    assert checked_clusters > 10  # clusters with nodes that cannot activate some guests were among them
