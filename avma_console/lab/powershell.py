"""The lab's Windows PowerShell: answers the console's own scripts from the simulated fleet.

It recognises a script by its exact text (from `resources/ps`), as shipped with the console; any other
script gets the error PowerShell would give. Scripts arrive the way the console sends them: the constant
bootstrap as `-EncodedCommand`, the script and its base64 JSON parameter blob on stdin.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib.resources.abc import Traversable
from typing import Any

from avma_console.assets import resource
from avma_console.domain.keys import KeyChannel
from avma_console.domain.states import LicenseStatus
from avma_console.domain.versions import ServerVersion
from avma_console.lab import ps51
from avma_console.lab.fleet import (
    LabEvent,
    LabFleet,
    LabHost,
    LabVm,
    guest_description,
    guest_os_name,
    guest_sku,
    host_caption,
    host_license,
    host_sku,
    kvp_intrinsic_items,
)
from avma_console.lab.localized import error_text, kvp_status
from avma_console.lab.pwsh_basic import clixml_error
from avma_console.lab.shell import CommandRequest, CommandResult, PowerShellRunner
from avma_console.lab.winrm_limits import SCRIPT_FAULTS

READ_ONLY_SCRIPTS = frozenset({"host_inventory"})
# host_inventory.ps1 filters the intrinsic items to these ($wantedIntrinsicItems).
WANTED_INTRINSIC_ITEMS = frozenset(
    {"OSName", "OSVersion", "OSBuildNumber", "OSEditionId", "ProductType", "NetworkAddressIPv4"}
)
HUGE_OUTPUT_BYTES = 4 * 1024 * 1024  # the huge_output fault's answer: a client caps it (max_output_bytes)
JSON_DEPTH = 6  # the -Depth the console's scripts pass to ConvertTo-Json
VM_STATE_RUNNING = 2  # Microsoft.HyperV.PowerShell.VMState, serialized as an integer by 5.1
VM_STATE_OFF = 3
_NEVER = datetime(1601, 1, 1, tzinfo=UTC)

ScriptHandler = Callable[["FleetPowerShell", LabHost, Mapping[str, Any]], object]


def normalize_script(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def load_scripts() -> dict[str, str]:
    """The console's scripts by file stem, as the lab recognises them."""
    folder: Traversable = resource("ps")
    return {
        entry.name.removesuffix(".ps1"): normalize_script(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".ps1")
    }


def powershell_error(message: str) -> CommandResult:
    return CommandResult(stdout="", stderr=clixml_error(message), exit_code=1)


class ScriptFailedError(Exception):
    """A terminating error inside a script ($ErrorActionPreference = 'Stop')."""


def _decode_encoded_command(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _encoded_command_argument(arguments: tuple[str, ...]) -> str | None:
    for index, argument in enumerate(arguments):
        lowered = argument.casefold()
        if lowered in ("-encodedcommand", "-enc", "-e", "-ec") and index + 1 < len(arguments):
            return arguments[index + 1]
    return None


class FleetPowerShell:
    """A PowerShellRunner for one lab host."""

    def __init__(
        self,
        fleet: LabFleet,
        host_name: str,
        fallback: PowerShellRunner | None = None,
        *,
        handlers: Mapping[str, ScriptHandler] | None = None,
    ) -> None:
        self.fleet = fleet
        self.host_name = host_name
        self.fallback = fallback
        self.clock = fleet.clock
        self.scripts = load_scripts()
        self.bootstrap = self.scripts["bootstrap"]
        # The scripts this shell answers, by name: injected by whoever builds the shell (lab/runner.py adds the
        # write actions of lab/operations.py, which builds on this module); the read-only scan by default.
        self.handlers: dict[str, ScriptHandler] = dict(handlers) if handlers is not None else read_only_handlers()
        self._answers: dict[tuple[str, str], tuple[int, CommandResult]] = {}

    def run_powershell(self, request: CommandRequest, arguments: tuple[str, ...]) -> CommandResult | None:
        encoded = _encoded_command_argument(arguments)
        if encoded is None:
            if self.fallback is not None:
                return self.fallback.run_powershell(request, arguments)
            return powershell_error("The console's lab only runs scripts passed with -EncodedCommand.")
        script = _decode_encoded_command(encoded)
        if script is None:
            return powershell_error(
                "Cannot process the command because the value specified with -EncodedCommand is not properly encoded. The value must be Base64 encoded."
            )
        if normalize_script(script) == self.bootstrap:
            if not request.stdin_closed:
                return None  # [Console]::In.ReadToEnd() waits for the end of stdin
            return self._run_from_stdin(request.stdin)
        name = self._recognise(script)
        if name is not None:
            return powershell_error(
                "Cannot process command because of one or more missing mandatory parameters: ParamBlob."
            )
        first_word = script.strip().split(None, 1)[0] if script.strip() else ""
        return powershell_error(
            f"The term '{first_word}' is not recognized as the name of a cmdlet, function, script file, or operable "
            "program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
        )

    def _recognise(self, script: str) -> str | None:
        normalized = normalize_script(script)
        return next((name for name, text in self.scripts.items() if text == normalized and name != "bootstrap"), None)

    def _run_from_stdin(self, stdin: bytes) -> CommandResult:
        lines = stdin.decode("ascii", errors="replace").replace("\r\n", "\n").split("\n")
        try:
            script = base64.b64decode(lines[0], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return powershell_error(
                'Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid Base-64 string."'
            )
        name = self._recognise(script)
        if name is None:
            return powershell_error(
                "The console's lab does not know this script. The lab answers only the console's own scripts "
                "(resources/ps); anything else would need a real Windows host."
            )
        blob = lines[1] if len(lines) > 1 else ""
        if not blob:
            return powershell_error("Cannot bind argument to parameter 'ParamBlob' because it is an empty string.")
        try:
            params = json.loads(base64.b64decode(blob, validate=True).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return powershell_error("Invalid JSON primitive: the parameter blob is not valid base64 JSON.")
        if not isinstance(params, dict):
            return powershell_error("The parameter blob must be a JSON object.")
        host = self.fleet.host(self.host_name)
        if host is None:
            return powershell_error(f"The lab has no host named {self.host_name}.")
        if host.fault in SCRIPT_FAULTS and name in READ_ONLY_SCRIPTS:
            return _faulty_answer(host.fault)
        cache_key = (name, blob)
        cached = self._answers.get(cache_key)
        if cached is not None and cached[0] == self.fleet.generation:
            return cached[1]
        handler = self.handlers.get(name)
        if handler is None:
            return powershell_error(f"The lab does not simulate the script {name}.ps1 yet.")
        try:
            with self.fleet.lock:
                generation = self.fleet.generation
                document = handler(self, host, params)
        except ScriptFailedError as error:
            return powershell_error(error_text(host.locale, str(error)))
        result = CommandResult(stdout=ps51.convert_to_json(document, JSON_DEPTH) + "\r\n", stderr="", exit_code=0)
        if name in READ_ONLY_SCRIPTS:
            # A real host computes its answer on its own CPU; the lab serves a thousand hosts from one core,
            # so it keeps the last answer per script and parameters until the fleet changes.
            self._answers[cache_key] = (generation, result)
        return result


def _faulty_answer(fault: str | None) -> CommandResult:
    """What a host with a script fault prints: JSON cut off mid-document, or an endless stream of output."""
    if fault == "huge_output":
        line = '{"Schema": 1, "Padding": "' + "x" * 1000 + '"}\r\n'
        return CommandResult(stdout=line * (HUGE_OUTPUT_BYTES // len(line) + 1), stderr="", exit_code=0)
    return CommandResult(
        stdout='{"Schema": 1, "ComputerName": "HV", "Vms": [{"Name": "web-01", "Sta\r\n', stderr="", exit_code=0
    )


# ---------------------------------------------------------------------------------------------------------
# host_inventory.ps1


def _parse_since(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ScriptFailedError('Cannot convert value to type "System.DateTime".')
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ScriptFailedError(
            f'Exception calling "Parse" with "3" argument(s): "String \'{value}\' was not recognized as a valid DateTime."'
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _max_events(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ScriptFailedError(
            "Cannot validate argument on parameter 'MaxEvents'. The argument must be a positive number."
        )
    return value


def powershell_direct_error(fleet: LabFleet, host: LabHost, vm: LabVm, credential: object) -> str | None:
    """Why `Invoke-Command -VMId ... -Credential` fails for this VM, or None when it gets in.

    The checks run in the order Windows meets them: the host's cmdlet, the VM's power state, the guest's
    PowerShell Direct service, then the logon. (The exact wording of these errors is unconfirmed.)
    """
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
    if not vm.integration_services:
        return "An error has occurred which Windows PowerShell cannot handle. A remote session might have ended."
    expected = fleet.guest_credentials
    if not isinstance(credential, Mapping) or expected is None:
        return "The credential is invalid."
    username = str(credential.get("username", ""))
    password = str(credential.get("password", ""))
    if username.casefold() != expected.username.casefold() or password != expected.password:
        return "The credential is invalid."
    return None


def guest_event_document(event: LabEvent, computer: str) -> dict[str, object]:
    """An event as the console's guest-side scripts print it: TimeCreated already a UTC ISO string."""
    return {
        "RecordId": event.record_id,
        "TimeCreated": event.time_created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
        "Id": event.event_id,
        "MachineName": computer,
        "Message": event.message,
        "Properties": list(event.properties),
    }


def _guest_probe(
    shell: FleetPowerShell, host: LabHost, vm: LabVm, credential: object, *, since: datetime | None, max_events: int
) -> tuple[object, list[dict[str, object]], str | None]:
    """The guest probe of host_inventory.ps1 through PowerShell Direct: its licence, its 12309 events, or the error."""
    problem = powershell_direct_error(shell.fleet, host, vm, credential)
    if problem is not None:
        return None, [], error_text(host.locale, problem)
    product: dict[str, object] = {
        "Kind": "License",
        "Caption": "Microsoft " + guest_os_name(vm),
        "BuildNumber": str(vm.guest_version.build) if vm.guest_version else "22631",
        "OperatingSystemSKU": guest_sku(vm),
        "ProductType": 3 if vm.guest_version else 1,
        "LicenseStatus": None,
        "Description": None,
        "PartialProductKey": None,
        "ProductKeyChannel": None,
        "GracePeriodRemaining": None,
        "AutomaticVMActivationHostMachineName": None,
        "AutomaticVMActivationHostDigitalPid2": None,
        "AutomaticVMActivationLastActivationTime": None,
    }
    if vm.key is not None:
        product.update(keyed_license(vm, vm.key))
        product["ProductKeyChannel"] = _PRODUCT_KEY_CHANNELS.get(vm.key_channel)
    # A deserialized object from Invoke-Command carries these note properties.
    product.update({"PSComputerName": vm.name, "RunspaceId": str(uuid.uuid4()), "PSShowComputerName": True})
    # Get-WinEvent returns the newest events first.
    matching = [e for e in reversed(vm.guest_events) if since is None or e.time_created >= since]
    events = [guest_event_document(event, vm.name) for event in matching[:max_events]]
    return product, events, None


# SoftwareLicensingProduct.ProductKeyChannel of the lab's keys (what an AVMA key reports there is unconfirmed).
_PRODUCT_KEY_CHANNELS: dict[KeyChannel, str] = {
    KeyChannel.KMS: "Volume:GVLK",
    KeyChannel.MAK: "Volume:MAK",
    KeyChannel.RETAIL: "Retail",
    KeyChannel.OEM: "OEM:DM",
}


def _vm_document(
    shell: FleetPowerShell, host: LabHost, vm: LabVm, credential: Mapping[str, Any] | None, params: Mapping[str, Any]
) -> dict[str, object]:
    intrinsic = kvp_intrinsic_items(host, vm)
    guest_items = vm.kvp_items if intrinsic else {}  # guest-pushed items travel the same channel
    guest: object = None
    guest_events: list[dict[str, object]] = []
    guest_error: str | None = None
    if credential is not None and vm.running:
        marks = params.get("guest_since")
        since = _parse_since(marks.get(vm.vm_id.upper())) if isinstance(marks, dict) else None
        guest, guest_events, guest_error = _guest_probe(
            shell, host, vm, credential, since=since, max_events=_max_events(params.get("max_events", 500))
        )
    return {
        "Name": vm.name,
        "Id": vm.vm_id.lower(),
        "State": VM_STATE_RUNNING if vm.running else VM_STATE_OFF,
        "Kvp": {
            "Enabled": vm.kvp_enabled,
            "PrimaryStatusDescription": kvp_status(
                host.locale, running=vm.running, enabled=vm.kvp_enabled, no_contact=vm.kvp_no_contact
            ),
            "SecondaryStatusDescription": None,
        },
        # ConvertTo-KvpData: each item's Name and Data, read from the provider's CIM-XML on the host.
        "IntrinsicItems": {name: value for name, value in intrinsic.items() if name in WANTED_INTRINSIC_ITEMS},
        "GuestItems": dict(guest_items),
        "Guest": guest,
        "GuestEvents": guest_events,
        "GuestError": guest_error,
    }


def host_inventory(shell: FleetPowerShell, host: LabHost, params: Mapping[str, Any]) -> object:
    since = _parse_since(params.get("since"))
    max_events = _max_events(params.get("max_events", 500))
    credential = params.get("guest_credential")
    if credential is not None and not isinstance(credential, dict):
        raise ScriptFailedError("The property 'password' cannot be found on this object.")

    status, description, partial = host_license(host)
    licensing = [
        {
            "Name": f"Windows(R), Server{host.edition.value} edition",
            "Description": description,
            "LicenseStatus": status,
            "PartialProductKey": partial,
            "GracePeriodRemaining": 0,
        }
    ]
    cluster_document: object = None
    cluster = shell.fleet.cluster_of(host.name)
    if cluster is not None:
        nodes = [shell.fleet.host(name) for name in cluster.nodes]
        cluster_document = {
            "Name": cluster.name,
            "Nodes": [{"Name": node.name, "State": "Up" if node.fault is None else "Down"} for node in nodes if node],
            "Groups": [
                {"Name": vm.name, "OwnerNode": node.name, "State": "Online" if vm.running else "Offline"}
                for node in nodes
                if node
                for vm in node.vms
            ],
        }
    vms = [_vm_document(shell, host, vm, credential, params) for vm in host.vms] if host.hyperv else []
    # Get-WinEvent returns the newest events first.
    matching = [e for e in reversed(host.events) if e.event_id == 12310 and (since is None or e.time_created >= since)]
    events = [
        {
            "RecordId": event.record_id,
            "TimeCreated": event.time_created,
            "Id": event.event_id,
            "ProviderName": "Microsoft-Windows-Security-SPP",
            "MachineName": host.name,
            "Message": event.message,
            "Properties": list(event.properties),
        }
        for event in matching[:max_events]
    ]
    return {
        "Schema": 1,
        "ComputerName": host.name.split(".")[0].upper(),
        "OperatingSystem": {
            "Caption": host_caption(host),
            "Version": f"{'6.3' if host.version is ServerVersion.V2012R2 else '10.0'}.{host.version.build}",
            "BuildNumber": str(host.version.build),
            "OperatingSystemSKU": host_sku(host),
            "ProductType": 3,
            "InstallationType": "Server",
        },
        "HyperV": "Installed" if host.hyperv else "Available",
        "Licensing": ps51.unroll(licensing),
        "Cluster": cluster_document,
        "VirtualMachines": vms,
        "Events": events,
    }


def read_only_handlers() -> dict[str, ScriptHandler]:
    """The handlers of a host that is only scanned."""
    return {"host_inventory": host_inventory}


def keyed_license(vm: LabVm, key: str) -> dict[str, object]:
    """SoftwareLicensingProduct's licence fields of a guest that carries `key` (as Get-LicenseState reports them)."""
    last = vm.last_activation or _NEVER
    return {
        "LicenseStatus": LicenseStatus(vm.license_status),
        "Description": guest_description(vm),
        "PartialProductKey": key.replace("-", "")[-5:],
        "GracePeriodRemaining": vm.grace_minutes,
        "AutomaticVMActivationHostMachineName": vm.avma_host_name or "",
        "AutomaticVMActivationLastActivationTime": last.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
    }
