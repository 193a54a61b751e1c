"""The lab's fallback `PowerShellRunner`: just enough Windows PowerShell 5.1 for the WinRS recordings.

    runner = BasicPowerShell()
    runner.run_powershell(request, ("-NoProfile", "-EncodedCommand", "VwByAGkAdABlAC0ASABvAHMAdAAgAGgAaQA="))

Understands `Write-Host` (text + LF, as powershell.exe writes it to a redirected stdout), `Write-Output`/`echo`
and bare string literals (text + CRLF), `Start-Sleep N|-Seconds N|-Milliseconds N`, `Write-Error`, `exit N`,
statements separated by `;` or newlines, `#` comments, and the ways a script reaches powershell.exe:
`-EncodedCommand` (base64 of UTF-16LE), `-Command ...`, bare arguments, and `-` (script lines read from stdin,
each run as soon as its line is complete; the rest when stdin is closed). Any other command gets PowerShell's
CommandNotFoundException on stderr as CLIXML and exit code 1.

Sleeping never blocks: the script is replayed from the start on every poll against a virtual clock; statements
after a `Start-Sleep` run only once `time.monotonic() - request.started_at` has passed the sleep, until then
the result is pending (`pending_until` = when the sleep ends) carrying the output written before it. Errors are
written as one CLIXML document when the script ends (stderr stays empty while it runs).

`clixml_error(message)` / `clixml_errors(messages)` build PowerShell's CLIXML error stream for any runner;
`parse_powershell_arguments` decodes powershell.exe's command line (including -EncodedCommand).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from avma_console.lab.shell import CommandRequest, CommandResult

CLIXML_HEADER = "#< CLIXML\r\n"
_CLIXML_OPEN = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'


def _clixml_escape(text: str) -> str:
    """PowerShell's CLIXML string encoding: XML entities, control characters as _xHHHH_, literal _x as _x005F_x."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "_" and text.startswith("_x", i):
            out.append("_x005F_")
        elif char == "&":
            out.append("&amp;")
        elif char == "<":
            out.append("&lt;")
        elif char == ">":
            out.append("&gt;")
        elif ord(char) < 0x20 or 0xD800 <= ord(char) <= 0xDFFF or char in "\ufffe\uffff":
            out.append(f"_x{ord(char):04X}_")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _error_lines(message: str) -> list[str]:
    lines = message.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [f'<S S="Error">{_clixml_escape(line + chr(13) + chr(10))}</S>' for line in lines]


def clixml_errors(messages: Iterable[str]) -> str:
    """The stderr of a powershell.exe that wrote these error records (each a possibly multi-line text)."""
    body = "".join(line for message in messages for line in _error_lines(message))
    return f"{CLIXML_HEADER}{_CLIXML_OPEN}{body}</Objs>"


def clixml_error(message: str) -> str:
    """The stderr of a powershell.exe that wrote one error record, e.g. `clixml_error(command_not_found(...))`."""
    return clixml_errors([message])


def format_error_record(
    message: str,
    *,
    invocation: str | None = None,
    line_number: int = 1,
    column: int = 1,
    source_line: str = "",
    length: int = 1,
    category: str,
    error_id: str,
) -> str:
    """An error record as PowerShell 5.1's default view prints it (what pywinrm's run_ps shows on stderr)."""
    prefix = f"{invocation} : " if invocation else ""
    return (
        f"{prefix}{message}\n"
        f"At line:{line_number} char:{column}\n"
        f"+ {source_line}\n"
        f"+ {' ' * (column - 1)}{'~' * max(length, 1)}\n"
        f"    + CategoryInfo          : {category}\n"
        f"    + FullyQualifiedErrorId : {error_id}\n"
        " \n"
    )


def command_not_found(name: str, *, line_number: int = 1, column: int = 1, source_line: str | None = None) -> str:
    return format_error_record(
        f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable "
        "program. Check the spelling of the name, or if a path was included, verify that the path is correct "
        "and try again.",
        invocation=name,
        line_number=line_number,
        column=column,
        source_line=name if source_line is None else source_line,
        length=len(name),
        category=f"ObjectNotFound: ({name}:String) [], CommandNotFoundException",
        error_id="CommandNotFoundException",
    )


@dataclass(frozen=True, slots=True)
class PowerShellInvocation:
    """What powershell.exe was asked to run."""

    script: str | None = None  # None with from_stdin: commands come from stdin
    from_stdin: bool = False
    error: str | None = None  # powershell.exe refused its command line (plain text, as it writes it)
    no_profile: bool = False
    switches: tuple[str, ...] = ()


_PARAMETERS = (
    "command",
    "configurationname",
    "encodedcommand",
    "encodedarguments",
    "executionpolicy",
    "file",
    "inputformat",
    "mta",
    "noexit",
    "nologo",
    "noninteractive",
    "noprofile",
    "outputformat",
    "psconsolefile",
    "sta",
    "version",
    "windowstyle",
)
_ALIASES = {
    "c": "command",
    "e": "encodedcommand",
    "ec": "encodedcommand",
    "enc": "encodedcommand",
    "ea": "encodedarguments",
    "ep": "executionpolicy",
    "ex": "executionpolicy",
    "f": "file",
    "if": "inputformat",
    "nop": "noprofile",
    "noni": "noninteractive",
    "o": "outputformat",
    "of": "outputformat",
    "v": "version",
    "w": "windowstyle",
}
_TAKES_VALUE = frozenset(
    {"configurationname", "encodedarguments", "executionpolicy", "inputformat", "outputformat", "psconsolefile"}
    | {"version", "windowstyle"}
)


def _parameter(token: str) -> str | None:
    """powershell.exe accepts a parameter's aliases and any unambiguous prefix of its name."""
    if len(token) < 2 or token[0] not in "-/":
        return None
    word = token[1:].lower()
    if word in _ALIASES:
        return _ALIASES[word]
    candidates = [name for name in _PARAMETERS if name.startswith(word)]
    return candidates[0] if len(candidates) == 1 else None


def parse_powershell_arguments(arguments: Sequence[str]) -> PowerShellInvocation:
    """powershell.exe's command line: -EncodedCommand, -Command, -File, '-' and the usual switches."""
    switches: list[str] = []
    i = 0
    while i < len(arguments):
        argument = arguments[i]
        no_profile = "noprofile" in switches
        if argument == "-":
            return PowerShellInvocation(from_stdin=True, no_profile=no_profile, switches=tuple(switches))
        parameter = _parameter(argument)
        if parameter is None:
            # The first word that is not a parameter starts the command (like -Command).
            return PowerShellInvocation(script=" ".join(arguments[i:]), no_profile=no_profile)
        if parameter == "encodedcommand":
            if i + 1 >= len(arguments):
                return PowerShellInvocation(error="Missing argument for parameter -EncodedCommand.")
            try:
                script = base64.b64decode(arguments[i + 1], validate=True).decode("utf-16-le")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                return PowerShellInvocation(
                    error="Cannot process the command because the value specified with -EncodedCommand is not "
                    "properly encoded. The value must be Base64 encoded."
                )
            return PowerShellInvocation(script=script, no_profile=no_profile, switches=tuple(switches))
        if parameter == "command":
            rest = list(arguments[i + 1 :])
            if rest == ["-"]:
                return PowerShellInvocation(from_stdin=True, no_profile=no_profile, switches=tuple(switches))
            return PowerShellInvocation(script=" ".join(rest), no_profile=no_profile, switches=tuple(switches))
        if parameter == "file":
            target = arguments[i + 1] if i + 1 < len(arguments) else ""
            return PowerShellInvocation(
                error=f"The argument '{target}' to the -File parameter does not exist. Provide the path to an "
                "existing '.ps1' file as an argument to the -File parameter."
            )
        switches.append(parameter)
        i += 2 if parameter in _TAKES_VALUE else 1
    # No command at all: powershell.exe with a redirected stdin reads its commands from there.
    return PowerShellInvocation(from_stdin=True, no_profile="noprofile" in switches, switches=tuple(switches))


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def _read_quoted(script: str, i: int, quote: str) -> tuple[str, int]:
    """A quoted string from just after its opening quote, and where it ends: a doubled quote stands for one;
    inside "..." a backtick escapes (`n, `r, `t, `0, or the character itself)."""
    text: list[str] = []
    while i < len(script):
        char = script[i]
        if quote == '"' and char == "`" and i + 1 < len(script):
            escaped = script[i + 1]
            text.append(_ESCAPES.get(escaped, escaped))
            i += 2
        elif script.startswith(quote * 2, i):
            text.append(quote)
            i += 2
        elif char == quote:
            return "".join(text), i + 1
        else:
            text.append(char)
            i += 1
    return "".join(text), i


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    quoted: bool
    offset: int


@dataclass(frozen=True, slots=True)
class _Statement:
    tokens: tuple[_Token, ...]
    offset: int


def _statements(script: str) -> list[_Statement]:
    """Split a script into statements (on ; and newlines) of tokens; quotes, backticks and comments respected."""
    statements: list[_Statement] = []
    tokens: list[_Token] = []
    start = 0
    i = 0

    def finish(next_start: int) -> None:
        nonlocal tokens, start
        if tokens:
            statements.append(_Statement(tuple(tokens), start))
        tokens = []
        start = next_start

    while i < len(script):
        char = script[i]
        if script.startswith("<#", i):
            end = script.find("#>", i + 2)
            i = len(script) if end < 0 else end + 2
            continue
        if char == "#":
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
            continue
        if char in ";\n":
            i += 1
            finish(i)
            continue
        if char in " \t\r":
            i += 1
            if not tokens:
                start = i
            continue
        token_start = i
        text: list[str] = []
        quoted = False
        while i < len(script) and script[i] not in " \t\r\n;":
            char = script[i]
            if char in "'\"":
                quoted = True
                part, i = _read_quoted(script, i + 1, char)
                text.append(part)
            elif char == "`" and i + 1 < len(script):
                text.append(script[i + 1])
                i += 2
            else:
                text.append(char)
                i += 1
        tokens.append(_Token("".join(text), quoted, token_start))
    finish(len(script))
    return statements


@dataclass
class _Execution:
    """A script run against a virtual clock (seconds since the command started)."""

    available: float
    clock: float = 0.0
    stdout: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exit_code: int | None = None
    sleeping_until: float | None = None  # virtual time the run stopped at, when a sleep outlasts `available`


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


class BasicPowerShell:
    """A `PowerShellRunner` for the recordings' commands; everything else is CommandNotFound."""

    def run_powershell(self, request: CommandRequest, arguments: tuple[str, ...]) -> CommandResult | None:
        invocation = parse_powershell_arguments(arguments)
        if invocation.error is not None:
            return CommandResult(stderr=invocation.error + "\r\n", exit_code=-196608)
        execution = _Execution(available=time.monotonic() - request.started_at)
        if invocation.from_stdin:
            codec = "utf-8" if request.codepage == 65001 else f"cp{request.codepage}"
            text = request.stdin.decode(codec, errors="replace").replace("\r\n", "\n")
            lines = text.split("\n")
            complete = lines if request.stdin_closed else lines[:-1]
            for line in complete:
                self._execute(line, execution)
                if execution.exit_code is not None or execution.sleeping_until is not None:
                    break
            if execution.exit_code is None and execution.sleeping_until is None and not request.stdin_closed:
                if not execution.stdout:
                    return None
                return CommandResult(stdout="".join(execution.stdout), pending_until=math.inf)
        else:
            self._execute(invocation.script or "", execution)
        if execution.sleeping_until is not None:
            return CommandResult(
                stdout="".join(execution.stdout), pending_until=request.started_at + execution.sleeping_until
            )
        exit_code = execution.exit_code
        if exit_code is None:
            exit_code = 1 if execution.errors else 0
        stderr = clixml_errors(execution.errors) if execution.errors else ""
        return CommandResult(stdout="".join(execution.stdout), stderr=stderr, exit_code=exit_code)

    def _execute(self, script: str, execution: _Execution) -> None:
        for statement in _statements(script):
            self._statement(script, statement, execution)
            if execution.exit_code is not None or execution.sleeping_until is not None:
                return

    def _statement(self, script: str, statement: _Statement, execution: _Execution) -> None:
        head, *rest = statement.tokens
        name = head.text.lower()
        if head.quoted or _NUMBER.match(head.text):
            execution.stdout.extend(token.text + "\r\n" for token in statement.tokens)
        elif name == "write-host":
            self._write_host(rest, execution)
        elif name in ("write-output", "echo", "write"):
            execution.stdout.extend(token.text + "\r\n" for token in rest if token.quoted or token.text != "-")
        elif name == "start-sleep":
            self._start_sleep(rest, execution)
        elif name == "exit":
            execution.exit_code = int(float(rest[0].text)) if rest and _NUMBER.match(rest[0].text) else 0
        elif name == "write-error":
            text = " ".join(token.text for token in rest if not token.text.lower().startswith("-message"))
            line_number, column, source = self._position(script, head.offset)
            execution.errors.append(
                format_error_record(
                    text,
                    invocation=source.strip(),
                    line_number=line_number,
                    column=column,
                    source_line=source,
                    length=len(source.strip()),
                    category="NotSpecified: (:) [Write-Error], WriteErrorException",
                    error_id="Microsoft.PowerShell.Commands.WriteErrorException",
                )
            )
        else:
            line_number, column, source = self._position(script, head.offset)
            execution.errors.append(
                command_not_found(head.text, line_number=line_number, column=column, source_line=source)
            )

    @staticmethod
    def _position(script: str, offset: int) -> tuple[int, int, str]:
        line_start = script.rfind("\n", 0, offset) + 1
        line_end = script.find("\n", offset)
        source = script[line_start : len(script) if line_end < 0 else line_end].rstrip("\r")
        return script.count("\n", 0, offset) + 1, offset - line_start + 1, source

    @staticmethod
    def _write_host(tokens: list[_Token], execution: _Execution) -> None:
        words: list[str] = []
        newline = True
        separator = " "
        i = 0
        while i < len(tokens):
            token = tokens[i]
            flag = token.text.lower() if not token.quoted and token.text.startswith("-") else ""
            if flag and "-nonewline".startswith(flag) and len(flag) > 2:
                newline = False
            elif flag in ("-foregroundcolor", "-backgroundcolor", "-fore", "-back"):
                i += 1
            elif flag == "-separator" and i + 1 < len(tokens):
                separator = tokens[i + 1].text
                i += 1
            elif flag != "-object":
                words.append(token.text)
            i += 1
        execution.stdout.append(separator.join(words) + ("\n" if newline else ""))

    @staticmethod
    def _start_sleep(tokens: list[_Token], execution: _Execution) -> None:
        seconds = 0.0
        scale = 1.0
        for token in tokens:
            flag = token.text.lower()
            if not token.quoted and flag.startswith("-") and not _NUMBER.match(flag):
                scale = 0.001 if "-milliseconds".startswith(flag) and len(flag) > 1 else 1.0
            elif _NUMBER.match(token.text):
                # Windows PowerShell 5.1 binds -Seconds/-Milliseconds as Int32 (banker's rounding).
                seconds = round(float(token.text)) * scale
        execution.clock += seconds
        if execution.clock > execution.available:
            execution.sleeping_until = execution.clock
