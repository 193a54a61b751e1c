"""cmd.exe emulation and the basic PowerShell, without the network."""

from __future__ import annotations

import base64
import math
import time
import xml.etree.ElementTree as ET

import pytest
import winrm
from defusedxml.ElementTree import fromstring
from lab_support import ScriptedPowerShell

from avma_console.lab.cmd import CmdExecutor, split_command_line
from avma_console.lab.pwsh_basic import BasicPowerShell, clixml_error, clixml_errors, parse_powershell_arguments
from avma_console.lab.shell import CommandRequest, CommandResult


class RecordingPowerShell:
    def __init__(self, result: CommandResult | None = None) -> None:
        self.result = result if result is not None else CommandResult(stdout="ps\r\n")
        self.arguments: list[tuple[str, ...]] = []

    def run_powershell(self, request: CommandRequest, arguments: tuple[str, ...]) -> CommandResult | None:
        self.arguments.append(arguments)
        return self.result


def run(line: str, *args: str, runner: object = None, **options: object) -> CommandResult | None:
    executor = CmdExecutor(runner if runner is not None else BasicPowerShell())  # type: ignore[arg-type]
    return executor.run(CommandRequest("HV-TEST", line, args, **options))  # type: ignore[arg-type]


def test_echo_forms() -> None:
    assert run("cmd.exe", "/c", "echo", "hi") == CommandResult(stdout="hi\r\n")
    assert run("echo.") == CommandResult(stdout="\r\n")
    assert run("echo") == CommandResult(stdout="ECHO is on.\r\n")
    assert run('echo "quoted" ^& caret') == CommandResult(stdout='"quoted" & caret\r\n')


def test_chains_redirections_and_exit() -> None:
    assert run("cmd.exe", "/c echo out && echo err>&2 && exit 1") == CommandResult("out \r\n", "err \r\n", 1)
    assert run("exit 3 || echo no") == CommandResult(exit_code=3)
    assert run("nosuch || echo fallback").stdout == "fallback\r\n"  # type: ignore[union-attr]
    assert run("echo a & echo b") == CommandResult(stdout="a \r\nb\r\n")
    assert run("echo gone>nul & echo quiet 2>nul") == CommandResult(stdout="quiet \r\n")
    assert run("nosuch 2>&1").stdout.startswith("'nosuch' is not recognized")  # type: ignore[union-attr]
    assert run('cmd /c "exit 5" && echo skipped') == CommandResult(exit_code=5)


def test_not_recognized_like_cmd() -> None:
    assert run("ipconfig /all") == CommandResult(
        stderr="'ipconfig' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
        exit_code=9009,
    )


def test_set_and_expansion() -> None:
    result = run("set", environment={"env1": "var1"}, user_name="LAB\\Operator")
    assert result is not None
    lines = result.stdout.splitlines()
    assert "env1=var1" in lines
    assert "USERNAME=Operator" in lines
    assert "COMPUTERNAME=HV-TEST" in lines
    assert "USERPROFILE=C:\\Users\\Operator" in lines
    assert lines == sorted(lines, key=lambda line: line.split("=", 1)[0].upper())
    assert run("set NOPE") == CommandResult(stderr="Environment variable NOPE not defined\r\n", exit_code=1)
    # %VAR% is expanded once, before the line runs (as cmd /c does).
    assert run("set X=1 && echo %X% %COMPUTERNAME%") == CommandResult(stdout="%X% HV-TEST\r\n")
    # ...the child cmd.exe expands again, with the value the parent set (trailing blank included, as in cmd).
    assert run('set X=1 && cmd /c "echo %X%"') == CommandResult(stdout="1 \r\n")
    assert run("echo %env1%", environment={"ENV1": "v"}) == CommandResult(stdout="v\r\n")


def test_command_line_limit_counts_command_and_arguments() -> None:
    assert run("echo", "x" * 8186) == CommandResult(stdout="x" * 8186 + "\r\n")
    too_long = CommandResult(stderr="The command line is too long.\r\n", exit_code=1)
    assert run("echo", "x" * 8187) == too_long
    assert run("echo", "x" * 4000, "y" * 4187) == too_long
    assert run("powershell.exe", "Write-Host " + "x" * 9000, skip_cmd_shell=True) == CommandResult(
        stdout="x" * 9000 + "\n"
    )


@pytest.mark.parametrize(
    "program",
    [
        "powershell",
        "POWERSHELL.EXE",
        "PowerShell.exe",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"',
    ],
)
def test_powershell_is_delegated_in_any_spelling(program: str) -> None:
    runner = RecordingPowerShell()
    assert run(f'{program} -NoProfile -Command "Get-Date" x', runner=runner) == CommandResult(stdout="ps\r\n")
    assert runner.arguments == [("-NoProfile", "-Command", "Get-Date", "x")]


def test_pending_powershell_returns_output_so_far() -> None:
    runner = RecordingPowerShell(CommandResult(stdout="partial", pending_until=123.0))
    assert run("echo before && powershell -c x", runner=runner) == CommandResult(
        stdout="before \r\npartial", pending_until=123.0
    )
    waiting = RecordingPowerShell()
    waiting.result = None  # type: ignore[assignment]
    assert run("powershell -", runner=waiting) is None


def test_split_command_line_follows_windows_rules() -> None:
    assert split_command_line('a "b c" d') == ("a", "b c", "d")
    assert split_command_line('"a\\"b" c\\\\"d e"') == ('a"b', "c\\d e")
    assert split_command_line('a\\\\b "" c') == ("a\\\\b", "", "c")


def test_powershell_arguments() -> None:
    script = "Write-Host ä"
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    for flag in ("-EncodedCommand", "-encodedcommand", "-enc", "-e", "-ec", "/EncodedCommand"):
        assert parse_powershell_arguments(("-NoProfile", flag, encoded)).script == script
    assert parse_powershell_arguments(("-ExecutionPolicy", "Bypass", "-c", "a", "b")).script == "a b"
    assert parse_powershell_arguments(("Write-Host", "hi;", "x")).script == "Write-Host hi; x"
    assert parse_powershell_arguments(("-",)).from_stdin
    assert parse_powershell_arguments(("-NonInteractive", "-Command", "-")).from_stdin
    assert parse_powershell_arguments(("-enc", "!!notbase64")).error is not None
    assert parse_powershell_arguments(("-File", "x.ps1")).error is not None


def test_clixml_error_is_what_pywinrm_expects() -> None:
    text = clixml_error("Bad thing : it broke\nAt line:1 char:1\n_x literal & <tag>")
    assert text.startswith(
        '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
    )
    root = fromstring(text[len("#< CLIXML\r\n") :])
    assert [node.get("S") for node in root] == ["Error", "Error", "Error"]
    assert "_x005F_x literal &amp; &lt;tag&gt;_x000D__x000A_" in text
    cleaned = winrm.Session("127.0.0.1", auth=("u", "p"))._clean_error_msg(text.encode())
    assert cleaned == b"Bad thing : it broke\nAt line:1 char:1\n_x005F_x literal & <tag>"
    assert clixml_errors(["one", "two"]).count('<S S="Error">') == 2
    assert isinstance(root, ET.Element)


def test_basic_powershell_sleep_is_a_pending_result() -> None:
    runner = BasicPowerShell()
    arguments = ("Write-Host", "hi;", "Start-Sleep", "30;", "Write-Host", "hi", "again")
    now = time.monotonic()
    early = runner.run_powershell(CommandRequest("H", "powershell.exe", (), started_at=now), arguments)
    assert early is not None
    assert early.stdout == "hi\n"
    assert early.pending_until == pytest.approx(now + 30)
    late = runner.run_powershell(CommandRequest("H", "powershell.exe", (), started_at=now - 31), arguments)
    assert late == CommandResult(stdout="hi\nhi again\n")
    ms = runner.run_powershell(CommandRequest("H", "p", (), started_at=now), ("Start-Sleep", "-Milliseconds", "1500"))
    assert ms is not None
    assert ms.pending_until == pytest.approx(now + 1.5)


def test_basic_powershell_reads_stdin_line_by_line() -> None:
    runner = BasicPowerShell()
    request = CommandRequest("H", "powershell.exe", ("-",), stdin=b'Write-Host "one"\nWrite-Host "tw')
    assert runner.run_powershell(request, ("-",)) == CommandResult(stdout="one\n", pending_until=math.inf)
    assert runner.run_powershell(CommandRequest("H", "p", (), stdin=b"Write-Host x"), ("-",)) is None
    closed = CommandRequest("H", "p", (), stdin=b'Write-Host "one"\nWrite-Host "two"', stdin_closed=True)
    assert runner.run_powershell(closed, ("-",)) == CommandResult(stdout="one\ntwo\n")


def test_basic_powershell_statements() -> None:
    runner = BasicPowerShell()

    def ps(script: str) -> CommandResult | None:
        return runner.run_powershell(CommandRequest("H", "p", ()), ("-Command", script))

    assert ps("'single ''quoted'''; \"double `\"q`\"\"") == CommandResult(stdout="single 'quoted'\r\ndouble \"q\"\r\n")
    assert ps("Write-Host -NoNewline a b; Write-Host c # comment") == CommandResult(stdout="a bc\n")
    assert ps("Write-Output x y; exit 3; Write-Output z") == CommandResult(stdout="x\r\ny\r\n", exit_code=3)
    failed = ps("Write-Error 'boom'")
    assert failed is not None
    assert failed.exit_code == 1
    assert "boom" in failed.stderr
    assert "WriteErrorException" in failed.stderr


def test_scripted_stub_falls_back_to_basic() -> None:
    stub = ScriptedPowerShell({"special": lambda _request: CommandResult(stdout="canned")})
    assert run("powershell -c special", runner=stub) == CommandResult(stdout="canned")
    assert run("powershell -c Write-Host basic", runner=stub) == CommandResult(stdout="basic\n")
