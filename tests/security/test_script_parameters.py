"""No parameter value changes what runs on a host: captured on the wire to the lab, for hostile values.

Extends tests/test_scripts.py (which checks stdin_payload alone) to the whole client path: whatever the
values, the command line is always `powershell.exe` + the fixed arguments + the encoded bootstrap, the
script on stdin is always the shipped text, and the values arrive intact only inside the base64 JSON blob.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from fleet_support import LAB_PASSWORD, LabStarter, fleet_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avma_console.lab.server_thread import LabServerThread
from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.parsing import parse_json_document
from avma_console.remote.scripts import POWERSHELL_ARGUMENTS, encoded_bootstrap, script_text
from avma_console.remote.wsman import TemplateProtocol as Protocol  # the protocol the client speaks through

ONE_HOST = {
    "hosts": [
        {
            "name": "HV1",
            "version": "2022",
            "edition": "Datacenter",
            "vms": [{"name": "web-01", "guest_version": "2022", "guest_edition": "Standard", "key": "avma"}],
        }
    ]
}
HOSTILE = [
    "'; Remove-Item C:\\ -Recurse; '",
    '"; Stop-Computer -Force; "',
    "$(Stop-Computer)",
    "`nStop-Computer",
    "a\r\nStop-Computer\r\n",
    "nul\x00byte",
    "Ünïcødé ☃ 𝔘 ﷽",
    "%COMSPEC% & calc.exe | more ^ <x> >y",
    "\u2028\u2029\x1b[31m",
]
hostile_text = st.sampled_from(HOSTILE) | st.text(max_size=60)


class WireLog:
    def __init__(self) -> None:
        self.commands: list[tuple[str, tuple[str, ...]]] = []
        self.stdin = b""


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> WireLog:
    log = WireLog()
    run_command, send_input = Protocol.run_command, Protocol.send_command_input

    def spy_run(self: Protocol, shell_id: str, command: str, arguments: Any = (), *args: Any, **kw: Any) -> str:
        log.commands.append((command, tuple(arguments)))
        return run_command(self, shell_id, command, arguments, *args, **kw)

    def spy_input(self: Protocol, shell_id: str, command_id: str, stdin_input: Any, *args: Any, **kw: Any) -> None:
        log.stdin += stdin_input if isinstance(stdin_input, bytes) else str(stdin_input).encode()
        send_input(self, shell_id, command_id, stdin_input, *args, **kw)

    monkeypatch.setattr(Protocol, "run_command", spy_run)
    monkeypatch.setattr(Protocol, "send_command_input", spy_input)
    return log


@pytest.fixture
def lab(start_lab: LabStarter) -> LabServerThread:
    return start_lab(fleet_of(ONE_HOST))


def _client(lab: LabServerThread) -> WinRmClient:
    target = lab.endpoints[0]
    return WinRmClient(Endpoint(host="HV1", url=target.url, transport="ntlm", username="LAB\\operator"), LAB_PASSWORD)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hostile_text, other=hostile_text)
def test_hostile_values_never_reach_the_command_line_or_the_script(
    lab: LabServerThread, wire: WireLog, value: str, other: str
) -> None:
    wire.commands.clear()
    wire.stdin = b""
    params = {
        "since": None,
        "max_events": 5,
        "guest_credential": {"username": value, "password": other},
        value: other,
    }
    with _client(lab) as client:
        stdout = client.run_json_script("host_inventory", params)
    assert parse_json_document(stdout)["Schema"] == 1, "the lab ran the shipped script with these values"

    assert wire.commands == [("powershell.exe", (*POWERSHELL_ARGUMENTS, encoded_bootstrap()))]
    bootstrap = base64.b64decode(wire.commands[0][1][-1]).decode("utf-16-le")
    assert bootstrap == script_text("bootstrap")
    script_line, blob_line, rest = wire.stdin.decode("ascii").split("\r\n")
    assert rest == ""
    assert base64.b64decode(script_line).decode("utf-8") == script_text("host_inventory")
    assert json.loads(base64.b64decode(blob_line)) == params
    assert re.fullmatch(rb"[A-Za-z0-9+/=]+\r\n[A-Za-z0-9+/=]+\r\n", wire.stdin), "stdin is base64 lines only"
