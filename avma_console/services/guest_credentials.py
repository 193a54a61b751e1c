"""Guest credentials (a local administrator of the guests) as `push` and `scan` take them.

The same vocabulary everywhere: a password from an environment variable (`env:VAR`), the OS keyring (entry
"USER@guests" under the service "avma-console") or a prompt. A scan takes them from `--guest-user` /
`--guest-credential` or from the inventory's `guest_username` / `guest_credential` (`[defaults]`, a cluster
or a host: the most specific wins; the command line wins over the file). They only ever travel inside the
host's script parameters to PowerShell Direct: never to an address a guest reports about itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from avma_console.domain.inventory import InventoryEntry
from avma_console.services.credentials import CredentialError, CredentialStore, Secret, ask

GUEST_KEYRING_TARGET = "guests"  # keyring entry "USER@guests" under the service "avma-console"
DEFAULT_GUEST_USER = "Administrator"


def guest_password(
    spec: str,
    user: str,
    *,
    where: str,
    store: CredentialStore,
    prompt: Callable[[str], str] | None,
    environ: Mapping[str, str] = os.environ,
) -> str:
    """The guests' password for `user` as `spec` says (env:VAR, keyring, prompt); `where` names the setting in
    messages (e.g. "--guest-credential"). Raises CredentialError naming the setting and the fix."""
    if spec.startswith("env:"):
        variable = spec[4:]
        value = environ.get(variable)
        if not value:
            raise CredentialError(
                f"{where} {spec}: the environment variable {variable} is not set or empty; "
                f"set it to the password of {user} in the guests"
            )
        return value
    if spec == "keyring":
        try:
            stored = store.get(GUEST_KEYRING_TARGET, user)
        except CredentialError as error:
            raise CredentialError(f"{where} keyring: {error}") from None
        if not stored:
            raise CredentialError(
                f"{where} keyring: no password for {user}@{GUEST_KEYRING_TARGET} in the keyring; "
                f'store it with: keyring set avma-console "{user}@{GUEST_KEYRING_TARGET}" '
                "(or in the console: Connections > Guest credentials)"
            )
        return stored
    if spec == "prompt":
        if prompt is None:
            raise CredentialError(
                f"{where} prompt needs a terminal to ask on; use env:VAR or keyring in scheduled runs"
            )
        answer = ask(prompt, f"Password for {user} in the guests: ")
        if not answer:
            raise CredentialError(f"{where} prompt: no guest password entered for {user}")
        return answer
    raise CredentialError(f"{where} must be env:VARNAME, keyring or prompt, not {spec!r}")


class GuestCredentialResolver:
    """Each inventory entry's guest credential for a scan, every password asked for (or looked up) once."""

    def __init__(
        self,
        *,
        store: CredentialStore,
        prompt: Callable[[str], str] | None,
        user: str | None = None,
        spec: str | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self._store = store
        self._prompt = prompt
        self._user = user  # --guest-user: wins over the inventory
        self._spec = spec  # --guest-credential: likewise
        self._environ = environ
        self._passwords: dict[tuple[str, str], Secret] = {}
        # A setting that failed fails once: every entry sharing it gets the same error, nobody is asked twice.
        self._failures: dict[tuple[str, str], CredentialError] = {}

    def setting_for(self, entry: InventoryEntry) -> tuple[str, str] | None:
        """(user, spec) for this entry, or None when neither the command line nor the inventory names any."""
        user = self._user or entry.settings.guest_username
        spec = self._spec or entry.settings.guest_credential
        if user is None and spec is None:
            return None
        return user or DEFAULT_GUEST_USER, spec or "keyring"

    def resolve(self, entry: InventoryEntry) -> Mapping[str, str] | None:
        """{"username", "password"} for the host's script, or None (a host-side scan of this entry)."""
        setting = self.setting_for(entry)
        if setting is None:
            return None
        user, spec = setting
        secret = self._passwords.get(setting)
        if secret is None:
            if setting in self._failures:
                raise self._failures[setting]
            where = "--guest-credential" if self._spec else f"{entry.kind} '{entry.name}': guest_credential ="
            try:
                password = guest_password(
                    spec, user, where=where, store=self._store, prompt=self._prompt, environ=self._environ
                )
            except CredentialError as error:
                self._failures[setting] = error
                raise
            secret = self._passwords[setting] = Secret(password)
        return {"username": user, "password": secret.reveal()}

    def resolved(self, entry: InventoryEntry) -> Mapping[str, str] | None:
        """The entry's credential if its password was already found (no keyring, no prompt: safe on any thread)."""
        setting = self.setting_for(entry)
        secret = self._passwords.get(setting) if setting is not None else None
        return {"username": setting[0], "password": secret.reveal()} if setting and secret else None

    def resolve_each(self, entries: tuple[InventoryEntry, ...]) -> list[str]:
        """Find every entry's password that can be found; the problems of the others, one sentence each
        (those entries are scanned from the host side only)."""
        problems: dict[str, None] = {}
        for entry in entries:
            try:
                self.resolve(entry)
            except CredentialError as error:
                problems[str(error)] = None
        return list(problems)

    def check(self, entries: tuple[InventoryEntry, ...]) -> None:
        """Resolve every entry now, so a missing password stops the command before anything is scanned."""
        for entry in entries:
            self.resolve(entry)
