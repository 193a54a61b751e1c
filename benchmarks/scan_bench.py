"""Scan speed: the same client code over the same lab fleet, in parallel and one host at a time.

    python benchmarks/scan_bench.py                      # 500 hosts x 20 VMs, 25 ms per request (DESIGN.md)
    python benchmarks/scan_bench.py --hosts 50 --vms 5   # a quick run

The lab runs in a separate process (as with `--demo`), so client and lab do not share one interpreter.
Both scans run in this one invocation, side by side, so the ratio is not skewed by a noisy machine; an untimed
scan first lets the lab compute its answers, so both timed scans get them at the same cost.
Target (DESIGN.md): parallel at least 15x faster than sequential.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from pathlib import Path

from avma_console.domain.inventory import InventoryEntry
from avma_console.services.demo import DemoLab
from avma_console.services.inventory_files import load_inventory
from avma_console.services.scan import ScanOptions, favour_throughput, scan_inventory


def password_for(entry: InventoryEntry) -> str:
    return os.environ["AVMA_LAB_PASSWORD"]


def timed_scan(inventory_path: Path, concurrency: int) -> tuple[float, int, int]:
    inventory = load_inventory(inventory_path)
    started = time.perf_counter()
    with favour_throughput():  # as `avma-console scan` runs it
        snapshot = asyncio.run(scan_inventory(inventory, password_for, options=ScanOptions(concurrency=concurrency)))
    elapsed = time.perf_counter() - started
    failed = sum(1 for host in snapshot.hosts if not host.reachable)
    return elapsed, len(snapshot.all_vms()), failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--vms", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--auth", choices=("basic", "ntlm"), default="ntlm")
    parser.add_argument(
        "--sequential-hosts",
        type=int,
        default=0,
        help="time the sequential scan on the first N hosts only and extrapolate (0: all hosts)",
    )
    args = parser.parse_args()

    with DemoLab(hosts=args.hosts, vms_per_host=args.vms, latency_ms=args.latency_ms, auth=args.auth) as lab:
        # The lab computes each host's answer once per fleet state and then replays it (as a host answers
        # from its own state): an untimed first scan pays for that, so neither timed scan does.
        warm_s, _, _ = timed_scan(lab.inventory_path, args.concurrency)
        print(f"warm-up    (concurrency {args.concurrency}): {warm_s:8.2f} s  (the lab's first answers; not compared)")
        parallel_s, vms, failed = timed_scan(lab.inventory_path, args.concurrency)
        print(
            f"parallel   (concurrency {args.concurrency}): {parallel_s:8.2f} s  {args.hosts} hosts, {vms} VMs, {failed} failed"
        )
        sequential_path = lab.inventory_path
        if args.sequential_hosts and args.sequential_hosts < args.hosts:
            sequential_path = _first_hosts(lab.inventory_path, args.sequential_hosts)
        sequential_s, _, _ = timed_scan(sequential_path, 1)
        scale = (
            args.hosts / args.sequential_hosts if args.sequential_hosts and args.sequential_hosts < args.hosts else 1.0
        )
        note = f" (measured on {args.sequential_hosts} hosts, x{scale:.0f})" if scale != 1.0 else ""
        print(f"sequential (concurrency 1): {sequential_s * scale:8.2f} s{note}")
    ratio = sequential_s * scale / parallel_s
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # RUSAGE_CHILDREN: the largest of the ended children (the scan's worker processes, and the lab's process).
    child_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"speed-up: {ratio:.1f}x (target >= 15x)   client peak RSS: {peak_mib:.0f} MiB "
        f"(largest child process: {child_mib:.0f} MiB)"
    )
    return 0 if ratio >= 15 else 1


def _first_hosts(path: Path, count: int) -> Path:
    import tomllib

    from avma_console.domain.inventory import inventory_toml

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["hosts"] = data["hosts"][:count]
    smaller = path.with_name("first-hosts.toml")
    smaller.write_text(inventory_toml(data), encoding="utf-8")
    return smaller


if __name__ == "__main__":
    sys.exit(main())
