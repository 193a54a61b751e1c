"""What a lab host's WinRS shell hands to the programs it runs, and what it gets back.

The WS-Management layer (`wsman.py`) knows shells, commands, streams and faults; it knows nothing about
PowerShell or Hyper-V. It builds a `CommandRequest` when a client reads output and asks the host's
`CommandExecutor` to run it. The cmd.exe layer (`cmd.py`) applies cmd.exe's rules and hands
`powershell.exe` invocations to a `PowerShellRunner` (`powershell.py`), which answers the console's own
scripts from the simulated fleet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """One command as the WinRS shell received it, with all stdin sent so far."""

    host_name: str
    command: str
    arguments: tuple[str, ...]
    codepage: int = 437
    environment: Mapping[str, str] = field(default_factory=dict)
    working_directory: str | None = None
    no_profile: bool = False
    skip_cmd_shell: bool = False
    stdin: bytes = b""
    stdin_closed: bool = False
    # time.monotonic() when the shell received the Command: executors are asked again on every Receive and
    # simulate elapsed time (Start-Sleep) from this instead of keeping per-command state.
    started_at: float = 0.0
    # The account the client authenticated as, as the client spelled it (e.g. "lab\\operator").
    user_name: str = ""


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What the process wrote (as text; the shell encodes it in its codepage) and its exit code."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    # None: the command has finished. Otherwise it is still running: stdout/stderr hold what it has written so
    # far (every later answer for the same command extends them), exit_code means nothing yet, and the shell asks
    # again once time.monotonic() reaches this value (math.inf: only when more stdin arrives).
    pending_until: float | None = None


class CommandExecutor(Protocol):
    """Runs a command on one lab host.

    Returns None while the command still waits for stdin (the shell then holds the Receive, as Windows does,
    until more input arrives or the OperationTimeout expires). A result with `pending_until` set is a command
    still running (e.g. sleeping): the shell sends what it has written so far and asks again at that time.
    `run` is called on the event loop: it must return quickly and never block or sleep.
    """

    def run(self, request: CommandRequest) -> CommandResult | None: ...


class PowerShellRunner(Protocol):
    """Runs `powershell.exe` with the given arguments (after cmd.exe has done its part)."""

    def run_powershell(self, request: CommandRequest, arguments: tuple[str, ...]) -> CommandResult | None: ...
