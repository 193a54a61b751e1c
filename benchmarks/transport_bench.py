"""Scan cost by transport: the same lab fleet scanned over NTLM and over Kerberos, side by side in one run.

    python benchmarks/transport_bench.py                     # 100 hosts x 10 VMs, 25 ms per request
    python benchmarks/transport_bench.py --hosts 20 --rounds 1

Starts its own throw-away MIT KDC (scripts/start-kdc.sh; Debian's krb5 packages are installed if missing), one
HTTP/<host> principal per lab host, and two labs over the same fleet: one accepting NTLM, one Kerberos, both on
plain HTTP with WinRM message encryption. Each round scans both (order alternating, so drift on a noisy machine
falls on both) after one untimed warm-up scan each (the lab computes each host's answer once). The client gets
its Kerberos ticket itself from the operator's password, as `transport = "kerberos"` with a password does.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from avma_console.domain.inventory import Inventory, InventoryEntry
from avma_console.lab.fleet import fleet_from_data, simulate_history
from avma_console.lab.generate import generate_fleet
from avma_console.lab.runner import lab_inventory, make_server
from avma_console.lab.server_thread import LabServerThread
from avma_console.services.event_loop import run_to_end
from avma_console.services.scan import ScanOptions, favour_throughput, scan_inventory

ROOT = Path(__file__).resolve().parent.parent
REALM = "LAB.TEST"


@contextmanager
def throwaway_kdc(password: str) -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="avma-bench-kdc-"))
    script = ROOT / "scripts" / "start-kdc.sh"
    started = subprocess.run(
        ["bash", str(script), "start", str(directory)],
        env={**os.environ, "AVMA_KDC_OPERATOR_PASSWORD": password},
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        raise SystemExit(f"transport_bench: could not start the KDC:\n{started.stderr}")
    for line in started.stdout.splitlines():
        name, _, value = line.partition("=")
        if name.isupper() and value:
            os.environ[name] = value
    os.environ["KRB5CCNAME"] = f"FILE:{directory / 'ccache-bench'}"
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    try:
        yield directory
    finally:
        subprocess.run(["bash", str(script), "stop", str(directory)], check=False, capture_output=True)


def register_services(directory: Path, hosts: list[str]) -> None:
    commands = "".join(
        f"addprinc -randkey HTTP/{host.lower()}@{REALM}\nktadd -k {directory / 'http.keytab'} HTTP/{host.lower()}@{REALM}\n"
        for host in hosts
    )
    subprocess.run(["kadmin.local"], input=commands, text=True, check=True, capture_output=True)


def timed_scan(inventory: Inventory, password: str) -> tuple[float, int]:
    def password_for(entry: InventoryEntry) -> str:
        return password

    started = time.perf_counter()
    with favour_throughput():
        snapshot = run_to_end(scan_inventory(inventory, password_for, options=ScanOptions()))
    elapsed = time.perf_counter() - started
    failed = sum(1 for host in snapshot.hosts if not host.reachable)
    return elapsed, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--vms", type=int, default=10)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    password = secrets.token_urlsafe(18)
    data = generate_fleet(args.hosts, args.vms, password=password)
    fleet = fleet_from_data(data, source="benchmark fleet")
    simulate_history(fleet)
    hosts = [host.name for host in fleet.hosts]
    work = Path(tempfile.mkdtemp(prefix="avma-bench-labs-"))
    with throwaway_kdc(password) as kdc_dir:
        register_services(kdc_dir, hosts)
        ntlm_lab = LabServerThread(make_server(fleet, latency_ms=args.latency_ms, work_dir=work / "ntlm"))
        kerberos_lab = LabServerThread(
            make_server(
                fleet,
                auth="kerberos",
                latency_ms=args.latency_ms,
                work_dir=work / "kerberos",
                kerberos_keytab=kdc_dir / "http.keytab",
                kerberos_realm=REALM,
            )
        )
        ntlm_lab.start()
        kerberos_lab.start()
        try:
            inventories = {
                "ntlm": lab_inventory(ntlm_lab, fleet),
                "kerberos": lab_inventory(kerberos_lab, fleet, transport="kerberos", username=f"operator@{REALM}"),
            }
            times: dict[str, list[float]] = {name: [] for name in inventories}
            for name, inventory in inventories.items():
                warm, failed = timed_scan(inventory, password)
                print(f"warm-up {name:9s}: {warm:6.2f} s, {failed} of {args.hosts} hosts failed (not compared)")
            for round_number in range(args.rounds):
                order = list(inventories) if round_number % 2 == 0 else list(reversed(inventories))
                for name in order:
                    elapsed, failed = timed_scan(inventories[name], password)
                    times[name].append(elapsed)
                    print(f"round {round_number + 1} {name:9s}: {elapsed:6.2f} s, {failed} failed")
        finally:
            ntlm_lab.stop()
            kerberos_lab.stop()
    ntlm = statistics.median(times["ntlm"])
    kerberos = statistics.median(times["kerberos"])
    print(
        f"{args.hosts} hosts x {args.vms} VMs, {args.latency_ms:g} ms per request, message encryption on (HTTP): "
        f"NTLM {ntlm:.2f} s ({ntlm / args.hosts * 1000:.1f} ms/host), Kerberos {kerberos:.2f} s "
        f"({kerberos / args.hosts * 1000:.1f} ms/host), Kerberos/NTLM = {kerberos / ntlm:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
