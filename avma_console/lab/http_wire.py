"""The lab's HTTP wire: endpoints, fault names, requests and connections, and the NTLM user file pyspnego reads."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import shutil
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import spnego

try:  # pyspnego has no public hash functions; without these private ones the file holds the password (slower)
    from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1
except ImportError:  # pragma: no cover - a pyspnego that moved them
    lmowfv1 = ntowfv1 = None  # type: ignore[assignment]

from avma_console.lab.winrm_limits import LISTENER_FAULTS, WinrmLimits
from avma_console.lab.wsman import WsmanService

if sys.platform != "win32":
    import resource


FAULTS = LISTENER_FAULTS
LOOPBACK = "127.0.0.1"

MAX_BODY = 16 * 1024 * 1024
IDLE_CONNECTION_TIMEOUT_S = 120.0
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
KERBEROS_PROTOCOL = "application/HTTP-Kerberos-session-encrypted"
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"'
BOUNDARY = b"--Encrypted Boundary"
GARBLE = b"\x00\xff\xfe<<garbled: \x9d\x81 this is not XML \x8f>>\r\n\x1b[0m" * 16


@dataclass
class HostListener:
    """One simulated host's listener. `port` 0 takes any free port."""

    host_name: str
    fault: str | None = None
    latency_ms: float = 0.0
    port: int = 0
    flaky_every: int = 3
    limits: WinrmLimits = field(default_factory=WinrmLimits)
    restart_s: float = 0.5  # how long a "service_restart" answers 503
    jitter_sigma: float = 1.0  # the log-normal spread of a "jitter" host's latency (p99 about 10x the median)

    def __post_init__(self) -> None:
        check_fault(self.fault)
        if self.restart_s < 0 or self.jitter_sigma < 0:
            raise ValueError(f"restart_s and jitter_sigma must be at least 0 for host {self.host_name!r}")
        if self.flaky_every < 2:
            raise ValueError(f"flaky_every must be at least 2 for host {self.host_name!r}, not {self.flaky_every}")


@dataclass(frozen=True, slots=True)
class LabEndpoint:
    host_name: str
    url: str
    port: int
    auth: Literal["basic", "ntlm", "kerberos"]
    tls: bool


def check_fault(fault: str | None) -> None:
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"unknown lab fault {fault!r}; use one of {', '.join(FAULTS)} or None")


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (a thousand listeners need a few thousand descriptors)."""
    if sys.platform == "win32":
        return -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < target:
        for candidate in (target, 1 << 20, 65536):
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(candidate, target), hard))
                break
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@functools.lru_cache(maxsize=64)
def _password_hashes(password: str) -> tuple[str, str] | None:
    """The LM and NT hashes (hex) of a password, or None without pyspnego's private hash functions."""
    if lmowfv1 is None or ntowfv1 is None:
        return None
    return lmowfv1(password).hex(), ntowfv1(password).hex()


def _user_file_line(domain: str, user: str, password: str) -> str:
    """One account of the NTLM_USER_FILE. In smbpasswd's form, with the hashes, when they can be computed here:
    given only the password, pyspnego's acceptor derives the LM hash (DES in pure Python) for every connection,
    the lab's largest single cost serving a fleet; the hashes are what Windows keeps anyway."""
    hashes = _password_hashes(password)
    if hashes is None:
        return f"{domain}:{user}:{password}"
    account = f"{domain}\\{user}" if domain else user
    return f"{account}:0:{hashes[0]}:{hashes[1]}:[U          ]:LCT-00000000"


class NtlmUserFile:
    """The process-wide NTLM_USER_FILE, holding the accounts of every running LabServer."""

    _lock = threading.Lock()
    _entries: dict[int, dict[tuple[str, str], str]] = {}  # noqa: RUF012 - class-level registry on purpose
    _directory: Path | None = None
    _previous: str | None = None  # the process's own NTLM_USER_FILE, put back when the last server stops
    _next_id = 0

    @classmethod
    def register(cls, accounts: dict[tuple[str, str], str]) -> int:
        with cls._lock:
            for other in cls._entries.values():
                for key, password in accounts.items():
                    if key in other and other[key] != password:
                        raise ValueError(
                            f"another lab server in this process already serves {key[0]}\\{key[1]} with a "
                            "different password; NTLM accounts are process-wide (NTLM_USER_FILE)"
                        )
            cls._next_id += 1
            cls._entries[cls._next_id] = accounts
            cls._write()
            return cls._next_id

    @classmethod
    def unregister(cls, registration: int) -> None:
        with cls._lock:
            cls._entries.pop(registration, None)
            if cls._entries:
                cls._write()
            elif cls._directory is not None:
                shutil.rmtree(cls._directory, ignore_errors=True)
                if os.environ.get("NTLM_USER_FILE", "").startswith(str(cls._directory)):
                    if cls._previous is None:
                        del os.environ["NTLM_USER_FILE"]
                    else:
                        os.environ["NTLM_USER_FILE"] = cls._previous
                cls._directory = None

    @classmethod
    def _write(cls) -> None:
        if cls._directory is None:
            cls._directory = Path(tempfile.mkdtemp(prefix="avma-lab-ntlm-"))
            cls._previous = os.environ.get("NTLM_USER_FILE")
        # In registration order (each server lists its likeliest domains first), each line once.
        lines = list(
            dict.fromkeys(
                _user_file_line(domain, user, password)
                for accounts in cls._entries.values()
                for (domain, user), password in accounts.items()
            )
        )
        path = cls._directory / "ntlm-users"
        scratch = cls._directory / "ntlm-users.new"
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        # Acceptors on other lab threads may read it at any moment: replace, never rewrite in place.
        os.replace(scratch, path)
        os.environ["NTLM_USER_FILE"] = str(path)


@dataclass
class HttpRequest:
    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


class BadRequestError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class ConnectionState:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    tls: bool
    ntlm: spnego.ContextProxy | None = None  # the connection's security context: NTLM or Kerberos
    ntlm_user: str | None = None
    kerberos: bool = False
    auth_reply: list[tuple[str, str]] = field(default_factory=list)  # Kerberos' AP-REP for the next answer
    drop: bool = False  # end with a reset instead of a graceful close


@dataclass
class HostState:
    listener: HostListener
    service: WsmanService
    port: int = 0
    reservation: socket.socket | None = None
    listening: socket.socket | None = None
    server: asyncio.Server | None = None
    opening: asyncio.Task[None] | None = None
    connections: set[asyncio.Task[None]] = field(default_factory=set)
    requests_seen: int = 0
    creates_seen: int = 0
    restart_until: float = 0.0  # monotonic time a "service_restart" ends
    jitter: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311 - latency only
