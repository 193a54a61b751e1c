"""The lab's HTTP authentication and WinRM message encryption: Basic, NTLM and Kerberos as Windows accepts them.

`LabAuthenticator` holds the lab account and answers, per request, who the caller is or which
`WWW-Authenticate` challenges the 401 carries (`Negotiate` first, as Windows offers it); `seal`/`unseal` wrap
and unwrap `multipart/encrypted` WinRM messages with the connection's security context.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
import struct
from pathlib import Path
from typing import Literal

import spnego
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

from avma_console.lab.http_wire import (
    BOUNDARY,
    ENCRYPTED_PROTOCOL,
    KERBEROS_PROTOCOL,
    ConnectionState,
    HostState,
    HttpRequest,
)

_log = logging.getLogger(__name__)


class LabAuthenticator:
    """The lab account and the acceptors that check it (one per LabServer)."""

    def __init__(
        self,
        username: str,
        password: str,
        auth: Literal["basic", "ntlm", "kerberos"],
        *,
        allow_unencrypted_basic: bool = False,
        kerberos: tuple[Path | None, str | None] = (None, None),
    ) -> None:
        kerberos_keytab, kerberos_realm = kerberos
        if auth not in ("basic", "ntlm", "kerberos"):
            raise ValueError(f"auth must be 'basic', 'ntlm' or 'kerberos', not {auth!r}")
        if auth == "kerberos" and (kerberos_keytab is None or not kerberos_realm):
            raise ValueError("auth='kerberos' needs kerberos_keytab (the HTTP/<host> keys) and kerberos_realm")
        domain, _, user = username.rpartition("\\")
        if not user or any(char in username for char in ":\r\n"):
            raise ValueError("username must be 'user' or 'DOMAIN\\user' without ':' or line breaks")
        self.ntlm_usable = not any(char in password for char in ":\r\n")
        if auth == "ntlm" and not self.ntlm_usable:
            raise ValueError("an NTLM lab password cannot contain ':' or line breaks (NTLM_USER_FILE format)")
        self._user = user
        self._domain = domain
        self._password = password
        self.auth: Literal["basic", "ntlm", "kerberos"] = auth
        self.keytab = kerberos_keytab
        self._realm = (kerberos_realm or "").upper()
        self.allow_unencrypted_basic = allow_unencrypted_basic
        self.cbt: GssChannelBindings | None = None  # the TLS channel binding, once the server has its certificate

    def ntlm_accounts(self, host_names: list[str]) -> dict[tuple[str, str], str]:
        """The account under every domain a client may name, the lab's own domain first: pyspnego's acceptor
        reads the file from the top for every connection, and clients name that domain."""
        domains = dict.fromkeys([self._domain.upper(), "", "."])
        for name in host_names:
            domains.update(dict.fromkeys([name.upper(), name.split(".", maxsplit=1)[0].upper()]))
        return {(domain, self._user): self._password for domain in domains}

    def _basic_usable(self, connection: ConnectionState) -> bool:
        return self.auth == "basic" and (connection.tls or self.allow_unencrypted_basic)

    def challenge(self, connection: ConnectionState) -> list[tuple[str, str]]:
        headers = [("WWW-Authenticate", "Negotiate")]
        if self.auth == "kerberos":
            headers.append(("WWW-Authenticate", "Kerberos"))
        if self._basic_usable(connection):
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return headers

    def user_allowed(self, given: str, host: HostState) -> bool:
        domain, _, user = given.rpartition("\\")
        if not domain and "@" in given:  # a UPN or a Kerberos principal: user@REALM
            user, _, domain = given.partition("@")
        host_names = {host.listener.host_name.upper(), host.listener.host_name.split(".", maxsplit=1)[0].upper()}
        allowed_domains = {"", ".", self._domain.upper(), *host_names}
        if self._realm:
            allowed_domains.add(self._realm)
        return user.casefold() == self._user.casefold() and domain.upper() in allowed_domains

    def authenticate(
        self, host: HostState, connection: ConnectionState, request: HttpRequest
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
                return None, self.challenge(connection)
            try:
                decoded = base64.b64decode(token.strip(), validate=True)
            except (binascii.Error, ValueError):
                return None, self.challenge(connection)
            try:
                text = decoded.decode("utf-8")
            except UnicodeDecodeError:
                text = decoded.decode("latin-1")
            given_user, _, given_password = text.partition(":")
            password_ok = secrets.compare_digest(given_password.encode(), self._password.encode())
            if password_ok and self.user_allowed(given_user, host):
                return given_user, []
            return None, self.challenge(connection)
        if connection.ntlm_user is not None and fault != "auth":
            return connection.ntlm_user, []
        return None, self.challenge(connection)

    def _is_kerberos_token(self, token: str) -> bool:
        if self.auth != "kerberos":
            return False
        try:
            raw = base64.b64decode(token[:16] + "=" * (-len(token[:16]) % 4))
        except (binascii.Error, ValueError):
            return False
        return not raw.startswith(b"NTLMSSP")

    def _authenticate_kerberos(
        self, host: HostState, connection: ConnectionState, scheme: str, token: str
    ) -> tuple[str | None, list[tuple[str, str]]]:
        """Kerberos (raw or in a Negotiate header): the ticket must be for HTTP/<this host>@REALM, decrypt with
        the keytab's key and carry an authenticator within 5 minutes of our clock, as Windows insists."""
        label = "Kerberos" if scheme == "kerberos" else "Negotiate"
        connection.ntlm = connection.ntlm_user = None
        connection.kerberos = False
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            return None, self.challenge(connection)
        context = spnego.server(hostname=host.listener.host_name, service="HTTP", protocol="kerberos")
        try:
            answer = context.step(raw)
        except (SpnegoError, AttributeError) as error:
            # A ticket the acceptor cannot read, or an authenticator outside its 5-minute window (MIT's acceptor
            # checks the skew; pyspnego then fails reading the half-made context's flags: AttributeError).
            # Windows answers a plain 401; its Date header lets a client see a skewed clock.
            _log.debug("lab host %s refused a Kerberos ticket: %s", host.listener.host_name, type(error).__name__)
            return None, self.challenge(connection)
        wanted = f"HTTP/{host.listener.host_name.lower()}@{self._realm}"
        # The acceptor takes any key of the keytab: a ticket for another host's SPN must be refused here.
        target = str(getattr(getattr(context, "_context", None), "target_name", "") or "")
        principal = context.client_principal or ""
        if (
            not context.complete
            or target.lower() != wanted.lower()
            or host.listener.fault == "auth"
            or not self.user_allowed(principal, host)
        ):
            return None, self.challenge(connection)
        connection.ntlm = context
        connection.ntlm_user = principal
        connection.kerberos = True
        # Mutual authentication: the AP-REP goes back with the answer to this request.
        return principal, [("WWW-Authenticate", f"{label} {base64.b64encode(answer or b'').decode()}")]

    def _authenticate_ntlm(
        self, host: HostState, connection: ConnectionState, scheme: str, token: str
    ) -> tuple[str | None, list[tuple[str, str]]]:
        if not self.ntlm_usable:
            return None, self.challenge(connection)
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            connection.ntlm = connection.ntlm_user = None
            return None, self.challenge(connection)
        # An NTLM NEGOTIATE message (type 1) starts a new handshake on this connection.
        if connection.ntlm is None or raw[8:12] == b"\x01\x00\x00\x00":
            connection.ntlm = spnego.server(
                hostname=host.listener.host_name,
                service="HTTP",
                protocol="ntlm",
                options=spnego.NegotiateOptions.use_ntlm,
                channel_bindings=self.cbt if connection.tls else None,
            )
            connection.ntlm_user = None
        try:
            answer = connection.ntlm.step(raw)
        except SpnegoError:
            connection.ntlm = connection.ntlm_user = None
            return None, self.challenge(connection)
        if not connection.ntlm.complete:
            label = "NTLM" if scheme == "ntlm" else "Negotiate"
            return None, [("WWW-Authenticate", f"{label} {base64.b64encode(answer or b'').decode()}")]
        principal = connection.ntlm.client_principal or ""
        if host.listener.fault == "auth" or not self.user_allowed(principal, host):
            connection.ntlm = connection.ntlm_user = None
            return None, self.challenge(connection)
        connection.ntlm_user = principal
        return principal, []


def unseal(connection: ConnectionState, body: bytes) -> bytes:
    context = connection.ntlm
    if context is None or not context.complete:
        raise ValueError("a sealed message on a connection without a security context")
    head = BOUNDARY + b"\r\n"
    if not body.startswith(head):
        raise ValueError("not a WinRM encrypted message")
    second = body.index(head, len(head))
    header = body[len(head) : second]
    match = re.search(rb"Length=(\d+)", header)
    protocols = (ENCRYPTED_PROTOCOL, KERBEROS_PROTOCOL) if connection.kerberos else (ENCRYPTED_PROTOCOL,)
    if match is None or not any(protocol.encode().lower() in header.lower() for protocol in protocols):
        raise ValueError("the encrypted message header lacks its protocol or length")
    payload = body[second + len(head) :]
    octet = b"\tContent-Type: application/octet-stream\r\n"
    trailer = BOUNDARY + b"--\r\n"
    if not payload.startswith(octet) or not payload.endswith(trailer):
        raise ValueError("malformed encrypted message part")
    payload = payload[len(octet) : -len(trailer)]
    (signature_length,) = struct.unpack("<I", payload[:4])
    signature = payload[4 : 4 + signature_length]
    plain = context.unwrap_winrm(signature, payload[4 + signature_length :])
    if len(plain) != int(match.group(1)):
        raise ValueError("the decrypted length does not match the announced length")
    return plain


def seal(connection: ConnectionState, plain: bytes) -> bytes:
    assert connection.ntlm is not None
    wrapped = connection.ntlm.wrap_winrm(plain)
    return b"".join(
        (
            BOUNDARY,
            b"\r\n\tContent-Type: ",
            ENCRYPTED_PROTOCOL.encode(),
            b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
            str(len(plain)).encode(),
            b"\r\n",
            BOUNDARY,
            b"\r\n\tContent-Type: application/octet-stream\r\n",
            struct.pack("<I", len(wrapped.header)),
            wrapped.header,
            wrapped.data,
            BOUNDARY,
            b"--\r\n",
        )
    )
