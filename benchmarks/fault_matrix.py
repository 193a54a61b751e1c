"""Every fault the lab can inject, against a real scan that is recorded into the history: one row per fault.

    python benchmarks/fault_matrix.py [--history FILE]

Each row scans a faulty host together with a healthy one (the same code path as `scan_inventory`: the
bounded fan-out, one client per host, retries with backoff, then the diagnosed snapshot), records the
snapshot with services.history, and checks: the scan finished, the healthy host is unaffected, the error's
kind/message/fix (the fix is the retry path the operator sees), the attempts (bounded retries), the time
(bounded by the read timeout / deadline), and that the history passes integrity_check with the faulty host
stored as one error row and no VM rows (nothing half-written). "state change" scans a changing host twice.
tests/reliability/test_faults.py runs the same matrix and asserts on it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from avma_console.domain.clock import SYSTEM_CLOCK
from avma_console.domain.inventory import inventory_toml, parse_inventory
from avma_console.lab.fleet import LabFleet, attempt_activation, fleet_from_data, simulate_history
from avma_console.lab.runner import inventory_data, make_server
from avma_console.lab.server_thread import LabServerThread
from avma_console.lab.winrm_limits import LISTENER_FAULTS, SCRIPT_FAULTS
from avma_console.remote.client import Endpoint
from avma_console.remote.errors import RemoteError
from avma_console.remote.scanner import HostOutcome, ScanTarget, scan_hosts
from avma_console.services.history import HistoryRecorder
from avma_console.services.scan import build_snapshot, endpoint_for
from avma_console.store import HistoryStore

PASSWORD = "fault-matrix-Pa55!"  # noqa: S105 - the throw-away lab's own account
READ_TIMEOUT_S = 2.0
OPERATION_TIMEOUT_S = 1.0
DEADLINE_S = 20.0
MAX_OUTPUT_BYTES = 1024 * 1024  # the lab's huge_output answer is 4 MiB
QUOTA_WAIT_S = 0.5  # the console's wait before its one retry after a quota fault (3 s by default)
RETRIES = 2
FAULTS = (*LISTENER_FAULTS, *SCRIPT_FAULTS, "state_change")


@dataclass(frozen=True, slots=True)
class Row:
    fault: str
    action: str  # what the console did, in words
    finished: bool
    others_ok: bool
    kind: str  # the error kind of the faulty host, "-" when it answered
    message: str
    fix: str
    attempts: int
    seconds: float
    history_ok: bool
    detail: str = ""


def _vm(name: str, version: str = "2022") -> dict[str, Any]:
    return {"name": name, "guest_version": version, "guest_edition": "Standard", "key": "avma"}


def make_fleet(password: str = PASSWORD) -> LabFleet:
    hosts = [
        {"name": "HV-OK", "version": "2022", "edition": "Datacenter", "vms": [_vm("ok-01"), _vm("ok-02", "2019")]},
        {"name": "HV-BAD", "version": "2022", "edition": "Datacenter", "vms": [_vm("bad-01"), _vm("bad-02")]},
    ]
    data = {
        "credentials": {"username": "LAB\\operator", "password": password},
        "guest_credentials": {"username": "Administrator", "password": password + "-guest"},
        "hosts": hosts,
    }
    fleet = fleet_from_data(data, source="fault matrix")
    simulate_history(fleet)
    return fleet


def _targets(lab: LabServerThread, fleet: LabFleet, password: str) -> dict[str, ScanTarget]:
    inventory = parse_inventory(inventory_toml(inventory_data(lab.endpoints, fleet, lab.ca_file)), source="lab")
    targets: dict[str, ScanTarget] = {}
    for entry in inventory.entries:
        endpoint: Endpoint = replace(
            endpoint_for(entry),
            operation_timeout_s=OPERATION_TIMEOUT_S,
            read_timeout_s=READ_TIMEOUT_S,
            deadline_s=DEADLINE_S,
            max_output_bytes=MAX_OUTPUT_BYTES,
            quota_wait_s=QUOTA_WAIT_S,
        )
        targets[entry.name] = ScanTarget(endpoint, password)
    return targets


def _set_fault(lab: LabServerThread, fleet: LabFleet, fault: str | None) -> None:
    host = fleet.host("HV-BAD")
    assert host is not None
    with fleet.lock:
        host.fault = fault if fault in SCRIPT_FAULTS else None
        fleet.changed()
    lab.set_fault("HV-BAD", fault if fault in LISTENER_FAULTS else None)


def _scan_and_record(
    targets: dict[str, ScanTarget], store: HistoryStore
) -> tuple[list[HostOutcome], int | None, float, str]:
    recorder = HistoryRecorder(store, source="fault matrix")
    ordered = [replace(targets[name], since=recorder.since_for(name)) for name in ("HV-BAD", "HV-OK")]
    started = time.monotonic()
    outcomes = asyncio.run(scan_hosts(ordered, concurrency=2, max_events=50))
    seconds = time.monotonic() - started
    try:
        recorded = recorder.record(build_snapshot(outcomes, SYSTEM_CLOCK.now()))
    except Exception as error:  # a recording failure is a row's finding, not the end of the matrix
        return outcomes, None, seconds, f"not recorded: {error}"
    return outcomes, recorded.snapshot_id, seconds, ""


def _history_ok(store: HistoryStore, snapshot_id: int | None, faulty: bool) -> tuple[bool, str]:
    if snapshot_id is None:
        return False, "no snapshot"
    report = store.integrity_check()
    if not report.ok:
        return False, "; ".join(report.problems)
    hosts = {state.host: state for state in store.host_states(snapshot_id)}
    bad = hosts.get("HV-BAD")
    vms = [vm for vm in store.vm_states(snapshot_id) if vm.host == "HV-BAD"]
    if bad is None:
        return False, "the faulty host has no row"
    if faulty and (bad.error is None or vms):
        return False, f"half rows for the faulty host: error={bad.error!r}, {len(vms)} VM rows"
    if not faulty and (bad.error is not None or len(vms) != 2):
        return False, f"the host answered but is stored with error={bad.error!r} and {len(vms)} VM rows"
    ok_vms = [vm for vm in store.vm_states(snapshot_id) if vm.host == "HV-OK"]
    return len(ok_vms) == 2, ""


def _row(fault: str, outcomes: list[HostOutcome], snapshot_id: int | None, seconds: float, store: HistoryStore) -> Row:
    by_host = {outcome.target.endpoint.host: outcome for outcome in outcomes}
    bad, good = by_host.get("HV-BAD"), by_host.get("HV-OK")
    if fault in ("flaky", "service_restart") and bad is not None and bad.error is None and bad.attempts > 1:
        fault = f"{fault} (retried)"
    finished = bad is not None and good is not None
    others_ok = good is not None and good.error is None and good.scan is not None and len(good.scan.record.vms) == 2
    error: RemoteError | None = bad.error if bad is not None else None
    history_ok, detail = _history_ok(store, snapshot_id, faulty=error is not None)
    return Row(
        fault=fault,
        action=_action(bad),
        finished=finished,
        others_ok=others_ok,
        kind=error.kind.value if error else "-",
        message=error.message if error else "",
        fix=error.fix if error else "",
        attempts=bad.attempts if bad is not None else 0,
        seconds=seconds,
        history_ok=history_ok,
        detail=detail,
    )


def _action(outcome: HostOutcome | None) -> str:
    """What the console did about the faulty host, as the table says it."""
    if outcome is None:
        return "never finished"
    error = outcome.error
    if error is None:
        return "answered" if outcome.attempts == 1 else f"retried with backoff, answered at attempt {outcome.attempts}"
    if error.kind.value == "quota":
        return f"waited {QUOTA_WAIT_S:g} s, retried once, named {error.setting}"
    if outcome.attempts > 1:
        return f"retried {outcome.attempts - 1}x with backoff, then {error.kind.value} error"
    return f"{error.kind.value} error at once (a retry cannot help)"


def run_matrix(work_dir: Path, faults: tuple[str, ...] = FAULTS, password: str = PASSWORD) -> list[Row]:
    fleet = make_fleet(password)
    rows: list[Row] = []
    with LabServerThread(make_server(fleet, work_dir=work_dir / "lab")) as lab:
        targets = _targets(lab, fleet, password)
        with HistoryStore.open(work_dir / "history.db") as store:
            for fault in faults:
                if fault == "state_change":
                    rows.append(_state_change(lab, fleet, targets, store))
                    continue
                _set_fault(lab, fleet, fault)
                try:
                    # A flaky host fails every 3rd shell Create: scan until one scan needed its retry.
                    for _ in range(4 if fault == "flaky" else 1):
                        outcomes, snapshot_id, seconds, detail = _scan_and_record(targets, store)
                        if max(outcome.attempts for outcome in outcomes) > 1:
                            break
                finally:
                    _set_fault(lab, fleet, None)
                row = _row(fault, outcomes, snapshot_id, seconds, store)
                rows.append(replace(row, detail=detail or row.detail))
    return rows


def _state_change(lab: LabServerThread, fleet: LabFleet, targets: dict[str, ScanTarget], store: HistoryStore) -> Row:
    """Two scans with a change in between (the host loses its activation, then a guest's AVMA attempt fails):
    the history shows exactly that VM's transition."""
    _set_fault(lab, fleet, None)
    _first, first_id, first_s, _ = _scan_and_record(targets, store)
    host = fleet.host("HV-BAD")
    assert host is not None
    vm = host.find_vm("bad-02")
    assert vm is not None
    with fleet.lock:
        host.activated = False
        attempt_activation(host, vm, fleet.clock.now())
        fleet.changed()
    second, second_id, second_s, detail = _scan_and_record(targets, store)
    row = _row("state_change", second, second_id, first_s + second_s, store)
    changed = store.transitions(snapshot_id=second_id) if second_id is not None else []
    seen = {t.vm_name for t in changed}
    ok = row.history_ok and first_id is not None and "bad-02" in seen and "bad-01" not in seen
    states = {v.vm_name: v.state for v in store.vm_states(second_id)} if second_id is not None else {}
    return replace(
        row,
        history_ok=ok,
        message=f"transitions: {sorted(seen)}; bad-02 now {states.get('bad-02')}",
        detail=detail or row.detail,
    )


def format_table(rows: list[Row]) -> str:
    header = (
        "fault",
        "console did",
        "finished",
        "others ok",
        "kind",
        "attempts",
        "seconds",
        "history ok",
        "message | retry path (fix)",
    )
    lines = [header]
    for row in rows:
        text = f"{row.message} | {row.fix}" if row.fix else row.message
        lines.append(
            (
                row.fault,
                row.action,
                "yes" if row.finished else "NO",
                "yes" if row.others_ok else "NO",
                row.kind,
                str(row.attempts),
                f"{row.seconds:.2f}",
                "yes" if row.history_ok else f"NO {row.detail}",
                text,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)) + "  " + line[-1])
        if index == 0:
            out.append("-" * (sum(widths) + 2 * len(widths) + 30))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--work-dir", type=Path, help="where the history and the lab's files go (default: temp)")
    args = parser.parse_args(argv)
    os.environ.setdefault("AVMA_LAB_PASSWORD", PASSWORD)
    with tempfile.TemporaryDirectory(prefix="avma-fault-matrix-") as scratch:
        rows = run_matrix(args.work_dir or Path(scratch))
    print(format_table(rows))
    bad = [row.fault for row in rows if not (row.finished and row.others_ok and row.history_ok)]
    print(f"\nfaults: {len(rows)}, all contained: {'yes' if not bad else 'NO: ' + ', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
