"""Helpers for the lab's protocol tests (imported by the tests in this folder)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import winrm
from fleet_support import wait_until  # noqa: F401 - re-exported for the lab tests

from avma_console.lab.http import LabEndpoint
from avma_console.lab.pwsh_basic import BasicPowerShell, parse_powershell_arguments
from avma_console.lab.shell import CommandRequest, CommandResult

USERNAME = "lab\\operator"
PASSWORD = "Lab-Passw0rd!"


class ScriptedPowerShell:
    """A stub PowerShellRunner: scripts named in `answers` get canned results, the rest go to BasicPowerShell."""

    def __init__(self, answers: dict[str, Callable[[CommandRequest], CommandResult | None]] | None = None) -> None:
        self.answers = answers or {}
        self.fallback = BasicPowerShell()
        self.calls = 0

    def run_powershell(self, request: CommandRequest, arguments: tuple[str, ...]) -> CommandResult | None:
        self.calls += 1
        invocation = parse_powershell_arguments(arguments)
        answer = self.answers.get((invocation.script or "").strip())
        if answer is not None:
            return answer(request)
        return self.fallback.run_powershell(request, arguments)


def session(endpoint: LabEndpoint, *, username: str = USERNAME, password: str = PASSWORD, **kwargs: Any) -> Any:
    kwargs.setdefault("transport", endpoint.auth)
    kwargs.setdefault("proxy", None)
    kwargs.setdefault("server_cert_validation", "validate")
    kwargs.setdefault("ca_trust_path", None)  # not the environment's CA bundle: pywinrm warns about that
    return winrm.Session(endpoint.url, auth=(username, password), **kwargs)


def encoded_ps(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def find_recordings() -> Path | None:
    """shared/reference/winrs-recordings beside the repository (its parent) or inside it."""
    repo = Path(__file__).resolve().parents[2]
    for base in (repo, *repo.parents):
        candidate = base / "shared" / "reference" / "winrs-recordings"
        if candidate.is_dir():
            return candidate
    return None
