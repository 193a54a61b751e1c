"""cmd.exe as a lab host's WinRS shell runs it: a `CommandExecutor`.

    executor = CmdExecutor(powershell_runner)          # any PowerShellRunner, e.g. pwsh_basic.BasicPowerShell()
    result = executor.run(CommandRequest(host_name="HV1", command="cmd.exe", arguments=("/c", "echo", "hi")))

Unless the client asked for `WINRS_SKIP_CMD_SHELL`, WinRS hands the command line (command and arguments joined
by spaces) to `cmd.exe /c`, so cmd.exe's rules apply: a line longer than 8191 characters fails with "The command
line is too long." and exit code 1 (this caps `Session.run_ps` scripts at about 3,000 characters), `%VAR%` is
expanded once before anything runs, `&`, `&&` and `||` chain commands, `>&2`, `2>&1`, `>nul` and `2>nul`
redirect. Built in: `echo`, `set` (listing a Windows-like environment plus the variables given at shell
creation; NOPROFILE shells see the Default profile and C:\\Windows\\TEMP as Windows shows them), `exit [/b] N`,
`cd`, `rem`, `hostname`, `whoami`, and nested `cmd /c`. `powershell` / `powershell.exe` (any case, with or
without a path) goes to the `PowerShellRunner`; anything else is "not recognized" with exit code 9009.

cmd.exe is stateless here: it is re-run from the start on every poll (see shell.py), which is harmless because
builtins are deterministic; if PowerShell is still running (pending or waiting for stdin) the output so far is
returned with the same `pending_until`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from avma_console.lab.shell import CommandRequest, CommandResult, PowerShellRunner

MAX_COMMAND_LINE = 8191
COMMAND_LINE_TOO_LONG = "The command line is too long.\r\n"
NOT_RECOGNIZED_EXIT_CODE = 9009

_POWERSHELL_NAMES = frozenset({"powershell", "powershell.exe"})
_CMD_NAMES = frozenset({"cmd", "cmd.exe"})
# Characters that end a command name in cmd.exe (so `echo.` and `echo(` work).
_NAME_END = re.compile(r"[\s.(/=,;+\[\]]")


def program_basename(program: str) -> str:
    """`C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE` -> `powershell.exe`."""
    return re.split(r"[\\/]", program.strip().strip('"'))[-1].lower()


def is_powershell(program: str) -> bool:
    return program_basename(program) in _POWERSHELL_NAMES


def split_command_line(text: str) -> tuple[str, ...]:
    """Arguments as a Windows program receives them (CommandLineToArgvW / MSVCRT rules)."""
    args: list[str] = []
    current: list[str] = []
    in_quotes = False
    has_token = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            run = i
            while run < len(text) and text[run] == "\\":
                run += 1
            count = run - i
            if run < len(text) and text[run] == '"':
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    i = run + 1
                else:
                    i = run
            else:
                current.append("\\" * count)
                i = run
            has_token = True
            continue
        if char == '"':
            if in_quotes and i + 1 < len(text) and text[i + 1] == '"':
                current.append('"')
                i += 2
                continue
            in_quotes = not in_quotes
            has_token = True
        elif char in " \t" and not in_quotes:
            if has_token:
                args.append("".join(current))
                current, has_token = [], False
        else:
            current.append(char)
            has_token = True
        i += 1
    if has_token:
        args.append("".join(current))
    return tuple(args)


def windows_environment(host_name: str, user_name: str, *, no_profile: bool) -> dict[str, str]:
    """The environment a WinRS cmd.exe sees on a Windows Server host (after the Server 2016 recordings)."""
    computer = host_name.split(".", maxsplit=1)[0].upper()[:15] or "LABHOST"
    user = user_name.rsplit("\\", 1)[-1].split("@", maxsplit=1)[0] or "Administrator"
    profile = "C:\\Users\\Default" if no_profile else f"C:\\Users\\{user}"
    temp = "C:\\Windows\\TEMP" if no_profile else f"C:\\Users\\{user}\\AppData\\Local\\Temp"
    env = {
        "ALLUSERSPROFILE": "C:\\ProgramData",
        "CommonProgramFiles": "C:\\Program Files\\Common Files",
        "CommonProgramFiles(x86)": "C:\\Program Files (x86)\\Common Files",
        "CommonProgramW6432": "C:\\Program Files\\Common Files",
        "COMPUTERNAME": computer,
        "ComSpec": "C:\\Windows\\system32\\cmd.exe",
        "NUMBER_OF_PROCESSORS": "2",
        "OS": "Windows_NT",
        "Path": "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;"
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\",
        "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
        "PROCESSOR_ARCHITECTURE": "AMD64",
        "PROCESSOR_IDENTIFIER": "Intel64 Family 6 Model 85 Stepping 7, GenuineIntel",
        "PROCESSOR_LEVEL": "6",
        "PROCESSOR_REVISION": "5507",
        "ProgramData": "C:\\ProgramData",
        "ProgramFiles": "C:\\Program Files",
        "ProgramFiles(x86)": "C:\\Program Files (x86)",
        "ProgramW6432": "C:\\Program Files",
        "PROMPT": "$P$G",
        "PSModulePath": "%ProgramFiles%\\WindowsPowerShell\\Modules;"
        "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules",
        "PUBLIC": "C:\\Users\\Public",
        "SystemDrive": "C:",
        "SystemRoot": "C:\\Windows",
        "TEMP": temp,
        "TMP": temp,
        "USERDOMAIN": computer,
        "USERNAME": user,
        "USERPROFILE": profile,
        "windir": "C:\\Windows",
    }
    if not no_profile:
        env["APPDATA"] = f"C:\\Users\\{user}\\AppData\\Roaming"
        env["LOCALAPPDATA"] = f"C:\\Users\\{user}\\AppData\\Local"
    return env


class _Pending(Exception):  # noqa: N818 - control flow, not an error: PowerShell is still running
    def __init__(self, until: float) -> None:
        super().__init__(until)
        self.until = until


class _Exit(Exception):  # noqa: N818 - control flow: `exit` ends this cmd.exe
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Environment:
    """Windows environment variables: names are case-insensitive, the first spelling is kept."""

    def __init__(self, initial: Mapping[str, str]) -> None:
        self._values: dict[str, tuple[str, str]] = {}
        for name, value in initial.items():
            self.set(name, value)

    def copy(self) -> _Environment:
        clone = _Environment({})
        clone._values = dict(self._values)
        return clone

    def get(self, name: str) -> str | None:
        entry = self._values.get(name.upper())
        return None if entry is None else entry[1]

    def set(self, name: str, value: str) -> None:
        key = name.upper()
        if value == "":
            self._values.pop(key, None)
            return
        spelled = self._values[key][0] if key in self._values else name
        self._values[key] = (spelled, value)

    def listing(self, prefix: str = "") -> list[str]:
        return [
            f"{name}={value}" for key, (name, value) in sorted(self._values.items()) if key.startswith(prefix.upper())
        ]


@dataclass
class _Run:
    """One cmd.exe invocation: accumulated output, its environment and working directory."""

    request: CommandRequest
    environment: _Environment
    cwd: str
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


_CHAIN_OPERATORS = ("&&", "||", "&")
_REDIRECTION = re.compile(r"(?P<fd>\d)?(?P<op>>>?|<)\s*(?P<target>&\d|\"[^\"]*\"|[^\s&|<>]+)?")


class CmdExecutor:
    """cmd.exe for one or many lab hosts; PowerShell goes to `powershell`."""

    def __init__(self, powershell: PowerShellRunner) -> None:
        self.powershell = powershell

    def run(self, request: CommandRequest) -> CommandResult | None:
        line = " ".join((request.command, *request.arguments)) if request.arguments else request.command
        base = windows_environment(request.host_name, request.user_name, no_profile=request.no_profile)
        environment = _Environment(base)
        for name, value in request.environment.items():
            environment.set(name, value)
        cwd = request.working_directory or environment.get("USERPROFILE") or "C:\\"
        run = _Run(request, environment, cwd)
        pending: float | None = None
        exit_code = 0
        try:
            if request.skip_cmd_shell:
                exit_code = self._run_program(run, line)
            elif len(line) > MAX_COMMAND_LINE:
                run.stderr.append(COMMAND_LINE_TOO_LONG)
                exit_code = 1
            else:
                exit_code = self._run_line(run, line)
        except _Pending as waiting:
            pending = waiting.until
        except _Exit as stop:
            exit_code = stop.code
        stdout, stderr = "".join(run.stdout), "".join(run.stderr)
        if pending is not None:
            if math.isinf(pending) and not stdout and not stderr:
                return None
            return CommandResult(stdout=stdout, stderr=stderr, pending_until=pending)
        return CommandResult(stdout=stdout, stderr=stderr, exit_code=exit_code)

    # --- parsing -------------------------------------------------------------------------------------------

    @staticmethod
    def _expand(line: str, environment: _Environment) -> str:
        def replace(match: re.Match[str]) -> str:
            value = environment.get(match.group(1))
            return match.group(0) if value is None else value

        return re.sub(r"%([^%\s=][^%=]*)%", replace, line)

    @staticmethod
    def _split_chain(line: str) -> list[tuple[str, str]]:
        """[(operator before the segment, segment)]; quotes protect, ^ escapes outside quotes."""
        if not any(char in line for char in "&|^"):
            # No operator and no escape: one segment, as the loop below would find (a console's command line
            # carries kilobytes of base64, read again at every Receive).
            return [("", line)]
        segments: list[tuple[str, str]] = []
        current: list[str] = []
        operator = ""
        in_quotes = False
        i = 0
        while i < len(line):
            char = line[i]
            if char == '"':
                in_quotes = not in_quotes
            elif char == "^" and not in_quotes and i + 1 < len(line):
                current.append(line[i + 1])
                i += 2
                continue
            elif not in_quotes and not (char == "&" and i > 0 and line[i - 1] in "<>"):
                matched = next((op for op in _CHAIN_OPERATORS if line.startswith(op, i)), None)
                if matched is not None:
                    segments.append((operator, "".join(current)))
                    operator, current = matched, []
                    i += len(matched)
                    continue
            current.append(char)
            i += 1
        segments.append((operator, "".join(current)))
        return segments

    @staticmethod
    def _redirections(segment: str) -> tuple[str, list[tuple[int, str]]]:
        """The segment without its redirections, and the redirections as (fd, target) in order."""
        if "<" not in segment and ">" not in segment:
            return segment, []
        found: list[tuple[int, str]] = []
        kept: list[str] = []
        in_quotes = False
        i = 0
        while i < len(segment):
            char = segment[i]
            if char == '"':
                in_quotes = not in_quotes
            if not in_quotes and char in "<>":
                match = _REDIRECTION.match(segment, i)
                if match is not None:
                    fd = 0 if match.group("op") == "<" else 1
                    found.append((fd, (match.group("target") or "").strip('"')))
                    i = match.end()
                    continue
            if not in_quotes and char.isdigit() and i + 1 < len(segment) and segment[i + 1] == ">":
                match = _REDIRECTION.match(segment, i)
                if match is not None:
                    found.append((int(match.group("fd")), (match.group("target") or "").strip('"')))
                    i = match.end()
                    continue
            kept.append(char)
            i += 1
        return "".join(kept), found

    # --- running -------------------------------------------------------------------------------------------

    def _run_line(self, run: _Run, line: str) -> int:
        expanded = self._expand(line, run.environment)
        exit_code = 0
        for operator, segment in self._split_chain(expanded):
            if (operator == "&&" and exit_code != 0) or (operator == "||" and exit_code == 0):
                continue
            exit_code = self._run_segment(run, segment)
        return exit_code

    def _run_segment(self, run: _Run, segment: str) -> int:
        text, redirections = self._redirections(segment)
        routes = {1: run.stdout, 2: run.stderr}
        discard: list[str] = []
        for fd, target in redirections:
            if fd == 0:
                continue
            if target.startswith("&") and target[1:].isdigit():
                routes[fd] = routes.get(int(target[1:]), discard)
            else:
                routes[fd] = discard
        out, err = routes.get(1, discard), routes.get(2, discard)
        inner = _Run(run.request, run.environment, run.cwd)
        try:
            return self._run_command(inner, text.lstrip(" \t@"))
        finally:
            out.extend(inner.stdout)
            err.extend(inner.stderr)
            run.cwd = inner.cwd

    def _run_command(self, run: _Run, text: str) -> int:
        if not text.strip():
            return 0
        if text.startswith('"'):
            end = text.find('"', 1)
            name = text[1:end] if end > 0 else text[1:]
            rest = text[end + 1 :] if end > 0 else ""
        else:
            match = _NAME_END.search(text)
            name = text[: match.start()] if match else text
            rest = text[len(name) :]
        lowered = name.lower()
        if lowered == "echo":
            return self._echo(run, rest)
        if lowered == "set":
            return self._set(run, rest.lstrip())
        if lowered == "exit":
            words = rest.split()
            if words and words[0].lower() == "/b":
                words = words[1:]
            raise _Exit(int(words[0]) if words and re.fullmatch(r"-?\d+", words[0]) else 0)
        if lowered in ("cd", "chdir"):
            target = rest.strip().strip('"')
            if target.lower().startswith("/d"):
                target = target[2:].strip()
            if target:
                run.cwd = target
            else:
                run.stdout.append(run.cwd + "\r\n")
            return 0
        if lowered == "rem":
            return 0
        return self._run_program(run, text)

    def _run_program(self, run: _Run, text: str) -> int:
        # Only leading blanks go: trailing ones belong to the arguments (cmd passes them on).
        stripped = text.lstrip()
        if stripped.startswith('"'):
            end = stripped.find('"', 1)
            program = stripped[1:end] if end > 0 else stripped[1:]
            rest = stripped[end + 1 :] if end > 0 else ""
        else:
            program, _, rest = stripped.partition(" ")
            program = program.split("\t")[0]
        basename = program_basename(program)
        if basename in _POWERSHELL_NAMES:
            return self._powershell(run, split_command_line(rest))
        if basename in _CMD_NAMES:
            return self._nested_cmd(run, rest)
        if basename in ("hostname", "hostname.exe"):
            run.stdout.append(run.request.host_name.split(".", maxsplit=1)[0] + "\r\n")
            return 0
        if basename in ("whoami", "whoami.exe"):
            user = run.environment.get("USERNAME") or "administrator"
            domain = run.environment.get("USERDOMAIN") or "labhost"
            run.stdout.append(f"{domain.lower()}\\{user.lower()}\r\n")
            return 0
        run.stderr.append(
            f"'{program}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
        )
        return NOT_RECOGNIZED_EXIT_CODE

    def _nested_cmd(self, run: _Run, rest: str) -> int:
        match = re.search(r"(?i)(?:^|\s)/[ck](?=\s|$|\")", rest)
        if match is None:
            return 0
        line = rest[match.end() :].lstrip()
        # cmd /c's quote rule: a leading quote is removed together with the last quote on the line.
        if line.startswith('"') and line.count('"') >= 2:
            last = line.rfind('"')
            line = line[1:last] + line[last + 1 :]
        child = _Run(run.request, run.environment.copy(), run.cwd)
        try:
            return self._run_line(child, line)
        except _Exit as stop:
            return stop.code
        finally:
            run.stdout.extend(child.stdout)
            run.stderr.extend(child.stderr)

    def _powershell(self, run: _Run, arguments: tuple[str, ...]) -> int:
        result = self.powershell.run_powershell(run.request, arguments)
        if result is None:
            raise _Pending(math.inf)
        run.stdout.append(result.stdout)
        run.stderr.append(result.stderr)
        if result.pending_until is not None:
            raise _Pending(result.pending_until)
        return result.exit_code

    @staticmethod
    def _echo(run: _Run, rest: str) -> int:
        # cmd prints everything after the one delimiter that follows "echo", trailing spaces included.
        text = rest[1:] if rest else ""
        if not text.strip() and (not rest or rest[0] in " \t"):
            run.stdout.append("ECHO is on.\r\n")
        else:
            run.stdout.append(text + "\r\n")
        return 0

    @staticmethod
    def _set(run: _Run, argument: str) -> int:
        if argument.startswith('"') and argument.count('"') >= 2:
            argument = argument[1 : argument.rfind('"')]
        if "=" in argument:
            # `set X=1 && ...` stores "1 ": cmd keeps the blanks before the operator in the value.
            name, _, value = argument.partition("=")
            run.environment.set(name, value)
            return 0
        argument = argument.rstrip()
        listing = run.environment.listing(argument)
        if not listing:
            run.stderr.append(f"Environment variable {argument} not defined\r\n")
            return 1
        run.stdout.append("".join(entry + "\r\n" for entry in listing))
        return 0
