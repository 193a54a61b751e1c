"""Synthetic scan results for the history store's tests (imported as `history_support`).

Built directly from the domain records so store tests run in milliseconds; the lab-backed flows live in
tests/e2e/test_history.py.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from avma_console.domain.findings import Finding, FindingCode, Severity
from avma_console.domain.fleet import AvmaEvent, ClusterRecord, FleetSnapshot, GuestLicense, HostRecord, VmRecord
from avma_console.domain.keys import KeyChannel
from avma_console.domain.states import ActivationState, AvmaOutcome, StateSource
from avma_console.domain.versions import Edition, OsIdentity, ServerVersion

T0 = datetime(2026, 10, 30, 8, 0, tzinfo=UTC)
_NAMESPACE = uuid.UUID("0b5d7c9e-6f33-4a43-9a4c-6c3b1e0d9b21")


def vm_id_of(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, name)).upper()


def event(
    host: str,
    record_id: int,
    when: datetime,
    vm: str | None,
    outcome: AvmaOutcome | None = AvmaOutcome.SUCCESS,
    *,
    event_id: int = 12310,
) -> AvmaEvent:
    """A host event whose message names the VM the way the lab (and, unconfirmed, Windows) does."""
    about = f"'{vm}' ({vm_id_of(vm).lower()})" if vm is not None else "'(unknown)'"
    result = outcome.value if outcome else "Throttled"
    return AvmaEvent(
        event_id=event_id,
        record_id=record_id,
        time_created=when,
        computer=host,
        message=f"The Automatic Virtual Machine Activation request from virtual machine {about} was processed. "
        f"Result: {result}.",
        outcome=outcome,
        error_code=None if outcome is AvmaOutcome.SUCCESS else 0xC004FD03,
    )


def vm(
    name: str,
    host: str,
    state: ActivationState = ActivationState.AVMA_ACTIVATED,
    *,
    version: ServerVersion | None = ServerVersion.V2022,
    edition: Edition | None = Edition.STANDARD,
    running: bool = True,
    channel: KeyChannel | None = None,
    partial_key: str | None = None,
    last_event: AvmaEvent | None = None,
    findings: tuple[Finding, ...] = (),
) -> VmRecord:
    license_ = (
        GuestLicense(license_status=1, channel=channel, partial_key=partial_key, avma_host_name=host)
        if channel is not None
        else None
    )
    return VmRecord(
        name=name,
        vm_id=vm_id_of(name),
        host_name=host,
        running=running,
        power_state="Running" if running else "Off",
        guest=OsIdentity(
            version, edition, version is not None, version.build if version else None, f"Windows Server {name}"
        ),
        kvp_enabled=True,
        kvp_status="OK",
        guest_license=license_,
        last_event=last_event,
        state=state,
        source=StateSource.GUEST if license_ else StateSource.HOST_EVENTS,
        findings=findings,
    )


def host(
    name: str,
    vms: tuple[VmRecord, ...] = (),
    *,
    version: ServerVersion = ServerVersion.V2022,
    activated: bool = True,
    cluster: str | None = None,
    error: str | None = None,
    events: tuple[AvmaEvent, ...] = (),
) -> HostRecord:
    return HostRecord(
        name=name,
        cluster=cluster,
        os=OsIdentity(
            version, Edition.DATACENTER, True, version.build, f"Microsoft Windows Server {version.label} Datacenter"
        ),
        activated=activated,
        hyperv=True,
        error=error,
        error_kind="refused" if error else None,
        vms=() if error else vms,
        events=() if error else events,
    )


def snapshot(at: datetime, *hosts: HostRecord, clusters: tuple[ClusterRecord, ...] = ()) -> FleetSnapshot:
    return FleetSnapshot(scanned_at=at, clusters=clusters, hosts=hosts)


DENIED = Finding(
    FindingCode.GUEST_NEWER_THAN_HOST,
    Severity.ERROR,
    {"vm": "x", "guest_version": "2025", "host": "HV-A", "host_version": "2022", "minimum_host": "2025"},
)

HOSTILE = "<b>bold</b>"
FORMULA = "=cmd|' /C calc'!A0"


def two_scans() -> tuple[FleetSnapshot, FleetSnapshot]:
    """A small fleet before and after: web-01 migrates HV-A -> HV-B (unactivated) and fails there, the hostile
    VM gets a retail key, db-01 disappears from HV-A, new-01 appears on HV-B, Müller's VM stays put."""
    e1 = event("HV-A", 4000, T0 - timedelta(days=2), "web-01")
    e2 = event("HV-A", 4001, T0 - timedelta(days=1), HOSTILE)
    e3 = event("HV-A", 4002, T0 - timedelta(hours=5), "Buchhaltung-Müller")
    first = snapshot(
        T0,
        host(
            "HV-A",
            (
                vm("web-01", "HV-A", last_event=e1),
                vm(HOSTILE, "HV-A", channel=KeyChannel.AVMA, partial_key="DV9BG", last_event=e2),
                vm("db-01", "HV-A", version=ServerVersion.V2019),
                vm("Buchhaltung-Müller", "HV-A", last_event=e3),
                vm(FORMULA, "HV-A", ActivationState.GRACE),
            ),
            events=(e1, e2, e3),
        ),
        host("HV-B", (), activated=False),
        host("HV-C", error="HV-C refused the connection"),
    )
    later = T0 + timedelta(days=1)
    e4 = event("HV-B", 7000, later - timedelta(hours=1), "web-01", AvmaOutcome.INVALID_HOST)
    second = snapshot(
        later,
        host(
            "HV-A",
            (
                vm(HOSTILE, "HV-A", ActivationState.ACTIVATED_OTHER, channel=KeyChannel.RETAIL, partial_key="7CFBY"),
                vm("Buchhaltung-Müller", "HV-A", last_event=e3),
                vm(FORMULA, "HV-A", ActivationState.GRACE),
            ),
            # The host answers "since the watermark": the boundary event comes again and must not double.
            events=(e3,),
        ),
        host(
            "HV-B",
            (
                vm("web-01", "HV-B", ActivationState.INVALID_HOST, last_event=e4, findings=(DENIED,)),
                vm("new-01", "HV-B", ActivationState.UNKNOWN),
            ),
            activated=False,
            events=(e4,),
        ),
        host("HV-C", error="HV-C refused the connection"),
    )
    return first, second


def with_time(snap: FleetSnapshot, at: datetime) -> FleetSnapshot:
    return replace(snap, scanned_at=at)
