"""Kerberos for WinRM through pyspnego: a ticket from the operator's cache (kinit) or one obtained with a password.

pywinrm 0.5's own Kerberos support needs pykerberos and only reads the default ticket cache; pyspnego (already
the NTLM engine underneath) speaks Kerberos through the system's GSSAPI, takes a password as well, and gives
typed errors. `KerberosAuth` is a requests auth that pywinrm's Encryption class can seal messages with
(`wrap_winrm` / `unwrap_winrm`, as pywinrm expects of its Kerberos auth).

The SPN is HTTP/<the host's name in the inventory>: the name the host's computer account registers in AD,
not the address the console connects to (which may be an IP or a load balancer's name).
"""

from __future__ import annotations

import base64
import email.utils
import re
from datetime import UTC
from typing import Any

import requests
import spnego
from spnego.exceptions import NoCredentialError, SpnegoError

from avma_console.domain.clock import SYSTEM_CLOCK, Clock


class KerberosError(Exception):
    """A Kerberos failure with an operator-readable reason and its fix; never holds a password or ticket."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


_NO_TICKET_FIX = (
    "Get a ticket first (kinit user@REALM, or log on to the domain), or set username and credential in the "
    "inventory so the console obtains the ticket itself."
)
_SKEW_FIX = (
    "Synchronise the clocks: Kerberos allows at most 5 minutes between this machine, the domain controller and "
    "the host (w32tm /resync on Windows, NTP/chrony here)."
)
_KDC_FIX = (
    "Check that a domain controller (KDC) for the realm answers on port 88 from here: the kdc = line of the realm "
    "in krb5.conf (or DNS SRV records _kerberos._tcp.REALM), and firewalls in between."
)
_REALM_FIX = (
    "Give the user as user@REALM with the Active Directory domain's realm in capitals (e.g. svc-avma@CONTOSO.LOCAL), "
    "and make sure this machine's krb5.conf knows that realm (and a trust exists if the host is in another one)."
)


MAX_CLOCK_SKEW_S = 300.0


def _clock_skew_s(response: requests.Response, clock: Clock = SYSTEM_CLOCK) -> float | None:
    """The host's clock minus ours, from the answer's Date header (HTTP.sys always sends one)."""
    date = response.headers.get("date")
    if not date:
        return None
    try:
        theirs = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    if theirs.tzinfo is None:  # "-0000" parses naive; HTTP dates are always GMT
        theirs = theirs.replace(tzinfo=UTC)
    return (theirs - clock.now()).total_seconds()


def spn_for(host: str, service: str = "HTTP") -> str:
    return f"{service}/{host.lower()}"


def _describe(error: BaseException, spn: str, principal: str) -> KerberosError:
    """Map GSSAPI/krb5 failures to the five cases operators meet, each with its fix."""
    text = " ".join(str(error).split())
    lowered = text.lower()
    if (
        isinstance(error, NoCredentialError)
        or "no kerberos credentials" in lowered
        or "no credentials cache" in lowered
    ):
        return KerberosError(
            f"no Kerberos ticket for {principal} (the ticket cache is empty or missing)", _NO_TICKET_FIX
        )
    if "ticket expired" in lowered or "ticket has expired" in lowered:
        return KerberosError(f"the Kerberos ticket of {principal} has expired", _NO_TICKET_FIX)
    if "clock skew" in lowered:
        return KerberosError(
            f"the clocks differ by more than Kerberos allows (5 minutes) while authenticating to {spn}", _SKEW_FIX
        )
    if "cannot contact any kdc" in lowered or "unable to reach any kdc" in lowered:
        realm = _realm_in(text)
        return KerberosError(f"no KDC (domain controller) of realm {realm or '?'} could be reached", _KDC_FIX)
    if "cannot find kdc for realm" in lowered or "realm not local" in lowered or "wrong realm" in lowered:
        realm = _realm_in(text)
        return KerberosError(
            f"realm mismatch: this machine's Kerberos configuration knows no realm {realm or '?'} (user {principal})",
            _REALM_FIX,
        )
    client = re.search(r"Client '?(\S+?)'? not found in Kerberos database", text)
    if client is not None:
        return KerberosError(f"the KDC does not know the user {client.group(1)}", _REALM_FIX)
    missing = re.search(r"Server '?(\S+?)'? not found in Kerberos database", text)
    if missing is not None and missing.group(1).lower().startswith("krbtgt/"):
        return KerberosError(
            f"realm mismatch: the realm of the host's SPN {spn} has no trust with the realm of {principal} "
            f"({missing.group(1)} unknown to the KDC)",
            _REALM_FIX,
        )
    if missing is not None:
        return KerberosError(
            f"unknown SPN: the KDC has no service principal {missing.group(1)}",
            f"Register it for the host's computer account (setspn -S {spn} HOSTNAME, for WinRM over HTTP(S)), or "
            "use the host's fully qualified name in the inventory (the SPN is HTTP/<name>), with address = ... "
            "for where to connect.",
        )
    if "preauthentication failed" in lowered or "password incorrect" in lowered:
        return KerberosError(
            f"the KDC rejected the password of {principal}", _REALM_FIX.split(",", maxsplit=1)[0] + "."
        )
    return KerberosError(f"Kerberos authentication to {spn} failed: {text[:300]}", _NO_TICKET_FIX)


def _realm_in(text: str) -> str | None:
    match = re.search(r"realm ['\"]?([A-Za-z0-9.\-]+)", text)
    return match.group(1) if match else None


class KerberosAuth(requests.auth.AuthBase):
    """Negotiate/Kerberos for one host's session: preemptive token, mutual authentication, WinRM sealing."""

    def __init__(self, spn_host: str, username: str | None, password: str | None, service: str = "HTTP") -> None:
        self.spn = spn_for(spn_host, service)
        self._spn_host = spn_host
        self._service = service
        self._username = username
        self._password = password
        self.principal = username or "(the ticket cache's principal)"
        self._context: spnego.ContextProxy | None = None
        self.complete = False
        self.winrm_encryption_available = True

    def _new_token(self) -> bytes:
        try:
            self._context = spnego.client(
                self._username,
                self._password,
                hostname=self._spn_host,
                service=self._service,
                protocol="kerberos",
                context_req=spnego.ContextReq.mutual_auth
                | spnego.ContextReq.sequence_detect
                | spnego.ContextReq.integrity
                | spnego.ContextReq.confidentiality,
            )
            token = self._context.step()
        except Exception as error:  # pyspnego raises SpnegoError, krb5 its Krb5Error; neither holds secrets
            raise _describe(error, self.spn, self.principal) from None
        return token or b""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if not self.complete:
            request.headers["Authorization"] = f"Negotiate {base64.b64encode(self._new_token()).decode()}"
        request.register_hook("response", self._handle_response)  # type: ignore[no-untyped-call]
        return request

    def _handle_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        try:
            return self._check_response(response)
        except KerberosError:
            # The answer is abandoned: its connection must not linger unreleased.
            response.close()
            raise

    def _check_response(self, response: requests.Response) -> requests.Response:
        token = negotiate_token(response)
        if self.complete or self._context is None:
            return response
        if token is not None:
            try:
                self._context.step(token)
            except SpnegoError as error:
                # A KRB-ERROR from the host: clock skew, or a ticket it cannot read.
                raise _describe(error, self.spn, self.principal) from None
            except Exception as error:
                raise _describe(error, self.spn, self.principal) from None
        if response.status_code == 401:
            skew = _clock_skew_s(response)
            if skew is not None and abs(skew) > MAX_CLOCK_SKEW_S:
                # The host's acceptor refuses authenticators more than 5 minutes off its clock; its Date says so.
                raise KerberosError(
                    f"the clocks differ by more than Kerberos allows (5 minutes) while authenticating to {self.spn}: "
                    f"the host's clock is {abs(skew) / 60:.0f} minutes {'behind' if skew < 0 else 'ahead of'} this "
                    "machine's",
                    _SKEW_FIX,
                )
            raise KerberosError(
                f"the host refused the Kerberos ticket for {self.spn}: its keys are not those of that SPN (the SPN "
                "belongs to another account or its key changed), the ticket is from another realm, or the account "
                "may not use WinRM",
                f"Check the SPN (setspn -Q {self.spn}) and that it is registered on this host's computer account "
                "only; that the host is in the realm of the ticket; and that the account is allowed to use WinRM "
                "(Remote Management Users).",
            )
        self.complete = self._context.complete
        return response

    # pywinrm's Encryption calls these for auth_method "kerberos".
    def wrap_winrm(self, host: str, message: bytes) -> tuple[bytes, bytes]:
        assert self._context is not None
        wrapped = self._context.wrap_winrm(message)
        return wrapped.data, wrapped.header

    def unwrap_winrm(self, host: str, message: bytes, header: bytes) -> bytes:
        assert self._context is not None
        return self._context.unwrap_winrm(header, message)


def negotiate_token(response: requests.Response, schemes: tuple[str, ...] = ("negotiate", "kerberos")) -> bytes | None:
    """The token of the answer's first `WWW-Authenticate` challenge of one of `schemes` (lower case)."""
    for value in response.headers.get("www-authenticate", "").split(","):
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() in schemes and token.strip():
            try:
                return base64.b64decode(token.strip())
            except ValueError:
                return None
    return None
