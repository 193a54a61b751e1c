"""Resolving passwords through the real keyring API, with an in-memory backend installed via keyring.set_keyring."""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.compat import properties

from avma_console.domain.inventory import ConnectionSettings, InventoryEntry
from avma_console.services.credentials import (
    ANY_TARGET,
    SERVICE_NAME,
    CredentialError,
    CredentialStore,
    Secret,
    credential_key,
    resolve_password,
)

SECRET = "Tr0ub4dor&3-correct-horse"


class MemoryKeyring(KeyringBackend):
    """A complete keyring backend that keeps passwords in a dict."""

    # A backend whose priority raises is "not viable" (keyring's documented convention), so keyring's own
    # discovery never picks these test classes in this or any later test.
    @properties.classproperty
    def priority(self) -> float:
        raise RuntimeError("test-only backend")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class LockedKeyring(MemoryKeyring):
    """A keyring whose every operation fails the way a locked desktop keyring does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"refused to store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


@contextlib.contextmanager
def installed(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def memory() -> Iterator[KeyringBackend]:
    with installed(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def store(memory: KeyringBackend) -> CredentialStore:
    return CredentialStore()


def entry(name: str = "hv-01", kind: str = "host", **settings: object) -> InventoryEntry:
    values: dict[str, object] = {"username": "CONTOSO\\svc-avma"}
    values.update(settings)
    return InventoryEntry(kind, name, settings=ConnectionSettings(**values))  # type: ignore[arg-type]


def no_prompt_expected(question: str) -> str:
    raise AssertionError(f"unexpected prompt: {question}")


# ---------------------------------------------------------------------------------------------------------
# The store


def test_store_round_trip_through_the_installed_keyring(store: CredentialStore, memory: MemoryKeyring) -> None:
    assert store.get("hv-01", "CONTOSO\\svc-avma") is None
    store.set("hv-01", "CONTOSO\\svc-avma", SECRET)
    # Where a human using the keyring CLI would look: service avma-console, user USER@TARGET.
    assert keyring.get_password(SERVICE_NAME, "CONTOSO\\svc-avma@hv-01") == SECRET
    assert memory.passwords == {(SERVICE_NAME, "CONTOSO\\svc-avma@hv-01"): SECRET}
    assert store.get("hv-01", "CONTOSO\\svc-avma") == SECRET
    assert store.delete("hv-01", "CONTOSO\\svc-avma") is True
    assert store.delete("hv-01", "CONTOSO\\svc-avma") is False  # idempotent
    assert store.get("hv-01", "CONTOSO\\svc-avma") is None


def test_store_uses_an_explicit_backend_without_touching_the_global_one(memory: MemoryKeyring) -> None:
    own = MemoryKeyring()
    CredentialStore(backend=own).set("t", "u", SECRET)
    assert own.passwords == {(SERVICE_NAME, "u@t"): SECRET}
    assert memory.passwords == {}


def test_credential_key() -> None:
    assert credential_key("hv-01", "CONTOSO\\svc") == "CONTOSO\\svc@hv-01"
    assert credential_key(ANY_TARGET, "svc") == "svc@*"


@pytest.mark.parametrize(
    ("backend", "fragments"),
    [
        pytest.param(fail.Keyring(), ["NoKeyringError", "install or unlock an OS keyring"], id="no-backend-headless"),  # type: ignore[no-untyped-call]
        pytest.param(LockedKeyring(), ["KeyringLocked", "install or unlock"], id="locked"),
    ],
)
def test_backend_failures_become_credential_errors_with_a_fix(backend: KeyringBackend, fragments: list[str]) -> None:
    with installed(backend):
        store = CredentialStore()
        for operation in (
            lambda: store.get("hv-01", "svc"),
            lambda: store.set("hv-01", "svc", SECRET),
            lambda: store.delete("hv-01", "svc"),
        ):
            with pytest.raises(CredentialError) as info:
                operation()
            message = str(info.value)
            assert "svc@hv-01" in message
            assert 'credential = "env:VAR" or "prompt"' in message
            assert any(fragment in message for fragment in fragments)
            assert SECRET not in message
            assert SECRET not in repr(info.value.__cause__)


def test_a_failed_store_does_not_chain_the_backend_error_that_holds_the_password() -> None:
    with installed(LockedKeyring()):
        with pytest.raises(CredentialError) as info:
            CredentialStore().set("hv-01", "svc", SECRET)
        assert info.value.__cause__ is None
        assert info.value.__suppress_context__


# ---------------------------------------------------------------------------------------------------------
# resolve_password


def test_keyring_password_for_the_entry(store: CredentialStore) -> None:
    store.set("hv-01", "CONTOSO\\svc-avma", SECRET)
    assert resolve_password(entry(), store=store, prompt=no_prompt_expected, environ={}) == SECRET


def test_keyring_password_shared_by_every_target_and_the_entrys_own_wins(store: CredentialStore) -> None:
    store.set(ANY_TARGET, "CONTOSO\\svc-avma", "shared")
    assert resolve_password(entry("hv-02"), store=store, prompt=None, environ={}) == "shared"
    store.set("hv-02", "CONTOSO\\svc-avma", "own")
    assert resolve_password(entry("hv-02"), store=store, prompt=None, environ={}) == "own"


def test_keyring_with_nothing_stored_says_how_to_store_it(store: CredentialStore) -> None:
    with pytest.raises(CredentialError) as info:
        resolve_password(entry("cl-fra-01", kind="cluster"), store=store, prompt=None, environ={})
    message = str(info.value)
    assert message.startswith("cluster 'cl-fra-01': no password for CONTOSO\\svc-avma in the keyring")
    assert "connection dialog" in message
    assert 'keyring set avma-console "CONTOSO\\svc-avma@cl-fra-01"' in message
    assert 'keyring set avma-console "CONTOSO\\svc-avma@*"' in message


def test_keyring_without_a_backend_names_the_entry_and_the_alternatives() -> None:
    with installed(fail.Keyring()):  # type: ignore[no-untyped-call]
        with pytest.raises(CredentialError) as info:
            resolve_password(entry(), store=CredentialStore(), prompt=None, environ={})
        message = str(info.value)
        assert message.startswith("host 'hv-01': cannot read the password")
        assert 'use credential = "env:VAR" or "prompt"' in message or '"env:VAR" or "prompt"' in message


def test_null_keyring_is_treated_as_nothing_stored() -> None:
    with installed(null.Keyring()), pytest.raises(CredentialError, match="no password for"):  # type: ignore[no-untyped-call]
        resolve_password(entry(), store=CredentialStore(), prompt=None, environ={})


def test_env_credential(store: CredentialStore) -> None:
    e = entry(credential="env:AVMA_PW")
    assert resolve_password(e, store=store, prompt=no_prompt_expected, environ={"AVMA_PW": SECRET}) == SECRET


@pytest.mark.parametrize(("environ", "state"), [({}, "is not set"), ({"AVMA_PW": ""}, "is empty")])
def test_env_credential_missing_names_the_variable(store: CredentialStore, environ: dict[str, str], state: str) -> None:
    with pytest.raises(CredentialError) as info:
        resolve_password(entry(credential="env:AVMA_PW"), store=store, prompt=None, environ=environ)
    message = str(info.value)
    assert f"the environment variable AVMA_PW {state}" in message
    assert "host 'hv-01'" in message
    assert 'credential = "keyring"' in message


def test_prompt_credential_asks_with_user_and_target(store: CredentialStore) -> None:
    questions: list[str] = []

    def ask(question: str) -> str:
        questions.append(question)
        return SECRET

    assert resolve_password(entry(credential="prompt"), store=store, prompt=ask, environ={}) == SECRET
    assert questions == ["Password for CONTOSO\\svc-avma on hv-01: "]


def test_prompt_credential_headless_says_to_use_env_or_keyring(store: CredentialStore) -> None:
    with pytest.raises(CredentialError) as info:
        resolve_password(entry(credential="prompt"), store=store, prompt=None, environ={})
    message = str(info.value)
    assert "not interactive" in message
    assert 'credential = "env:VAR" or "keyring"' in message


def _closed_stdin(question: str) -> str:
    raise EOFError  # what getpass does when stdin is closed


@pytest.mark.parametrize("answer", [lambda q: "", _closed_stdin])
def test_prompt_cancelled(store: CredentialStore, answer: Callable[[str], str]) -> None:
    with pytest.raises(CredentialError, match="no password entered for CONTOSO"):
        resolve_password(entry(credential="prompt"), store=store, prompt=answer, environ={})


def test_no_username(store: CredentialStore) -> None:
    with pytest.raises(CredentialError, match="no username; set username ="):
        resolve_password(entry(username=None), store=store, prompt=None, environ={})


@pytest.mark.parametrize(
    "settings",
    [
        {"transport": "certificate", "cert_pem": "c.pem", "cert_key_pem": "k.pem"},
        {"transport": "kerberos", "username": None},
    ],
)
def test_transports_without_a_password(store: CredentialStore, settings: dict[str, Any]) -> None:
    e = entry(**settings)
    assert not e.settings.needs_password
    with pytest.raises(CredentialError, match="does not use a password"):
        resolve_password(e, store=store, prompt=None, environ={})


def test_no_error_message_ever_contains_the_password(memory: MemoryKeyring) -> None:
    # Every failure path, with the secret present somewhere nearby.
    store = CredentialStore()
    store.set("other-host", "CONTOSO\\svc-avma", SECRET)
    cases: list[Callable[[], object]] = [
        lambda: resolve_password(entry(), store=store, prompt=None, environ={"AVMA_PW": SECRET}),
        lambda: resolve_password(entry(credential="env:MISSING"), store=store, prompt=None, environ={"X": SECRET}),
        lambda: resolve_password(entry(credential="prompt"), store=store, prompt=None, environ={"X": SECRET}),
        lambda: resolve_password(entry(credential="prompt"), store=store, prompt=lambda q: "", environ={}),
    ]
    for case in cases:
        with pytest.raises(CredentialError) as info:
            case()
        assert SECRET not in str(info.value)
        assert SECRET not in repr(info.value)


# ---------------------------------------------------------------------------------------------------------
# Secret


def test_secret_never_shows_itself() -> None:
    secret = Secret(SECRET)
    assert secret.reveal() == SECRET
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>40}", repr([secret])):
        assert SECRET not in shown
        assert "***" in shown


def test_secret_compares_by_value_but_cannot_be_hashed_or_pickled() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"
    with pytest.raises(TypeError):
        hash(Secret("a"))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(SECRET))
