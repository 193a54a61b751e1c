"""A scanned fleet as the JSON contract, as CSV (safe to open in Excel) and as a terminal table."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from avma_console.domain.findings import Finding
from avma_console.domain.fleet import FleetSnapshot, HostRecord, VmRecord
from avma_console.domain.states import ActivationState, StateTone
from avma_console.services.text_table import render_table, safe_cell

_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _findings(findings: tuple[Finding, ...]) -> list[dict[str, str]]:
    return [finding.as_json() for finding in findings]


def vm_json(vm: VmRecord) -> dict[str, Any]:
    license_ = vm.guest_license
    return {
        "name": vm.name,
        "id": vm.vm_id,
        "guest_version": vm.guest_version.value if vm.guest_version else None,
        "guest_edition": vm.guest_edition.value if vm.guest_edition else None,
        "guest_is_server": vm.guest.is_server,
        "running": vm.running,
        "power_state": vm.power_state,
        "kvp_enabled": vm.kvp_enabled,
        "kvp_status": vm.kvp_status,
        "state": vm.state.value,
        "source": vm.source.value,
        "key_channel": license_.channel.value if license_ else None,
        "partial_key": license_.partial_key if license_ else None,
        "license_status": license_.license_status if license_ else None,
        "avma_host": license_.avma_host_name if license_ else None,
        "last_activation": vm.last_activation.isoformat() if vm.last_activation else None,
        "last_event": (
            {
                "record_id": vm.last_event.record_id,
                "time": vm.last_event.time_created.isoformat(),
                "outcome": vm.last_event.outcome.value if vm.last_event.outcome else None,
            }
            if vm.last_event
            else None
        ),
        "guest_error": vm.guest_error,
        "findings": _findings(vm.findings),
    }


def host_json(host: HostRecord) -> dict[str, Any]:
    return {
        "name": host.name,
        **host.facts_json(),
        "findings": _findings(host.findings),
        "vms": [vm_json(vm) for vm in host.vms],
    }


def snapshot_json(snapshot: FleetSnapshot) -> dict[str, Any]:
    return {
        "scanned_at": snapshot.scanned_at.isoformat(),
        "summary": {
            state.value: count
            for state, count in sorted(snapshot.state_counts().items(), key=lambda kv: -kv[0].severity_rank)
        },
        "clusters": [
            {"name": cluster.name, "nodes": list(cluster.nodes), "findings": _findings(cluster.findings)}
            for cluster in snapshot.clusters
        ],
        "hosts": [host_json(host) for host in snapshot.hosts],
    }


def to_json(snapshot: FleetSnapshot) -> str:
    return json.dumps(snapshot_json(snapshot), indent=2, ensure_ascii=False)


def spreadsheet_safe(value: object) -> str:
    """A cell Excel and LibreOffice show as text: values from hosts are data, never formulas."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_CSV_FORMULA_START) else text


CSV_COLUMNS = (
    "cluster",
    "host",
    "host_version",
    "host_edition",
    "host_activated",
    "vm",
    "vm_id",
    "running",
    "guest_version",
    "guest_edition",
    "kvp_enabled",
    "kvp_status",
    "state",
    "source",
    "key_channel",
    "last_activation",
    "findings",
    "host_error",
)


def to_csv(snapshot: FleetSnapshot) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for host in snapshot.hosts:
        host_cells = [
            host.cluster,
            host.name,
            host.version.value if host.version else None,
            host.edition.value if host.edition else None,
            host.activated,
        ]
        if not host.vms:
            writer.writerow([spreadsheet_safe(v) for v in [*host_cells, *([None] * 12), host.error]])
        for vm in host.vms:
            row = [
                *host_cells,
                vm.name,
                vm.vm_id,
                vm.running,
                vm.guest_version.value if vm.guest_version else None,
                vm.guest_edition.value if vm.guest_edition else None,
                vm.kvp_enabled,
                vm.kvp_status,
                vm.state.value,
                vm.source.value,
                vm.key_channel.value if vm.key_channel else None,
                vm.last_activation.isoformat() if vm.last_activation else None,
                "; ".join(f.code.value for f in vm.findings),
                host.error,
            ]
            writer.writerow([spreadsheet_safe(value) for value in row])
    return "\ufeff" + buffer.getvalue()  # the BOM makes Excel read UTF-8 (umlauts, Japanese) correctly


_MARK: dict[StateTone, str] = {
    StateTone.GOOD: "[ok]",
    StateTone.OTHER: "[ok]",
    StateTone.WARNING: "[!]",
    StateTone.ERROR: "[X]",
    StateTone.NEUTRAL: "[?]",
}


def state_label(state: ActivationState) -> str:
    return f"{_MARK[state.tone]} {state.value}"


def to_table(snapshot: FleetSnapshot) -> str:
    """Problems first: a summary line, unreachable hosts, then every VM ordered worst state first."""
    vms = snapshot.all_vms()
    counts = snapshot.state_counts()
    summary = ", ".join(
        f"{count} {state.value}" for state, count in sorted(counts.items(), key=lambda kv: -kv[0].severity_rank)
    )
    unreachable = [host for host in snapshot.hosts if not host.reachable]
    lines = [
        f"Scanned {len(snapshot.hosts)} hosts, {len(vms)} VMs at {snapshot.scanned_at:%Y-%m-%d %H:%M:%S} UTC: {summary or 'no VMs'}"
    ]
    if unreachable:
        lines.append("")
        lines.append(f"Hosts that could not be queried ({len(unreachable)}):")
        lines.append(
            render_table(
                ["host", "problem", "what to do"],
                [[h.name, h.error, h.findings[0].remediation if h.findings else ""] for h in unreachable],
                indent="  ",
            )
        )
    host_by_name = {host.name: host for host in snapshot.hosts}
    ordered = sorted(vms, key=lambda vm: (-vm.state.severity_rank, vm.host_name.casefold(), vm.name.casefold()))
    rows = []
    for vm in ordered:
        host = host_by_name.get(vm.host_name)
        worst = max(vm.findings, key=lambda f: f.severity.rank, default=None)
        rows.append(
            [
                state_label(vm.state),
                vm.name,
                vm.host_name,
                host.cluster if host and host.cluster else "-",
                vm.guest_version.label if vm.guest_version else "?",
                vm.guest_edition.label if vm.guest_edition else "?",
                "on" if vm.kvp_enabled else ("off" if vm.kvp_enabled is False else "?"),
                worst.message if worst else "",
            ]
        )
    if rows:
        lines.append("")
        lines.append(render_table(["state", "vm", "host", "cluster", "guest", "edition", "kvp", "main problem"], rows))
    cluster_findings = [(c.name, f) for c in snapshot.clusters for f in c.findings]
    if cluster_findings:
        lines.append("")
        lines.append("Cluster problems:")
        lines.extend(f"  {safe_cell(name)}: {safe_cell(f.message)}" for name, f in cluster_findings)
    return "\n".join(lines)
