"""Fixtures for the lab's protocol tests: real pywinrm against LabServer on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_support import PASSWORD, USERNAME

from avma_console.lab.cmd import CmdExecutor
from avma_console.lab.http import HostListener, LabServer
from avma_console.lab.pwsh_basic import BasicPowerShell
from avma_console.lab.server_thread import LabServerThread

LabFactory = Callable[..., LabServerThread]


@pytest.fixture
def make_lab(tmp_path: Path) -> Iterator[LabFactory]:
    """make_lab(hosts=["HV1"], powershell=None, **LabServer options) -> a running LabServerThread."""
    running: list[LabServerThread] = []

    def factory(
        hosts: list[str | HostListener] | None = None,
        *,
        powershell: Any = None,
        **options: Any,
    ) -> LabServerThread:
        runner = powershell if powershell is not None else BasicPowerShell()
        listeners = [h if isinstance(h, HostListener) else HostListener(h) for h in (hosts or ["HV1"])]
        options.setdefault("username", USERNAME)
        options.setdefault("password", PASSWORD)
        options.setdefault("work_dir", tmp_path / f"lab{len(running)}")
        server = LabServer(listeners, lambda _host: CmdExecutor(runner), **options)
        lab = LabServerThread(server)
        lab.start()
        running.append(lab)
        return lab

    yield factory
    for lab in running:
        lab.stop()


@pytest.fixture
def basic_lab(make_lab: LabFactory) -> LabServerThread:
    return make_lab(["HV1", "HV2"], auth="basic", allow_unencrypted_basic=True)
