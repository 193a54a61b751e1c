"""The WinRM service limits a lab host enforces, with a real Windows Server 2016+ host's defaults, and fault names.

Defaults (what `winrm get winrm/config` shows on Windows Server 2016 and later; sources in the README's lab
section): MaxEnvelopeSizekb 500 (MS-WSMV 2.2.4.10: "SHOULD be 500"), MaxShellsPerUser 30, MaxProcessesPerShell
25 and MaxMemoryPerShellMB 1024 (learn.microsoft.com/windows/win32/winrm/quotas), MaxConcurrentOperationsPerUser
1500 (winrm/config/service), IdleTimeout 7200000 ms (winrm/config/winrs on 2016+; the WinRM 2.0 page says
180000).

In a fleet file a host may set any of them under `"winrm"` by its Windows name:

    "winrm": {"MaxShellsPerUser": 5, "IdleTimeout": 60000, "MaxEnvelopeSizekb": 150}

`limits_from_settings` checks such an object and names the setting and the allowed range when a value is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

# Faults of the listener (lab/http.py) and of the WinRM service behind it (lab/wsman.py).
HTTP_FAULTS = ("refuse", "auth", "http500", "hang", "truncate", "garble", "flaky")
SERVICE_FAULTS = (
    "envelope_limit",  # the host's MaxEnvelopeSizekb is the minimum (32): the console's requests exceed it
    "shell_quota",  # another session of the same user holds all MaxShellsPerUser shells
    "operation_quota",  # the user's MaxConcurrentOperationsPerUser operations are all in use elsewhere
    "process_quota",  # the shell may start no more processes (MaxProcessesPerShell reached)
    "memory_quota",  # the script needs more than MaxMemoryPerShellMB: the process is ended, out of memory
    "idle_reap",  # the shell is reaped as idle before its output is read: the Receive faults
    "service_restart",  # the WinRM service restarts: HTTP 503 for `restart_s`, then a service without old shells
    "receive_reset",  # the connection is reset in the middle of a held Receive
    "receive_hang",  # the Receive is read and never answered
    "receive_truncate",  # the Receive's answer is cut in the middle, then the connection closed
    "jitter",  # uneven latency: a log-normal spread around the host's latency, a long tail of slow answers
)
LISTENER_FAULTS = HTTP_FAULTS + SERVICE_FAULTS
# The host's PowerShell answers the inventory script badly (lab/powershell.py): cut-off JSON, or far too much.
SCRIPT_FAULTS = ("bad_json", "huge_output")
FAULTS = LISTENER_FAULTS + SCRIPT_FAULTS


@dataclass(frozen=True, slots=True)
class WinrmLimits:
    max_envelope_size_kb: int = 500
    max_shells_per_user: int = 30
    max_concurrent_operations_per_user: int = 1500
    max_processes_per_shell: int = 25
    max_memory_per_shell_mb: int = 1024
    idle_timeout_ms: int = 7_200_000
    # Not a WinRM setting: how much memory the lab's scripts take on this host (for MaxMemoryPerShellMB).
    script_memory_mb: int = 90

    @property
    def idle_timeout_s(self) -> float:
        return self.idle_timeout_ms / 1000.0

    @property
    def max_envelope_bytes(self) -> int:
        return self.max_envelope_size_kb * 1024


MIN_ENVELOPE_SIZE_KB = 32  # MS-WSMV 2.2.4.10: "The minimum value MUST be 32"

# Windows' setting name -> (field, smallest, largest allowed value).
SETTINGS: dict[str, tuple[str, int, int]] = {
    "MaxEnvelopeSizekb": ("max_envelope_size_kb", MIN_ENVELOPE_SIZE_KB, 4_294_967_295),
    "MaxShellsPerUser": ("max_shells_per_user", 1, 2_147_483_647),
    "MaxConcurrentOperationsPerUser": ("max_concurrent_operations_per_user", 1, 4_294_967_295),
    "MaxProcessesPerShell": ("max_processes_per_shell", 1, 2_147_483_647),
    "MaxMemoryPerShellMB": ("max_memory_per_shell_mb", 1, 2_147_483_647),
    "IdleTimeout": ("idle_timeout_ms", 1000, 2_147_483_647),
    "ScriptMemoryMB": ("script_memory_mb", 0, 1_048_576),
}
assert {field for field, _, _ in SETTINGS.values()} == {f.name for f in fields(WinrmLimits)}


def limits_from_settings(data: Mapping[str, object]) -> WinrmLimits:
    """The limits a fleet file's `"winrm"` object sets; ValueError names the setting and its allowed range."""
    values: dict[str, int] = {}
    for name, value in data.items():
        spec = SETTINGS.get(name)
        if spec is None:
            raise ValueError(f'unknown WinRM setting "{name}"; use {", ".join(SETTINGS)}')
        field, smallest, largest = spec
        if isinstance(value, bool) or not isinstance(value, int) or not smallest <= value <= largest:
            raise ValueError(f'"{name}" must be a whole number from {smallest} to {largest}, not {value!r}')
        values[field] = value
    return WinrmLimits(**values)
