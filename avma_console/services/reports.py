"""Licence reports from the history: inventory, compliance (SPLA) and changes.

Each report is built once as plain data (`Report`, see report_documents.py: tables, a summary and the
fleet matrix) and then written as CSV, HTML or (through Qt) PDF.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from avma_console.domain.matrix import host_can_activate
from avma_console.domain.periods import month_key
from avma_console.domain.states import ActivationState
from avma_console.domain.versions import MAIN_VERSIONS, ServerVersion
from avma_console.services.report_documents import (
    REPORT_FORMATS,
    UNKNOWN_VERSION,
    Cell,
    MatrixSummary,
    Report,
    ReportKind,
    ReportTable,
    describe_period,
    format_time,
    report_csv,
    report_html,
)
from avma_console.store import HistoryStore, HostState, StoredEvent, VmState


class ReportError(Exception):
    """The report cannot be made from this history; the message says what to do."""


# ---------------------------------------------------------------------------------------------------------
# Building


def build_report(
    store: HistoryStore,
    kind: ReportKind | str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> Report:
    """`start` inclusive, `end` exclusive (UTC); `now`: when the report is made, by default the store's clock.
    Inventory uses the latest snapshot before `end`. Months follow the rule in domain/periods.py."""
    kind = ReportKind(kind)
    now = now or store.clock.now()
    if kind is ReportKind.INVENTORY:
        return _inventory(store, end, now)
    if kind is ReportKind.COMPLIANCE:
        return _compliance(store, start, end, now)
    return _changes(store, start, end, now)


INVENTORY_COLUMNS = (
    "scanned_at_utc",
    "cluster",
    "host",
    "host_version",
    "host_edition",
    "host_build",
    "host_activated",
    "host_hyperv",
    "host_avma_capable",
    "host_error",
    "vm",
    "vm_id",
    "power_state",
    "running",
    "guest_version",
    "guest_edition",
    "guest_os",
    "kvp_enabled",
    "kvp_status",
    "state",
    "state_source",
    "key_channel",
    "partial_key",
    "license_status",
    "avma_host",
    "last_activation_utc",
    "last_event_record_id",
    "last_event_utc",
    "last_event_outcome",
    "guest_error",
    "finding_codes",
    "main_problem",
    "findings",
)
INVENTORY_PRINT_COLUMNS = (
    "host",
    "vm",
    "guest_version",
    "guest_edition",
    "state",
    "state_source",
    "key_channel",
    "kvp_enabled",
    "last_activation_utc",
    "main_problem",
)


def _inventory(store: HistoryStore, end: datetime | None, now: datetime) -> Report:
    latest = store.latest_snapshot(until=end)
    if latest is None:
        raise ReportError(_no_scans(store, end))
    hosts = store.host_states(latest.id)
    vms = store.vm_states(latest.id)
    by_host: dict[str, list[VmState]] = {}
    for vm in vms:
        by_host.setdefault(vm.host, []).append(vm)
    rows: list[tuple[Cell, ...]] = []
    for host in hosts:
        host_cells: tuple[Cell, ...] = (
            latest.scanned_at,
            host.cluster,
            host.host,
            host.version,
            host.edition,
            host.build,
            host.activated,
            host.hyperv,
            host.avma_capable,
            host.error,
        )
        mine = by_host.get(host.host, [])
        if not mine:
            # A host without VMs still gets its row; the print layout shows its error where VMs show theirs.
            row: list[Cell] = [*host_cells, *([None] * (len(INVENTORY_COLUMNS) - len(host_cells)))]
            row[INVENTORY_COLUMNS.index("main_problem")] = host.error or "no VMs"
            rows.append(tuple(row))
        for vm in mine:
            rows.append(
                (
                    *host_cells,
                    vm.vm_name,
                    vm.vm_id,
                    vm.power_state,
                    vm.running,
                    vm.guest_version,
                    vm.guest_edition,
                    vm.guest_caption,
                    vm.kvp_enabled,
                    vm.kvp_status,
                    vm.state,
                    vm.source,
                    vm.key_channel,
                    vm.partial_key,
                    vm.license_status,
                    vm.avma_host,
                    vm.last_activation,
                    vm.last_event_record_id,
                    vm.last_event_time,
                    vm.last_event_outcome,
                    vm.guest_error,
                    ", ".join(dict.fromkeys(finding.code for finding in vm.findings)),
                    _main_problem(vm),
                    " ".join(finding.message for finding in vm.findings),
                )
            )
    states = Counter(vm.state for vm in vms)
    summary = (
        (
            "Snapshot",
            f"#{latest.id}, scanned {format_time(latest.scanned_at)} UTC"
            + (f" ({latest.source})" if latest.source else ""),
        ),
        ("Hosts", f"{latest.reachable_count} of {latest.host_count} answered"),
        ("VMs", str(latest.vm_count)),
        ("States", ", ".join(f"{count} {state}" for state, count in _by_severity(states)) or "no VMs"),
    )
    host_table = ReportTable(
        "Hosts",
        ("host", "cluster", "version", "edition", "activated", "hyperv", "avma_capable", "vms", "problem_vms", "error"),
        tuple(
            (
                host.host,
                host.cluster,
                host.version,
                host.edition,
                host.activated,
                host.hyperv,
                host.avma_capable,
                len(by_host.get(host.host, [])),
                sum(1 for vm in by_host.get(host.host, []) if _is_problem(vm.state)),
                host.error,
            )
            for host in hosts
        ),
    )
    return Report(
        kind=ReportKind.INVENTORY,
        title="AVMA inventory",
        generated_at=now,
        source=store.location,
        period_start=None,
        period_end=end,
        summary=summary,
        tables=(
            ReportTable(
                "Virtual machines",
                INVENTORY_COLUMNS,
                tuple(rows),
                print_columns=INVENTORY_PRINT_COLUMNS,
                state_columns=("state",),
                empty_text="The snapshot has no hosts.",
            ),
            host_table,
        ),
        matrix=fleet_matrix(hosts, vms, latest.id, latest.scanned_at),
    )


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


def _compliance(store: HistoryStore, start: datetime | None, end: datetime | None, now: datetime) -> Report:
    snapshots = store.snapshots(since=start, until=end)
    if not snapshots:
        raise ReportError(_no_scans(store, end, start))
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
    for event in store.events(since=start, until=end):
        cell = cells.setdefault((month_key(event.time_created), event.host), _HostMonth())
        cell.events.append(event)

    rows: list[tuple[Cell, ...]] = []
    evidence: list[tuple[Cell, ...]] = []
    totals: Counter[str] = Counter()
    for (month, host_name), cell in sorted(cells.items(), key=lambda item: (item[0][0], item[0][1].casefold())):
        running = {vm_id: vm for vm_id, vm in cell.vms.items() if vm.observations}
        category = Counter(_category(vm.state) for vm in running.values())
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
                        (vm.name for vm in running.values() if _category(vm.state) == "not_activated"), key=str.casefold
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
        ("Period", describe_period(start, end)),
        (
            "Snapshots",
            f"{len(snapshots)}, {format_time(snapshots[0].scanned_at)} to {format_time(latest.scanned_at)} UTC",
        ),
        (
            "VM-months seen running",
            f"{sum(totals.values())}: {totals['avma']} activated through AVMA, {totals['other']} through another "
            f"channel, {totals['not_activated']} not activated, {totals['no_evidence']} without evidence",
        ),
    )
    return Report(
        kind=ReportKind.COMPLIANCE,
        title="AVMA licence compliance (SPLA)",
        generated_at=now,
        source=store.location,
        period_start=start,
        period_end=end,
        summary=summary,
        tables=(
            ReportTable(
                "Per host and month",
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
            ReportTable("Evidence per VM", EVIDENCE_COLUMNS, tuple(evidence), state_columns=("state",)),
        ),
        matrix=fleet_matrix(store.host_states(latest.id), store.vm_states(latest.id), latest.id, latest.scanned_at),
        notes=(
            "A VM counts on a host in a month when a snapshot saw it running there; its category is the state "
            "of the last such observation. Evidence: the host's event 12310 records (ids as in its Application log).",
        ),
    )


CHANGES_COLUMNS = (
    "time_utc",
    "change",
    "vm",
    "vm_id",
    "from_host",
    "to_host",
    "from_state",
    "to_state",
    "from_key",
    "to_key",
    "who",
    "action",
    "result",
    "details",
)


_CHANGE_LABELS = {
    "state": "state changes",
    "host": "moves to another host",
    "key": "key changes",
    "appeared": "new VMs",
    "vanished": "VMs gone",
    "audit": "operator actions",
}


def _changes(store: HistoryStore, start: datetime | None, end: datetime | None, now: datetime) -> Report:
    transitions = store.transitions(since=start, until=end)
    audit = store.audit_entries(since=start, until=end)
    rows: list[tuple[datetime, int, tuple[Cell, ...]]] = []
    kinds: Counter[str] = Counter()
    for transition in transitions:
        change = ", ".join(transition.kinds)
        kinds.update(transition.kinds)
        rows.append(
            (
                transition.at,
                transition.id,
                (
                    transition.at,
                    change,
                    transition.vm_name,
                    transition.vm_id,
                    transition.from_host,
                    transition.to_host,
                    transition.from_state,
                    transition.to_state,
                    _key(transition.from_key_channel, transition.from_partial_key),
                    _key(transition.to_key_channel, transition.to_partial_key),
                    None,
                    None,
                    None,
                    None,
                ),
            )
        )
    for entry in audit:
        kinds["audit"] += 1
        details = dict(entry.details)
        if entry.error:
            details = {"error": entry.error, **details}
        rows.append(
            (
                entry.at,
                entry.id,
                (
                    entry.at,
                    "audit",
                    entry.target_vm,
                    entry.vm_id,
                    None,
                    entry.target_host,
                    None,
                    None,
                    None,
                    f"…{entry.key_last5}" if entry.key_last5 else None,
                    entry.who,
                    entry.action,
                    entry.result,
                    json.dumps(details, ensure_ascii=False, sort_keys=True) if details else None,
                ),
            )
        )
    rows.sort(key=lambda item: (item[0], item[1]))
    summary = (
        ("Period", describe_period(start, end)),
        (
            "Changes",
            ", ".join(f"{kinds[kind]} {label}" for kind, label in _CHANGE_LABELS.items() if kinds[kind]) or "none",
        ),
    )
    return Report(
        kind=ReportKind.CHANGES,
        title="AVMA changes",
        generated_at=now,
        source=store.location,
        period_start=start,
        period_end=end,
        summary=summary,
        tables=(
            ReportTable(
                "State changes, moves, key changes and operator actions",
                CHANGES_COLUMNS,
                tuple(row for _at, _id, row in rows),
                print_columns=(
                    "time_utc",
                    "change",
                    "vm",
                    "from_host",
                    "to_host",
                    "from_state",
                    "to_state",
                    "from_key",
                    "to_key",
                    "who",
                    "action",
                    "result",
                ),
                state_columns=("from_state", "to_state"),
            ),
        ),
    )


def fleet_matrix(
    hosts: Sequence[HostState], vms: Sequence[VmState], snapshot_id: int, scanned_at: datetime
) -> MatrixSummary:
    """Host version x guest version counts of one snapshot; a guest AVMA cannot serve on its host is marked."""
    host_version = {host.host: host.version for host in hosts}
    counts: Counter[tuple[str, str]] = Counter()
    for vm in vms:
        counts[(host_version.get(vm.host) or UNKNOWN_VERSION, vm.guest_version or UNKNOWN_VERSION)] += 1
    host_versions = _version_order({h for h, _g in counts} | {v for v in host_version.values() if v})
    guest_versions = _version_order({g for _h, g in counts})
    incompatible = frozenset(
        (h, g)
        for h in host_versions
        for g in guest_versions
        if UNKNOWN_VERSION not in (h, g) and not _can_activate(h, g)
    )
    return MatrixSummary(host_versions, guest_versions, dict(counts), incompatible, snapshot_id, scanned_at)


def _can_activate(host: str, guest: str) -> bool:
    try:
        return host_can_activate(ServerVersion(host), ServerVersion(guest))
    except ValueError:
        return True  # a version this build does not know: no claim either way


def _version_order(values: set[str]) -> tuple[str, ...]:
    """Newest first, like the published matrix; unknown versions last."""
    order = {version.value: index for index, version in enumerate(reversed(list(ServerVersion)))}
    main = {version.value for version in MAIN_VERSIONS}
    return tuple(
        sorted(values, key=lambda value: (value == UNKNOWN_VERSION, value not in main, order.get(value, 99), value))
    )


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def _key(channel: str | None, partial: str | None) -> str | None:
    if channel is None and partial is None:
        return None
    return f"{channel or '?'} …{partial}" if partial else channel


_SEVERITY_RANK = {"error": 2, "warning": 1, "info": 0}


def _main_problem(vm: VmState) -> str | None:
    """The most severe finding's sentence: what a reader of a printed inventory acts on first."""
    worst = max(vm.findings, key=lambda finding: _SEVERITY_RANK.get(finding.severity, -1), default=None)
    return worst.message if worst else None


def _is_problem(state: str) -> bool:
    try:
        return ActivationState(state).is_problem
    except ValueError:
        return True


def _category(state: str | None) -> str:
    if state == ActivationState.AVMA_ACTIVATED:
        return "avma"
    if state == ActivationState.ACTIVATED_OTHER:
        return "other"
    if state in (None, ActivationState.UNKNOWN, ActivationState.UNREACHABLE):
        return "no_evidence"
    return "not_activated"


def _by_severity(counts: Counter[str]) -> list[tuple[str, int]]:
    def rank(state: str) -> int:
        try:
            return ActivationState(state).severity_rank
        except ValueError:
            return 99

    return sorted(counts.items(), key=lambda item: -rank(item[0]))


def _no_scans(store: HistoryStore, end: datetime | None, start: datetime | None = None) -> str:
    where = ""
    if start or end:
        where = f" in the period ({describe_period(start, end)})"
    return (
        f"the history {store.location} has no recorded scans{where}; record one with "
        "`avma-console scan --record` (same --history), or choose another --from/--to"
    )


__all__ = [
    "REPORT_FORMATS",
    "MatrixSummary",
    "Report",
    "ReportError",
    "ReportKind",
    "ReportTable",
    "build_report",
    "fleet_matrix",
    "report_csv",
    "report_html",
]
