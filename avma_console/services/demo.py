"""The embedded default: the demo fleet served by a lab in a separate process, and an inventory for it."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

PASSWORD_VARIABLE = "AVMA_LAB_PASSWORD"  # noqa: S105 - a variable name
GUEST_PASSWORD_VARIABLE = "AVMA_LAB_GUEST_PASSWORD"  # noqa: S105 - a variable name
STARTUP_TIMEOUT_S = 120.0


class DemoLabError(RuntimeError):
    """The lab process did not start; the message carries what it printed."""


@dataclass
class DemoLab:
    """A lab process serving a fleet on 127.0.0.1, with an inventory file that points at it.

    Passwords are fresh random values for this run, handed to the lab and to this process through the
    environment only.
    """

    fleet_file: Path | None = None
    hosts: int | None = None
    vms_per_host: int = 10
    latency_ms: float = 0.0
    tls: bool = False
    auth: str = "ntlm"
    inventory_path: Path = field(init=False)
    guest_credential: dict[str, str] | None = field(init=False, default=None, repr=False)
    endpoints: list[dict[str, object]] = field(init=False, default_factory=list)
    _process: subprocess.Popen[bytes] | None = field(init=False, default=None)
    _workdir: tempfile.TemporaryDirectory[str] | None = field(init=False, default=None)

    def start(self) -> DemoLab:
        self._workdir = tempfile.TemporaryDirectory(prefix="avma-demo-")
        self.inventory_path = Path(self._workdir.name) / "lab-inventory.toml"
        os.environ.setdefault(PASSWORD_VARIABLE, secrets.token_urlsafe(18))
        os.environ.setdefault(GUEST_PASSWORD_VARIABLE, secrets.token_urlsafe(18))
        command = [
            sys.executable,
            "-m",
            "avma_console",
            "lab",
            "--write-inventory",
            str(self.inventory_path),
            "--auth",
            self.auth,
        ]
        if self.fleet_file is not None:
            command += ["--fleet", str(self.fleet_file)]
        if self.hosts is not None:
            command += ["--hosts", str(self.hosts), "--vms-per-host", str(self.vms_per_host)]
        if self.latency_ms:
            command += ["--latency-ms", str(self.latency_ms)]
        if self.tls:
            command.append("--tls")
        environment = {**os.environ, "AVMA_LAB_STOP_ON_EOF": "1", "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
        )
        ready = self._read_until_ready()
        guest_user = ready.get("guest_username")
        if isinstance(guest_user, str):
            self.guest_credential = {"username": guest_user, "password": os.environ[GUEST_PASSWORD_VARIABLE]}
        return self

    def _read_until_ready(self) -> dict[str, object]:
        process = self._process
        assert process is not None
        assert process.stdout is not None
        result: dict[str, object] = {}
        done = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for raw in process.stdout:
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                if line.get("ready"):
                    result.update(line)
                    break
                self.endpoints.append(line)
            done.set()

        threading.Thread(target=read, daemon=True, name="avma-demo-lab-reader").start()
        if not done.wait(STARTUP_TIMEOUT_S) or not result:
            self.stop()
            errors = b""
            if process.stderr is not None:
                with contextlib.suppress(Exception):
                    errors = process.stderr.read()[-2000:]
            raise DemoLabError(
                "the lab process did not start: " + (errors.decode("utf-8", "replace").strip() or "no output")
            )
        return result

    @property
    def pid(self) -> int | None:
        """The lab process's id while it runs (benchmarks lower its priority: it stands in for remote hosts)."""
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def requests_seen(self) -> int:
        """HTTP requests the lab's hosts have read so far (for benchmarks: requests per host)."""
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise DemoLabError("the lab process is not running")
        process.stdin.write(b"requests\n")
        process.stdin.flush()
        for raw in process.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if isinstance(line, dict) and isinstance(line.get("requests_seen"), int):
                return int(line["requests_seen"])
        raise DemoLabError("the lab process ended without answering")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(Exception):
                assert process.stdin is not None
                process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> DemoLab:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
