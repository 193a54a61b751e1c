"""Display-level readings of a diagnosed fleet: host readiness, at-risk VMs, not-applicable guests.

Every case goes through the real diagnosis (`assess_fleet`), so the categories follow from the same findings
an operator reads; the JSON state of each VM is checked to be unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest
from test_diagnosis import DESKTOP, KEY_2019_DC, KEY_2022_DC, avma, host, kms, server, vm

from avma_console.domain.diagnosis import assess_fleet
from avma_console.domain.fleet import ClusterRecord, FleetSnapshot, HostRecord, VmRecord
from avma_console.domain.outlook import (
    Category,
    Check,
    Marker,
    NodeGap,
    category_of,
    category_rank,
    cluster_gaps,
    host_readiness,
    is_problem,
    risk_nodes,
    worst_category,
)
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import ServerVersion

S = ActivationState
V = ServerVersion


def assessed(hosts: Sequence[HostRecord], *, cluster: bool = True) -> FleetSnapshot:
    clusters = (ClusterRecord("CL", tuple(h.name for h in hosts)),) if cluster else ()
    if cluster:
        hosts = [replace(h, cluster="CL") for h in hosts]
    return assess_fleet(FleetSnapshot(datetime(2026, 11, 1, tzinfo=UTC), clusters, tuple(hosts)))


@dataclass(frozen=True)
class VmCase:
    name: str
    guest: VmRecord
    other_node: HostRecord | None
    state: ActivationState
    category: Category
    nodes: tuple[str, ...] = field(default=())


GOOD_NODE = host("HV2")
VM_CASES = [
    VmCase("activated, every node fine", vm(lic=avma(KEY_2022_DC)), GOOD_NODE, S.AVMA_ACTIVATED, S.AVMA_ACTIVATED),
    VmCase(
        "activated, a node not activated",
        vm(lic=avma(KEY_2022_DC)),
        host("HV2", activated=False),
        S.AVMA_ACTIVATED,
        Marker.AT_RISK,
        ("HV2",),
    ),
    VmCase(
        "activated, a node too old for the guest",
        vm(lic=avma(KEY_2022_DC)),
        host("HV2", "2019"),
        S.AVMA_ACTIVATED,
        Marker.AT_RISK,
        ("HV2",),
    ),
    VmCase(
        "activated 2019 guest, the 2019 node can take it",
        vm(guest=server("2019", "Datacenter"), lic=avma(KEY_2019_DC)),
        host("HV2", "2019"),
        S.AVMA_ACTIVATED,
        S.AVMA_ACTIVATED,
    ),
    VmCase(
        "no evidence yet, only the failover risk",
        vm(running=False),
        host("HV2", "2022", "Standard"),
        S.UNKNOWN,
        Marker.AT_RISK,
        ("HV2",),
    ),
    VmCase(
        "no evidence and Data Exchange off: a problem, not only a risk",
        vm(running=False, kvp_enabled=False),
        host("HV2", activated=False),
        S.UNKNOWN,
        S.UNKNOWN,
        ("HV2",),
    ),
    VmCase(
        "grace period with a failover risk stays a grace problem",
        vm(lic=avma(KEY_2022_DC, status=2)),
        host("HV2", activated=False),
        S.GRACE,
        S.GRACE,
        ("HV2",),
    ),
    VmCase(
        "licensed through KMS: AVMA's failover does not concern it",
        vm(lic=kms()),
        host("HV2", activated=False),
        S.ACTIVATED_OTHER,
        S.ACTIVATED_OTHER,
    ),
    VmCase(
        "running, no AVMA ever seen, licence not read: counted as without evidence",
        vm(),
        GOOD_NODE,
        S.UNKNOWN,
        Marker.NO_EVIDENCE,
    ),
    VmCase(
        "without evidence and a failover risk: the missing evidence comes first",
        vm(),
        host("HV2", activated=False),
        S.UNKNOWN,
        Marker.NO_EVIDENCE,
        ("HV2",),
    ),
    VmCase(
        "running with Data Exchange off: explained, so plainly unknown",
        vm(kvp_enabled=False, kvp_status=None),
        GOOD_NODE,
        S.UNKNOWN,
        S.UNKNOWN,
    ),
    VmCase("a Windows 10 desktop", vm(guest=DESKTOP), GOOD_NODE, S.UNKNOWN, Marker.NOT_APPLICABLE),
    VmCase(
        "a desktop in a cluster with a bad node is still only not applicable",
        vm(guest=DESKTOP),
        host("HV2", activated=False),
        S.UNKNOWN,
        Marker.NOT_APPLICABLE,
    ),
]


@pytest.mark.parametrize("case", VM_CASES, ids=[case.name for case in VM_CASES])
def test_vm_category(case: VmCase) -> None:
    nodes = [host("HV1", vms=[case.guest])] + ([case.other_node] if case.other_node else [])
    snapshot = assessed(nodes)
    the_vm = snapshot.hosts[0].vms[0]
    assert the_vm.state is case.state, "the JSON state is not changed by the display category"
    assert category_of(the_vm) == case.category
    assert risk_nodes(the_vm) == case.nodes


def test_a_standalone_desktop_and_an_unrecognised_server() -> None:
    snapshot = assessed([host("HV1", vms=[vm("desk", DESKTOP), vm("old", running=False)])], cluster=False)
    desk, old = snapshot.hosts[0].vms
    assert category_of(desk) is Marker.NOT_APPLICABLE
    assert category_of(old) is S.UNKNOWN  # no evidence, no risk: plain unknown


@dataclass(frozen=True)
class ReadinessCase:
    name: str
    host: HostRecord
    guests: tuple[ServerVersion, ...]
    ready: bool | None
    failing: frozenset[Check]
    too_new: tuple[ServerVersion, ...] = ()


READINESS_CASES = [
    ReadinessCase("activated Datacenter 2022", host(), (V.V2022, V.V2016), True, frozenset()),
    ReadinessCase("Standard edition", host(edition="Standard"), (V.V2022,), False, frozenset({Check.DATACENTER})),
    ReadinessCase("evaluation edition", host(edition="DatacenterEvaluation"), (), False, frozenset({Check.DATACENTER})),
    ReadinessCase("not activated", host(activated=False), (), False, frozenset({Check.ACTIVATED})),
    ReadinessCase("no Hyper-V", host(hyperv=False), (), False, frozenset({Check.HYPERV})),
    ReadinessCase(
        "2019 host, 2022 and 2025 guests",
        host(version="2019"),
        (V.V2016, V.V2022, V.V2025),
        False,
        frozenset({Check.VERSION}),
        (V.V2022, V.V2025),
    ),
    ReadinessCase("semi-annual 1809 guest on 2019", host(version="2019"), (V.V1809,), True, frozenset()),
    ReadinessCase(
        "several at once",
        host(version="2016", edition="Standard", activated=False),
        (V.V2019,),
        False,
        frozenset({Check.DATACENTER, Check.ACTIVATED, Check.VERSION}),
        (V.V2019,),
    ),
    ReadinessCase("activation not reported", host(activated=None), (), None, frozenset()),
]


@pytest.mark.parametrize("case", READINESS_CASES, ids=[case.name for case in READINESS_CASES])
def test_host_readiness(case: ReadinessCase) -> None:
    readiness = host_readiness(case.host, case.guests)
    assert readiness is not None
    assert readiness.ready is case.ready
    assert {check.check for check in readiness.failing} == case.failing
    assert readiness.too_new == case.too_new
    assert [check.check for check in readiness.checks] == list(Check)  # every check, in one order


def test_an_unreachable_host_has_no_readiness() -> None:
    assert host_readiness(host(error="refused"), (V.V2022,)) is None


def test_cluster_gaps_say_which_nodes_cannot_activate_which_guests() -> None:
    nodes = [
        host("HV-FRA-01", vms=[vm("web", lic=avma(KEY_2022_DC))]),
        host("HV-FRA-02", activated=False),
        host("HV-FRA-03", "2019", vms=[vm("erp", server("2019", "Standard"))]),
        host("HV-FRA-04", error="refused"),  # not judged: nothing is known of it
    ]
    assert cluster_gaps(nodes) == (
        NodeGap("HV-FRA-02", any_guest=True, versions=()),
        NodeGap("HV-FRA-03", any_guest=False, versions=(V.V2022,)),
    )
    assert cluster_gaps(nodes[:1]) == ()


ORDER_CASES = [
    ([S.AVMA_ACTIVATED, Marker.AT_RISK], Marker.AT_RISK),
    ([Marker.AT_RISK, S.UNKNOWN], Marker.AT_RISK),
    ([Marker.AT_RISK, S.GRACE], S.GRACE),
    ([Marker.NO_EVIDENCE, S.UNKNOWN], Marker.NO_EVIDENCE),
    ([Marker.NO_EVIDENCE, Marker.AT_RISK], Marker.AT_RISK),
    ([Marker.NO_EVIDENCE, S.GRACE], S.GRACE),
    ([Marker.NOT_APPLICABLE, S.AVMA_ACTIVATED], S.AVMA_ACTIVATED),
    ([Marker.NOT_APPLICABLE], Marker.NOT_APPLICABLE),
    ([S.UNLICENSED, Marker.AT_RISK, S.UNREACHABLE], S.UNLICENSED),
    ([], None),
]


@pytest.mark.parametrize(("categories", "worst"), ORDER_CASES)
def test_worst_category(categories: list[Category], worst: Category | None) -> None:
    assert worst_category(categories) == worst


def test_ranks_keep_the_states_order_and_problems_are_vms_not_activated_today() -> None:
    states = sorted(ActivationState, key=lambda s: s.severity_rank)
    assert sorted(states, key=category_rank) == states
    assert not is_problem(Marker.AT_RISK)  # activated today: its own toggle, not "Problems only"
    assert not is_problem(Marker.NOT_APPLICABLE)
    assert is_problem(Marker.NO_EVIDENCE), "unknown as far as anyone can tell: under Problems only"
    assert all(is_problem(state) == state.is_problem for state in ActivationState)
    assert {m.value for m in Marker}.isdisjoint(s.value for s in ActivationState), "never a JSON state value"
