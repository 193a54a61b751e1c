"""The lab's side of the console's write actions: installing keys, enabling Data Exchange, removing KVP items.

Hosts answer `install_key.ps1`, `enable_kvp.ps1` and `remove_kvp_items.ps1` (registered in `FleetPowerShell`).
Guests that have an `address` in the fleet file get a WinRM listener of their own on 127.0.0.1 (see
`make_guest_server`), whose PowerShell runs the same scripts in their 'local' mode against that one guest:
that is how the console reaches 2012 R2 guests, which have no PowerShell Direct.

The rules are Windows' own, as far as they are documented (reference/avma-facts.md):
- PowerShell Direct needs a 2016+ host, a running 2016+ (or Windows 10+) guest and the guest's credentials;
  otherwise the error Windows gives (the exact wording of these errors is unconfirmed).
- `InstallProductKey` rejects a malformed key with 0xC004F050 and a key of another version or edition with
  0xC004F069; installing replaces the previous key. After an AVMA key, the guest's AVMA attempt follows
  (`attempt_activation`: events 12309/12310 and the resulting licence); a KMS or retail key changes the channel
  (the lab assumes those channels' own activation works, as it does for the fleet file's "kms"/"retail" guests).
- Every change bumps `fleet.changed()`, so no cached scan answer from before it is served again.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from avma_console.domain.keys import (
    AVMA_KEYS,
    InvalidProductKeyError,
    KeyChannel,
    avma_products_for_key,
    validate_key,
)
from avma_console.domain.states import LicenseStatus
from avma_console.domain.versions import Edition, ServerVersion
from avma_console.lab.cmd import CmdExecutor
from avma_console.lab.fleet import (
    GVLKS,
    FleetFileError,
    LabEvent,
    LabFleet,
    LabHost,
    LabVm,
    attempt_activation,
)
from avma_console.lab.http import HostListener, LabServer
from avma_console.lab.localized import kvp_status
from avma_console.lab.powershell import (
    FleetPowerShell,
    ScriptFailedError,
    ScriptHandler,
    keyed_license,
    read_only_handlers,
)
from avma_console.lab.pwsh_basic import BasicPowerShell
from avma_console.lab.shell import CommandExecutor

INVALID_PRODUCT_KEY = 0xC004F050  # SL_E_INVALID_PRODUCT_KEY
PRODUCT_SKU_NOT_INSTALLED = 0xC004F069  # SL_E_PRODUCT_SKU_NOT_INSTALLED
_INSTALL_MESSAGES = {
    INVALID_PRODUCT_KEY: "The Software Licensing Service reported that the product key is invalid.",
    PRODUCT_SKU_NOT_INSTALLED: "The Software Licensing Service reported that the product SKU is not found.",
}
_NOT_A_VM = "this computer is not a Hyper-V virtual machine (check the address)."
_GET_VM_NOT_FOUND = (
    "The term 'Get-VM' is not recognized as the name of a cmdlet, function, script file, or operable program. "
    "Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
)
_BAD_MODE = "The parameter 'mode' must be 'direct' (from the host) or 'local' (inside the guest)."

Mode = Literal["direct", "local"]


# ---------------------------------------------------------------------------------------------------------
# Shared rules


def _mode(params: Mapping[str, Any]) -> Mode:
    mode = params.get("mode")
    if mode == "direct":
        return "direct"
    if mode == "local":
        return "local"
    raise ScriptFailedError(_BAD_MODE)


def _text(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str):
        raise ScriptFailedError(f"Cannot bind argument to parameter '{name}' because it is null or not a string.")
    return value


def _find_vm(host: LabHost, params: Mapping[str, Any]) -> LabVm:
    """Get-VM -Id, with its errors."""
    wanted = _text(params, "vm_id").strip().strip("{}")
    vm = next((vm for vm in host.vms if vm.vm_id.casefold() == wanted.casefold()), None)
    if vm is None:
        raise ScriptFailedError(f"Hyper-V was unable to find a virtual machine with ID '{wanted}'.")
    return vm


def powershell_direct_error(fleet: LabFleet, host: LabHost, vm: LabVm, credential: object) -> str | None:
    """Why `Invoke-Command -VMId ... -Credential` fails for this VM, or None when it gets in."""
    if host.version.avma_family is ServerVersion.V2012R2:
        # Windows PowerShell 4.0 on a 2012 R2 host has no PowerShell Direct at all.
        return "A parameter cannot be found that matches parameter name 'VMId'."
    if not vm.running:
        return f"The virtual machine '{vm.name}' is not in running state."
    if vm.guest_version is ServerVersion.V2012R2:
        return (
            f"An error has occurred which Windows PowerShell cannot handle. The virtual machine '{vm.name}' does not "
            "support PowerShell Direct: it needs Windows 10 / Windows Server 2016 or later in the guest and on the host."
        )
    expected = fleet.guest_credentials
    if not isinstance(credential, Mapping) or expected is None:
        return "The credential is invalid."
    username = str(credential.get("username", ""))
    password = str(credential.get("password", ""))
    if username.casefold() != expected.username.casefold() or password != expected.password:
        return "The credential is invalid."
    return None


def _lab_time(shell: FleetPowerShell, host: LabHost, vm: LabVm) -> datetime:
    """Now, but never before the last event: the lab's history may be simulated up to a fixed 'now'."""
    latest = [event.time_created for event in (*host.events[-1:], *vm.guest_events[-1:])]
    now = shell.clock.now()
    return max([now, *(when + timedelta(seconds=1) for when in latest)])


def _event_document(event: LabEvent, computer: str) -> dict[str, object]:
    return {
        "RecordId": event.record_id,
        "TimeCreated": event.time_created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
        "Id": event.event_id,
        "MachineName": computer,
        "Message": event.message,
        "Properties": list(event.properties),
    }


def license_document(vm: LabVm) -> dict[str, object]:
    """SoftwareLicensingProduct as the scripts' Get-LicenseState reports it (all null without a key)."""
    if vm.key is None:
        return dict.fromkeys(
            (
                "LicenseStatus",
                "Description",
                "PartialProductKey",
                "GracePeriodRemaining",
                "AutomaticVMActivationHostMachineName",
                "AutomaticVMActivationLastActivationTime",
            )
        )
    return keyed_license(vm, vm.key)


# ---------------------------------------------------------------------------------------------------------
# install_key.ps1


def _key_products(key: str) -> list[tuple[ServerVersion, Edition]]:
    """The products a key is known to belong to; [] for keys the lab cannot place (retail, MAK)."""
    return avma_products_for_key(key) or [product for product, gvlk in GVLKS.items() if gvlk == key]


def _install_error(vm: LabVm, text: str) -> tuple[int, str | None]:
    """(HRESULT, normalized key): 0 and the key when Windows would accept it."""
    try:
        key = validate_key(text)
    except InvalidProductKeyError:
        return INVALID_PRODUCT_KEY, None
    products = _key_products(key)
    if products:
        guest = vm.guest_version
        fits = guest is not None and any(
            version.avma_family == guest.avma_family and edition == vm.guest_edition for version, edition in products
        )
        if not fits:
            return PRODUCT_SKU_NOT_INSTALLED, None
    return 0, key


def _channel_of(key: str) -> KeyChannel:
    if key in AVMA_KEYS.values():
        return KeyChannel.AVMA
    if key in GVLKS.values():
        return KeyChannel.KMS
    return KeyChannel.RETAIL


def _install_in_guest(
    shell: FleetPowerShell, host: LabHost, vm: LabVm, key_text: str
) -> tuple[dict[str, object], list[LabEvent], list[LabEvent]]:
    """InstallProductKey + RefreshLicenseStatus inside the guest: (guest document, new 12309s, new 12310s)."""
    guest_events_before = len(vm.guest_events)
    host_events_before = len(host.events)
    before = license_document(vm)
    code, key = _install_error(vm, key_text)
    install_error: dict[str, object] | None = None
    if key is None:
        install_error = {
            "HResult": f"0x{code:08X}",
            "NativeCode": code,
            "Message": f"{_INSTALL_MESSAGES[code]} (0x{code:08X})",
        }
    else:
        when = _lab_time(shell, host, vm)
        same_key = vm.key == key
        vm.key = key
        vm.key_channel = _channel_of(key)
        if vm.key_channel is KeyChannel.AVMA:
            if not same_key:
                # A new key starts unactivated; the AVMA attempt below decides what happens next.
                vm.license_status = LicenseStatus.NOTIFICATION if vm.grace_minutes == 0 else LicenseStatus.OOB_GRACE
                vm.avma_host_name = None
                vm.last_activation = None
            attempt_activation(host, vm, when)
        else:
            vm.license_status = LicenseStatus.LICENSED
            vm.avma_host_name = None
            vm.last_activation = None
        shell.fleet.changed()
    guest_events = [event for event in vm.guest_events[guest_events_before:] if event.event_id == 12309]
    host_events = [event for event in host.events[host_events_before:] if event.event_id == 12310]
    document: dict[str, object] = {
        "Before": before,
        "InstallError": install_error,
        "After": license_document(vm),
        "Events": [_event_document(event, vm.name) for event in guest_events],
    }
    return document, guest_events, host_events


def host_install_key(shell: FleetPowerShell, host: LabHost, params: Mapping[str, Any]) -> object:
    if _mode(params) == "local":
        # Run on a host, 'local' would re-key the host itself: the script refuses on physical machines.
        raise ScriptFailedError("Refusing to install a product key: " + _NOT_A_VM)
    vm = _find_vm(host, params)
    key = _text(params, "key")
    problem = powershell_direct_error(shell.fleet, host, vm, params.get("guest_credential"))
    if problem is not None:
        raise ScriptFailedError(problem)
    guest, _, host_events = _install_in_guest(shell, host, vm, key)
    return _install_result("direct", host.name, vm, guest, host_events)


def _install_result(
    mode: Mode, computer: str, vm: LabVm | None, guest: Mapping[str, object], host_events: Sequence[LabEvent]
) -> dict[str, object]:
    return {
        "Schema": 1,
        "Mode": mode,
        "ComputerName": computer.split(".", maxsplit=1)[0].upper(),
        "VmName": vm.name if vm is not None and mode == "direct" else None,
        "VmId": vm.vm_id if vm is not None and mode == "direct" else None,
        "Before": guest["Before"],
        "InstallError": guest["InstallError"],
        "After": guest["After"],
        "GuestEvents": guest["Events"],
        "HostEvents": [_event_document(event, computer) for event in host_events],
    }


def _check_expected_vm(vm: LabVm, params: Mapping[str, Any], action: str) -> None:
    expected = params.get("expected_vm_id")
    if not isinstance(expected, str) or not expected.strip("{} "):
        return
    # The guest knows its VM id only from the host's Guest\Parameters, which Data Exchange delivers.
    if vm.kvp_enabled and expected.strip("{} ").casefold() != vm.vm_id.casefold():
        raise ScriptFailedError(
            f"Refusing to {action}: this guest is not the virtual machine that was selected "
            "(its VirtualMachineId differs; check the address)."
        )


def guest_install_key(shell: FleetPowerShell, host: LabHost, vm: LabVm, params: Mapping[str, Any]) -> object:
    if _mode(params) == "direct":
        raise ScriptFailedError(_GET_VM_NOT_FOUND)  # a guest has no Hyper-V module
    key = _text(params, "key")
    _check_expected_vm(vm, params, "install a product key")
    guest, _, _ = _install_in_guest(shell, host, vm, key)
    return _install_result("local", vm.name, vm, guest, ())


# ---------------------------------------------------------------------------------------------------------
# enable_kvp.ps1


def _kvp_facts(host: LabHost, vm: LabVm) -> dict[str, object]:
    status = kvp_status(host.locale, running=vm.running, enabled=vm.kvp_enabled, no_contact=vm.kvp_no_contact)
    return {"Enabled": vm.kvp_enabled, "PrimaryStatusDescription": status, "SecondaryStatusDescription": ""}


def host_enable_kvp(shell: FleetPowerShell, host: LabHost, params: Mapping[str, Any]) -> object:
    vm = _find_vm(host, params)
    before = _kvp_facts(host, vm)
    if not vm.kvp_enabled:
        # Enable-VMIntegrationService; the guest's next AVMA attempt reaches the host again.
        vm.kvp_enabled = True
        shell.fleet.changed()
    return {
        "Schema": 1,
        "VmName": vm.name,
        "VmId": vm.vm_id,
        "State": "Running" if vm.running else "Off",
        "Before": before,
        "After": _kvp_facts(host, vm),
    }


# ---------------------------------------------------------------------------------------------------------
# remove_kvp_items.ps1


def _patterns(params: Mapping[str, Any]) -> list[str]:
    value = params.get("patterns")
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [str(item) for item in items if item is not None]


def like(name: str, pattern: str) -> bool:
    """PowerShell's -like: wildcards *, ? and [...], ignoring case."""
    return fnmatch.fnmatchcase(name.casefold(), pattern.casefold())


def _remove_items(items: dict[str, str], patterns: Sequence[str], source: str) -> list[dict[str, object]]:
    removed = []
    for name in list(items):
        if any(like(name, pattern) for pattern in patterns):
            del items[name]
            removed.append({"Name": name, "Source": source, "Removed": True, "Error": None})
    return removed


def _cleanup_result(
    mode: Mode, computer: str, vm: LabVm, items: list[dict[str, object]], guest_error: str | None
) -> dict[str, object]:
    return {
        "Schema": 1,
        "Mode": mode,
        "ComputerName": computer.split(".", maxsplit=1)[0].upper(),
        "VmName": vm.name if mode == "direct" else None,
        "VmId": vm.vm_id if mode == "direct" else None,
        "Items": items,
        "GuestError": guest_error,
    }


def host_remove_kvp_items(shell: FleetPowerShell, host: LabHost, params: Mapping[str, Any]) -> object:
    if _mode(params) == "local":
        raise ScriptFailedError("Refusing to delete KVP values: " + _NOT_A_VM)
    vm = _find_vm(host, params)
    patterns = _patterns(params)
    items = _remove_items(vm.host_kvp_items, patterns, "host")
    guest_error: str | None = None
    credential = params.get("guest_credential")
    if credential is not None:
        guest_error = powershell_direct_error(shell.fleet, host, vm, credential)
        if guest_error is None:
            items += _remove_items(vm.kvp_items, patterns, "guest")
    if items:
        shell.fleet.changed()
    return _cleanup_result("direct", host.name, vm, items, guest_error)


def guest_remove_kvp_items(shell: FleetPowerShell, host: LabHost, vm: LabVm, params: Mapping[str, Any]) -> object:
    if _mode(params) == "direct":
        raise ScriptFailedError(_GET_VM_NOT_FOUND)
    _check_expected_vm(vm, params, "delete KVP values")
    items = _remove_items(vm.kvp_items, _patterns(params), "guest")
    if items:
        shell.fleet.changed()
    return _cleanup_result("local", vm.name, vm, items, None)


HOST_HANDLERS: dict[str, ScriptHandler] = {
    "install_key": host_install_key,
    "enable_kvp": host_enable_kvp,
    "remove_kvp_items": host_remove_kvp_items,
}

GuestHandler = Callable[[FleetPowerShell, LabHost, LabVm, Mapping[str, Any]], object]


def host_handlers() -> dict[str, ScriptHandler]:
    """Every script a lab host answers: the scan's and the write actions' (what lab/runner.py injects)."""
    return {**read_only_handlers(), **HOST_HANDLERS}


GUEST_HANDLERS: dict[str, GuestHandler] = {
    "install_key": guest_install_key,
    "remove_kvp_items": guest_remove_kvp_items,
}


# ---------------------------------------------------------------------------------------------------------
# Guests with an address: a WinRM listener of their own


def guests_with_address(fleet: LabFleet) -> dict[str, tuple[LabHost, LabVm]]:
    """address -> (host, VM). Two VMs cannot share an address: the listener would not know whom it serves."""
    guests: dict[str, tuple[LabHost, LabVm]] = {}
    for host in fleet.hosts:
        for vm in host.vms:
            if vm.address is None:
                continue
            if vm.address in guests:
                other = guests[vm.address][1]
                raise FleetFileError(
                    f"fleet: VMs {other.name!r} and {vm.name!r} share the address {vm.address}; give each guest its own"
                )
            guests[vm.address] = (host, vm)
    return guests


def _bind_guest(handler: GuestHandler, vm_id: str) -> ScriptHandler:
    def run(shell: FleetPowerShell, host: LabHost, params: Mapping[str, Any]) -> object:
        vm = next((vm for vm in host.vms if vm.vm_id == vm_id), None)
        if vm is None:
            raise ScriptFailedError("The guest is gone.")
        return handler(shell, host, vm, params)

    return run


class GuestExecutorFactory:
    """One cmd.exe + PowerShell per guest listener, running the console's scripts inside that guest."""

    def __init__(self, fleet: LabFleet, guests: Mapping[str, tuple[LabHost, LabVm]]) -> None:
        self.fleet = fleet
        self.guests = guests
        self._fallback = BasicPowerShell()

    def __call__(self, address: str) -> CommandExecutor:
        host, vm = self.guests[address]
        # Only what runs inside a guest: host_inventory.ps1 here would fail like any Hyper-V cmdlet.
        handlers = {name: _bind_guest(handler, vm.vm_id) for name, handler in GUEST_HANDLERS.items()}
        shell = FleetPowerShell(self.fleet, host.name, fallback=self._fallback, handlers=handlers)
        return CmdExecutor(shell)


def make_guest_server(
    fleet: LabFleet,
    *,
    auth: Literal["basic", "ntlm"] = "ntlm",
    tls: bool = False,
    latency_ms: float = 0.0,
    allow_unencrypted_basic: bool = False,
    work_dir: Path | None = None,
) -> LabServer | None:
    """A WinRM listener on 127.0.0.1 for every VM with an `address`, accepting the fleet's guest credentials.

    None when there is nothing to serve (no such VM, or no guest credentials in the fleet). A stopped VM's
    listener refuses connections, as a powered-off machine does. The listener's name is the VM's address.
    """
    if fleet.guest_credentials is None:
        return None
    guests = guests_with_address(fleet)
    if not guests:
        return None
    listeners = [HostListener(address, fault=None if vm.running else "refuse") for address, (_, vm) in guests.items()]
    return LabServer(
        listeners,
        GuestExecutorFactory(fleet, guests),
        username=fleet.guest_credentials.username,
        password=fleet.guest_credentials.password,
        auth=auth,
        tls=tls,
        allow_unencrypted_basic=allow_unencrypted_basic,
        global_latency_ms=latency_ms,
        work_dir=work_dir,
    )


def guest_endpoint_lines(server: LabServer, fleet: LabFleet) -> list[dict[str, object]]:
    """What `avma-console lab` prints per guest listener: which VM, its fleet address, and where it listens."""
    guests = guests_with_address(fleet)
    lines: list[dict[str, object]] = []
    for endpoint in server.endpoints:
        host, vm = guests[endpoint.host_name]
        lines.append(
            {
                "guest": vm.name,
                "vm_id": vm.vm_id,
                "host": host.name,
                "address": endpoint.host_name,
                "url": endpoint.url,
                "port": endpoint.port,
                "auth": endpoint.auth,
                "tls": endpoint.tls,
                "ca_file": str(server.ca_file) if server.ca_file else None,
            }
        )
    return lines
