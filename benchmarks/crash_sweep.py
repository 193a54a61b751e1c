"""Kill recorders at random moments; the history must reopen intact every time.

    python benchmarks/crash_sweep.py [--kills N] [--seed S] [--history FILE]

Half the kills hit `avma-console scan --demo --record --history FILE` processes at a random time (start-up,
scanning, or inside the recording transaction); the other half hit a process that records snapshots with
`HistoryStore.record_snapshot` in a loop (so nearly every kill lands inside a transaction). Both are SIGKILLed
(the whole process group: the demo's lab child goes too). After each kill the history is reopened and checked:
`integrity_check()` passes and every snapshot a recorder reported as committed is there with all its rows.
Prints "kills: N, intact: N". tests/reliability/test_crash_sweep.py runs a small sweep.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from avma_console.store import HistoryStore

RECORD_CHILD = "--record-loop"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _check(history: Path, committed: set[int]) -> tuple[bool, str]:
    with HistoryStore.open(history) as store:
        report = store.integrity_check()
        if not report.ok:
            return False, "; ".join(report.problems[:3])
        present = {info.id: info for info in store.snapshots()}
        missing = committed - set(present)
        if missing:
            return False, f"committed snapshots lost: {sorted(missing)}"
        for snapshot_id in committed:
            info = present[snapshot_id]
            if len(store.host_states(snapshot_id)) != info.host_count:
                return False, f"snapshot {snapshot_id} lost host rows"
            if len(store.vm_states(snapshot_id)) != info.vm_count:
                return False, f"snapshot {snapshot_id} lost VM rows"
    return True, ""


def _cli_kill(history: Path, rng: random.Random) -> tuple[bool, set[int]]:
    """One `scan --demo --record` killed at a random moment; True if it was killed before finishing."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "avma_console",
            "scan",
            "--demo",
            "--record",
            "--history",
            str(history),
            "--format",
            "json",
            "--output",
            os.devnull,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    time.sleep(rng.uniform(0.3, 2.2))
    killed = process.poll() is None
    _kill_group(process)
    errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    committed = {int(found) for found in re.findall(r"recorded snapshot (\d+) ", errors)}
    return killed, committed


def _record_kill(history: Path, rng: random.Random) -> tuple[bool, set[int]]:
    """A record_snapshot loop killed at a random moment; the ids it reported committed must survive."""
    process = subprocess.Popen(
        [sys.executable, __file__, RECORD_CHILD, str(history)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode().strip()
            lines.append(line)
            if line == "ready":
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(timeout=60)
    time.sleep(rng.uniform(0.02, 0.6))
    killed = process.poll() is None
    _kill_group(process)
    reader.join(timeout=10)
    process.stdout.close()
    committed = {int(line.split()[1]) for line in lines if line.startswith("committed ")}
    return killed, committed


def record_loop(history: Path) -> int:
    """The child: scan the demo fleet once (in-process lab), then record it again and again until killed."""
    from avma_console.domain.inventory import inventory_toml, parse_inventory
    from avma_console.lab.fleet import parse_fleet
    from avma_console.lab.runner import demo_fleet_text, inventory_data, running_lab
    from avma_console.services.scan import scan_inventory

    fleet = parse_fleet(demo_fleet_text(), source="demo fleet")
    password = fleet.credentials.password
    with running_lab(fleet) as lab:
        inventory = parse_inventory(inventory_toml(inventory_data(lab.endpoints, fleet, lab.ca_file)), source="lab")
        snapshot = asyncio.run(scan_inventory(inventory, lambda entry: password))
    with HistoryStore.open(history) as store:
        print("ready", flush=True)
        for step in range(10_000):
            at = replace(snapshot, scanned_at=snapshot.scanned_at + timedelta(minutes=step))
            snapshot_id = store.record_snapshot(at, source="crash sweep")
            print(f"committed {snapshot_id}", flush=True)
    return 0


def sweep(history: Path, kills: int, seed: int) -> tuple[int, int, list[str]]:
    rng = random.Random(seed)
    committed: set[int] = set()
    killed = intact = 0
    problems: list[str] = []
    for index in range(kills):
        kind = "scan" if index % 2 == 0 else "record"
        was_killed, done = (_cli_kill if kind == "scan" else _record_kill)(history, rng)
        committed |= done
        killed += was_killed
        ok, why = _check(history, committed)
        intact += ok
        if not ok:
            problems.append(f"kill {index + 1} ({kind}): {why}")
    return killed, intact, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--history", type=Path, help="history file (default: a new temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="avma-crash-sweep-") as scratch:
        history = args.history or Path(scratch) / "history.db"
        started = time.monotonic()
        killed, intact, problems = sweep(history, args.kills, args.seed)
        with HistoryStore.open(history) as store:
            snapshots = len(store.snapshots())
    for problem in problems:
        print(problem)
    print(
        f"seed {args.seed}: {args.kills} runs ({killed} killed mid-run), {snapshots} snapshots committed, "
        f"{time.monotonic() - started:.1f} s"
    )
    print(f"kills: {args.kills}, intact: {intact}")
    return 0 if intact == args.kills else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == RECORD_CHILD:
        sys.exit(record_loop(Path(sys.argv[2])))
    sys.exit(main())
