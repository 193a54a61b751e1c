"""Reaching hosts and guests for a write action: guest addresses and credentials, each host's inventory
entry and password, and running one of the console's scripts.

How the console reaches inside a guest:
- PowerShell Direct from the host (`install_key.ps1` / `remove_kvp_items.ps1` in mode 'direct', run on the
  host over the host's WinRM connection) for 2016+ guests on 2016+ hosts: no network path to the guest needed.
- WinRM straight to the guest (the same scripts in mode 'local') for 2012 R2 guests, at an address the
  operator gives. The address the guest reports over KVP is never used on its own: it is tenant-controlled,
  and the console would send the guest's credentials wherever it points.

Guest credentials travel only inside the parameter blob over the protected WinRM channel. They are never
part of a result, an audit entry or an error text: remote error texts are scrubbed of them before use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from avma_console.domain.fleet import HostRecord, VmRecord
from avma_console.domain.i18n import tr_text
from avma_console.domain.inventory import Inventory, InventoryEntry, InventoryError
from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import ErrorKind, RemoteError
from avma_console.remote.parsing import OutputFormatError, parse_json_document
from avma_console.services.audit import local_operator
from avma_console.services.credentials import Secret
from avma_console.services.operations.model import AccessPath, OperationError, needs_guest_winrm
from avma_console.services.scan import PasswordFor, endpoint_for, short_name

_GUEST_TRANSPORTS = frozenset({"basic", "ntlm", "credssp"})

# ---------------------------------------------------------------------------------------------------------
# Guests: addresses and credentials


@dataclass(frozen=True, slots=True)
class GuestAddress:
    """Where a guest's own WinRM listener is (for guests PowerShell Direct cannot reach)."""

    address: str
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> GuestAddress:
        """Parse what an operator types: 10.0.0.5, ts-01.tenant.local:5986, [fd00::5]:5985 or fd00::5."""
        value = text.strip()
        port: int | None = None
        if value.startswith("["):
            host, _, rest = value[1:].partition("]")
            if rest.startswith(":"):
                port = _port(rest[1:], text)
            elif rest:
                raise OperationError(
                    tr_text(
                        "Operations",
                        "guest address {typed}: write an IPv6 address with a port as [ADDRESS]:PORT",
                        typed=repr(text),
                    )
                )
            value = host
        elif value.count(":") == 1:
            value, _, port_text = value.partition(":")
            port = _port(port_text, text)
        address = cls(value, port)
        address.check()
        return address

    def check(self) -> None:
        try:
            InventoryEntry(kind="host", name=self.address)
        except InventoryError as error:
            raise OperationError(tr_text("Operations", "guest address: {problem}", problem=str(error))) from None
        if self.port is not None and not 1 <= self.port <= 65535:
            raise OperationError(
                tr_text(
                    "Operations",
                    "guest address {address}: port {port} is not between 1 and 65535",
                    address=self.address,
                    port=str(self.port),
                )
            )

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return host if self.port is None else f"{host}:{self.port}"


def _port(text: str, whole: str) -> int:
    if not text.isdigit():
        raise OperationError(
            tr_text(
                "Operations", "guest address {typed}: {port} is not a port number", typed=repr(whole), port=repr(text)
            )
        )
    return int(text)


@dataclass(frozen=True, slots=True, eq=False)
class GuestCredential:
    """An account inside the guest (usually its local Administrator); the password never shows itself."""

    username: str
    password: Secret = field(repr=False)

    def as_param(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password.reveal()}


@dataclass(frozen=True, slots=True, eq=False)
class GuestCredentials:
    """The guest credential for each VM: `per_vm` (by VM id or name) first, else `default`."""

    default: GuestCredential | None = None
    per_vm: Mapping[str, GuestCredential] = field(default_factory=dict)

    def for_vm(self, vm: VmRecord) -> GuestCredential | None:
        return (
            self.per_vm.get(vm.vm_id.upper()) or self.per_vm.get(vm.vm_id) or self.per_vm.get(vm.name) or self.default
        )

    def secrets(self) -> list[str]:
        credentials = [self.default, *self.per_vm.values()]
        return [credential.password.reveal() for credential in credentials if credential is not None]


def guest_access_path(host: HostRecord, vm: VmRecord, address: GuestAddress | None) -> AccessPath | None:
    """How the console reaches inside the guest: PowerShell Direct, WinRM to the operator-given address, or
    not at all (None: a 2012 R2 side and no address)."""
    if not needs_guest_winrm(host, vm):
        return AccessPath.POWERSHELL_DIRECT
    return AccessPath.GUEST_WINRM if address is not None else None


def find_address(addresses: Mapping[str, GuestAddress], vm: VmRecord) -> GuestAddress | None:
    return addresses.get(vm.vm_id.upper()) or addresses.get(vm.vm_id) or addresses.get(vm.name)


# ---------------------------------------------------------------------------------------------------------
# Reaching hosts and guests


class HostAccess:
    """How to reach each scanned host (its inventory entry's settings) and its password, asked for once per entry.

    Passwords are resolved on the caller's thread before any work starts (a prompt must not come from a
    worker thread), then handed to one WinRmClient per VM.
    """

    def __init__(self, inventory: Inventory, password_for: PasswordFor) -> None:
        self.inventory = inventory
        self._password_for = password_for
        self._passwords: dict[int, str | None] = {}
        self._failures: dict[int, str] = {}
        self._entries: dict[str, InventoryEntry] = {}
        self._lock = threading.Lock()

    def entry_for(self, host: HostRecord) -> InventoryEntry:
        """The entry the host was scanned through: its own, its cluster's, or the defaults for a discovered node."""
        with self._lock:
            known = self._entries.get(host.name.casefold())
        if known is not None:
            return known
        entries = self.inventory.entries
        clusters = [e for e in entries if e.kind == "cluster"]
        for candidates in (
            [e for e in entries if e.kind == "host" and e.name.casefold() == host.name.casefold()],
            [e for e in entries if e.kind == "host" and short_name(e.name) == short_name(host.name)],
            [e for e in clusters if host.cluster and short_name(e.name) == short_name(host.cluster)],
            # A cluster entry may name any node rather than the cluster: with only one, it is that one.
            clusters if len(clusters) == 1 and host.cluster else [],
        ):
            if candidates:
                entry = candidates[0]
                break
        else:
            entry = InventoryEntry(kind="host", name=host.name, settings=self.inventory.defaults)
        with self._lock:
            return self._entries.setdefault(host.name.casefold(), entry)

    def host_endpoint(self, host: HostRecord) -> Endpoint:
        endpoint = endpoint_for(self.entry_for(host))
        # The URL the scan reached the host at (a cluster entry's node keeps the entry's address).
        return replace(endpoint, host=host.name, url=host.endpoint or endpoint.url)

    def resolve_passwords(self, hosts: Iterable[HostRecord]) -> None:
        for host in hosts:
            entry = self.entry_for(host)
            key = id(entry)
            with self._lock:
                if key in self._passwords or key in self._failures:
                    continue
            try:
                password = self._password_for(entry) if entry.settings.needs_password else None
            except Exception as error:  # credential stores raise their own types; their messages carry no secret
                with self._lock:
                    self._failures[key] = str(error)
                continue
            with self._lock:
                self._passwords[key] = password

    def host_password(self, host: HostRecord) -> str | None:
        entry = self.entry_for(host)
        with self._lock:
            if id(entry) in self._failures:
                raise RemoteError(ErrorKind.CREDENTIAL, host.name, self._failures[id(entry)])
            if id(entry) in self._passwords:
                return self._passwords[id(entry)]
        self.resolve_passwords([host])
        return self.host_password(host)

    def secrets(self) -> list[str]:
        with self._lock:
            return [password for password in self._passwords.values() if password]

    def guest_endpoint(self, host: HostRecord, vm: VmRecord, address: GuestAddress, username: str) -> Endpoint:
        """The guest's own listener, with the host entry's TLS and timeout settings and the guest's account."""
        settings = self.entry_for(host).settings
        transport = settings.transport if settings.transport in _GUEST_TRANSPORTS else "ntlm"
        try:
            guest_settings = replace(
                settings,
                transport=transport,
                port=address.port,
                username=username,
                credential="prompt",
                cert_pem=None,
                cert_key_pem=None,
            )
            entry = InventoryEntry(kind="host", name=address.address, settings=guest_settings)
        except InventoryError as error:
            raise OperationError(f"guest {vm.name} at {address}: {error}") from None
        # The host's way of reaching a listener, for the guest's: named by the VM, the SPN from the address.
        return replace(endpoint_for(entry), host=vm.name, spn_host=None)


def _account(endpoint: Endpoint) -> str:
    if endpoint.username:
        return endpoint.username
    kind = "client certificate" if endpoint.transport == "certificate" else "Kerberos ticket"
    return f"{local_operator()} ({kind})"


def host_account(access: HostAccess, host: HostRecord) -> str:
    """The Windows account host-side actions on `host` run as (what the audit log records as `who`)."""
    return _account(access.host_endpoint(host))


def run_script(endpoint: Endpoint, password: str | None, script: str, params: Mapping[str, object]) -> dict[str, Any]:
    with WinRmClient(endpoint, password) as client:
        stdout = client.run_json_script(script, params)
    try:
        return parse_json_document(stdout)
    except OutputFormatError as error:
        raise RemoteError(
            ErrorKind.BAD_OUTPUT, endpoint.host, f"unreadable answer from {script}.ps1: {error}"
        ) from None


def remote_message(error: RemoteError, *, guest: bool) -> str:
    if guest and error.kind is ErrorKind.AUTH:
        return tr_text(
            "Operations",
            "the guest {host} rejected the guest credential; check the account and password given for it",
            host=str(error.host),
        )
    return error.message
