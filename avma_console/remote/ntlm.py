"""NTLM for WinRM in one round trip less, from a password hashed once per scan instead of once per host.

requests_ntlm first sends each new session's request without credentials, reads the 401's `Negotiate`, and
only then starts the handshake: three requests before the first WinRM message. Windows' own WinRM client sends
its NEGOTIATE token with the first request; `PreemptiveNtlmAuth` does the same on plain HTTP (where the
messages are sealed), so the handshake takes two. On HTTPS the first 401 gives the server's certificate for
channel binding, so requests_ntlm's own sequence stays.

pywinrm then sends an empty POST to finish the handshake before its first sealed message. Windows' own client
(winrs) sends the AUTHENTICATE token with the first sealed message instead, which the service unseals with the
context that token just completed: `seal_with_authenticate` does the same, one more request less per host.

pyspnego derives the NT hash (MD4) and the LM hash (DES, unused by NTLMv2) from the password for every new
context, about 0.8 ms of pure Python per host; given the NT hash in its documented `LM:NT` form it skips both.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import spnego
from requests_ntlm import HttpNtlmAuth
from requests_ntlm.requests_ntlm import ShimSessionSecurity

try:  # pyspnego has no public NT-hash function; without this private one the password goes as it is (slower).
    from spnego._ntlm_raw.crypto import ntowfv1
except ImportError:  # pragma: no cover - a pyspnego that moved it
    ntowfv1 = None  # type: ignore[assignment]

from avma_console.remote.kerberos import negotiate_token

_NO_LM_HASH = "0" * 32  # NTLMv2 uses only the NT hash


@functools.lru_cache(maxsize=16)
def ntlm_hash_credential(password: str) -> str:
    """The password as pyspnego's `LM:NT` hash credential (kept in memory only, like the password itself)."""
    if ntowfv1 is None:
        return password
    return f"{_NO_LM_HASH}:{ntowfv1(password).hex()}"


class PreemptiveNtlmAuth(HttpNtlmAuth):
    """requests_ntlm's auth that opens the handshake with the first request on plain HTTP."""

    def __init__(self, username: str | None, password: str | None, send_cbt: bool = True) -> None:
        super().__init__(username, password, send_cbt=send_cbt)
        self._pending: spnego.ContextProxy | None = None
        # Set for the handshake's first request: builds the sealed message (body, headers) that travels with the
        # AUTHENTICATE token, once the context exists to seal it. Consumed by that request.
        self.seal_with_authenticate: Callable[[], tuple[bytes, dict[str, str]]] | None = None

    def opens_handshake(self, url: str) -> bool:
        """Whether this auth sends NEGOTIATE with the first request to `url` (plain HTTP, with credentials)."""
        return url.lower().startswith("http://") and bool(self.username and self.password)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request = super().__call__(request)
        url = request.url or ""
        if self.session_security is None and self.opens_handshake(url):
            self._pending = spnego.client(
                self.username,
                self.password,
                protocol="ntlm",
                hostname=urlsplit(url).hostname or "unspecified",
                service="http",
                options=spnego.NegotiateOptions.use_ntlm,
            )
            request.headers["Authorization"] = f"Negotiate {base64.b64encode(self._pending.step() or b'').decode()}"
        return request

    def response_hook(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        context, self._pending = self._pending, None
        challenge = negotiate_token(r, ("negotiate",)) if context is not None and r.status_code == 401 else None
        if context is None or challenge is None:
            return super().response_hook(r, **kwargs)
        # The same connection carries the AUTHENTICATE message: NTLM authenticates connections, not requests.
        r.content  # noqa: B018 - read the 401's body so that its connection can be reused
        r.raw.release_conn()
        request = r.request.copy()
        request.headers["Authorization"] = f"Negotiate {base64.b64encode(context.step(challenge) or b'').decode()}"
        self.session_security = ShimSessionSecurity(context)
        seal, self.seal_with_authenticate = self.seal_with_authenticate, None
        if seal is not None:
            request.body, headers = seal()
            request.headers.update(headers)
        answer = r.connection.send(request, **kwargs)
        answer.history.append(r)
        return answer
