"""Running the lab: `avma-console lab`, and the in-process lab that tests and benchmarks use.

The lab prints one JSON line per host endpoint on stdout, then `{"ready": true, ...}`, and serves until
interrupted (or until its stdin closes, when a parent process started it with a pipe).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from avma_console.assets import resource
from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.inventory import Inventory, inventory_toml, parse_inventory
from avma_console.lab.cmd import CmdExecutor
from avma_console.lab.fleet import (
    FleetFileError,
    LabFleet,
    fleet_from_data,
    load_fleet_file,
    parse_fleet,
    simulate_history,
)
from avma_console.lab.generate import generate_fleet
from avma_console.lab.http import HostListener, LabEndpoint, LabServer
from avma_console.lab.operations import guest_endpoint_lines, host_handlers, make_guest_server
from avma_console.lab.powershell import FleetPowerShell
from avma_console.lab.pwsh_basic import BasicPowerShell
from avma_console.lab.server_thread import LabServerThread
from avma_console.lab.shell import CommandExecutor
from avma_console.lab.winrm_limits import LISTENER_FAULTS

PASSWORD_VARIABLE = "AVMA_LAB_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
GUEST_PASSWORD_VARIABLE = "AVMA_LAB_GUEST_PASSWORD"  # noqa: S105 - the name of a variable, not a secret

Auth = Literal["basic", "ntlm", "kerberos"]


def demo_fleet_text() -> str:
    return resource("demo", "fleet.json").read_text(encoding="utf-8")


def build_fleet(
    fleet_file: Path | None = None,
    hosts: int | None = None,
    vms_per_host: int = 10,
    seed: int = 7,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> LabFleet:
    if hosts is not None:
        fleet = fleet_from_data(
            generate_fleet(hosts, vms_per_host, seed=seed), source=f"generated fleet ({hosts} hosts)", clock=clock
        )
        simulate_history(fleet)
    elif fleet_file is not None:
        fleet = load_fleet_file(fleet_file, clock=clock)
    else:
        fleet = parse_fleet(demo_fleet_text(), source="demo fleet", clock=clock)
    # The password in a fleet file is a lab convenience; an operator's own value wins.
    if os.environ.get(PASSWORD_VARIABLE):
        fleet.credentials.password = os.environ[PASSWORD_VARIABLE]
    if fleet.guest_credentials is not None and os.environ.get(GUEST_PASSWORD_VARIABLE):
        fleet.guest_credentials.password = os.environ[GUEST_PASSWORD_VARIABLE]
    return fleet


class ExecutorFactory:
    """One cmd.exe + PowerShell per lab host, answering from the shared fleet."""

    def __init__(self, fleet: LabFleet) -> None:
        self.fleet = fleet
        self._fallback = BasicPowerShell()

    def __call__(self, host_name: str) -> CommandExecutor:
        return CmdExecutor(FleetPowerShell(self.fleet, host_name, fallback=self._fallback, handlers=host_handlers()))


def make_server(
    fleet: LabFleet,
    *,
    auth: Auth = "ntlm",
    tls: bool = False,
    latency_ms: float = 0.0,
    allow_unencrypted_basic: bool = False,
    work_dir: Path | None = None,
    kerberos_keytab: Path | None = None,
    kerberos_realm: str | None = None,
) -> LabServer:
    listeners = [
        # Script faults (bad_json, huge_output) live in the host's PowerShell, not in its listener.
        HostListener(
            host.name,
            fault=host.fault if host.fault in LISTENER_FAULTS else None,
            latency_ms=host.latency_ms,
            limits=host.winrm,
        )
        for host in fleet.hosts
    ]
    return LabServer(
        listeners,
        ExecutorFactory(fleet),
        username=fleet.credentials.username,
        password=fleet.credentials.password,
        auth=auth,
        tls=tls,
        allow_unencrypted_basic=allow_unencrypted_basic,
        global_latency_ms=latency_ms,
        work_dir=work_dir,
        kerberos_keytab=kerberos_keytab,
        kerberos_realm=kerberos_realm,
    )


def inventory_data(endpoints: list[LabEndpoint], fleet: LabFleet, ca_file: Path | None) -> dict[str, object]:
    """An inventory for the lab's endpoints; the password stays in the environment."""
    first = endpoints[0] if endpoints else None
    defaults: dict[str, object] = {
        "transport": first.auth if first else "ntlm",
        "scheme": "https" if first and first.tls else "http",
        "username": fleet.credentials.username,
        "credential": f"env:{PASSWORD_VARIABLE}",
    }
    if first is not None and first.auth == "basic" and not first.tls:
        defaults["allow_insecure"] = True
    if ca_file is not None:
        defaults["ca_bundle"] = str(ca_file)
    hosts = [{"name": endpoint.host_name, "address": "127.0.0.1", "port": endpoint.port} for endpoint in endpoints]
    return {"defaults": defaults, "hosts": hosts}


def lab_inventory(lab: LabServerThread, fleet: LabFleet, **overrides: object) -> Inventory:
    """The inventory `avma-console lab --write-inventory` would write for a running lab, parsed as the console reads
    it; `overrides` replace its defaults (e.g. transport, username). For tests and benchmarks."""
    data = inventory_data(lab.endpoints, fleet, lab.ca_file)
    defaults = data["defaults"]
    assert isinstance(defaults, dict)
    defaults.update(overrides)
    return parse_inventory(inventory_toml(data), source="lab inventory")


def write_inventory(path: Path, endpoints: list[LabEndpoint], fleet: LabFleet, ca_file: Path | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    header = "# Written by `avma-console lab`. The password is read from the environment variable named below.\n"
    temporary.write_text(header + inventory_toml(inventory_data(endpoints, fleet, ca_file)), encoding="utf-8")
    os.replace(temporary, path)


@contextlib.contextmanager
def running_lab(fleet: LabFleet, **server_options: Any) -> Iterator[LabServerThread]:
    """The lab on its own event loop in a background thread (tests, benchmarks, in-process use)."""
    with LabServerThread(make_server(fleet, **server_options)) as lab:
        yield lab


def run_lab_command(
    *,
    fleet_file: Path | None,
    hosts: int | None,
    vms_per_host: int,
    latency_ms: float,
    tls: bool,
    auth: Auth,
    write_inventory: Path | None,
    seed: int = 7,
) -> int:
    try:
        fleet = build_fleet(fleet_file, hosts, vms_per_host, seed)
    except FleetFileError as error:
        sys.stderr.write(f"avma-console lab: {error}\n")
        return 2
    return asyncio.run(_serve(fleet, latency_ms=latency_ms, tls=tls, auth=auth, inventory_path=write_inventory))


async def _serve(fleet: LabFleet, *, latency_ms: float, tls: bool, auth: Auth, inventory_path: Path | None) -> int:
    with tempfile.TemporaryDirectory(prefix="avma-lab-") as work:
        server = make_server(
            fleet,
            auth=auth,
            tls=tls,
            latency_ms=latency_ms,
            allow_unencrypted_basic=auth == "basic" and not tls,
            work_dir=Path(work),
        )
        # Guests with an address get their own listener (direct WinRM, e.g. for 2012 R2 guests).
        guest_server = make_guest_server(
            fleet,
            auth="ntlm" if auth == "kerberos" else auth,
            tls=tls,
            latency_ms=latency_ms,
            allow_unencrypted_basic=auth == "basic" and not tls,
            work_dir=Path(work) / "guests",
        )
        endpoints = await server.start()
        try:
            for endpoint in endpoints:
                print(
                    json.dumps(
                        {"host": endpoint.host_name, "url": endpoint.url, "auth": endpoint.auth, "tls": endpoint.tls}
                    ),
                    flush=True,
                )
            if guest_server is not None:
                await guest_server.start()
                for line in guest_endpoint_lines(guest_server, fleet):
                    print(json.dumps(line), flush=True)
            if inventory_path is not None:
                write_inventory(inventory_path, endpoints, fleet, server.ca_file)
            print(
                json.dumps(
                    {
                        "ready": True,
                        "hosts": len(endpoints),
                        "ca_file": str(server.ca_file) if server.ca_file else None,
                        "inventory": str(inventory_path) if inventory_path else None,
                        "guest_username": fleet.guest_credentials.username if fleet.guest_credentials else None,
                    }
                ),
                flush=True,
            )
            await _until_stopped(server)
        finally:
            if guest_server is not None:
                await guest_server.stop()
            await server.stop()
    return 0


REQUESTS_QUERY = b"requests"  # a line on stdin: the lab answers {"requests_seen": N} on stdout


async def _total_requests(server: LabServer) -> int:
    return server.total_requests_seen()


async def _until_stopped(server: LabServer) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    if not sys.stdin.isatty() and os.environ.get("AVMA_LAB_STOP_ON_EOF") == "1":
        # Started by a console process with a pipe: when the parent goes away, so does the lab.
        def watch_stdin() -> None:
            with contextlib.suppress(Exception):
                for line in sys.stdin.buffer:
                    if line.strip() == REQUESTS_QUERY:
                        seen = asyncio.run_coroutine_threadsafe(_total_requests(server), loop).result()
                        print(json.dumps({"requests_seen": seen}), flush=True)
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch_stdin, daemon=True).start()
    await stop.wait()
