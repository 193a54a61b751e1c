"""The lab's WinRM listeners: one HTTP(S) port per simulated host on 127.0.0.1, all on one asyncio loop.

    server = LabServer([HostListener("HV-FRA-01"), HostListener("HV-FRA-02", fault="hang")],
                       executor_for=lambda host: CmdExecutor(runner),
                       username="lab\\\\operator", password="...", auth="ntlm", tls=False)
    endpoints = await server.start()      # [LabEndpoint(host_name, url, port, auth, tls)], one per host
    server.set_fault("HV-FRA-02", None)   # at any time, from the loop's thread
    await server.stop()

    with LabServerThread(server) as lab:  # the same on its own loop in a daemon thread (tests, in-process use)
        winrm.Session(lab.endpoints[0].url, auth=(...), transport="ntlm").run_cmd("echo", ["hi"])
        lab.set_fault("HV-FRA-01", "http500")

What a client sees, as from Windows (HTTP.sys + WinRM service):

* `POST /wsman`, HTTP/1.1 keep-alive, `Content-Type: application/soap+xml;charset=UTF-8`; other paths 404,
  other methods 405; idle connections are closed after 120 s as HTTP.sys does.
* Authentication. `WWW-Authenticate: Negotiate` always, plus `Basic realm="WSMAN"` when Basic is usable.
  Negotiate carries raw NTLM (what pywinrm's `transport='ntlm'` sends); the pyspnego acceptor checks the
  password, the security context belongs to the TCP connection, and every later message on it may be sealed
  as `multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"`
  (answers to sealed requests are sealed the same way). Over HTTPS, NTLM must carry the certificate's
  channel binding token (stricter than Windows' default "Relaxed", which also accepts none). Basic is
  offered only when `auth="basic"`, and over plain HTTP only with `allow_unencrypted_basic=True`
  (Windows' AllowUnencrypted); without it Basic gets 401 and unsealed NTLM messages on HTTP get an empty
  HTTP 500, as Windows answers. The user name matches case-insensitively and may be given as `user`,
  `.\\user`, `DOMAIN\\user` (the configured domain) or `HOST\\user`; a wrong password is always 401.
* TLS (`tls=True`): a private CA made at start; its PEM is at `ca_file` for clients to verify against.
* `latency_ms` (per host, plus `global_latency_ms`) delays every HTTP response.
* Faults (`HostListener.fault`, changeable with `set_fault`; `http500`, `truncate`, `garble` and `flaky` act on
  authenticated WS-Management messages, so a client first gets through authentication as usual):
  `refuse`  port not listening: connection refused (on Linux the port stays reserved by a bound, never
            listening socket, so the host comes back on the same port and no client ephemeral port takes it);
  `auth`    every credential is rejected with 401 (NTLM after a full handshake, as a wrong password is);
  `http500` every authenticated request gets HTTP 500 with a WSManFault (w:InternalError);
  `hang`    requests are read and never answered until the client gives up;
  `truncate` the real answer is cut in the middle, Content-Length still claiming the full size, then the
            connection is closed;
  `garble`  HTTP 200 with a body of non-XML bytes;
  `flaky`   every `flaky_every`-th shell Create on the host fails (3rd, 6th, ...), alternately with HTTP 500
            and with the connection dropped before any answer; everything else succeeds, so one retry of a
            failed operation succeeds. The count restarts when the fault is set.

For tests: `requests_seen(host)` (HTTP requests read), `open_shells(host)`, `set_latency(host, ms)`.

`NTLM_USER_FILE` (pyspnego's acceptor credential store, process-wide) names a 0600 file in a private temporary
directory, shared by the LabServers of this process and removed when the last one stops.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import contextlib
import logging
import os
import re
import secrets
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Literal, TypeVar

import spnego
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

from avma_console.lab.certs import generate_lab_certificates, server_ssl_context, tls_server_end_point
from avma_console.lab.shell import CommandExecutor
from avma_console.lab.wsman import (
    ACTION_CREATE,
    RequestContext,
    WsmanService,
    fault_envelope,
    internal_error_fault,
    request_action,
)

if sys.platform != "win32":
    import resource

_log = logging.getLogger(__name__)

FAULTS = ("refuse", "auth", "http500", "hang", "truncate", "garble", "flaky")
LOOPBACK = "127.0.0.1"

# Linux lets a bound, never-listening socket share the port with the listener (both SO_REUSEADDR), which keeps a
# "refusing" host's port reserved; BSD/macOS semantics differ, so elsewhere the port is simply closed.
_RESERVE_PORTS = sys.platform.startswith("linux")
_MAX_BODY = 16 * 1024 * 1024
_IDLE_CONNECTION_TIMEOUT_S = 120.0
_SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
_ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
_KERBEROS_PROTOCOL = "application/HTTP-Kerberos-session-encrypted"
_ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{_ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"'
_BOUNDARY = b"--Encrypted Boundary"
_GARBLE = b"\x00\xff\xfe<<garbled: \x9d\x81 this is not XML \x8f>>\r\n\x1b[0m" * 16

_T = TypeVar("_T")


@dataclass
class HostListener:
    """One simulated host's listener. `port` 0 takes any free port."""

    host_name: str
    fault: str | None = None
    latency_ms: float = 0.0
    port: int = 0
    flaky_every: int = 3

    def __post_init__(self) -> None:
        _check_fault(self.fault)
        if self.flaky_every < 2:
            raise ValueError(f"flaky_every must be at least 2 for host {self.host_name!r}, not {self.flaky_every}")


@dataclass(frozen=True, slots=True)
class LabEndpoint:
    host_name: str
    url: str
    port: int
    auth: Literal["basic", "ntlm", "kerberos"]
    tls: bool


def _check_fault(fault: str | None) -> None:
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


class _NtlmUserFile:
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
        lines = sorted(
            {
                f"{domain}:{user}:{password}"
                for accounts in cls._entries.values()
                for (domain, user), password in accounts.items()
            }
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
class _HttpRequest:
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


class _BadRequestError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    tls: bool
    ntlm: spnego.ContextProxy | None = None  # the connection's security context: NTLM or Kerberos
    ntlm_user: str | None = None
    kerberos: bool = False
    auth_reply: list[tuple[str, str]] = field(default_factory=list)  # Kerberos' AP-REP for the next answer
    drop: bool = False  # end with a reset instead of a graceful close


@dataclass
class _Host:
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


class LabServer:
    """Serves every lab host on its own 127.0.0.1 port; everything runs on the loop that called `start`."""

    def __init__(
        self,
        listeners: Sequence[HostListener],
        executor_for: Callable[[str], CommandExecutor],
        *,
        username: str,
        password: str,
        auth: Literal["basic", "ntlm", "kerberos"] = "ntlm",
        tls: bool = False,
        allow_unencrypted_basic: bool = False,
        global_latency_ms: float = 0.0,
        work_dir: Path | None = None,
        kerberos_keytab: Path | None = None,
        kerberos_realm: str | None = None,
    ) -> None:
        if auth not in ("basic", "ntlm", "kerberos"):
            raise ValueError(f"auth must be 'basic', 'ntlm' or 'kerberos', not {auth!r}")
        if auth == "kerberos" and (kerberos_keytab is None or not kerberos_realm):
            raise ValueError("auth='kerberos' needs kerberos_keytab (the HTTP/<host> keys) and kerberos_realm")
        names = [listener.host_name for listener in listeners]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"host names must be unique; repeated: {', '.join(duplicates)}")
        domain, _, user = username.rpartition("\\")
        if not user or any(char in username for char in ":\r\n"):
            raise ValueError("username must be 'user' or 'DOMAIN\\user' without ':' or line breaks")
        self._ntlm_usable = not any(char in password for char in ":\r\n")
        if auth == "ntlm" and not self._ntlm_usable:
            raise ValueError("an NTLM lab password cannot contain ':' or line breaks (NTLM_USER_FILE format)")
        self._user = user
        self._domain = domain
        self._password = password
        self.auth: Literal["basic", "ntlm", "kerberos"] = auth
        self._keytab = kerberos_keytab
        self._realm = (kerberos_realm or "").upper()
        self.tls = tls
        self.allow_unencrypted_basic = allow_unencrypted_basic
        self.global_latency_ms = global_latency_ms
        self._work_dir_given = work_dir
        self._work_dir: Path | None = None
        self._ca_file: Path | None = None
        self._ssl: ssl.SSLContext | None = None
        self._cbt: GssChannelBindings | None = None
        self._ntlm_registration: int | None = None
        self._hosts = {
            listener.host_name: _Host(listener, WsmanService(listener.host_name, executor_for(listener.host_name)))
            for listener in listeners
        }
        self._started = False

    # --- public API --------------------------------------------------------------------------------------

    @property
    def ca_file(self) -> Path | None:
        """The lab CA's PEM (TLS only) for clients to verify the listeners with."""
        return self._ca_file

    @property
    def endpoints(self) -> list[LabEndpoint]:
        scheme = "https" if self.tls else "http"
        return [
            LabEndpoint(name, f"{scheme}://{LOOPBACK}:{host.port}/wsman", host.port, self.auth, self.tls)
            for name, host in self._hosts.items()
        ]

    def requests_seen(self, host_name: str) -> int:
        """HTTP requests the host has read so far (for tests that wait for a client to arrive)."""
        return self._host(host_name).requests_seen

    def open_shells(self, host_name: str) -> int:
        return self._host(host_name).service.open_shells

    async def start(self) -> list[LabEndpoint]:
        if self._started:
            raise RuntimeError("this LabServer is already running")
        raise_open_file_limit()
        if self._work_dir_given is None:
            self._work_dir = Path(tempfile.mkdtemp(prefix="avma-lab-"))
        else:
            self._work_dir = self._work_dir_given
            self._work_dir.mkdir(parents=True, exist_ok=True)
        try:
            if self.tls:
                certs = generate_lab_certificates()
                self._ssl = server_ssl_context(certs)
                self._cbt = GssChannelBindings(application_data=tls_server_end_point(certs.cert_der))
                self._ca_file = self._work_dir / "lab-ca.pem"
                self._ca_file.write_bytes(certs.ca_pem)
            if self._keytab is not None:
                # The acceptor reads its keys from KRB5_KTNAME (pyspnego takes no keytab for a server): one
                # keytab with every lab host's HTTP/<host> key, process-wide like NTLM_USER_FILE.
                os.environ["KRB5_KTNAME"] = f"FILE:{self._keytab}"
            if self._ntlm_usable:
                self._ntlm_registration = _NtlmUserFile.register(self._ntlm_accounts())
            self._started = True
            for name, host in self._hosts.items():
                try:
                    host.port = host.listener.port
                    if _RESERVE_PORTS:
                        host.reservation = self._reserve(host.port)
                        host.port = host.reservation.getsockname()[1]
                    if host.listener.fault != "refuse" or not _RESERVE_PORTS:
                        self._open(host)
                        assert host.opening is not None
                        await host.opening
                    if host.listener.fault == "refuse":
                        self._close(host)
                except OSError as error:
                    raise OSError(
                        error.errno, f"cannot listen for lab host {name} on {LOOPBACK}:{host.port}: {error.strerror}"
                    ) from error
        except BaseException:
            await self.stop()
            raise
        return self.endpoints

    async def stop(self) -> None:
        tasks: list[asyncio.Task[None]] = []
        for host in self._hosts.values():
            self._close(host)
            tasks.extend(host.connections)
            for task in host.connections:
                task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for host in self._hosts.values():
            if host.reservation is not None:
                host.reservation.close()
                host.reservation = None
        if self._ntlm_registration is not None:
            _NtlmUserFile.unregister(self._ntlm_registration)
            self._ntlm_registration = None
        if self._work_dir is not None and self._work_dir_given is None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
        self._work_dir = None
        self._ca_file = None
        self._started = False

    def set_fault(self, host_name: str, fault: str | None) -> None:
        """Change a host's fault now (call on the server's loop; LabServerThread does that for you)."""
        _check_fault(fault)
        host = self._host(host_name)
        host.listener.fault = fault
        host.creates_seen = 0
        if not self._started:
            return
        if fault == "refuse":
            self._close(host)
            for task in host.connections:
                task.cancel()
        else:
            self._open(host)

    def set_latency(self, host_name: str, latency_ms: float) -> None:
        self._host(host_name).listener.latency_ms = latency_ms

    # --- listeners ---------------------------------------------------------------------------------------

    def _host(self, host_name: str) -> _Host:
        try:
            return self._hosts[host_name]
        except KeyError:
            raise KeyError(f"no lab host named {host_name!r}") from None

    @staticmethod
    def _reserve(port: int) -> socket.socket:
        # A bound socket that never listens keeps the port ours while the host "refuses" (connections get
        # RST) and keeps client ephemeral ports off it; the listener binds the same port beside it.
        reservation = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            reservation.bind((LOOPBACK, port))
        except OSError:
            reservation.close()
            raise
        return reservation

    def _open(self, host: _Host) -> None:
        """Listen on the host's port now; asyncio starts accepting on the next loop iteration."""
        if host.listening is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOOPBACK, host.port))
            host.port = sock.getsockname()[1]
            # Listening before returning means a client that connects right after set_fault is queued,
            # not refused, until asyncio gets round to accepting.
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        host.listening = sock

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # stop() and "refuse" cancel connection tasks; ending quietly keeps asyncio's stream callback
            # from reporting the cancellation as an error.
            with contextlib.suppress(asyncio.CancelledError):
                await self._serve_connection(host, reader, writer)

        async def serve() -> None:
            host.server = await asyncio.start_server(on_connection, sock=sock, ssl=self._ssl, backlog=128)

        host.opening = asyncio.get_running_loop().create_task(serve())

    @staticmethod
    def _close(host: _Host) -> None:
        if host.opening is not None and not host.opening.done():
            host.opening.cancel()
        host.opening = None
        if host.server is not None:
            host.server.close()
            host.server = None
        if host.listening is not None:
            host.listening.close()
            host.listening = None

    def _ntlm_accounts(self) -> dict[tuple[str, str], str]:
        domains = {"", ".", self._domain.upper()}
        for name in self._hosts:
            domains.update({name.upper(), name.split(".", maxsplit=1)[0].upper()})
        return {(domain, self._user): self._password for domain in domains}

    # --- connections -------------------------------------------------------------------------------------

    async def _serve_connection(self, host: _Host, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        host.connections.add(task)
        connection = _Connection(reader, writer, tls=self._ssl is not None)
        try:
            while True:
                try:
                    request = await asyncio.wait_for(_read_request(reader), _IDLE_CONNECTION_TIMEOUT_S)
                except TimeoutError:
                    break
                except _BadRequestError as bad:
                    await self._respond(host, connection, bad.status, keep_alive=False)
                    break
                if request is None:
                    break
                host.requests_seen += 1
                if not await self._process(host, connection, request):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
            pass
        finally:
            host.connections.discard(task)
            if connection.drop:
                writer.transport.abort()
            else:
                # close() still sends what is buffered (a truncated body must reach the client).
                writer.close()

    async def _process(self, host: _Host, connection: _Connection, request: _HttpRequest) -> bool:
        """Answer one request; False when the connection must end."""
        fault = host.listener.fault
        if fault == "hang":
            # Keep reading (and ignoring) until the client gives up and closes.
            while await connection.reader.read(65536):
                pass
            return False
        keep_alive = request.keep_alive
        if request.target.split("?", 1)[0].lower() != "/wsman":
            await self._respond(host, connection, 404, keep_alive=keep_alive)
            return keep_alive
        if request.method != "POST":
            await self._respond(host, connection, 405, keep_alive=keep_alive, extra=[("Allow", "POST")])
            return keep_alive

        user, challenge = self._authenticate(host, connection, request)
        if user is None:
            await self._respond(host, connection, 401, keep_alive=keep_alive, extra=challenge)
            return keep_alive
        connection.auth_reply = challenge

        sealed = request.headers.get("content-type", "").lower().startswith("multipart/encrypted")
        body = request.body
        if sealed:
            try:
                body = self._unseal(connection, body)
            except (ValueError, SpnegoError, struct.error):
                await self._respond(host, connection, 400, keep_alive=False)
                return False
        elif body and not connection.tls and not self.allow_unencrypted_basic:
            # AllowUnencrypted=false: Windows refuses a plain-text message on HTTP with an empty 500.
            await self._respond(host, connection, 500, keep_alive=keep_alive)
            return keep_alive
        if not body:
            # pywinrm opens an NTLM-sealed session with an empty authenticated POST.
            await self._respond(host, connection, 200, keep_alive=keep_alive)
            return keep_alive

        machine = request.headers.get("host", f"{LOOPBACK}:{host.port}").rsplit(":", 1)[0] or LOOPBACK
        if fault == "garble":
            await self._respond(host, connection, 200, _GARBLE, keep_alive=keep_alive, soap=True)
            return keep_alive
        if fault == "http500":
            reply_status, reply_body = 500, fault_envelope(internal_error_fault(), None, machine)
        elif fault == "flaky" and request_action(body) == ACTION_CREATE:
            host.creates_seen += 1
            every = host.listener.flaky_every
            if host.creates_seen % every == 0:
                if (host.creates_seen // every) % 2 == 0:
                    connection.drop = True  # the connection ends without an answer
                    return False
                reply_status, reply_body = 500, fault_envelope(internal_error_fault(), None, machine)
            else:
                reply_status, reply_body = await self._wsman(
                    host, connection, request, body=body, user=user, machine=machine
                )
        else:
            reply_status, reply_body = await self._wsman(
                host, connection, request, body=body, user=user, machine=machine
            )

        if sealed:
            reply_body = self._seal(connection, reply_body)
        await self._respond(
            host,
            connection,
            reply_status,
            reply_body,
            keep_alive=keep_alive and fault != "truncate",
            soap=not sealed,
            sealed=sealed,
            truncate=fault == "truncate",
        )
        return keep_alive and fault != "truncate"

    async def _wsman(
        self, host: _Host, connection: _Connection, request: _HttpRequest, *, body: bytes, user: str, machine: str
    ) -> tuple[int, bytes]:
        peer = connection.writer.get_extra_info("peername")
        scheme = "https" if connection.tls else "http"
        listener_url = f"{scheme}://{request.headers.get('host', f'{LOOPBACK}:{host.port}')}/wsman"
        context = RequestContext(
            user_name=user,
            client_ip=peer[0] if isinstance(peer, tuple) else LOOPBACK,
            machine=machine,
            listener_url=listener_url,
        )
        reply = await host.service.handle(body, context)
        return reply.status, reply.body

    # --- authentication ----------------------------------------------------------------------------------

    def _basic_usable(self, connection: _Connection) -> bool:
        return self.auth == "basic" and (connection.tls or self.allow_unencrypted_basic)

    def _challenge(self, connection: _Connection) -> list[tuple[str, str]]:
        headers = [("WWW-Authenticate", "Negotiate")]
        if self.auth == "kerberos":
            headers.append(("WWW-Authenticate", "Kerberos"))
        if self._basic_usable(connection):
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return headers

    def _user_allowed(self, given: str, host: _Host) -> bool:
        domain, _, user = given.rpartition("\\")
        if not domain and "@" in given:  # a UPN or a Kerberos principal: user@REALM
            user, _, domain = given.partition("@")
        host_names = {host.listener.host_name.upper(), host.listener.host_name.split(".", maxsplit=1)[0].upper()}
        allowed_domains = {"", ".", self._domain.upper(), *host_names}
        if self._realm:
            allowed_domains.add(self._realm)
        return user.casefold() == self._user.casefold() and domain.upper() in allowed_domains

    def _authenticate(
        self, host: _Host, connection: _Connection, request: _HttpRequest
    ) -> tuple[str | None, list[tuple[str, str]]]:
        """(the authenticated user, or None with the 401's WWW-Authenticate headers)."""
        fault = host.listener.fault
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "kerberos" or (scheme == "negotiate" and self._is_kerberos_token(token.strip())):
            return self._authenticate_kerberos(host, connection, scheme, token.strip())
        if scheme in ("negotiate", "ntlm"):
            return self._authenticate_ntlm(host, connection, scheme, token.strip())
        if scheme == "basic":
            if not self._basic_usable(connection) or fault == "auth":
                return None, self._challenge(connection)
            try:
                decoded = base64.b64decode(token.strip(), validate=True)
            except (binascii.Error, ValueError):
                return None, self._challenge(connection)
            try:
                text = decoded.decode("utf-8")
            except UnicodeDecodeError:
                text = decoded.decode("latin-1")
            given_user, _, given_password = text.partition(":")
            password_ok = secrets.compare_digest(given_password.encode(), self._password.encode())
            if password_ok and self._user_allowed(given_user, host):
                return given_user, []
            return None, self._challenge(connection)
        if connection.ntlm_user is not None and fault != "auth":
            return connection.ntlm_user, []
        return None, self._challenge(connection)

    def _is_kerberos_token(self, token: str) -> bool:
        if self.auth != "kerberos":
            return False
        try:
            raw = base64.b64decode(token[:16] + "=" * (-len(token[:16]) % 4))
        except (binascii.Error, ValueError):
            return False
        return not raw.startswith(b"NTLMSSP")

    def _authenticate_kerberos(
        self, host: _Host, connection: _Connection, scheme: str, token: str
    ) -> tuple[str | None, list[tuple[str, str]]]:
        """Kerberos (raw or in a Negotiate header): the ticket must be for HTTP/<this host>@REALM, decrypt with
        the keytab's key and carry an authenticator within 5 minutes of our clock, as Windows insists."""
        label = "Kerberos" if scheme == "kerberos" else "Negotiate"
        connection.ntlm = connection.ntlm_user = None
        connection.kerberos = False
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            return None, self._challenge(connection)
        context = spnego.server(hostname=host.listener.host_name, service="HTTP", protocol="kerberos")
        try:
            answer = context.step(raw)
        except (SpnegoError, AttributeError) as error:
            # A ticket the acceptor cannot read, or an authenticator outside its 5-minute window (MIT's acceptor
            # checks the skew; pyspnego then fails reading the half-made context's flags: AttributeError).
            # Windows answers a plain 401; its Date header lets a client see a skewed clock.
            _log.debug("lab host %s refused a Kerberos ticket: %s", host.listener.host_name, type(error).__name__)
            return None, self._challenge(connection)
        wanted = f"HTTP/{host.listener.host_name.lower()}@{self._realm}"
        # The acceptor takes any key of the keytab: a ticket for another host's SPN must be refused here.
        target = str(getattr(getattr(context, "_context", None), "target_name", "") or "")
        principal = context.client_principal or ""
        if (
            not context.complete
            or target.lower() != wanted.lower()
            or host.listener.fault == "auth"
            or not self._user_allowed(principal, host)
        ):
            return None, self._challenge(connection)
        connection.ntlm = context
        connection.ntlm_user = principal
        connection.kerberos = True
        # Mutual authentication: the AP-REP goes back with the answer to this request.
        return principal, [("WWW-Authenticate", f"{label} {base64.b64encode(answer or b'').decode()}")]

    def _authenticate_ntlm(
        self, host: _Host, connection: _Connection, scheme: str, token: str
    ) -> tuple[str | None, list[tuple[str, str]]]:
        if not self._ntlm_usable:
            return None, self._challenge(connection)
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            connection.ntlm = connection.ntlm_user = None
            return None, self._challenge(connection)
        # An NTLM NEGOTIATE message (type 1) starts a new handshake on this connection.
        if connection.ntlm is None or raw[8:12] == b"\x01\x00\x00\x00":
            connection.ntlm = spnego.server(
                hostname=host.listener.host_name,
                service="HTTP",
                protocol="ntlm",
                options=spnego.NegotiateOptions.use_ntlm,
                channel_bindings=self._cbt if connection.tls else None,
            )
            connection.ntlm_user = None
        try:
            answer = connection.ntlm.step(raw)
        except SpnegoError:
            connection.ntlm = connection.ntlm_user = None
            return None, self._challenge(connection)
        if not connection.ntlm.complete:
            label = "NTLM" if scheme == "ntlm" else "Negotiate"
            return None, [("WWW-Authenticate", f"{label} {base64.b64encode(answer or b'').decode()}")]
        principal = connection.ntlm.client_principal or ""
        if host.listener.fault == "auth" or not self._user_allowed(principal, host):
            connection.ntlm = connection.ntlm_user = None
            return None, self._challenge(connection)
        connection.ntlm_user = principal
        return principal, []

    # --- message encryption ------------------------------------------------------------------------------

    @staticmethod
    def _unseal(connection: _Connection, body: bytes) -> bytes:
        context = connection.ntlm
        if context is None or not context.complete:
            raise ValueError("a sealed message on a connection without a security context")
        head = _BOUNDARY + b"\r\n"
        if not body.startswith(head):
            raise ValueError("not a WinRM encrypted message")
        second = body.index(head, len(head))
        header = body[len(head) : second]
        match = re.search(rb"Length=(\d+)", header)
        protocols = (_ENCRYPTED_PROTOCOL, _KERBEROS_PROTOCOL) if connection.kerberos else (_ENCRYPTED_PROTOCOL,)
        if match is None or not any(protocol.encode().lower() in header.lower() for protocol in protocols):
            raise ValueError("the encrypted message header lacks its protocol or length")
        payload = body[second + len(head) :]
        octet = b"\tContent-Type: application/octet-stream\r\n"
        trailer = _BOUNDARY + b"--\r\n"
        if not payload.startswith(octet) or not payload.endswith(trailer):
            raise ValueError("malformed encrypted message part")
        payload = payload[len(octet) : -len(trailer)]
        (signature_length,) = struct.unpack("<I", payload[:4])
        signature = payload[4 : 4 + signature_length]
        plain = context.unwrap_winrm(signature, payload[4 + signature_length :])
        if len(plain) != int(match.group(1)):
            raise ValueError("the decrypted length does not match the announced length")
        return plain

    @staticmethod
    def _seal(connection: _Connection, plain: bytes) -> bytes:
        assert connection.ntlm is not None
        wrapped = connection.ntlm.wrap_winrm(plain)
        return b"".join(
            (
                _BOUNDARY,
                b"\r\n\tContent-Type: ",
                _ENCRYPTED_PROTOCOL.encode(),
                b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
                str(len(plain)).encode(),
                b"\r\n",
                _BOUNDARY,
                b"\r\n\tContent-Type: application/octet-stream\r\n",
                struct.pack("<I", len(wrapped.header)),
                wrapped.header,
                wrapped.data,
                _BOUNDARY,
                b"--\r\n",
            )
        )

    # --- HTTP --------------------------------------------------------------------------------------------

    async def _respond(
        self,
        host: _Host,
        connection: _Connection,
        status: int,
        body: bytes = b"",
        *,
        keep_alive: bool,
        extra: Sequence[tuple[str, str]] = (),
        soap: bool = False,
        sealed: bool = False,
        truncate: bool = False,
    ) -> None:
        latency = (self.global_latency_ms + host.listener.latency_ms) / 1000.0
        if latency > 0:
            await asyncio.sleep(latency)
        headers = [*extra, *connection.auth_reply]
        connection.auth_reply = []
        if sealed:
            headers.append(("Content-Type", _ENCRYPTED_CONTENT_TYPE))
        elif soap:
            headers.append(("Content-Type", _SOAP_CONTENT_TYPE))
        headers += [
            ("Server", "Microsoft-HTTPAPI/2.0"),
            ("Date", formatdate(usegmt=True)),
            ("Content-Length", str(len(body))),
        ]
        if not keep_alive:
            headers.append(("Connection", "close"))
        reason = HTTPStatus(status).phrase
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        payload = body[: len(body) // 2] if truncate else body
        connection.writer.write(head.encode("latin-1") + payload)
        await connection.writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> _HttpRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise _BadRequestError(400) from None
        return None
    except asyncio.LimitOverrunError:
        raise _BadRequestError(431) from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequestError(400)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise _BadRequestError(400)
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise _BadRequestError(411)
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise _BadRequestError(400) from None
    if length < 0:
        raise _BadRequestError(400)
    if length > _MAX_BODY:
        raise _BadRequestError(413)
    body = await reader.readexactly(length) if length else b""
    return _HttpRequest(parts[0], parts[1], parts[2], headers, body)


class LabServerThread:
    """Runs a LabServer on its own event loop in a daemon thread; a context manager.

    `endpoints`, `ca_file`, `set_fault`, `set_latency`, `requests_seen` and `open_shells` may be used from
    any thread; `call(fn)` runs anything else on the server's loop and returns its result.
    """

    def __init__(self, server: LabServer, *, start_timeout: float = 60.0) -> None:
        self.server = server
        self._start_timeout = start_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._endpoints: list[LabEndpoint] = []

    def __enter__(self) -> LabServerThread:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoints(self) -> list[LabEndpoint]:
        return list(self._endpoints)

    def endpoint(self, host_name: str) -> LabEndpoint:
        return next(endpoint for endpoint in self._endpoints if endpoint.host_name == host_name)

    @property
    def ca_file(self) -> Path | None:
        return self.server.ca_file

    def start(self) -> list[LabEndpoint]:
        self._thread = threading.Thread(target=self._main, name="avma-lab-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(self._start_timeout):
            raise TimeoutError(f"the lab server did not start within {self._start_timeout} s")
        if self._error is not None:
            raise self._error
        return self.endpoints

    def stop(self, timeout: float = 30.0) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)

    def call(self, function: Callable[[], _T], timeout: float = 30.0) -> _T:
        loop = self._loop
        if loop is None:
            raise RuntimeError("the lab server thread is not running")
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(function())
            except BaseException as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def set_fault(self, host_name: str, fault: str | None) -> None:
        self.call(lambda: self.server.set_fault(host_name, fault))

    def set_latency(self, host_name: str, latency_ms: float) -> None:
        self.call(lambda: self.server.set_latency(host_name, latency_ms))

    def requests_seen(self, host_name: str) -> int:
        return self.call(lambda: self.server.requests_seen(host_name))

    def open_shells(self, host_name: str) -> int:
        return self.call(lambda: self.server.open_shells(host_name))

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_quiet_exception_handler)
        try:
            try:
                self._endpoints = loop.run_until_complete(self.server.start())
            except BaseException as exc:
                self._error = exc
                return
            finally:
                self._ready.set()
            loop.run_forever()
            loop.run_until_complete(self.server.stop())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    # Clients that abort a TLS handshake (e.g. one that does not trust the lab CA) are expected here.
    exception = context.get("exception")
    if isinstance(exception, ssl.SSLError | ConnectionError):
        _log.debug("lab connection error: %s", context.get("message"))
        return
    loop.default_exception_handler(context)
