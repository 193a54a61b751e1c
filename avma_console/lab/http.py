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
  `service_restart` HTTP.sys' 503 page for `restart_s` before any authentication; the service forgets its shells;
  `receive_reset` a held Receive ends in a TCP reset; `receive_hang`, `receive_truncate`: `hang` and `truncate`
  from the first Receive on (everything before it is answered, on the authenticated connection);
  `jitter` log-normal latency (σ `jitter_sigma`);
  and the WinRM limit faults the service answers (`envelope_limit`, `shell_quota`, `operation_quota`,
  `process_quota`, `memory_quota`, `idle_reap`: lab/winrm_limits.py, lab/wsman.py). Each host enforces its
  `HostListener.limits` (WinrmLimits: Windows Server 2016+ defaults) all the time.

For tests: `requests_seen(host)` (HTTP requests read), `open_shells(host)`, `peak_shells_per_user(host)`,
`service(host)` (its WsmanService), `set_latency(host, ms)`.

`NTLM_USER_FILE` (pyspnego's acceptor credential store, process-wide) names a 0600 file in a private temporary
directory, shared by the LabServers of this process and removed when the last one stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Literal

from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

from avma_console.lab.certs import generate_lab_certificates, server_ssl_context, tls_server_end_point
from avma_console.lab.http_auth import LabAuthenticator, seal, unseal
from avma_console.lab.http_wire import (
    ENCRYPTED_CONTENT_TYPE,
    FAULTS,
    GARBLE,
    IDLE_CONNECTION_TIMEOUT_S,
    LOOPBACK,
    MAX_BODY,
    SOAP_CONTENT_TYPE,
    BadRequestError,
    ConnectionState,
    HostListener,
    HostState,
    HttpRequest,
    LabEndpoint,
    NtlmUserFile,
    check_fault,
    raise_open_file_limit,
)
from avma_console.lab.shell import CommandExecutor
from avma_console.lab.wsman import (
    ACTION_CREATE,
    ACTION_RECEIVE,
    RequestContext,
    WsmanService,
    fault_envelope,
    internal_error_fault,
    request_action,
)

if sys.platform != "win32":
    pass

_log = logging.getLogger(__name__)

# Linux lets a bound, never-listening socket share the port with the listener (both SO_REUSEADDR), which keeps a
# "refusing" host's port reserved; BSD/macOS semantics differ, so elsewhere the port is simply closed.
_RESERVE_PORTS = sys.platform.startswith("linux")
RESET_AFTER_S = 0.1  # how long a "receive_reset" host holds a Receive before resetting the connection
JITTER_MEDIAN_S = 0.02
HTML_TYPE = "text/html; charset=us-ascii"
SERVICE_UNAVAILABLE = (
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
    b'<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; '
    b'charset=us-ascii"></HEAD>\r\n<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is '
    b"unavailable.</p>\r\n</BODY></HTML>\r\n"
)


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
        names = [listener.host_name for listener in listeners]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"host names must be unique; repeated: {', '.join(duplicates)}")
        kerberos = (kerberos_keytab, kerberos_realm)
        self._auth = LabAuthenticator(
            username, password, auth, allow_unencrypted_basic=allow_unencrypted_basic, kerberos=kerberos
        )
        self.auth: Literal["basic", "ntlm", "kerberos"] = auth
        self.tls = tls
        self.global_latency_ms = global_latency_ms
        self._work_dir_given = work_dir
        self._work_dir: Path | None = None
        self._ca_file: Path | None = None
        self._ssl: ssl.SSLContext | None = None
        self._ntlm_registration: int | None = None
        self._hosts = {
            listener.host_name: HostState(
                listener,
                WsmanService(listener.host_name, executor_for(listener.host_name), limits=listener.limits),
                jitter=random.Random(listener.host_name),  # noqa: S311 - reproducible latency, not a secret
            )
            for listener in listeners
        }
        for host in self._hosts.values():
            self._apply_service_fault(host)
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

    def total_requests_seen(self) -> int:
        """HTTP requests all hosts have read so far (benchmarks: requests per host)."""
        return sum(host.requests_seen for host in self._hosts.values())

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
                self._auth.cbt = GssChannelBindings(application_data=tls_server_end_point(certs.cert_der))
                self._ca_file = self._work_dir / "lab-ca.pem"
                self._ca_file.write_bytes(certs.ca_pem)
            if self._auth.keytab is not None:
                # The acceptor reads its keys from KRB5_KTNAME (pyspnego takes no keytab for a server): one
                # keytab with every lab host's HTTP/<host> key, process-wide like NTLM_USER_FILE.
                os.environ["KRB5_KTNAME"] = f"FILE:{self._auth.keytab}"
            if self._auth.ntlm_usable:
                self._ntlm_registration = NtlmUserFile.register(self._auth.ntlm_accounts(list(self._hosts)))
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
            NtlmUserFile.unregister(self._ntlm_registration)
            self._ntlm_registration = None
        if self._work_dir is not None and self._work_dir_given is None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
        self._work_dir = None
        self._ca_file = None
        self._started = False

    def set_fault(self, host_name: str, fault: str | None) -> None:
        """Change a host's fault now (call on the server's loop; LabServerThread does that for you)."""
        check_fault(fault)
        host = self._host(host_name)
        host.listener.fault = fault
        host.creates_seen = 0
        self._apply_service_fault(host)
        if not self._started:
            return
        if fault == "refuse":
            self._close(host)
            for task in host.connections:
                task.cancel()
        else:
            self._open(host)

    @staticmethod
    def _apply_service_fault(host: HostState) -> None:
        fault = host.listener.fault
        host.service.fault = fault
        if fault == "service_restart":
            # The service stops now (its shells go with it) and answers again after restart_s.
            host.service.forget_shells()
            host.restart_until = time.monotonic() + host.listener.restart_s

    def service(self, host_name: str) -> WsmanService:
        """The host's WinRM service (its limits, counters and shells; call on the server's loop)."""
        return self._host(host_name).service

    def peak_shells_per_user(self, host_name: str) -> int:
        """The most shells one user held at once on the host (never above its MaxShellsPerUser)."""
        return self._host(host_name).service.peak_shells_per_user

    def set_latency(self, host_name: str, latency_ms: float) -> None:
        self._host(host_name).listener.latency_ms = latency_ms

    # --- listeners ---------------------------------------------------------------------------------------

    def _host(self, host_name: str) -> HostState:
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

    def _open(self, host: HostState) -> None:
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
    def _close(host: HostState) -> None:
        if host.opening is not None and not host.opening.done():
            host.opening.cancel()
        host.opening = None
        if host.server is not None:
            host.server.close()
            host.server = None
        if host.listening is not None:
            host.listening.close()
            host.listening = None

    # --- connections -------------------------------------------------------------------------------------

    async def _serve_connection(
        self, host: HostState, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        host.connections.add(task)
        connection = ConnectionState(reader, writer, tls=self._ssl is not None)
        try:
            while True:
                try:
                    request = await asyncio.wait_for(_read_request(reader), IDLE_CONNECTION_TIMEOUT_S)
                except TimeoutError:
                    break
                except BadRequestError as bad:
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

    async def _process(self, host: HostState, connection: ConnectionState, request: HttpRequest) -> bool:
        """Answer one request; False when the connection must end."""
        fault = host.listener.fault
        if fault == "hang":
            # Keep reading (and ignoring) until the client gives up and closes.
            while await connection.reader.read(65536):
                pass
            return False
        keep_alive = request.keep_alive
        if fault == "service_restart" and time.monotonic() < host.restart_until:
            # HTTP.sys still owns the URL while the WinRM service is down: its own 503 page, before any auth.
            await self._respond(
                host, connection, 503, SERVICE_UNAVAILABLE, keep_alive=keep_alive, extra=[("Content-Type", HTML_TYPE)]
            )
            return keep_alive
        if request.target.split("?", 1)[0].lower() != "/wsman":
            await self._respond(host, connection, 404, keep_alive=keep_alive)
            return keep_alive
        if request.method != "POST":
            await self._respond(host, connection, 405, keep_alive=keep_alive, extra=[("Allow", "POST")])
            return keep_alive

        user, challenge = self._auth.authenticate(host, connection, request)
        if user is None:
            await self._respond(host, connection, 401, keep_alive=keep_alive, extra=challenge)
            return keep_alive
        connection.auth_reply = challenge

        sealed = request.headers.get("content-type", "").lower().startswith("multipart/encrypted")
        body = request.body
        if sealed:
            try:
                body = unseal(connection, body)
            except (ValueError, SpnegoError, struct.error):
                await self._respond(host, connection, 400, keep_alive=False)
                return False
        elif body and not connection.tls and not self._auth.allow_unencrypted_basic:
            # AllowUnencrypted=false: Windows refuses a plain-text message on HTTP with an empty 500.
            await self._respond(host, connection, 500, keep_alive=keep_alive)
            return keep_alive
        if not body:
            # pywinrm opens an NTLM-sealed session with an empty authenticated POST.
            await self._respond(host, connection, 200, keep_alive=keep_alive)
            return keep_alive

        machine = request.headers.get("host", f"{LOOPBACK}:{host.port}").rsplit(":", 1)[0] or LOOPBACK
        if fault == "garble":
            await self._respond(host, connection, 200, GARBLE, keep_alive=keep_alive, soap=True)
            return keep_alive
        if fault == "http500":
            reply_status, reply_body = 500, fault_envelope(internal_error_fault(), None, machine)
        elif fault == "receive_hang" and request_action(body) == ACTION_RECEIVE:
            while await connection.reader.read(65536):  # as `hang`, from the Receive on
                pass
            return False
        elif fault == "receive_reset" and request_action(body) == ACTION_RECEIVE:
            # The Receive is held a moment, then the connection dies under it (a reset, no answer).
            await asyncio.sleep(RESET_AFTER_S)
            connection.drop = True
            return False
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
            reply_body = seal(connection, reply_body)
        truncate = fault == "truncate" or (fault == "receive_truncate" and request_action(body) == ACTION_RECEIVE)
        await self._respond(
            host,
            connection,
            reply_status,
            reply_body,
            keep_alive=keep_alive and not truncate,
            soap=not sealed,
            sealed=sealed,
            truncate=truncate,
        )
        return keep_alive and not truncate

    async def _wsman(
        self,
        host: HostState,
        connection: ConnectionState,
        request: HttpRequest,
        *,
        body: bytes,
        user: str,
        machine: str,
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

    # --- HTTP --------------------------------------------------------------------------------------------

    async def _respond(
        self,
        host: HostState,
        connection: ConnectionState,
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
        if host.listener.fault == "jitter":
            # Uneven answers, as from a busy host: log-normal around the latency (or 20 ms), a long slow tail.
            latency = (latency or JITTER_MEDIAN_S) * host.jitter.lognormvariate(0.0, host.listener.jitter_sigma)
        if latency > 0:
            await asyncio.sleep(latency)
        headers = [*extra, *connection.auth_reply]
        connection.auth_reply = []
        if sealed:
            headers.append(("Content-Type", ENCRYPTED_CONTENT_TYPE))
        elif soap:
            headers.append(("Content-Type", SOAP_CONTENT_TYPE))
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


async def _read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadRequestError(400) from None
        return None
    except asyncio.LimitOverrunError:
        raise BadRequestError(431) from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequestError(400)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequestError(400)
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise BadRequestError(411)
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise BadRequestError(400) from None
    if length < 0:
        raise BadRequestError(400)
    if length > MAX_BODY:
        raise BadRequestError(413)
    body = await reader.readexactly(length) if length else b""
    return HttpRequest(parts[0], parts[1], parts[2], headers, body)


__all__ = ["FAULTS", "LOOPBACK", "HostListener", "LabEndpoint", "LabServer", "raise_open_file_limit"]
