"""Finding the password for an inventory entry: OS keyring, an environment variable, or asking the operator.

A password lives only in memory here. It is never logged, never written to a file, and never part of an
exception message or chained cause, because error texts end up in logs, bug reports and the audit log.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Mapping
from typing import NoReturn

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from avma_console.domain.inventory import InventoryEntry

SERVICE_NAME = "avma-console"
# One password for an account on every target: a fleet of 500 hosts shares one service account, and nobody
# should have to store it 500 times. An entry's own key wins over this one.
ANY_TARGET = "*"

_KEYRING_FIX = (
    "install or unlock an OS keyring (on a Linux server without a desktop session, e.g. the keyrings.alt "
    'package), or set credential = "env:VAR" or "prompt" in the inventory'
)


class CredentialError(Exception):
    """No password could be obtained; the message names the entry and the fix, never the secret."""


class Secret:
    """A password that does not show itself in reprs, logs or tracebacks' locals; `reveal()` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, format_spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # Constant time, so comparing secrets cannot leak their common prefix through timing.
        return hmac.compare_digest(self._value.encode("utf-8"), other._value.encode("utf-8"))

    __hash__ = None  # type: ignore[assignment]  # equal secrets must not be findable via hash buckets either

    def __reduce__(self) -> NoReturn:
        # Pickling is how objects end up on disk or in another process; a password must do neither.
        raise TypeError("a Secret cannot be pickled")


def credential_key(target: str, username: str) -> str:
    """The keyring user name under service "avma-console": what `keyring set avma-console KEY` expects."""
    return f"{username}@{target}"


class CredentialStore:
    """The OS keyring under the service name "avma-console", keyed "USER@TARGET".

    Keyring calls may block (a desktop unlock prompt); call them from a worker thread, not the GUI thread.
    """

    def __init__(self, service: str = SERVICE_NAME, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._backend = backend

    def get(self, target: str, username: str) -> str | None:
        key = credential_key(target, username)
        try:
            password: str | None = self._keyring().get_password(self.service, key)
        except Exception as exc:  # backends leak their own errors (D-Bus, Secret Service, Windows API)
            raise CredentialError(
                f"cannot read the password for {key} from the keyring ({_describe(exc)}); {_KEYRING_FIX}"
            ) from exc
        return password

    def set(self, target: str, username: str, password: str) -> None:
        key = credential_key(target, username)
        try:
            self._keyring().set_password(self.service, key, password)
        except Exception as exc:
            # Not chained: the backend's exception or its traceback locals could hold the password.
            raise CredentialError(
                f"cannot store the password for {key} in the keyring ({type(exc).__name__}); {_KEYRING_FIX}"
            ) from None

    def delete(self, target: str, username: str) -> bool:
        """Forget the password; False if none was stored (deleting is idempotent)."""
        key = credential_key(target, username)
        try:
            backend = self._keyring()
            if backend.get_password(self.service, key) is None:
                return False
            backend.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            return False
        except Exception as exc:
            raise CredentialError(
                f"cannot delete the password for {key} from the keyring ({_describe(exc)}); {_KEYRING_FIX}"
            ) from exc
        return True

    def _keyring(self) -> KeyringBackend:
        # Looked up per call: keyring.set_keyring() at runtime (tests, a settings page) takes effect at once.
        return self._backend if self._backend is not None else keyring.get_keyring()


def resolve_password(
    entry: InventoryEntry,
    *,
    store: CredentialStore,
    prompt: Callable[[str], str] | None,
    environ: Mapping[str, str] = os.environ,
) -> str:
    """The password for `entry` according to its `credential` setting.

    `prompt` receives a question such as "Password for CONTOSO\\svc-avma on hv-01:" and returns the answer,
    or "" if the operator cancelled; None means nobody can be asked (scheduled, headless runs).
    """
    settings = entry.settings
    where = f"{entry.kind} '{entry.name}'"
    if not settings.needs_password:
        raise CredentialError(
            f"{where}: transport {settings.transport} does not use a password here; connect without one"
        )
    username = settings.username
    if username is None:
        raise CredentialError(
            f'{where}: no username; set username = "DOMAIN\\\\user" in [defaults] or in this entry of the inventory'
        )

    kind = settings.credential_kind
    if kind == "env":
        var = settings.credential_env_var or ""
        value = environ.get(var)
        if not value:
            state = "is not set" if value is None else "is empty"
            raise CredentialError(
                f'{where}: credential = "env:{var}" but the environment variable {var} {state}; set it to the '
                f'password of {username} before starting avma-console, or use credential = "keyring"'
            )
        return value

    if kind == "prompt":
        if prompt is None:
            raise CredentialError(
                f'{where}: credential = "prompt" needs someone to ask, and this run is not interactive; '
                'for scheduled runs use credential = "env:VAR" or "keyring"'
            )
        answer = ask(prompt, f"Password for {username} on {entry.name}: ")
        if not answer:
            raise CredentialError(f"{where}: no password entered for {username}; connection cancelled")
        return answer

    for target in (entry.name, ANY_TARGET):
        try:
            stored = store.get(target, username)
        except CredentialError as exc:
            raise CredentialError(f"{where}: {exc}") from exc.__cause__
        if stored:
            return stored
    own, shared = credential_key(entry.name, username), credential_key(ANY_TARGET, username)
    raise CredentialError(
        f"{where}: no password for {username} in the keyring (service {store.service}, key {own} or {shared}). "
        "Store it in the avma-console GUI's connection dialog, or run: "
        f'keyring set {store.service} "{own}"  (this {entry.kind} only) or '
        f'keyring set {store.service} "{shared}"  (every entry with this username)'
    )


def ask(prompt: Callable[[str], str], question: str) -> str:
    """The operator's answer; "" when they cancelled (an empty answer, or the end of input)."""
    try:
        return prompt(question)
    except EOFError:
        return ""


def _describe(exc: BaseException) -> str:
    # Only the type and a bounded first line: backend messages are for diagnosis, not for pages of D-Bus dump.
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
