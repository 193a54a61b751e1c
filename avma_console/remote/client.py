"""A pywinrm client for one host: one shell per scan, bounded in time and size, every failure typed.

A client is used by one thread at a time (pywinrm sessions must never be shared between threads); the
scanner gives each host its own client.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as StdElementTree
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPConnectionPool
from urllib3 import Timeout as Urllib3Timeout
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry
from winrm.encryption import Encryption
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)
from winrm.transport import Transport as WinRmTransport

from avma_console.domain.inventory import MESSAGE_ENCRYPTING_TRANSPORTS as ENCRYPTING_TRANSPORTS
from avma_console.domain.inventory import Transport
from avma_console.remote.errors import ErrorKind, Messages, RemoteError
from avma_console.remote.kerberos import KerberosAuth, KerberosError
from avma_console.remote.ntlm import PreemptiveNtlmAuth, ntlm_hash_credential
from avma_console.remote.parsing import clixml_to_text
from avma_console.remote.scripts import POWERSHELL_ARGUMENTS, encoded_bootstrap, stdin_payload
from avma_console.remote.wsman import MAX_ENVELOPE_SIZE_FAULT, TemplateProtocol

# Every new pywinrm session asks requests whether to bypass proxies, and requests answers by setting
# os.environ["no_proxy"] for the moment of the look-up and deleting it afterwards when it was unset before
# (requests.utils.set_environ). Another thread iterating the environment in between (the same look-up for the
# next host) then fails with KeyError: 'no_proxy', seen as a failed host in concurrent scans and pushes. With the
# variable present (empty means the same as unset to every proxy reader) requests restores it instead of
# deleting it. Set once at import, before any scan thread exists.
os.environ.setdefault("no_proxy", "")

STDIN_CHUNK = 32 * 1024  # well under the default MaxEnvelopeSize of 150 KiB
UTF8_CODEPAGE = 65001
# w:InternalError: the service failed this time (overloaded provider, recycled plugin); a retry can succeed.
TRANSIENT_WSMAN_FAULTS = frozenset({2150858755})
# WinRM's quota faults (wsmerror.h; 1816 is CreateProcess's ERROR_NOT_ENOUGH_QUOTA, which WinRS passes on when
# the shell's job object allows no more processes): the setting to name, and how to raise it.
QUOTA_FAULTS: dict[int, tuple[str, str]] = {
    2150859173: ("MaxShellsPerUser", 'winrm set winrm/config/winrs @{MaxShellsPerUser="60"}'),
    2150859174: (
        "MaxConcurrentOperationsPerUser",
        'winrm set winrm/config/service @{MaxConcurrentOperationsPerUser="3000"}',
    ),
    1816: ("MaxProcessesPerShell", 'winrm set winrm/config/winrs @{MaxProcessesPerShell="50"}'),
}
# The request or its MaxEnvelopeSize exceeds the service's MaxEnvelopeSizekb, or the answer would.
ENVELOPE_FAULTS = frozenset({MAX_ENVELOPE_SIZE_FAULT, 2150858824, 2150858825})
UNKNOWN_SHELL_FAULT = 2150858843  # the shell or command is gone: reaped after IdleTimeout, or the service restarted
MEMORY_FIX = (
    'winrm set winrm/config/winrs @{MaxMemoryPerShellMB="2048"} (and the same under '
    "WSMan:\\localhost\\Plugin\\microsoft.powershell\\Quotas)"
)
DEFAULT_MAX_SHELLS_PER_USER = 30  # Windows' MaxShellsPerUser: the console never opens more on one host at once
DEFAULT_DEADLINE_S = 300.0  # one script, from the Command to its last Receive
DEFAULT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024  # stdout + stderr of one script; a host sending more is cut off
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to reach one host's WinRM listener."""

    host: str  # the name the operator knows the host by
    url: str
    transport: Transport = "ntlm"
    username: str | None = None
    ca_bundle: str | None = None
    allow_insecure: bool = False
    cert_pem: str | None = None
    cert_key_pem: str | None = None
    operation_timeout_s: float = 20.0
    read_timeout_s: float = 30.0
    deadline_s: float = DEFAULT_DEADLINE_S
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES
    spn_host: str | None = None  # Kerberos: the SPN is HTTP/<spn_host>; None: the URL's host name
    max_shells_per_user: int = DEFAULT_MAX_SHELLS_PER_USER  # shells this console opens on the host at most
    quota_wait_s: float = 3.0  # after a quota fault: wait this long, then try once more

    @property
    def kerberos_spn_host(self) -> str:
        return self.spn_host or (urlsplit(self.url).hostname or self.host)

    @property
    def is_https(self) -> bool:
        return self.url.lower().startswith("https://")


@dataclass(frozen=True, slots=True)
class ScriptOutput:
    stdout: str
    stderr: str
    exit_code: int


def check_transport_security(endpoint: Endpoint) -> None:
    """Refuse plain HTTP unless message encryption protects it or the operator allowed it knowingly."""
    if endpoint.is_https or endpoint.transport in ENCRYPTING_TRANSPORTS or endpoint.allow_insecure:
        return
    raise RemoteError(
        ErrorKind.INSECURE,
        endpoint.host,
        f"refusing {endpoint.transport} authentication over plain HTTP ({endpoint.url}): the password and all data "
        "would cross the network unencrypted",
    )


class WinRmClient:
    def __init__(
        self,
        endpoint: Endpoint,
        password: str | None,
        *,
        deadline_s: float | None = None,
        max_output_bytes: int | None = None,
        cancelled: threading.Event | None = None,
    ) -> None:
        check_transport_security(endpoint)
        self.endpoint = endpoint
        self._cancelled = cancelled
        self._shell_slot: threading.Semaphore | None = None
        # The endpoint's bounds unless the caller sets tighter ones for this client.
        self.deadline_s = endpoint.deadline_s if deadline_s is None else deadline_s
        self.max_output_bytes = endpoint.max_output_bytes if max_output_bytes is None else max_output_bytes
        operation_timeout = max(1, round(endpoint.operation_timeout_s))
        read_timeout = max(operation_timeout + 1, round(endpoint.read_timeout_s))
        self._protocol = TemplateProtocol(
            endpoint=endpoint.url,
            transport=endpoint.transport,
            username=endpoint.username,
            password=password,
            server_cert_validation="validate",
            # Only the bundle the inventory names (or requests' own): never a CA slipped in through the environment.
            ca_trust_path=endpoint.ca_bundle or None,  # type: ignore[arg-type]  # None is documented: no extra CA
            cert_pem=endpoint.cert_pem,
            cert_key_pem=endpoint.cert_key_pem,
            read_timeout_sec=read_timeout,
            operation_timeout_sec=operation_timeout,
            # On plain HTTP an encrypting transport must encrypt; Basic there is only reached with allow_insecure.
            message_encryption="always"
            if not endpoint.is_https and endpoint.transport in ENCRYPTING_TRANSPORTS
            else "auto",
            proxy=None,
        )
        self._protocol.transport.__class__ = _QuietTransport
        if endpoint.transport == "kerberos":
            transport = self._protocol.transport
            assert isinstance(transport, _QuietTransport)
            transport.kerberos_auth = KerberosAuth(endpoint.kerberos_spn_host, endpoint.username, password)
        self._shell_id: str | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def __enter__(self) -> WinRmClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the shell (best effort: a host that stopped answering cannot be helped) and the session."""
        shell_id, self._shell_id = self._shell_id, None
        if shell_id is not None:
            try:
                self._protocol.close_shell(shell_id, close_session=False)
            except (requests.exceptions.ConnectionError, WinRMTransportError, ValueError):
                # The connection died (a reset under a held Receive) and its NTLM/Kerberos context with it: delete
                # the shell over a new, freshly authenticated connection, or the host keeps it until IdleTimeout.
                with contextlib.suppress(Exception):
                    self._protocol.transport.close_session()
                    self._protocol.close_shell(shell_id, close_session=False)
            except Exception:  # noqa: S110 - cleanup never masks the real result
                pass
        with contextlib.suppress(Exception):
            self._protocol.transport.close_session()
        slot, self._shell_slot = self._shell_slot, None
        if slot is not None:
            slot.release()

    def _shell(self) -> str:
        if self._shell_id is None:
            if self._shell_slot is None:
                self._shell_slot = _take_shell_slot(self.endpoint, self.deadline_s, self._cancelled)
            self._shell_id = self._call(lambda: self._protocol.open_shell(codepage=UTF8_CODEPAGE, noprofile=True))
        return self._shell_id

    # -- running scripts -----------------------------------------------------------------------------

    def run_script(self, name: str, params: Mapping[str, object]) -> ScriptOutput:
        """Run one of the console's scripts with its parameter blob; raise RemoteError on any failure."""
        started = time.monotonic()
        shell_id = self._shell()
        command_id = self._call(
            lambda: self._protocol.run_command(shell_id, "powershell.exe", (*POWERSHELL_ARGUMENTS, encoded_bootstrap()))
        )
        finished = False
        try:
            payload = stdin_payload(name, params)
            for offset in range(0, len(payload), STDIN_CHUNK):
                last = offset + STDIN_CHUNK >= len(payload)
                self._send_input(shell_id, command_id, payload[offset : offset + STDIN_CHUNK], last)
            stdout, stderr, exit_code = self._receive(shell_id, command_id, started)
            finished = True
        finally:
            # A command that is still running is terminated; a finished one goes with its shell (one request less).
            if not finished:
                with contextlib.suppress(Exception):  # cleanup never masks the real result
                    self._protocol.cleanup_command(shell_id, command_id)
        return ScriptOutput(
            stdout.decode("utf-8", errors="replace"), stderr.decode("utf-8", errors="replace"), exit_code
        )

    def _send_input(self, shell_id: str, command_id: str, chunk: bytes, last: bool) -> None:
        self._call(lambda: self._protocol.send_command_input(shell_id, command_id, chunk, end=last))

    def run_json_script(self, name: str, params: Mapping[str, object]) -> str:
        """Run a script that prints one JSON document; a non-zero exit becomes a SCRIPT error with its text."""
        output = self.run_script(name, params)
        if output.exit_code != 0:
            text = clixml_to_text(output.stderr) or f"exit code {output.exit_code}"
            if "OutOfMemoryException" in text:
                raise RemoteError(
                    ErrorKind.QUOTA,
                    self.endpoint.host,
                    Messages.OUT_OF_MEMORY.format(script=name),
                    fix=f"Raise MaxMemoryPerShellMB on the host: {MEMORY_FIX}.",
                    setting="MaxMemoryPerShellMB",
                )
            raise RemoteError(
                ErrorKind.SCRIPT, self.endpoint.host, Messages.SCRIPT_FAILED.format(script=name, output=text[:2000])
            )
        return output.stdout

    def _receive(self, shell_id: str, command_id: str, started: float) -> tuple[bytes, bytes, int]:
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        size = 0
        while True:
            if self._cancelled is not None and self._cancelled.is_set():
                raise RemoteError(ErrorKind.CANCELLED, self.endpoint.host, "the scan was cancelled")
            if time.monotonic() - started > self.deadline_s:
                raise RemoteError(
                    ErrorKind.TIMEOUT, self.endpoint.host, f"the script did not finish within {self.deadline_s:g} s"
                )
            try:
                out, err, code, done = self._call(lambda: self._protocol.get_command_output_raw(shell_id, command_id))
            except _ReceiveTimedOutError:
                continue  # WinRM's OperationTimeout: the command is still running, ask again
            stdout.append(out)
            stderr.append(err)
            size += len(out) + len(err)
            if size > self.max_output_bytes:
                raise RemoteError(
                    ErrorKind.BAD_OUTPUT,
                    self.endpoint.host,
                    f"the host sent more than {_size(self.max_output_bytes)} of output (the limit for one script); "
                    "stopped reading",
                )
            if done:
                return b"".join(stdout), b"".join(stderr), code

    # -- error mapping -------------------------------------------------------------------------------

    def _call(self, action: Callable[[], _T]) -> _T:
        host = self.endpoint.host
        try:
            return action()
        except WinRMOperationTimeoutError:
            raise _ReceiveTimedOutError from None
        except KerberosError as error:
            raise RemoteError(ErrorKind.AUTH, host, error.message, fix=error.fix) from None
        except InvalidCredentialsError:
            user = self.endpoint.username or "(no user)"
            raise RemoteError(
                ErrorKind.AUTH,
                host,
                Messages.CREDENTIALS_REJECTED.format(user=user),
            ) from None
        except WSManFaultError as error:
            reason = " ".join((error.reason or "").split()) or "no reason given"
            code = f" (WSMan fault {error.wsman_fault_code})" if error.wsman_fault_code else ""
            limit = _limit_error(host, error.wsman_fault_code, f"{reason[:300]}{code}")
            if limit is not None:
                raise limit from None
            raise RemoteError(
                ErrorKind.WSMAN_FAULT,
                host,
                f"WinRM fault{code}: {reason[:500]}",
                retryable=error.wsman_fault_code in TRANSIENT_WSMAN_FAULTS,
            ) from None
        except WinRMTransportError as error:
            if error.code == 503:
                raise RemoteError(ErrorKind.HTTP, host, Messages.SERVICE_UNAVAILABLE) from None
            raise RemoteError(ErrorKind.HTTP, host, Messages.HTTP_STATUS.format(code=error.code)) from None
        except requests.exceptions.SSLError as error:
            raise RemoteError(
                ErrorKind.TLS, host, f"the TLS certificate of {self.endpoint.url} is not trusted ({_ssl_reason(error)})"
            ) from None
        except requests.exceptions.ConnectTimeout:
            raise RemoteError(
                ErrorKind.TIMEOUT, host, f"no connection to {self.endpoint.url} within the timeout"
            ) from None
        except requests.exceptions.ReadTimeout:
            raise RemoteError(
                ErrorKind.TIMEOUT, host, f"{self.endpoint.url} accepted the connection but did not answer in time"
            ) from None
        except requests.exceptions.ConnectionError as error:
            raise _connection_error(host, self.endpoint.url, error) from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise RemoteError(ErrorKind.PROTOCOL, host, Messages.CUT_OFF) from None
        except (StdElementTree.ParseError, UnicodeDecodeError, KeyError, IndexError):
            raise RemoteError(ErrorKind.PROTOCOL, host, Messages.NOT_WSMAN) from None
        except WinRMError as error:
            raise RemoteError(ErrorKind.PROTOCOL, host, f"WinRM error: {' '.join(str(error).split())[:300]}") from None
        except ValueError as error:
            # pywinrm and requests_ntlm raise ValueError for malformed NTLM/encrypted payloads
            raise RemoteError(
                ErrorKind.PROTOCOL, host, f"the encrypted answer could not be read: {str(error)[:200]}"
            ) from None


def _limit_error(host: str, code: object, reason: str) -> RemoteError | None:
    """The QUOTA error of a fault that a WinRM setting of the host caused, naming the setting and its fix."""
    if not isinstance(code, int):
        return None
    if code in QUOTA_FAULTS:
        setting, command = QUOTA_FAULTS[code]
        return RemoteError(
            ErrorKind.QUOTA,
            host,
            f"the host's WinRM quota {setting} is exhausted: {reason}",
            fix=f"Close other WinRM sessions of this account on the host, or raise {setting} there: {command}.",
            setting=setting,
        )
    if code in ENVELOPE_FAULTS:
        return RemoteError(
            ErrorKind.QUOTA,
            host,
            f"a message is larger than the host's WinRM envelope limit (MaxEnvelopeSizekb): {reason}",
            fix="Raise MaxEnvelopeSizekb on the host to at least 500 (its default): winrm set winrm/config "
            '@{MaxEnvelopeSizekb="500"}.',
            setting="MaxEnvelopeSizekb",
        )
    if code == UNKNOWN_SHELL_FAULT:
        return RemoteError(
            ErrorKind.QUOTA,
            host,
            "the host dropped the console's shell while it was in use (reaped after the shell IdleTimeout, or the "
            f"WinRM service restarted): {reason}",
            fix="Check the host's IdleTimeout (winrm get winrm/config/winrs; the default is 7200000 ms) and whether "
            "the WinRM service restarts; then scan again.",
            setting="IdleTimeout",
        )
    return None


class _ShellSlots:
    """Shells this process holds per host and account, so the console itself never exceeds MaxShellsPerUser."""

    _lock = threading.Lock()
    _slots: ClassVar[dict[tuple[str, str, int], threading.BoundedSemaphore]] = {}

    @classmethod
    def of(cls, endpoint: Endpoint) -> threading.BoundedSemaphore:
        limit = max(1, endpoint.max_shells_per_user)
        key = (urlsplit(endpoint.url).netloc.lower(), (endpoint.username or "").casefold(), limit)
        with cls._lock:
            slot = cls._slots.get(key)
            if slot is None:
                slot = cls._slots[key] = threading.BoundedSemaphore(limit)
            return slot


SHELL_SLOT_POLL_S = 0.1


def _take_shell_slot(endpoint: Endpoint, wait_s: float, cancelled: threading.Event | None) -> threading.Semaphore:
    slot = _ShellSlots.of(endpoint)
    until = time.monotonic() + wait_s
    # Polled in short waits so that a Cancel is noticed while every shell of the host is busy.
    while not slot.acquire(timeout=SHELL_SLOT_POLL_S):
        if cancelled is not None and cancelled.is_set():
            raise RemoteError(ErrorKind.CANCELLED, endpoint.host, "the scan was cancelled")
        if time.monotonic() >= until:
            raise RemoteError(
                ErrorKind.QUOTA,
                endpoint.host,
                f"all {endpoint.max_shells_per_user} shells the console may open on this host (MaxShellsPerUser) "
                f"stayed busy for {wait_s:g} s",
                fix="Run fewer operations on this host at once, or raise MaxShellsPerUser on the host and "
                "max_shells_per_user for the console.",
                setting="MaxShellsPerUser",
            )
    return slot


class _QuietTransport(WinRmTransport):
    """pywinrm's transport with a session that ignores proxy and netrc settings from the environment.

    Proxies are already off (proxy=None), yet requests would still scan the environment on every message;
    at hundreds of hosts that is a tenth of the client's CPU.
    """

    kerberos_auth: KerberosAuth | None = None
    _sealed_template: _SealedTemplate | None = None

    def build_session(self) -> requests.Session:
        if self.session is None and self.kerberos_auth is not None:
            return self._build_own_session(self.kerberos_auth)
        if self.session is None and self.auth_method == "ntlm":
            # The password hashed once per scan, and the handshake opened with the first request.
            auth = PreemptiveNtlmAuth(self.username, ntlm_hash_credential(self.password or ""), send_cbt=self.send_cbt)
            return self._build_own_session(auth)
        fresh = self.session is None
        session = super().build_session()
        if fresh:
            session.trust_env = False
        return session

    def setup_encryption(self, session: requests.Session) -> None:
        auth = session.auth
        if isinstance(auth, PreemptiveNtlmAuth) and auth.opens_handshake(self.endpoint):
            # No empty POST to finish the handshake: the first message carries the AUTHENTICATE token.
            self.encryption = Encryption(session, self.auth_method)
            return
        super().setup_encryption(session)

    def send_message(self, message: str | bytes) -> bytes:
        session = self.build_session()
        auth = session.auth
        encryption = self.encryption
        if not (isinstance(auth, PreemptiveNtlmAuth) and encryption is not None):
            return super().send_message(message)
        data = message.encode("utf-8") if isinstance(message, str) else message
        if auth.session_security is not None:
            return self._send_sealed(session, encryption, data)

        def sealed() -> tuple[bytes, dict[str, str]]:
            prepared = encryption.prepare_encrypted_request(session, self.endpoint, data)
            assert isinstance(prepared.body, bytes)
            return prepared.body, {name: prepared.headers[name] for name in ("Content-Length", "Content-Type")}

        auth.seal_with_authenticate = sealed
        try:
            response = self._send_message_request(
                session, session.prepare_request(requests.Request("POST", self.endpoint))
            )
        finally:
            unsent, auth.seal_with_authenticate = auth.seal_with_authenticate is not None, None
        if unsent:  # the host did not challenge the NEGOTIATE (nothing was sealed): send the message as pywinrm does
            return super().send_message(message)
        return self._get_message_response_text(response)

    def _send_sealed(self, session: requests.Session, encryption: Encryption, data: bytes) -> bytes:
        """A sealed message on the authenticated connection, straight to the session's connection pool (urllib3),
        past the parts of requests that a WinRM message never needs: merging settings and cookies, redirects,
        hooks, the adapter's per-request pool look-up and cookie extraction. The request is the one pywinrm builds
        (`Encryption.prepare_encrypted_request`, sealed by its `_encrypt_message`: private, hence pywinrm pinned
        below 0.6), from a template prepared once per session; the answer is a requests `Response` that goes
        through pywinrm's own checks and unsealing. Sealing means plain HTTP: no TLS settings are involved."""
        template = self._sealed_template
        if template is None or template.session is not session:  # a new session (the last one was closed)
            template = self._sealed_template = _SealedTemplate.of(session, encryption, self.endpoint)
        body = encryption._encrypt_message(data, template.host) + Encryption.MIME_BOUNDARY + b"--\r\n"
        prepared = template.request.copy()
        prepared.body = body
        prepared.headers["Content-Length"] = str(len(body))
        try:
            response = self._send_message_request(template.sender, prepared)  # type: ignore[arg-type]
        except _UnauthenticatedConnectionError:
            # The connection the NTLM context authenticated is gone (closed by the host after a reset, or idle)
            # and the new one is not authenticated; the host refused the message unread. A new session
            # authenticates a new connection, with this message (`send_message`'s first-message path).
            self.close_session()
            return self.send_message(data)
        return self._get_message_response_text(response)

    def _build_own_session(self, auth: requests.auth.AuthBase) -> requests.Session:
        # pywinrm's own Kerberos path needs pykerberos and the default ticket cache; this one uses pyspnego.
        # Its NTLM path would send the first request without credentials (see remote/ntlm.py).
        session = requests.Session()
        session.trust_env = False
        session.verify = (self.ca_trust_path or True) if self.server_cert_validation == "validate" else False
        session.auth = auth
        session.headers.update(self.default_headers)
        self.session = session
        if self.message_encryption == "always" or (
            self.message_encryption == "auto" and not self.endpoint.lower().startswith("https")
        ):
            self.setup_encryption(session)
        return session


@dataclass(frozen=True, slots=True)
class _SealedTemplate:
    """What every sealed message of one session shares: its request as `prepare_encrypted_request` prepares it
    (without sealing anything: that would use up a sequence number), the sender, the host name sealing names."""

    session: requests.Session
    request: requests.PreparedRequest
    sender: _PoolSender
    host: str | None

    @classmethod
    def of(cls, session: requests.Session, encryption: Encryption, endpoint: str) -> _SealedTemplate:
        request = session.prepare_request(requests.Request("POST", endpoint, data=b"-"))
        protocol = encryption.protocol_string.decode()
        request.headers["Content-Type"] = f'multipart/encrypted;protocol="{protocol}";boundary="Encrypted Boundary"'
        adapter = session.get_adapter(endpoint)
        assert isinstance(adapter, HTTPAdapter)  # a requests Session's own, as pywinrm builds it
        pool = adapter.get_connection_with_tls_context(request, verify=session.verify, cert=session.cert)
        assert isinstance(pool, HTTPConnectionPool)
        sender = _PoolSender(pool, adapter.request_url(request, {}), adapter.max_retries)
        return cls(session, request, sender, urlsplit(endpoint).hostname)


class _PoolSender:
    """What pywinrm's `_send_message_request` needs of a session (`send`), done by the session's connection pool
    with requests' own settings (retries, timeouts), its urllib3 errors raised as the requests errors that
    `HTTPAdapter.send` and `Response.content` raise for them (`WinRmClient._call` tells the operator which)."""

    def __init__(self, pool: HTTPConnectionPool, path: str, retries: Retry) -> None:
        self._pool = pool
        self._path = path
        self._retries = retries

    def send(self, request: requests.PreparedRequest, *, timeout: float) -> requests.Response:
        try:
            raw = self._pool.urlopen(
                "POST",
                self._path,
                body=request.body,
                headers=request.headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=self._retries,
                timeout=Urllib3Timeout(connect=timeout, read=timeout),
                chunked=False,
            )
        except (ProtocolError, OSError) as error:
            raise requests.exceptions.ConnectionError(error, request=request) from error
        except MaxRetryError as error:
            reason = error.reason
            if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
                raise requests.exceptions.ConnectTimeout(error, request=request) from error
            raise requests.exceptions.ConnectionError(error, request=request) from error
        except ClosedPoolError as error:
            raise requests.exceptions.ConnectionError(error, request=request) from error
        except ReadTimeoutError as error:
            raise requests.exceptions.ReadTimeout(error, request=request) from error
        try:
            # The whole answer in one read (requests would gather it in 10 KiB chunks); the connection goes back
            # to the pool for the next message.
            content = raw.read()
        except ProtocolError as error:
            raise requests.exceptions.ChunkedEncodingError(error) from error
        except ReadTimeoutError as error:
            raise requests.exceptions.ConnectionError(error) from error
        finally:
            raw.release_conn()
        if raw.status == 401:
            raise _UnauthenticatedConnectionError
        response = requests.Response()
        response.status_code = raw.status
        response.headers = CaseInsensitiveDict(raw.headers)
        response.reason = raw.reason or ""
        response.url = request.url or ""
        response.request = request
        response._content = content
        return response


class _UnauthenticatedConnectionError(Exception):
    """A sealed message was refused with 401: it went out on a connection that NTLM never authenticated."""


class _ReceiveTimedOutError(Exception):
    pass


def _size(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    if count >= 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count} bytes"


def _ssl_reason(error: Exception) -> str:
    text = str(error)
    for marker in (
        "CERTIFICATE_VERIFY_FAILED",
        "certificate verify failed",
        "hostname mismatch",
        "self-signed",
        "self signed",
    ):
        index = text.find(marker)
        if index >= 0:
            return text[index : index + 120].split("'", maxsplit=1)[0].split(")", maxsplit=1)[0]
    return "certificate verification failed"


def _connection_error(host: str, url: str, error: requests.exceptions.ConnectionError) -> RemoteError:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = (
            current.__cause__
            or current.__context__
            or (current.args[0] if current.args and isinstance(current.args[0], BaseException) else None)
        )
    text = " ".join(str(item) for item in chain)
    if (
        any(isinstance(item, socket.gaierror) for item in chain)
        or "Name or service not known" in text
        or "NameResolutionError" in text
        or "getaddrinfo" in text
    ):
        return RemoteError(ErrorKind.DNS, host, Messages.NAME_NOT_RESOLVED.format(url=url))
    if any(isinstance(item, ConnectionRefusedError) for item in chain) or "Connection refused" in text:
        return RemoteError(ErrorKind.REFUSED, host, Messages.REFUSED.format(url=url))
    if any(isinstance(item, ssl.SSLError) for item in chain):
        return RemoteError(ErrorKind.TLS, host, Messages.TLS_FAILED.format(url=url))
    if "RemoteDisconnected" in text or "Connection aborted" in text or "reset by peer" in text:
        return RemoteError(
            ErrorKind.PROTOCOL,
            host,
            Messages.CLOSED.format(url=url),
        )
    return RemoteError(ErrorKind.REFUSED, host, Messages.CANNOT_CONNECT.format(url=url))
