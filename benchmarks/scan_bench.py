"""Scan speed and cost: the same client code over the same lab fleet, for several fleet sizes side by side.

    python benchmarks/scan_bench.py                           # 100, 500, 2000 hosts x 20 VMs, 25 ms per request
    python benchmarks/scan_bench.py --hosts 50 --vms 5        # a quick run
    python benchmarks/scan_bench.py --hosts 500 --sequential-hosts 0   # sequential measured on all 500 hosts

The lab runs in a separate process (as with `--demo`), so client and lab do not share one interpreter, and the
client's CPU (this process and its scan workers) is measured apart from the lab's. One lab serves the largest
fleet; each size scans its first N hosts. An untimed scan of all hosts first lets the lab compute its answers, so
every timed scan gets them at the same cost.

For each size: the parallel scan's time beside its latency floor ceil(N / concurrency) x k x RTT (k: HTTP
requests per host, counted by the lab; RTT: the lab's latency per request), the sequential scan's time (measured
on the first --sequential-hosts hosts and scaled to N: one host at a time costs the same per host at any size),
the client's CPU per host (process CPU time, which a noisy machine skews less than wall time), and requests per host.
The lab's CPU per host is shown too (Linux): it shares this machine's cores with the client, so a scan whose client and
lab CPU together exceed what the cores give in the floor's time cannot reach the floor ("CPU-bound s": their sum
divided by the cores), however little either costs alone.
Targets (DESIGN.md, issue 16) at 500 hosts: parallel at least 15x faster than sequential and within 2x of the
latency floor; client CPU at most 8 ms per host.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from avma_console.domain.inventory import InventoryEntry, inventory_toml
from avma_console.services.demo import DemoLab
from avma_console.services.inventory_files import load_inventory
from avma_console.services.scan import ScanOptions, favour_throughput, scan_inventory

TARGET_SPEED_UP = 15.0
TARGET_FLOOR_RATIO = 2.0
TARGET_CPU_MS = 8.0
TARGET_HOSTS = 500


@dataclass(frozen=True, slots=True)
class ScanCost:
    seconds: float
    cpu_s: float  # this process and its ended children (the scan's worker processes); not the lab
    requests: int
    hosts: int
    vms: int
    failed: int
    lab_cpu_s: float | None = None  # the lab process's CPU during the scan (None where /proc cannot tell)


def password_for(entry: InventoryEntry) -> str:
    return os.environ["AVMA_LAB_PASSWORD"]


def client_cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    # The scan's worker processes end with the scan and count here; the lab process runs on and does not.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def process_cpu_s(pid: int | None) -> float | None:
    """User and system CPU of a running process (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_scan(lab: DemoLab, inventory_path: Path, concurrency: int) -> ScanCost:
    """One scan's cost. On a plain event loop: Python 3.11's asyncio.run formats the repr of its SIGINT handler
    when it restores it, and that repr holds the task's result, the whole snapshot (seconds of CPU at 2000 hosts)."""
    inventory = load_inventory(inventory_path)
    requests_before = lab.requests_seen()
    lab_before = process_cpu_s(lab.pid)
    cpu_before = client_cpu_s()
    started = time.perf_counter()
    loop = asyncio.new_event_loop()
    try:
        with favour_throughput():  # as `avma-console scan` runs it
            scan = scan_inventory(inventory, password_for, options=ScanOptions(concurrency=concurrency))
            snapshot = loop.run_until_complete(scan)
    finally:
        loop.close()
    elapsed = time.perf_counter() - started
    cpu = client_cpu_s() - cpu_before
    lab_after = process_cpu_s(lab.pid)
    lab_cpu = lab_after - lab_before if lab_after is not None and lab_before is not None else None
    failed = sum(1 for host in snapshot.hosts if not host.reachable)
    hosts = len(snapshot.hosts)
    requests = lab.requests_seen() - requests_before
    return ScanCost(elapsed, cpu, requests, hosts, len(snapshot.all_vms()), failed, lab_cpu)


def first_hosts(path: Path, count: int) -> Path:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if count >= len(data["hosts"]):
        return path
    data["hosts"] = data["hosts"][:count]
    smaller = path.with_name(f"first-{count}-hosts.toml")
    smaller.write_text(inventory_toml(data), encoding="utf-8")
    return smaller


def latency_floor_s(hosts: int, concurrency: int, requests_per_host: float, latency_ms: float) -> float:
    return math.ceil(hosts / concurrency) * requests_per_host * latency_ms / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", default="100,500,2000", help="fleet sizes, comma-separated")
    parser.add_argument("--vms", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--auth", choices=("basic", "ntlm"), default="ntlm")
    parser.add_argument(
        "--sequential-hosts",
        type=int,
        default=100,
        help="time the sequential scan on the first N hosts and scale it to each size (0: on every size's hosts)",
    )
    args = parser.parse_args()
    try:
        sizes = sorted({int(size) for size in args.hosts.split(",")})
    except ValueError:
        parser.error(f"--hosts {args.hosts!r}: give fleet sizes as whole numbers separated by commas, e.g. 100,500")
    if not sizes or sizes[0] < 1:
        parser.error(f"--hosts {args.hosts!r}: every fleet size must be at least 1")

    print(
        f"lab: {max(sizes)} hosts x {args.vms} VMs, {args.latency_ms:g} ms per request, {args.auth}; "
        f"concurrency {args.concurrency}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    rows: list[tuple[int, ScanCost, ScanCost, float]] = []
    with DemoLab(hosts=max(sizes), vms_per_host=args.vms, latency_ms=args.latency_ms, auth=args.auth) as lab:
        # The lab computes each host's answer once per fleet state and then replays it (as a host answers
        # from its own state): an untimed first scan pays for that, so no timed scan does.
        warm = timed_scan(lab, lab.inventory_path, args.concurrency)
        print(f"warm-up: {warm.seconds:.2f} s for {warm.hosts} hosts (the lab's first answers; not compared)")
        shared_sequential: ScanCost | None = None
        if args.sequential_hosts:
            shared_sequential = timed_scan(lab, first_hosts(lab.inventory_path, args.sequential_hosts), 1)
        for size in sizes:
            path = first_hosts(lab.inventory_path, size)
            parallel = timed_scan(lab, path, args.concurrency)
            sequential = shared_sequential or timed_scan(lab, path, 1)
            rows.append((size, parallel, sequential, size / sequential.hosts))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return report(rows, args.concurrency, args.latency_ms)


def report(rows: list[tuple[int, ScanCost, ScanCost, float]], concurrency: int, latency_ms: float) -> int:
    header = (
        f"{'hosts':>6} {'parallel s':>10} {'floor s':>8} {'x floor':>7} {'sequential s':>14} {'speed-up':>8} "
        f"{'CPU ms/host':>11} {'seq CPU ms/host':>15} {'requests/host':>13} {'lab CPU ms/host':>15} "
        f"{'CPU-bound s':>11} {'failed':>6}"
    )
    print(header)
    print("-" * len(header))
    met = True
    for size, parallel, sequential, scale in rows:
        requests_per_host = parallel.requests / parallel.hosts
        floor = latency_floor_s(size, concurrency, requests_per_host, latency_ms)
        sequential_s = sequential.seconds * scale
        speed_up = sequential_s / parallel.seconds
        cpu_ms = parallel.cpu_s * 1000 / parallel.hosts
        scaled = f"{sequential_s:.2f}{'*' if scale != 1 else ' '}"
        lab_ms = f"{parallel.lab_cpu_s * 1000 / parallel.hosts:.1f}" if parallel.lab_cpu_s is not None else "n/a"
        cpu_bound = (
            f"{(parallel.cpu_s + parallel.lab_cpu_s) / (os.cpu_count() or 1):.2f}"
            if parallel.lab_cpu_s is not None
            else "n/a"
        )
        print(
            f"{size:>6} {parallel.seconds:>10.2f} {floor:>8.2f} {parallel.seconds / floor:>7.2f} {scaled:>14} "
            f"{speed_up:>7.1f}x {cpu_ms:>11.1f} {sequential.cpu_s * 1000 / sequential.hosts:>15.1f} "
            f"{requests_per_host:>13.2f} {lab_ms:>15} {cpu_bound:>11} {parallel.failed + sequential.failed:>6}"
        )
        if size == TARGET_HOSTS:
            met = (
                speed_up >= TARGET_SPEED_UP
                and parallel.seconds <= TARGET_FLOOR_RATIO * floor
                and cpu_ms <= TARGET_CPU_MS
                and parallel.failed == 0
            )
    if any(scale != 1 for *_, scale in rows):
        sequential_hosts = rows[0][2].hosts
        print(f"* sequential measured on the first {sequential_hosts} hosts and scaled to the fleet size")
    print(
        f"floor = ceil(hosts / {concurrency}) x requests/host x {latency_ms:g} ms. CPU: this process and its scan "
        f"workers (their start-up included), not the lab. CPU-bound: (client + lab CPU) / {os.cpu_count()} cores, "
        f"the least wall time this machine allows. Targets at {TARGET_HOSTS} hosts: >= {TARGET_SPEED_UP:g}x "
        f"sequential, <= {TARGET_FLOOR_RATIO:g}x floor, <= {TARGET_CPU_MS:g} CPU ms/host"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
