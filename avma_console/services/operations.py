"""Write actions on guests and hosts, and pushing AVMA keys in particular (Data Exchange: `kvp_operations`).

Every action has two steps. `plan_*` is pure: from a scan's snapshot and the operator's selection to one item
per VM saying what will happen, or why it is refused (where AVMA cannot work the console refuses unless the
operator overrides, and some refusals cannot be overridden because nothing could be done at all).
`execute_*` carries a plan out over WinRM, at most `concurrency` VMs at once, reporting every VM's result as it
arrives and recording every attempt (and every refusal) in the audit log before reporting it.

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

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from avma_console.domain.diagnosis import host_blockers, minimum_host_version
from avma_console.domain.findings import FindingCode
from avma_console.domain.fleet import AvmaEvent, FleetSnapshot, GuestLicense, HostRecord, VmRecord
from avma_console.domain.inventory import Inventory, InventoryEntry, InventoryError
from avma_console.domain.keys import (
    KeyChannel,
    avma_key_for,
    avma_products_for_key,
    mask_key,
    validate_key,
)
from avma_console.domain.matrix import host_can_activate
from avma_console.domain.states import ActivationState, AvmaOutcome, LicenseStatus, parse_error_code, state_from_license
from avma_console.domain.versions import ServerVersion
from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import ErrorKind, RemoteError
from avma_console.remote.fanout import Item as _Item
from avma_console.remote.fanout import Progress, run_bounded
from avma_console.remote.fanout import Result as _Result
from avma_console.remote.parsing import (
    EventIndex,
    OutputFormatError,
    as_list,
    as_text,
    parse_event,
    parse_guest_license,
    parse_json_document,
)
from avma_console.services.audit import AuditEntry, AuditLog, AuditLogError, local_operator, scrub_secrets
from avma_console.services.credentials import Secret
from avma_console.services.logs import service_logger
from avma_console.services.scan import PasswordFor, endpoint_for, short_name

_log = service_logger(__name__)  # VM names come from hosts: escaped

DEFAULT_CONCURRENCY = 8
# How long install_key.ps1 waits inside the guest for the AVMA answer after installing an AVMA key.
DEFAULT_SETTLE_SECONDS = 30
_GUEST_TRANSPORTS = frozenset({"basic", "ntlm", "credssp"})
_SL_ERROR = re.compile(r"0x(C004[0-9A-F]{4})", re.IGNORECASE)
_SL_MESSAGES = {
    0xC004F050: "the product key is invalid",
    0xC004F069: "the key is for another version or edition (product SKU not found)",
}


class Action(StrEnum):
    PUSH_KEY = "push_key"
    ENABLE_KVP = "enable_kvp"
    KVP_CLEANUP = "kvp_cleanup"


class AccessPath(StrEnum):
    POWERSHELL_DIRECT = "powershell_direct"  # Invoke-Command -VMId from the host
    GUEST_WINRM = "guest_winrm"  # WinRM straight to the guest's address

    @property
    def label(self) -> str:
        return "PowerShell Direct" if self is AccessPath.POWERSHELL_DIRECT else "WinRM to guest"


class ResultStatus(StrEnum):
    SUCCEEDED = "succeeded"
    UNCHANGED = "unchanged"  # nothing needed doing (e.g. Data Exchange was already enabled)
    FAILED = "failed"
    REFUSED = "refused"  # not attempted: the plan refused it
    CANCELLED = "cancelled"  # not attempted: the run was cancelled or stopped first

    @property
    def ok(self) -> bool:
        return self in (ResultStatus.SUCCEEDED, ResultStatus.UNCHANGED)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the console will not (or, with `overridable`, not without the operator's override) act on a VM."""

    code: str
    reason: str
    overridable: bool


class OperationError(ValueError):
    """Bad input to an operation (an unknown VM, a malformed address); the message names it and the fix."""


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
                raise OperationError(f"guest address {text!r}: write an IPv6 address with a port as [ADDRESS]:PORT")
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
            raise OperationError(f"guest address: {error}") from None
        if self.port is not None and not 1 <= self.port <= 65535:
            raise OperationError(f"guest address {self.address}: port {self.port} is not between 1 and 65535")

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return host if self.port is None else f"{host}:{self.port}"


def _port(text: str, whole: str) -> int:
    if not text.isdigit():
        raise OperationError(f"guest address {whole!r}: {text!r} is not a port number")
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


def find_address(addresses: Mapping[str, GuestAddress], vm: VmRecord) -> GuestAddress | None:
    return addresses.get(vm.vm_id.upper()) or addresses.get(vm.vm_id) or addresses.get(vm.name)


# ---------------------------------------------------------------------------------------------------------
# Selecting VMs

Target = tuple[HostRecord, VmRecord]


def select_vms(snapshot: FleetSnapshot, wanted: Sequence[str]) -> list[Target]:
    """The VMs named (exact name, or VM id), in the order given; OperationError for unknown or ambiguous names."""
    chosen: dict[str, Target] = {}
    for text in wanted:
        folded_id = text.strip().strip("{}").casefold()
        matches = [
            (host, vm)
            for host in snapshot.hosts
            for vm in host.vms
            if vm.name == text or vm.vm_id.casefold() == folded_id
        ]
        if not matches:
            unreachable = [host.name for host in snapshot.hosts if not host.reachable]
            hint = f" (hosts not reached in this scan: {', '.join(unreachable)})" if unreachable else ""
            raise OperationError(
                f"no VM named {text!r} in the scan{hint}; names are case-sensitive, or give the VM's id"
            )
        if len({vm.vm_id for _, vm in matches}) > 1:
            places = ", ".join(f"{host.name} (id {vm.vm_id})" for host, vm in matches)
            raise OperationError(f"{text!r} names several VMs: on {places}; select one by its id")
        host, vm = matches[0]
        chosen.setdefault(vm.vm_id, (host, vm))
    return list(chosen.values())


def reachable_targets(snapshot: FleetSnapshot) -> list[Target]:
    return [(host, vm) for host in snapshot.hosts if host.reachable for vm in host.vms]


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
        return Endpoint(
            host=vm.name,
            url=entry.url,
            transport=guest_settings.transport,
            username=username,
            ca_bundle=guest_settings.ca_bundle,
            allow_insecure=guest_settings.allow_insecure,
            operation_timeout_s=guest_settings.operation_timeout_s,
            read_timeout_s=guest_settings.read_timeout_s,
        )


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
        return f"the guest {error.host} rejected the guest credential; check the account and password given for it"
    return error.message


# ---------------------------------------------------------------------------------------------------------
# Running many VMs

OperationProgress = Progress  # an operation's view of the shared progress counter


async def run_all(
    items: Sequence[_Item],
    work: Callable[[_Item, threading.Event], _Result],
    *,
    cancelled_result: Callable[[_Item], _Result],
    is_ok: Callable[[_Result], bool],
    concurrency: int,
    on_result: Callable[[_Result, OperationProgress], None] | None,
    cancelled: threading.Event | None,
    executor: ThreadPoolExecutor | None,
) -> list[_Result]:
    """Run `work` for every item on a thread pool, reporting results as they arrive (on the loop's thread)."""
    return await run_bounded(
        items,
        work,
        cancelled_result=cancelled_result,
        is_ok=is_ok,
        concurrency=concurrency,
        on_result=on_result,
        cancelled=cancelled,
        executor=executor,
        thread_name_prefix="avma-ops",
    )


def record_or_stop(audit: AuditLog, entry: AuditEntry, stop: threading.Event) -> str | None:
    """Record one entry; on failure stop the run (no change may go unaudited) and say why."""
    try:
        audit.record(entry)
    except AuditLogError as error:
        stop.set()
        return f"{error}; no further changes were made"
    return None


def base_details(forced: bool, **extra: object) -> dict[str, object]:
    return {"operator": local_operator(), "forced": forced, **{k: v for k, v in extra.items() if v is not None}}


# ---------------------------------------------------------------------------------------------------------
# Push keys: planning


@dataclass(frozen=True, slots=True)
class PushPlanItem:
    host: HostRecord
    vm: VmRecord
    key: str | None  # normalized; None when no key can be chosen
    key_is_avma: bool
    path: AccessPath | None
    guest_address: GuestAddress | None
    refusals: tuple[Refusal, ...]
    notes: tuple[str, ...]
    expected: str
    expected_outcome: AvmaOutcome | None
    forced: bool

    @property
    def runnable(self) -> bool:
        if self.key is None or self.path is None or not self.host.reachable:
            return False
        return not self.refusals or (self.forced and all(refusal.overridable for refusal in self.refusals))

    @property
    def key_shown(self) -> str | None:
        """AVMA keys are public and shown whole; any other key only by its last five characters."""
        if self.key is None:
            return None
        return self.key if self.key_is_avma else mask_key(self.key)

    @property
    def key_last5(self) -> str | None:
        return self.key.replace("-", "")[-5:] if self.key else None


@dataclass(frozen=True, slots=True)
class PushPlan:
    items: tuple[PushPlanItem, ...]
    override: bool
    typed_key: bool

    @property
    def runnable(self) -> tuple[PushPlanItem, ...]:
        return tuple(item for item in self.items if item.runnable)

    @property
    def refused(self) -> tuple[PushPlanItem, ...]:
        return tuple(item for item in self.items if not item.runnable)


def _product(vm: VmRecord) -> str:
    guest = vm.guest
    if guest.version is None:
        return guest.caption or "an unknown Windows"
    edition = guest.edition.label if guest.edition else "(edition unknown)"
    return f"Windows Server {guest.version.label} {edition}"


def needs_guest_winrm(host: HostRecord, vm: VmRecord) -> bool:
    """PowerShell Direct needs 2016+ on both sides; 2012 R2 is reached by WinRM to the guest."""
    return vm.guest.version is ServerVersion.V2012R2 or (
        host.version is not None and host.version.avma_family is ServerVersion.V2012R2
    )


def _desktop(vm: VmRecord, *, overridable: bool) -> Refusal:
    reason = f"{vm.name} runs {_product(vm)}, not Windows Server; AVMA activates only Windows Server guests"
    return Refusal("desktop_os", reason, overridable)


def _choose_key(vm: VmRecord, typed: str | None) -> tuple[str | None, bool, list[Refusal], list[str]]:
    """(key, is AVMA, refusals, notes) for this VM; a typed key has been validated already."""
    guest = vm.guest
    if typed is None:
        # The guest's own AVMA key; where it cannot be known there is nothing to install, so no override either.
        if guest.is_server is False:
            return None, True, [_desktop(vm, overridable=False)], []
        if guest.version is None or guest.edition is None:
            reason = (
                f"the Windows version or edition of {vm.name} is not known, so neither is its AVMA key; start it, "
                "enable Data Exchange or scan with guest credentials, or give --key"
            )
            return None, True, [Refusal("unknown_guest_os", reason, False)], []
        key = avma_key_for(guest.version, guest.edition)
        if key is None:
            return None, True, [Refusal("no_avma_key", f"AVMA has no key for {_product(vm)}", False)], []
        return key, True, [], []

    products = avma_products_for_key(typed)
    if not products:
        note = (
            f"not an AVMA key: {vm.name} leaves AVMA and is licensed through that key's channel (retail, MAK or KMS); "
            "afterwards remove its AVMA KVP data (avma-console kvp cleanup)"
        )
        return typed, False, [], [note]
    refusals: list[Refusal] = []
    if guest.is_server is False:
        refusals.append(_desktop(vm, overridable=True))
    elif guest.version is None or guest.edition is None:
        reason = f"the Windows version or edition of {vm.name} is not known; the key may not fit it"
        refusals.append(Refusal("unknown_guest_os", reason, True))
    elif not any(
        version.avma_family == guest.version.avma_family and edition == guest.edition for version, edition in products
    ):
        version, edition = products[0]
        reason = (
            f"{typed} is the AVMA key of Windows Server {version.avma_family.label} {edition.label}, but {vm.name} "
            f"runs {_product(vm)}; Windows would reject it (0xC004F069)"
        )
        refusals.append(Refusal("key_for_other_product", reason, True))
    return typed, True, refusals, []


def _partial_key(vm: VmRecord) -> str:
    # Never empty: an empty suffix would match every key.
    return (vm.guest_license.partial_key if vm.guest_license else None) or "unknown"


def _avma_refusals(host: HostRecord, vm: VmRecord) -> list[Refusal]:
    refusals: list[Refusal] = []
    blockers = host_blockers(host)
    if blockers:
        reasons = "; ".join(blocker.reason for blocker in blockers)
        refusals.append(
            Refusal(
                "host_cannot_activate",
                f"{host.name} cannot activate guests ({reasons}): AVMA needs an activated Datacenter host",
                True,
            )
        )
    guest_version = vm.guest.version
    if guest_version is not None and host.version is not None and not host_can_activate(host.version, guest_version):
        minimum = minimum_host_version(guest_version)
        needed = minimum.label if minimum else guest_version.label
        refusals.append(
            Refusal(
                "guest_newer_than_host",
                f"{vm.name} runs Windows Server {guest_version.label}, newer than {host.name} (Windows Server "
                f"{host.version.label}); it needs a Windows Server {needed} or later host",
                True,
            )
        )
    if vm.kvp_enabled is False:
        refusals.append(
            Refusal(
                "kvp_disabled",
                f"Data Exchange is disabled on {vm.name}; AVMA needs it (avma-console kvp enable --vm {vm.name!r})",
                True,
            )
        )
    return refusals


def _expected_avma(host: HostRecord, vm: VmRecord, key: str) -> AvmaOutcome:
    """What the AVMA attempt after the install will end in, by the same rules the diagnosis uses."""
    serving = host.hyperv is not False and host.edition is not None and host.edition.can_host_avma
    if vm.kvp_enabled is False or not serving or host.activated is False:
        return AvmaOutcome.INVALID_HOST
    guest = vm.guest
    fits = any(
        guest.version is not None and version.avma_family == guest.version.avma_family and edition == guest.edition
        for version, edition in avma_products_for_key(key)
    )
    if not fits or (
        guest.version is not None and host.version is not None and not host_can_activate(host.version, guest.version)
    ):
        return AvmaOutcome.ACTIVATION_DENIED
    return AvmaOutcome.SUCCESS


def _push_item(
    host: HostRecord,
    vm: VmRecord,
    typed_key: str | None,
    override: bool,
    addresses: Mapping[str, GuestAddress],
) -> PushPlanItem:
    refusals: list[Refusal] = []
    notes: list[str] = []
    if not host.reachable:
        refusals.append(Refusal("host_unreachable", f"{host.name} could not be queried: {host.error}", False))
    if not vm.running:
        refusals.append(
            Refusal(
                "vm_not_running",
                f"{vm.name} is {vm.power_state.lower()}: a key can only be installed in a running guest",
                True,
            )
        )
    key, is_avma, key_refusals, key_notes = _choose_key(vm, typed_key)
    refusals += key_refusals
    notes += key_notes
    if key is not None and is_avma:
        refusals += _avma_refusals(host, vm)
        if vm.state is ActivationState.ACTIVATED_OTHER:
            notes.append(f"{vm.name} is licensed through another channel now; this switches it to AVMA")
        elif vm.state is ActivationState.AVMA_ACTIVATED and key.replace("-", "").endswith(_partial_key(vm)):
            notes.append(f"{vm.name} is already activated through AVMA with this key; installing it again is harmless")
    notes += [
        finding.message
        for finding in vm.findings
        if finding.code in (FindingCode.CLUSTER_NODE_CANNOT_ACTIVATE, FindingCode.KVP_NO_CONTACT)
    ]

    address = find_address(addresses, vm)
    path: AccessPath | None = AccessPath.POWERSHELL_DIRECT
    if needs_guest_winrm(host, vm):
        path = AccessPath.GUEST_WINRM if address is not None else None
        if address is None:
            refusals.append(
                Refusal(
                    "no_guest_address",
                    f"{vm.name} cannot be reached by PowerShell Direct (it needs 2016+ in the guest and on the host); "
                    f"give the guest's address for WinRM (--guest-address {vm.name}=ADDRESS)",
                    False,
                )
            )

    outcome: AvmaOutcome | None = None
    if key is None:
        expected = "nothing: no key to install"
    elif not vm.running:
        expected = "Windows refuses: the VM is not running"
    elif is_avma:
        outcome = _expected_avma(host, vm, key)
        expected = {
            AvmaOutcome.SUCCESS: f"activates through AVMA on {host.name}",
            AvmaOutcome.ACTIVATION_DENIED: "key installed, but AVMA denies activation (0xC004FD03)",
            AvmaOutcome.INVALID_HOST: f"key installed, but {host.name} cannot answer AVMA (Invalid Host)",
            AvmaOutcome.INVALID_DATA: "key installed, but AVMA data is invalid",
        }[outcome]
        if any(refusal.code == "key_for_other_product" for refusal in refusals):
            outcome, expected = None, "Windows rejects the key (0xC004F069)"
    else:
        expected = "licensed through the key's own channel once that channel activates it"
    return PushPlanItem(
        host=host,
        vm=vm,
        key=key,
        key_is_avma=is_avma,
        path=path,
        guest_address=address if path is AccessPath.GUEST_WINRM else None,
        refusals=tuple(refusals),
        notes=tuple(notes),
        expected=expected,
        expected_outcome=outcome,
        forced=override and bool(refusals),
    )


def plan_push(
    snapshot: FleetSnapshot,
    targets: Sequence[Target] | None = None,
    *,
    key: str | None = None,
    override: bool = False,
    guest_addresses: Mapping[str, GuestAddress] | None = None,
) -> PushPlan:
    """One item per VM. `targets` None: every eligible VM (see `eligible_for_push`).

    `key` None picks each guest's own AVMA key; a typed key is validated first (InvalidProductKeyError says
    what is wrong with it) and checked against every guest.
    """
    typed = validate_key(key) if key is not None else None
    addresses = guest_addresses or {}
    if targets is None:
        targets = eligible_for_push(snapshot, key=typed, guest_addresses=addresses)
    items = tuple(_push_item(host, vm, typed, override, addresses) for host, vm in targets)
    return PushPlan(items=items, override=override, typed_key=typed is not None)


def eligible_for_push(
    snapshot: FleetSnapshot, *, key: str | None = None, guest_addresses: Mapping[str, GuestAddress] | None = None
) -> list[Target]:
    """VMs a push would help and nothing stands against: not licensed now, and no refusal at all.

    VMs licensed through another channel are left out: switching them to AVMA is a choice to make by name.
    """
    typed = validate_key(key) if key is not None else None
    addresses = guest_addresses or {}
    return [
        (host, vm)
        for host, vm in reachable_targets(snapshot)
        if vm.state.is_problem and _push_item(host, vm, typed, False, addresses).runnable
    ]


# ---------------------------------------------------------------------------------------------------------
# Push keys: results


@dataclass(frozen=True, slots=True)
class PushResult:
    host: str
    vm: str
    vm_id: str
    status: ResultStatus
    path: AccessPath | None
    key_shown: str | None
    key_last5: str | None
    key_is_avma: bool
    forced: bool
    error: str | None = None
    before: GuestLicense | None = None
    after: GuestLicense | None = None
    state_before: ActivationState | None = None
    state_after: ActivationState | None = None
    outcome: AvmaOutcome | None = None
    outcome_code: int | None = None
    events: tuple[AvmaEvent, ...] = ()  # 12309 from the guest, 12310 from the host, oldest first
    refusals: tuple[Refusal, ...] = ()
    audit_error: str | None = None

    action = Action.PUSH_KEY

    @property
    def ok(self) -> bool:
        return self.status.ok and self.audit_error is None

    @property
    def summary(self) -> str:
        """One line for a table or a tooltip: state change, AVMA outcome and event, or the error."""
        if self.status in (ResultStatus.REFUSED, ResultStatus.CANCELLED):
            return self.error or self.status.value
        states = f"{_state_text(self.state_before)} -> {_state_text(self.state_after)}"
        if self.outcome is not None:
            event_ids = sorted({event.event_id for event in self.events})
            events = f", event {'/'.join(str(i) for i in event_ids)}" if event_ids else ""
            code = f" 0x{self.outcome_code:08X}" if self.outcome_code else ""
            states += f" ({self.outcome.value}{code}{events})"
        return f"{states}: {self.error}" if self.error else states

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "host": self.host,
            "vm": self.vm,
            "vm_id": self.vm_id,
            "status": self.status.value,
            "path": self.path.value if self.path else None,
            "key": self.key_shown,
            "key_is_avma": self.key_is_avma,
            "forced": self.forced,
            "before": _license_json(self.before, self.state_before),
            "after": _license_json(self.after, self.state_after),
            "outcome": self.outcome.value if self.outcome else None,
            "outcome_code": f"0x{self.outcome_code:08X}" if self.outcome_code else None,
            "events": [
                {"id": e.event_id, "time": e.time_created.isoformat(), "computer": e.computer, "message": e.message}
                for e in self.events
            ],
            "refusals": [{"code": r.code, "reason": r.reason, "overridable": r.overridable} for r in self.refusals],
            "error": self.error,
            "audit_error": self.audit_error,
        }


def _state_text(state: ActivationState | None) -> str:
    return state.value if state is not None else "?"


def _license_json(license_: GuestLicense | None, state: ActivationState | None) -> dict[str, Any]:
    return {
        "state": state.value if state else None,
        "license_status": license_.license_status if license_ else None,
        "channel": license_.channel.value if license_ else None,
        "partial_key": license_.partial_key if license_ else None,
        "avma_host": license_.avma_host_name if license_ else None,
        "last_activation": license_.last_activation.isoformat() if license_ and license_.last_activation else None,
    }


def _state_of(license_: GuestLicense | None, outcome: AvmaOutcome | None) -> ActivationState | None:
    if license_ is None:
        return outcome.state if outcome is not None else None
    state = state_from_license(license_.license_status, license_.channel)
    if state.is_problem and outcome is not None and outcome is not AvmaOutcome.SUCCESS:
        return outcome.state
    return state


def _sl_error_code(*texts: object) -> int | None:
    for text in texts:
        if isinstance(text, int) and not isinstance(text, bool):
            value = text & 0xFFFFFFFF
            if value >> 16 == 0xC004:
                return value
        elif isinstance(text, str):
            match = _SL_ERROR.search(text)
            if match:
                return int(match.group(1), 16)
    return None


def _events_of(values: object, computer: str, vm: VmRecord | None) -> list[AvmaEvent]:
    raws = [raw for raw in (parse_event(value, computer) for value in as_list(values)) if raw is not None]
    if vm is not None:
        # The host's 12310s name every VM that asked; keep only this one's.
        raws = EventIndex(raws).events_of(vm.name, vm.vm_id)
    return [raw.event for raw in raws]


def _push_result_from(item: PushPlanItem, document: Mapping[str, Any], secrets: Sequence[str]) -> PushResult:
    before = parse_guest_license(document.get("Before"))
    after = parse_guest_license(document.get("After"))
    guest_events = _events_of(document.get("GuestEvents"), item.vm.name, None)
    host_events = _events_of(document.get("HostEvents"), item.host.name, item.vm)
    events = sorted([*guest_events, *host_events], key=lambda event: (event.time_created, event.event_id))
    decisive = [event for event in guest_events if event.outcome is not None] or [
        event for event in host_events if event.outcome is not None
    ]
    outcome = decisive[-1].outcome if decisive else None
    outcome_code = decisive[-1].error_code if decisive else None
    if outcome is None and item.key_is_avma and after is not None and after.license_status == LicenseStatus.LICENSED:
        outcome = AvmaOutcome.SUCCESS if after.channel is KeyChannel.AVMA else None

    install_error = document.get("InstallError")
    error: str | None = None
    if isinstance(install_error, Mapping):
        message = as_text(install_error.get("Message")) or "no message"
        code = _sl_error_code(install_error.get("NativeCode"), install_error.get("HResult"), message)
        meaning = f" ({_SL_MESSAGES[code]})" if code in _SL_MESSAGES else ""
        error = f"Windows rejected the key{meaning}: {message}"
        status = ResultStatus.FAILED
        outcome, outcome_code = None, None
    elif not item.key_is_avma or (
        after is not None and after.license_status == LicenseStatus.LICENSED and after.channel is KeyChannel.AVMA
    ):
        status = ResultStatus.SUCCEEDED
    else:
        status = ResultStatus.FAILED
        if outcome is not None and outcome is not AvmaOutcome.SUCCESS:
            detail = parse_error_code(outcome_code) if outcome_code else None
            reason = f": {detail.meaning}" if detail else ""
            error = f"the key is installed, but AVMA activation failed ({outcome.value}{reason})"
        else:
            error = (
                "the key is installed, but the guest is not activated yet (no AVMA answer in time); scan again later"
            )
    return PushResult(
        host=item.host.name,
        vm=item.vm.name,
        vm_id=item.vm.vm_id,
        status=status,
        path=item.path,
        key_shown=item.key_shown,
        key_last5=item.key_last5,
        key_is_avma=item.key_is_avma,
        forced=item.forced,
        error=scrub_secrets(error, secrets),
        before=before,
        after=after,
        state_before=_state_of(before, None) or item.vm.state,
        state_after=_state_of(after, outcome),
        outcome=outcome,
        outcome_code=outcome_code,
        events=tuple(events),
        refusals=item.refusals,
    )


def _plain_push_result(item: PushPlanItem, status: ResultStatus, error: str | None) -> PushResult:
    return PushResult(
        host=item.host.name,
        vm=item.vm.name,
        vm_id=item.vm.vm_id,
        status=status,
        path=item.path,
        key_shown=item.key_shown,
        key_last5=item.key_last5,
        key_is_avma=item.key_is_avma,
        forced=item.forced,
        error=error,
        state_before=item.vm.state,
        refusals=item.refusals,
    )


def refusal_text(refusals: Sequence[Refusal], *, forced_possible: bool) -> str:
    text = "; ".join(refusal.reason for refusal in refusals)
    if forced_possible and all(refusal.overridable for refusal in refusals):
        text += " (the operator may override this: --force)"
    return text


# ---------------------------------------------------------------------------------------------------------
# Push keys: execution


@dataclass(frozen=True, slots=True, eq=False)
class _PushContext:
    access: HostAccess
    credentials: GuestCredentials
    audit: AuditLog
    settle_seconds: int


def _push_one(context: _PushContext, item: PushPlanItem, stop: threading.Event) -> PushResult:
    if stop.is_set():
        return _plain_push_result(item, ResultStatus.CANCELLED, "not attempted: the run was stopped")
    credential = context.credentials.for_vm(item.vm)
    secrets = [*context.credentials.secrets(), *context.access.secrets()]
    if not item.runnable:
        text = refusal_text(item.refusals, forced_possible=not item.forced)
        result = _plain_push_result(item, ResultStatus.REFUSED, text)
    elif credential is None:
        result = _plain_push_result(
            item,
            ResultStatus.FAILED,
            f"no guest credential for {item.vm.name}: the key is installed from inside the guest",
        )
    else:
        result = _push_remote(context, item, credential, secrets)
    # Inside the guest the change runs as the guest account; PowerShell Direct is started by the host account.
    if item.path is AccessPath.GUEST_WINRM:
        who = credential.username if credential else "-"
    else:
        who = host_account(context.access, item.host)
    entry = AuditEntry(
        at=context.audit.clock.now(),
        who=who,
        action=Action.PUSH_KEY.value,
        result=result.status.value,
        target_host=item.host.name,
        target_vm=item.vm.name,
        vm_id=item.vm.vm_id,
        key_last5=item.key_last5,
        error=scrub_secrets(result.error, secrets),
        details=base_details(
            item.forced,
            path=item.path.value if item.path else None,
            guest_account=credential.username if credential else None,
            guest_address=str(item.guest_address) if item.guest_address else None,
            key_is_avma=item.key_is_avma,
            state_before=_state_text(result.state_before),
            state_after=_state_text(result.state_after) if result.state_after else None,
            outcome=result.outcome.value if result.outcome else None,
            refusals=[refusal.code for refusal in item.refusals] or None,
        ),
    )
    audit_error = record_or_stop(context.audit, entry, stop)
    _log.info("push_key %s/%s: %s", item.host.name, item.vm.name, result.status.value)
    return replace(result, audit_error=audit_error) if audit_error else result


def _push_remote(
    context: _PushContext, item: PushPlanItem, credential: GuestCredential, secrets: list[str]
) -> PushResult:
    assert item.key is not None
    settle = context.settle_seconds if item.key_is_avma else 0
    guest_side = item.path is AccessPath.GUEST_WINRM
    try:
        if guest_side:
            assert item.guest_address is not None
            endpoint = context.access.guest_endpoint(item.host, item.vm, item.guest_address, credential.username)
            params: dict[str, object] = {
                "mode": "local",
                "key": item.key,
                "expected_vm_id": item.vm.vm_id,
                "settle_seconds": settle,
            }
            document = run_script(endpoint, credential.password.reveal(), "install_key", params)
        else:
            endpoint = context.access.host_endpoint(item.host)
            params = {
                "mode": "direct",
                "vm_id": item.vm.vm_id,
                "vm_name": item.vm.name,
                "key": item.key,
                "guest_credential": credential.as_param(),
                "settle_seconds": settle,
            }
            document = run_script(endpoint, context.access.host_password(item.host), "install_key", params)
    except RemoteError as error:
        message = scrub_secrets(remote_message(error, guest=guest_side), secrets)
        return _plain_push_result(item, ResultStatus.FAILED, message)
    except OperationError as error:
        return _plain_push_result(item, ResultStatus.FAILED, scrub_secrets(str(error), secrets))
    return _push_result_from(item, document, secrets)


async def execute_push(
    plan: PushPlan,
    access: HostAccess,
    credentials: GuestCredentials,
    audit: AuditLog,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    settle_seconds: int = DEFAULT_SETTLE_SECONDS,
    on_result: Callable[[PushResult, OperationProgress], None] | None = None,
    cancelled: threading.Event | None = None,
    executor: ThreadPoolExecutor | None = None,
) -> list[PushResult]:
    """Install the planned keys; refused items are recorded as refused and not attempted.

    Results come in plan order; `on_result` sees each as it arrives (on the event loop's thread).
    """
    access.resolve_passwords(item.host for item in plan.runnable if item.path is AccessPath.POWERSHELL_DIRECT)
    context = _PushContext(access, credentials, audit, settle_seconds)
    return await run_all(
        plan.items,
        lambda item, stop: _push_one(context, item, stop),
        cancelled_result=lambda item: _plain_push_result(item, ResultStatus.CANCELLED, "not attempted: cancelled"),
        is_ok=lambda result: result.ok,
        concurrency=concurrency,
        on_result=on_result,
        cancelled=cancelled,
        executor=executor,
    )
