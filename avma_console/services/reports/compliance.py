"""The compliance (SPLA) report: per host and month, the VMs seen running and how each was licensed, with the
evidence (event 12310 records) per VM."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from avma_console.domain.i18n import Translate, tr_noop
from avma_console.domain.periods import month_key
from avma_console.services.report_documents import (
    Cell,
    ReportKind,
    ReportTable,
    format_time,
)
from avma_console.services.reports import common
from avma_console.services.reports.common import ReportBody, ReportError, ReportSpec
from avma_console.store import HistoryStore, HostState, StoredEvent

COMPLIANCE_COLUMNS = (
    "month",
    "host",
    "cluster",
    "host_version",
    "host_edition",
    "host_avma_capable",
    "snapshots",
    "vms_seen_running",
    "avma_activated",
    "activated_other",
    "not_activated",
    "no_evidence",
    "events_12310",
    "avma_success_events",
    "failed_events",
    "first_record_id",
    "last_record_id",
    "not_activated_vms",
)
EVIDENCE_COLUMNS = (
    "month",
    "host",
    "vm",
    "vm_id",
    "state",
    "observations",
    "last_seen_utc",
    "avma_success_events",
    "last_success_record_id",
    "last_success_utc",
)


@dataclass
class _VmMonth:
    name: str
    observations: int = 0
    last_seen: datetime | None = None
    state: str | None = None  # of the last observation while running


@dataclass
class _HostMonth:
    snapshots: set[int] = field(default_factory=set)
    host: HostState | None = None
    vms: dict[str, _VmMonth] = field(default_factory=dict)
    events: list[StoredEvent] = field(default_factory=list)


def build(store: HistoryStore, start: datetime | None, end: datetime | None, translate: Translate) -> ReportBody:
    snapshots = store.snapshots(since=start, until=end)
    if not snapshots:
        raise ReportError(common.no_scans(store, end, start))
    cells: dict[tuple[str, str], _HostMonth] = {}
    for snapshot in snapshots:
        month = month_key(snapshot.scanned_at)
        for host in store.host_states(snapshot.id):
            cell = cells.setdefault((month, host.host), _HostMonth())
            cell.snapshots.add(snapshot.id)
            if host.reachable or cell.host is None:
                cell.host = host  # the newest facts of the month about the host
    for state in store.vm_states(since=start, until=end):
        cell = cells.setdefault((month_key(state.scanned_at), state.host), _HostMonth())
        seen = cell.vms.setdefault(state.vm_id, _VmMonth(state.vm_name))
        if not state.running:
            continue
        seen.name = state.vm_name
        seen.observations += 1
        seen.last_seen = state.scanned_at
        seen.state = state.state
    for event in store.events(since=start, until=end, event_id=12310):  # the hosts' own record of AVMA requests
        cell = cells.setdefault((month_key(event.time_created), event.host), _HostMonth())
        cell.events.append(event)

    rows: list[tuple[Cell, ...]] = []
    evidence: list[tuple[Cell, ...]] = []
    totals: Counter[str] = Counter()
    for (month, host_name), cell in sorted(cells.items(), key=lambda item: (item[0][0], item[0][1].casefold())):
        running = {vm_id: vm for vm_id, vm in cell.vms.items() if vm.observations}
        category = Counter(common.category_of(vm.state) for vm in running.values())
        totals.update(category)
        events_12310 = [event for event in cell.events if event.event_id == 12310]
        successes = [event for event in cell.events if event.succeeded]
        failures = [event for event in cell.events if event.outcome is not None and not event.succeeded]
        record_ids = [event.record_id for event in cell.events]
        facts = cell.host
        rows.append(
            (
                month,
                host_name,
                facts.cluster if facts else None,
                facts.version if facts else None,
                facts.edition if facts else None,
                facts.avma_capable if facts else None,
                len(cell.snapshots),
                len(running),
                category["avma"],
                category["other"],
                category["not_activated"],
                category["no_evidence"],
                len(events_12310),
                len(successes),
                len(failures),
                min(record_ids) if record_ids else None,
                max(record_ids) if record_ids else None,
                ", ".join(
                    sorted(
                        (vm.name for vm in running.values() if common.category_of(vm.state) == "not_activated"),
                        key=str.casefold,
                    )
                ),
            )
        )
        for vm_id, seen in sorted(running.items(), key=lambda item: item[1].name.casefold()):
            mine = [event for event in successes if event.vm_id == vm_id]
            last = max(mine, key=lambda event: (event.time_created, event.record_id), default=None)
            evidence.append(
                (
                    month,
                    host_name,
                    seen.name,
                    vm_id,
                    seen.state,
                    seen.observations,
                    seen.last_seen,
                    len(mine),
                    last.record_id if last else None,
                    last.time_created if last else None,
                )
            )
    latest = snapshots[-1]
    summary = (
        (
            translate("Reports", "Snapshots"),
            translate("Reports", "{count}, {first} to {last} UTC").format(
                count=len(snapshots), first=format_time(snapshots[0].scanned_at), last=format_time(latest.scanned_at)
            ),
        ),
        (
            translate("Reports", "VM-months seen running"),
            translate(
                "Reports",
                "{total}: {avma} activated through AVMA, {other} through another channel, "
                "{not_activated} not activated, {no_evidence} without evidence",
            ).format(
                total=sum(totals.values()),
                avma=totals["avma"],
                other=totals["other"],
                not_activated=totals["not_activated"],
                no_evidence=totals["no_evidence"],
            ),
        ),
    )
    return ReportBody(
        summary=summary,
        tables=(
            ReportTable(
                translate("Reports", "Per host and month"),
                COMPLIANCE_COLUMNS,
                tuple(rows),
                print_columns=(
                    "month",
                    "host",
                    "host_version",
                    "host_edition",
                    "host_avma_capable",
                    "vms_seen_running",
                    "avma_activated",
                    "activated_other",
                    "not_activated",
                    "no_evidence",
                    "avma_success_events",
                    "failed_events",
                    "first_record_id",
                    "last_record_id",
                ),
            ),
            ReportTable(
                translate("Reports", "Evidence per VM"), EVIDENCE_COLUMNS, tuple(evidence), state_columns=("state",)
            ),
        ),
        matrix=common.fleet_matrix(
            store.host_states(latest.id), store.vm_states(latest.id), latest.id, latest.scanned_at
        ),
        notes=(
            translate(
                "Reports",
                "A VM counts on a host in a month when a snapshot saw it running there; its category is the state "
                "of the last such observation. Evidence: the host's event 12310 records (ids as in its Application log).",
            ),
        ),
    )


SPEC = ReportSpec(ReportKind.COMPLIANCE, tr_noop("Reports", "AVMA licence compliance (SPLA)"), build)
