"""The inventory report: every host and VM of the latest snapshot before the period's end."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from avma_console.domain.i18n import Translate, tr_noop
from avma_console.services.report_documents import (
    Cell,
    ReportKind,
    ReportTable,
    format_time,
    state_text,
)
from avma_console.services.reports import common
from avma_console.services.reports.common import ReportBody, ReportError, ReportSpec
from avma_console.store import HistoryStore, VmState

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


def build(store: HistoryStore, _start: datetime | None, end: datetime | None, translate: Translate) -> ReportBody:
    latest = store.latest_snapshot(until=end)
    if latest is None:
        raise ReportError(common.no_scans(store, end))
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
            row[INVENTORY_COLUMNS.index("main_problem")] = host.error or translate("Reports", "no VMs")
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
                    common.main_problem(vm),
                    " ".join(finding.message for finding in vm.findings),
                )
            )
    states = Counter(vm.state for vm in vms)
    scanned = translate("Reports", "#{id}, scanned {time} UTC").format(
        id=latest.id, time=format_time(latest.scanned_at)
    )
    state_counts = ", ".join(f"{count} {state_text(state, translate)}" for state, count in common.by_severity(states))
    summary = (
        (translate("Reports", "Snapshot"), scanned + (f" ({latest.source})" if latest.source else "")),
        (
            translate("Reports", "Hosts"),
            translate("Reports", "{answered} of {total} answered").format(
                answered=latest.reachable_count, total=latest.host_count
            ),
        ),
        (translate("Reports", "VMs"), str(latest.vm_count)),
        (translate("Reports", "States"), state_counts or translate("Reports", "no VMs")),
    )
    host_table = ReportTable(
        translate("Reports", "Hosts"),
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
                sum(1 for vm in by_host.get(host.host, []) if common.is_problem(vm.state)),
                host.error,
            )
            for host in hosts
        ),
    )
    return ReportBody(
        summary=summary,
        tables=(
            ReportTable(
                translate("Reports", "Virtual machines"),
                INVENTORY_COLUMNS,
                tuple(rows),
                print_columns=INVENTORY_PRINT_COLUMNS,
                state_columns=("state",),
                empty_text=tr_noop("Reports", "The snapshot has no hosts."),
            ),
            host_table,
        ),
        matrix=common.fleet_matrix(hosts, vms, latest.id, latest.scanned_at),
    )


SPEC = ReportSpec(ReportKind.INVENTORY, tr_noop("Reports", "AVMA inventory"), build, periodic=False)
