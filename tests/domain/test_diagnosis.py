"""Diagnosis rules: every finding code with a case that triggers it and a close case that does not,
state derivation, and the assessment of hosts, clusters and fleets.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from avma_console.domain.diagnosis import assess_fleet, assess_host, derive_state
from avma_console.domain.findings import FINDING_TEXTS, Finding, FindingCode, Severity
from avma_console.domain.fleet import AvmaEvent, ClusterRecord, FleetSnapshot, GuestLicense, HostRecord, VmRecord
from avma_console.domain.keys import channel_from_description
from avma_console.domain.states import ActivationState, AvmaOutcome, StateSource
from avma_console.domain.versions import Edition, OsIdentity, ServerVersion, identify_os

C = FindingCode
WHEN = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)

# ---------------------------------------------------------------------------------------------------------
# Record builders


def server(version: str, edition: str) -> OsIdentity:
    release = ServerVersion(version)
    return OsIdentity(version=release, edition=Edition(edition), is_server=True, build=release.build)


DESKTOP = identify_os(caption="Microsoft Windows 10 Pro", build=19045, sku=48, product_type=1)
UNRECOGNISED = identify_os(build=7601, product_type=3)  # Windows Server 2008 R2: no AVMA version
INTRINSIC = {"OSName": "Windows Server 2008 R2 Datacenter", "OSBuildNumber": "7601", "ProductType": "3"}
AVMA_KVP_ITEM = {"AutomaticVMActivationHostMachineName": "HV-OLD"}

KEY_2022_DC = "W3GNR-8DDXR-2TFRP-H8P33-DV9BG"
KEY_2022_STD = "YDFWN-MJ9JR-3DYRK-FXXRW-78VHK"
KEY_2019_DC = "H3RNG-8C32Q-Q8FRX-6TDXV-WMBMW"


def licence(description: str, partial: str | None, status: int = 1) -> GuestLicense:
    """SoftwareLicensingProduct as the guest reports it; the channel is classified as the scanner does."""
    return GuestLicense(
        license_status=status,
        channel=channel_from_description(description, partial),
        partial_key=partial,
        description=description,
    )


def avma(key: str, status: int = 1) -> GuestLicense:
    return licence("Windows(R) Operating System, VIRTUAL_MACHINE_ACTIVATION channel", key[-5:], status)


def kms(status: int = 1) -> GuestLicense:
    return licence("Windows(R) Operating System, VOLUME_KMSCLIENT channel", "6VM33", status)


def mak(status: int = 1) -> GuestLicense:
    return licence("Windows(R) Operating System, VOLUME_MAK channel", "3V66T", status)


def retail(status: int = 1) -> GuestLicense:
    return licence("Windows(R) Operating System, RETAIL channel", "8HY8H", status)


def oem(status: int = 1) -> GuestLicense:
    return licence("Windows(R) Operating System, OEM_DM channel", "Q3VJ9", status)


def event(outcome: AvmaOutcome | None, vm_name: str = "web-01", error_code: int | None = None) -> AvmaEvent:
    return AvmaEvent(
        event_id=12310,
        record_id=4711,
        time_created=WHEN,
        computer="HV1",
        message=f"AVMA request from {vm_name}",
        vm_name=vm_name,
        outcome=outcome,
        error_code=error_code,
    )


def vm(
    name: str = "web-01",
    guest: OsIdentity | None = None,
    *,
    host_name: str = "HV1",
    running: bool = True,
    kvp_enabled: bool | None = True,
    kvp_status: str | None = "OK",
    kvp_items: Mapping[str, str] | None = None,
    lic: GuestLicense | None = None,
    last_event: AvmaEvent | None = None,
    guest_error: str | None = None,
) -> VmRecord:
    return VmRecord(
        name=name,
        vm_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, name)).upper(),
        host_name=host_name,
        running=running,
        power_state="Running" if running else "Off",
        guest=guest if guest is not None else server("2022", "Datacenter"),
        kvp_enabled=kvp_enabled,
        kvp_status=kvp_status,
        kvp_items=dict(kvp_items or {}),
        guest_license=lic,
        guest_error=guest_error,
        last_event=last_event,
    )


def host(
    name: str = "HV1",
    version: str = "2022",
    edition: str = "Datacenter",
    *,
    activated: bool | None = True,
    hyperv: bool | None = True,
    cluster: str | None = None,
    error: str | None = None,
    error_fix: str | None = None,
    vms: Sequence[VmRecord] = (),
) -> HostRecord:
    return HostRecord(
        name=name,
        cluster=cluster,
        os=server(version, edition),
        activated=activated,
        hyperv=hyperv,
        error=error,
        error_fix=error_fix,
        vms=tuple(vms),
    )


def codes(findings: Sequence[Finding]) -> set[str]:
    return {finding.code.value for finding in findings}


def vm_findings(
    the_vm: VmRecord, the_host: HostRecord | None = None, nodes: Sequence[HostRecord] = ()
) -> tuple[Finding, ...]:
    """The findings of `the_vm` after assessing it on `the_host` (default: an activated 2022 Datacenter)."""
    on = the_host if the_host is not None else host()
    assessed = assess_host(replace(on, vms=(the_vm,)), nodes)
    return assessed.vms[0].findings


def host_findings(the_host: HostRecord) -> tuple[Finding, ...]:
    return assess_host(the_host).findings


def failover(
    other: HostRecord, guest: OsIdentity | None = None, lic: GuestLicense | None = None
) -> tuple[Finding, ...]:
    """A VM on an activated 2022 Datacenter node HV1 of cluster CL1 whose other node is `other`."""
    hv1 = host("HV1", cluster="CL1")
    return vm_findings(vm(guest=guest, lic=lic), hv1, nodes=(hv1, other))


# ---------------------------------------------------------------------------------------------------------
# Every finding code: a case that triggers it and a close case that does not


@dataclass(frozen=True)
class Case:
    code: FindingCode
    triggers: bool
    findings: Callable[[], Sequence[Finding]]
    label: str
    severity: Severity | None = None
    mentions: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.code.value}-{'yes' if self.triggers else 'no'}-{self.label}"


CASES: list[Case] = [
    # host_not_datacenter
    Case(C.HOST_NOT_DATACENTER, True, lambda: vm_findings(vm(), host(edition="Standard")), "standard-host",
         severity=Severity.ERROR, mentions=("HV1", "Standard", "Datacenter")),
    Case(C.HOST_NOT_DATACENTER, True, lambda: host_findings(host(edition="Essentials")), "essentials-host-itself"),
    Case(C.HOST_NOT_DATACENTER, False, lambda: vm_findings(vm(), host(edition="Datacenter")), "datacenter-host"),
    Case(C.HOST_NOT_DATACENTER, False, lambda: vm_findings(vm(), host(edition="DatacenterAzure")), "azure-edition-host"),
    Case(C.HOST_NOT_DATACENTER, False, lambda: vm_findings(vm(), host(edition="DatacenterEvaluation")),
         "evaluation-is-its-own-finding"),
    # host_evaluation_edition
    Case(C.HOST_EVALUATION_EDITION, True, lambda: vm_findings(vm(), host(edition="DatacenterEvaluation")),
         "dc-evaluation-host", severity=Severity.ERROR, mentions=("HV1", "Datacenter Evaluation")),
    Case(C.HOST_EVALUATION_EDITION, True, lambda: host_findings(host(edition="StandardEvaluation")),
         "std-evaluation-host-itself", mentions=("Standard Evaluation",)),
    Case(C.HOST_EVALUATION_EDITION, False, lambda: vm_findings(vm(), host(edition="Datacenter")), "licensed-host"),
    # host_not_activated
    Case(C.HOST_NOT_ACTIVATED, True, lambda: vm_findings(vm(), host(activated=False)), "activated-false",
         severity=Severity.ERROR, mentions=("HV1", "slmgr /ato")),
    Case(C.HOST_NOT_ACTIVATED, True, lambda: host_findings(host(activated=False)), "host-itself"),
    Case(C.HOST_NOT_ACTIVATED, False, lambda: vm_findings(vm(), host(activated=True)), "activated-true"),
    Case(C.HOST_NOT_ACTIVATED, False, lambda: vm_findings(vm(), host(activated=None)), "activation-unknown"),
    Case(C.HOST_NOT_ACTIVATED, False, lambda: host_findings(host(activated=None)), "activation-unknown-host"),
    # host_no_hyperv
    Case(C.HOST_NO_HYPERV, True, lambda: host_findings(host(hyperv=False)), "hyperv-false",
         severity=Severity.ERROR, mentions=("HV1", "Install-WindowsFeature Hyper-V")),
    Case(C.HOST_NO_HYPERV, False, lambda: host_findings(host(hyperv=None)), "hyperv-unknown"),
    Case(C.HOST_NO_HYPERV, False, lambda: host_findings(host(hyperv=True)), "hyperv-installed"),
    # guest_newer_than_host
    Case(C.GUEST_NEWER_THAN_HOST, True, lambda: vm_findings(vm(guest=server("2025", "Standard")), host("HV1", "2022")),
         "2025-guest-on-2022-host", severity=Severity.ERROR, mentions=("web-01", "2025", "HV1", "2022")),
    Case(C.GUEST_NEWER_THAN_HOST, True, lambda: vm_findings(vm(guest=server("1909", "Datacenter")), host("HV1", "2016")),
         "1909-guest-on-2016-host", mentions=("1909", "2016", "2019 or later")),
    Case(C.GUEST_NEWER_THAN_HOST, False, lambda: vm_findings(vm(guest=server("2022", "Standard")), host("HV1", "2022")),
         "2022-guest-on-2022-host"),
    Case(C.GUEST_NEWER_THAN_HOST, False, lambda: vm_findings(vm(guest=server("1809", "Standard")), host("HV1", "2019")),
         "1809-guest-on-2019-host"),
    Case(C.GUEST_NEWER_THAN_HOST, False, lambda: vm_findings(vm(guest=server("2012R2", "Standard")), host("HV1", "2025")),
         "2012r2-guest-on-2025-host"),
    # guest_not_windows_server
    Case(C.GUEST_NOT_WINDOWS_SERVER, True, lambda: vm_findings(vm(guest=DESKTOP)), "desktop-guest",
         severity=Severity.WARNING, mentions=("web-01", "Windows 10 Pro")),
    Case(C.GUEST_NOT_WINDOWS_SERVER, True, lambda: vm_findings(vm(guest=UNRECOGNISED, kvp_items=INTRINSIC)),
         "unrecognised-os", severity=Severity.INFO, mentions=("not recognised", "Windows Server 2008 R2 Datacenter")),
    Case(C.GUEST_NOT_WINDOWS_SERVER, False, lambda: vm_findings(vm(guest=server("2022", "Datacenter"), kvp_items=INTRINSIC)),
         "server-guest"),
    Case(C.GUEST_NOT_WINDOWS_SERVER, False,
         lambda: vm_findings(vm(guest=UNRECOGNISED, kvp_items=INTRINSIC, running=False)), "unrecognised-but-off"),
    Case(C.GUEST_NOT_WINDOWS_SERVER, False, lambda: vm_findings(vm(guest=identify_os())), "nothing-reported-yet"),
    # kvp_disabled
    Case(C.KVP_DISABLED, True, lambda: vm_findings(vm(kvp_enabled=False, kvp_status=None)), "disabled",
         severity=Severity.ERROR, mentions=("web-01", "Data Exchange")),
    Case(C.KVP_DISABLED, False, lambda: vm_findings(vm(kvp_enabled=True)), "enabled"),
    Case(C.KVP_DISABLED, False, lambda: vm_findings(vm(kvp_enabled=None, kvp_status=None)), "unknown"),
    # kvp_no_contact
    Case(C.KVP_NO_CONTACT, True, lambda: vm_findings(vm(kvp_status="No Contact")), "no-contact",
         severity=Severity.WARNING, mentions=("web-01", "No Contact", "vmickvpexchange")),
    Case(C.KVP_NO_CONTACT, True, lambda: vm_findings(vm(kvp_status="Lost Communication")), "lost-communication"),
    Case(C.KVP_NO_CONTACT, True, lambda: vm_findings(vm(kvp_status="Keinen Kontakt")), "german-no-contact",
         mentions=("Keinen Kontakt",)),
    Case(C.KVP_NO_CONTACT, False, lambda: vm_findings(vm(kvp_status="OK")), "ok"),
    Case(C.KVP_NO_CONTACT, False, lambda: vm_findings(vm(kvp_status="No Contact", running=False)), "vm-off"),
    Case(C.KVP_NO_CONTACT, False, lambda: vm_findings(vm(kvp_enabled=False, kvp_status="No Contact")),
         "disabled-says-so-instead"),
    # non_avma_key
    Case(C.NON_AVMA_KEY, True, lambda: vm_findings(vm(lic=kms(status=0))), "kms-key-unlicensed",
         severity=Severity.WARNING, mentions=("KMS client key", KEY_2022_DC)),
    Case(C.NON_AVMA_KEY, True, lambda: vm_findings(vm(lic=kms(status=1))), "kms-key-licensed-elsewhere",
         severity=Severity.INFO),
    Case(C.NON_AVMA_KEY, True, lambda: vm_findings(vm(lic=retail(status=2))), "retail-key", mentions=("retail key",)),
    Case(C.NON_AVMA_KEY, True, lambda: vm_findings(vm(lic=mak(status=0))), "mak-key", mentions=("MAK",)),
    Case(C.NON_AVMA_KEY, True, lambda: vm_findings(vm(lic=oem(status=0))), "oem-key", mentions=("OEM key",)),
    Case(C.NON_AVMA_KEY, True,
         lambda: vm_findings(vm(guest=server("2019", "Datacenter"), lic=avma(KEY_2022_DC, status=0))),
         "2019-guest-with-2022-avma-key", mentions=("AVMA key of Windows Server 2022 Datacenter", KEY_2019_DC)),
    Case(C.NON_AVMA_KEY, True,
         lambda: vm_findings(vm(guest=server("2022", "Standard"), lic=avma(KEY_2022_DC, status=0))),
         "standard-guest-with-datacenter-key", mentions=(KEY_2022_STD,)),
    Case(C.NON_AVMA_KEY, True, lambda: vm_findings(vm(guest=server("2022", "Essentials"), lic=kms(status=0))),
         "essentials-guest-no-avma-key", mentions=("AVMA has no key for Windows Server 2022 Essentials",)),
    Case(C.NON_AVMA_KEY, False, lambda: vm_findings(vm(lic=avma(KEY_2022_DC))), "right-avma-key"),
    Case(C.NON_AVMA_KEY, False, lambda: vm_findings(vm(lic=avma(KEY_2022_DC, status=2))), "right-avma-key-in-grace"),
    Case(C.NON_AVMA_KEY, False, lambda: vm_findings(vm(guest=server("1809", "Datacenter"), lic=avma(KEY_2019_DC))),
         "1809-guest-with-shared-2019-key"),
    Case(C.NON_AVMA_KEY, False, lambda: vm_findings(vm(lic=None)), "no-licence-evidence"),
    # kvp_stale_after_key_change
    Case(C.KVP_STALE_AFTER_KEY_CHANGE, True, lambda: vm_findings(vm(lic=kms(), kvp_items=AVMA_KVP_ITEM)),
         "kms-key-with-avma-kvp-item", severity=Severity.WARNING, mentions=("web-01", "KMS client key", "Clean up KVP")),
    Case(C.KVP_STALE_AFTER_KEY_CHANGE, True,
         lambda: vm_findings(vm(lic=retail(), kvp_items={"avma-hostname": "HV1"})), "item-names-compared-without-case"),
    Case(C.KVP_STALE_AFTER_KEY_CHANGE, False,
         lambda: vm_findings(vm(lic=retail(), last_event=event(AvmaOutcome.SUCCESS))),
         "old-avma-event-but-no-kvp-data-left"),
    Case(C.KVP_STALE_AFTER_KEY_CHANGE, False, lambda: vm_findings(vm(lic=kms(), kvp_items=INTRINSIC)),
         "kms-key-no-avma-traces"),
    Case(C.KVP_STALE_AFTER_KEY_CHANGE, False, lambda: vm_findings(vm(lic=avma(KEY_2022_DC), kvp_items=AVMA_KVP_ITEM)),
         "avma-key-with-its-own-kvp-data"),
    Case(C.KVP_STALE_AFTER_KEY_CHANGE, False, lambda: vm_findings(vm(lic=None, kvp_items=AVMA_KVP_ITEM)),
         "no-licence-evidence"),
    # cluster_node_cannot_activate (a 2022 guest on HV1 = activated 2022 Datacenter; HV2 is the other node)
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, True, lambda: failover(host("HV2", activated=False, cluster="CL1")),
         "other-node-unactivated", severity=Severity.WARNING, mentions=("web-01", "HV2", "not activated")),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, True, lambda: failover(host("HV2", edition="Standard", cluster="CL1")),
         "other-node-standard", mentions=("HV2", "Standard")),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, True, lambda: failover(host("HV2", edition="DatacenterEvaluation", cluster="CL1")),
         "other-node-evaluation", mentions=("HV2", "Evaluation")),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, True, lambda: failover(host("HV2", "2019", cluster="CL1")),
         "other-node-2019-too-old", mentions=("HV2", "Windows Server 2022 guests", "2019", "2022 or later")),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, False, lambda: failover(host("HV2", cluster="CL1")), "all-nodes-fine"),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, False, lambda: failover(host("HV2", "2025", cluster="CL1")), "other-node-newer"),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, False,
         lambda: failover(host("HV2", "2019", cluster="CL1"), guest=server("2019", "Standard")), "2019-node-2019-guest"),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, False,
         lambda: failover(host("HV2", "2019", "Standard", activated=False, error="connection refused", cluster="CL1")),
         "unreachable-node-no-claim-even-with-stale-facts"),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, False, lambda: failover(host("HV2", activated=None, cluster="CL1")),
         "node-activation-unknown"),
    Case(C.CLUSTER_NODE_CANNOT_ACTIVATE, False,
         lambda: failover(host("HV2", activated=False, cluster="CL1"), lic=kms()), "vm-licensed-through-kms"),
    # host_unreachable
    Case(C.HOST_UNREACHABLE, True, lambda: host_findings(host(error="WinRM refused the connection on port 5986")),
         "refused", severity=Severity.ERROR, mentions=("HV1", "WinRM refused the connection on port 5986", "Test-WSMan")),
    Case(C.HOST_UNREACHABLE, False, lambda: host_findings(host()), "reachable"),
    # no_avma_evidence: a state that nothing else explains
    Case(C.NO_AVMA_EVIDENCE, True, lambda: vm_findings(vm()), "running-no-kvp-data-no-event",
         severity=Severity.WARNING, mentions=("web-01", "HV1", "another key", "guest credentials")),
    Case(C.NO_AVMA_EVIDENCE, True,
         lambda: vm_findings(vm(guest_error="The credential is invalid.")), "guest-refused-credentials",
         severity=Severity.WARNING, mentions=("The credential is invalid.", "local administrator", "--guest-user")),
    Case(C.NO_AVMA_EVIDENCE, True, lambda: vm_findings(vm(kvp_items=AVMA_KVP_ITEM)), "avma-kvp-data-but-no-event",
         mentions=("AVMA data", "12310")),
    Case(C.NO_AVMA_EVIDENCE, True, lambda: vm_findings(vm(lic=avma(KEY_2022_DC, status=2))),
         "avma-key-in-grace-never-asked", mentions=("slmgr /ato", "12309")),
    Case(C.NO_AVMA_EVIDENCE, True, lambda: vm_findings(vm(running=False)), "vm-off",
         severity=Severity.INFO, mentions=("not running (off)",)),
    Case(C.NO_AVMA_EVIDENCE, False, lambda: vm_findings(vm(last_event=event(AvmaOutcome.SUCCESS))), "event-seen"),
    Case(C.NO_AVMA_EVIDENCE, False, lambda: vm_findings(vm(lic=kms(status=1))), "guest-read"),
    Case(C.NO_AVMA_EVIDENCE, False, lambda: vm_findings(vm(kvp_enabled=False, kvp_status=None)),
         "explained-by-kvp-off"),
    Case(C.NO_AVMA_EVIDENCE, False, lambda: vm_findings(vm(), host(edition="Standard")), "explained-by-host"),
    Case(C.NO_AVMA_EVIDENCE, False, lambda: vm_findings(vm(guest=DESKTOP)), "desktop-guest"),
    Case(C.NO_AVMA_EVIDENCE, False, lambda: vm_findings(vm(last_event=event(None, error_code=0xC004FD00))),
         "throttled-request-seen"),
    # avma_refused: a refusal whose cause no other rule found
    Case(C.AVMA_REFUSED, True, lambda: vm_findings(vm(last_event=event(AvmaOutcome.ACTIVATION_DENIED, error_code=0xC004FD03))),
         "denied-no-cause-known", severity=Severity.ERROR, mentions=("0xC004FD03", KEY_2022_DC, "Push AVMA key")),
    Case(C.AVMA_REFUSED, True, lambda: vm_findings(vm(last_event=event(AvmaOutcome.INVALID_HOST))),
         "invalid-host", mentions=("Invalid Host", "slmgr /dlv")),
    Case(C.AVMA_REFUSED, True, lambda: vm_findings(vm(last_event=event(AvmaOutcome.INVALID_DATA))),
         "invalid-data", mentions=("Invalid Data", "vmickvpexchange")),
    Case(C.AVMA_REFUSED, False,
         lambda: vm_findings(vm(guest=server("2025", "Standard"), last_event=event(AvmaOutcome.ACTIVATION_DENIED))),
         "denied-explained-by-version"),
    Case(C.AVMA_REFUSED, False, lambda: vm_findings(vm(last_event=event(AvmaOutcome.INVALID_HOST)), host(activated=False)),
         "invalid-host-explained-by-host"),
    Case(C.AVMA_REFUSED, False, lambda: vm_findings(vm(last_event=event(AvmaOutcome.SUCCESS))), "activated"),
]  # fmt: skip


@pytest.mark.parametrize("scenario", CASES, ids=[scenario.id for scenario in CASES])
def test_finding(scenario: Case) -> None:
    found = [finding for finding in scenario.findings() if finding.code is scenario.code]
    if not scenario.triggers:
        assert found == []
        return
    assert len(found) == 1, [finding.message for finding in found]
    finding = found[0]
    if scenario.severity is not None:
        assert finding.severity is scenario.severity
    text = finding.message + " " + finding.remediation
    for expected in scenario.mentions:
        assert expected in text


def test_every_finding_code_has_a_triggering_and_a_close_case() -> None:
    covered = {(scenario.code, scenario.triggers) for scenario in CASES}
    for code in FindingCode:
        assert (code, True) in covered, code
        assert (code, False) in covered, code


# ---------------------------------------------------------------------------------------------------------
# Close calls an operator would notice


@pytest.mark.parametrize(
    ("edition", "activated", "hyperv", "expected", "capable"),
    [
        ("Datacenter", True, True, set(), True),
        ("DatacenterAzure", True, True, set(), True),
        ("Standard", True, True, {"host_not_datacenter"}, False),
        ("DatacenterEvaluation", True, True, {"host_evaluation_edition"}, False),
        ("Datacenter", False, True, {"host_not_activated"}, False),
        ("Datacenter", None, None, set(), False),  # no claim either way
        ("Datacenter", True, False, {"host_no_hyperv"}, False),
        ("Standard", False, False, {"host_not_datacenter", "host_not_activated", "host_no_hyperv"}, False),
    ],
)
def test_host_blockers_reach_the_host_and_every_vm(
    edition: str, activated: bool | None, hyperv: bool | None, expected: set[str], capable: bool
) -> None:
    activated_vms = [vm(name, last_event=event(AvmaOutcome.SUCCESS, name)) for name in ("a", "b")]
    assessed = assess_host(host(edition=edition, activated=activated, hyperv=hyperv, vms=activated_vms))
    assert codes(assessed.findings) == expected
    for each in assessed.vms:
        assert codes(each.findings) == expected
    assert assessed.avma_capable is capable


def test_vm_licensed_elsewhere_is_not_blamed_on_its_host() -> None:
    # A KMS-activated guest on a Standard host: the host still shows its problem, the VM does not.
    assessed = assess_host(host(edition="Standard", vms=[vm(lic=kms(status=1))]))
    assert "host_not_datacenter" in codes(assessed.findings)
    the_vm = assessed.vms[0]
    assert the_vm.state is ActivationState.ACTIVATED_OTHER
    assert "host_not_datacenter" not in codes(the_vm.findings)
    assert codes(the_vm.findings) == {"non_avma_key"}


def test_desktop_guest_gets_only_the_not_server_finding() -> None:
    findings = vm_findings(vm(guest=DESKTOP, lic=retail(), kvp_enabled=False), host(edition="Standard"))
    assert codes(findings) == {"guest_not_windows_server"}


def test_a_healthy_avma_vm_has_no_findings() -> None:
    assessed = assess_host(host(vms=[vm(lic=avma(KEY_2022_DC), last_event=event(AvmaOutcome.SUCCESS))]))
    assert assessed.findings == ()
    assert assessed.vms[0].findings == ()
    assert assessed.vms[0].state is ActivationState.AVMA_ACTIVATED
    assert assessed.rollup_state is ActivationState.AVMA_ACTIVATED


# ---------------------------------------------------------------------------------------------------------
# State derivation


@pytest.mark.parametrize(
    ("lic", "last_event", "state", "source"),
    [
        pytest.param(avma(KEY_2022_DC), event(AvmaOutcome.ACTIVATION_DENIED), "avma_activated", "guest", id="guest-beats-denied-event"),
        pytest.param(kms(status=0), event(AvmaOutcome.SUCCESS), "unlicensed", "guest", id="guest-beats-success-event"),
        pytest.param(retail(status=1), event(AvmaOutcome.INVALID_DATA), "activated_other", "guest", id="licensed-guest-beats-refusal"),
        # A guest that is not licensed is explained by the AVMA refusal that keeps it so.
        # (Still verified in the guest: its licence was read there.)
        pytest.param(avma(KEY_2022_DC, status=2), event(AvmaOutcome.ACTIVATION_DENIED), "activation_denied", "guest", id="grace-explained-by-denial"),
        pytest.param(avma(KEY_2022_DC, status=0), event(AvmaOutcome.INVALID_HOST), "invalid_host", "guest", id="unlicensed-explained-by-invalid-host"),
        pytest.param(avma(KEY_2022_DC, status=2), event(None, error_code=0xC004FD00), "grace", "guest", id="throttled-event-keeps-guest-state"),
        pytest.param(kms(status=1), None, "activated_other", "guest", id="kms-licensed"),
        pytest.param(avma(KEY_2022_DC, status=5), None, "grace", "guest", id="notification-is-grace"),
        pytest.param(None, event(AvmaOutcome.SUCCESS), "avma_activated", "host_events", id="event-success"),
        pytest.param(None, event(AvmaOutcome.ACTIVATION_DENIED), "activation_denied", "host_events", id="event-denied"),
        pytest.param(None, event(AvmaOutcome.INVALID_HOST), "invalid_host", "host_events", id="event-invalid-host"),
        pytest.param(None, event(AvmaOutcome.INVALID_DATA), "invalid_data", "host_events", id="event-invalid-data"),
        pytest.param(None, event(None, error_code=0xC004FD00), "unknown", "none", id="throttled-event-says-nothing"),
        pytest.param(None, None, "unknown", "none", id="no-evidence"),
    ],
)  # fmt: skip
def test_derive_state(lic: GuestLicense | None, last_event: AvmaEvent | None, state: str, source: str) -> None:
    record = vm(lic=lic, last_event=last_event)
    assert tuple(part.value for part in derive_state(record)) == (state, source)
    assessed = assess_host(host(vms=[record])).vms[0]
    assert (assessed.state.value, assessed.source.value) == (state, source)


def test_rollup_shows_the_worst_vm() -> None:
    assessed = assess_host(
        host(vms=[vm("ok", lic=avma(KEY_2022_DC)), vm("bad", last_event=event(AvmaOutcome.ACTIVATION_DENIED, "bad"))])
    )
    assert assessed.rollup_state is ActivationState.ACTIVATION_DENIED
    assert assessed.state_counts() == {ActivationState.AVMA_ACTIVATED: 1, ActivationState.ACTIVATION_DENIED: 1}


# ---------------------------------------------------------------------------------------------------------
# Unreachable hosts, clusters, the fleet


def test_assess_host_marks_every_vm_of_an_unreachable_host_unreachable() -> None:
    unreachable = host(
        error="HTTP 401: the credentials were rejected",
        error_fix="Check the account in the inventory, then scan again.",
        activated=False,
        vms=[
            vm("a", lic=avma(KEY_2022_DC)),
            vm("b", kvp_enabled=False),
            vm("c", last_event=event(AvmaOutcome.SUCCESS, "c")),
        ],
    )
    assessed = assess_host(unreachable)
    assert [each.state for each in assessed.vms] == [ActivationState.UNREACHABLE] * 3
    assert all(each.source is StateSource.NONE and each.findings == () for each in assessed.vms)
    assert codes(assessed.findings) == {"host_unreachable"}  # no stale claims about activation or editions
    finding = assessed.findings[0]
    assert "HTTP 401: the credentials were rejected" in finding.message
    assert finding.remediation == "Check the account in the inventory, then scan again."
    assert assessed.rollup_state is ActivationState.UNREACHABLE
    assert not assessed.avma_capable


def _cluster_fleet(hv2: HostRecord, hv1_vms: Sequence[VmRecord] = ()) -> FleetSnapshot:
    hv1 = host("HV1", cluster="CL1", vms=hv1_vms or [vm("web-01", lic=avma(KEY_2022_DC))])
    return FleetSnapshot(
        scanned_at=WHEN,
        clusters=(ClusterRecord("CL1", ("HV1", "HV2")),),
        hosts=(hv1, hv2),
    )


def test_assess_fleet_reports_an_unactivated_cluster_node() -> None:
    fleet = assess_fleet(
        _cluster_fleet(host("HV2", activated=False, cluster="CL1", vms=[vm("db-01", host_name="HV2")]))
    )
    cluster = fleet.clusters[0]
    assert codes(cluster.findings) == {"cluster_node_cannot_activate"}
    finding = cluster.findings[0]
    assert finding.severity is Severity.ERROR
    assert "Any VM in CL1" in finding.message
    assert "HV2" in finding.message
    assert "not activated" in finding.message
    # The VM on the healthy node is warned that it may fail over to HV2 ...
    hv1 = fleet.host("hv1")
    assert hv1 is not None
    assert codes(hv1.vms[0].findings) == {"cluster_node_cannot_activate"}
    assert "HV2" in hv1.vms[0].findings[0].message
    # ... and HV2 itself carries the host finding.
    hv2 = fleet.host("HV2")
    assert hv2 is not None
    assert "host_not_activated" in codes(hv2.findings)


def test_assess_fleet_reports_a_node_too_old_for_the_guests_of_another_node() -> None:
    fleet = assess_fleet(_cluster_fleet(host("HV2", "2019", cluster="CL1")))
    (finding,) = fleet.clusters[0].findings
    assert finding.code is C.CLUSTER_NODE_CANNOT_ACTIVATE
    assert "Windows Server 2022 guests" in finding.message
    assert "it runs Windows Server 2019" in finding.message
    assert "upgrade it to Windows Server 2022 or later" in finding.remediation


def test_assess_fleet_with_healthy_nodes_has_no_cluster_findings() -> None:
    fleet = assess_fleet(
        _cluster_fleet(host("HV2", cluster="CL1", vms=[vm("db-01", host_name="HV2", lic=avma(KEY_2022_DC))]))
    )
    assert fleet.clusters[0].findings == ()
    assert all(each.findings == () for each in fleet.all_vms())


def test_assess_fleet_makes_no_claim_about_an_unreachable_node() -> None:
    # Whatever an earlier scan knew about HV2 (an unactivated 2019 Standard here) is not claimed now.
    stale = host("HV2", "2019", "Standard", activated=False, hyperv=False, error="timed out", cluster="CL1")
    fleet = assess_fleet(_cluster_fleet(stale))
    assert fleet.clusters[0].findings == ()
    hv1 = fleet.host("HV1")
    hv2 = fleet.host("HV2")
    assert hv1 is not None
    assert hv2 is not None
    assert hv1.vms[0].findings == ()
    assert codes(hv2.findings) == {"host_unreachable"}


# ---------------------------------------------------------------------------------------------------------
# Finding texts


def _zoo() -> FleetSnapshot:
    """A fleet in which every rule and every text template fires at least once."""
    hv_a = host(
        "HV-A",
        cluster="CL1",
        vms=[
            vm("ok", host_name="HV-A", lic=avma(KEY_2022_DC)),
            vm("too-new", guest=server("2025", "Datacenter"), host_name="HV-A"),
            vm("desktop", guest=DESKTOP, host_name="HV-A"),
            vm("legacy", guest=UNRECOGNISED, kvp_items=INTRINSIC, host_name="HV-A"),
            vm("kvp-off", kvp_enabled=False, kvp_status=None, host_name="HV-A"),
            vm("kvp-silent", kvp_status="No Contact", host_name="HV-A"),
            vm("kms-stale", lic=kms(status=0), kvp_items=AVMA_KVP_ITEM, host_name="HV-A"),
            vm("essentials", guest=server("2022", "Essentials"), lic=kms(status=0), host_name="HV-A"),
            vm("unknown-os-kms", guest=UNRECOGNISED, lic=kms(status=0), host_name="HV-A"),
            vm("no-evidence", host_name="HV-A"),
            vm("guest-refused", guest_error="The credential is invalid.", host_name="HV-A"),
            vm("kvp-only", kvp_items=AVMA_KVP_ITEM, host_name="HV-A"),
            vm("never-asked", lic=avma(KEY_2022_DC, status=2), host_name="HV-A"),
            vm("off", running=False, host_name="HV-A"),
            vm("denied", last_event=event(AvmaOutcome.ACTIVATION_DENIED, "denied"), host_name="HV-A"),
            vm("invalid-host", last_event=event(AvmaOutcome.INVALID_HOST, "invalid-host"), host_name="HV-A"),
            vm("invalid-data", last_event=event(AvmaOutcome.INVALID_DATA, "invalid-data"), host_name="HV-A"),
        ],
    )
    hv_b = host("HV-B", activated=False, cluster="CL1", vms=[vm("b-1", host_name="HV-B")])
    hv_c = host("HV-C", edition="StandardEvaluation", hyperv=False, vms=[vm("c-1", host_name="HV-C")])
    hv_d = host("HV-D", edition="Standard", vms=[vm("d-1", host_name="HV-D")])
    hv_e = host("HV-E", error="connection refused", vms=[vm("e-1", host_name="HV-E")])
    return assess_fleet(
        FleetSnapshot(
            scanned_at=WHEN,
            clusters=(ClusterRecord("CL1", ("HV-A", "HV-B")),),
            hosts=(hv_a, hv_b, hv_c, hv_d, hv_e),
        )
    )


def _all_findings(fleet: FleetSnapshot) -> list[Finding]:
    found = [f for cluster in fleet.clusters for f in cluster.findings]
    found += [f for each in fleet.hosts for f in each.findings]
    found += [f for each in fleet.all_vms() for f in each.findings]
    return found


PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def test_a_guest_of_unknown_version_is_not_told_about_windows_server_question_marks() -> None:
    snapshot = _zoo()
    (the_vm,) = [each for each in snapshot.all_vms() if each.name == "unknown-os-kms"]
    (finding,) = [f for f in the_vm.findings if f.code is C.NON_AVMA_KEY]
    assert finding.template == "non_avma_key_unknown_os"
    assert "?" not in finding.message


def test_every_finding_text_is_filled_in() -> None:
    findings = _all_findings(_zoo())
    assert {f.code for f in findings} == set(FindingCode)
    assert {f.template or f.code.value for f in findings} == set(FINDING_TEXTS)  # every template is exercised
    for finding in findings:
        for text in (finding.message, finding.remediation):
            assert text.strip(), finding
            assert not PLACEHOLDER.search(text), text
            assert "None" not in text, text
        as_json = finding.as_json()
        assert as_json["code"] == finding.code.value
        assert as_json["severity"] in ("error", "warning", "info")
        assert as_json["message"] == finding.message


@pytest.mark.parametrize("hostile", ["{host}", "{0}", "{vm}{reason}", "{}", "{0!r:>{1}}", "%s {{x}}"], ids=repr)
def test_hostile_names_are_inserted_literally(hostile: str) -> None:
    the_vm = vm(name=hostile, kvp_enabled=False, kvp_status=None)
    findings = vm_findings(the_vm, host("HV1"))
    (finding,) = [f for f in findings if f.code is C.KVP_DISABLED]
    assert finding.message == FINDING_TEXTS["kvp_disabled"].message.replace("{vm}", hostile)
    assert finding.remediation == FINDING_TEXTS["kvp_disabled"].remediation.replace("{vm}", hostile)
    # The same for a host name and an error text the remote side passed on.
    unreachable = host_findings(host(name=hostile, error=hostile))
    assert unreachable[0].message == f"{hostile} could not be queried: {hostile}"
