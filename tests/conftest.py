"""Shared fixtures: lab fleets served by the real lab on 127.0.0.1 (helpers live in fleet_support.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fleet_support import LAB_PASSWORD, TEST_PASSWORDS, LabStarter
from kerberos_support import Kdc
from secret_sweep import SecretSweep

from avma_console.lab.fleet import LabFleet
from avma_console.lab.runner import make_server
from avma_console.lab.server_thread import LabServerThread


def pytest_configure(config: pytest.Config) -> None:
    # The credential sweep (tests/secret_sweep.py): fails the session if a test password reaches a file or a log.
    if not config.pluginmanager.has_plugin("avma-secret-sweep"):
        config.pluginmanager.register(SecretSweep(TEST_PASSWORDS), "avma-secret-sweep")


@pytest.fixture(scope="session", autouse=True)
def _secret_sweep_basetemp(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> None:
    sweep = pytestconfig.pluginmanager.get_plugin("avma-secret-sweep")
    if isinstance(sweep, SecretSweep):
        sweep.basetemp = tmp_path_factory.getbasetemp()


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator[LabStarter]:
    """start_lab(fleet, auth="ntlm", tls=False, allow_unencrypted_basic=False) -> a running lab."""
    running: list[LabServerThread] = []

    def start(fleet: LabFleet, **options: Any) -> LabServerThread:
        options.setdefault("work_dir", tmp_path / f"lab{len(running)}")
        lab = LabServerThread(make_server(fleet, **options))
        lab.start()
        running.append(lab)
        return lab

    yield start
    for lab in running:
        lab.stop()


@pytest.fixture(autouse=True)
def lab_password_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVMA_LAB_PASSWORD", LAB_PASSWORD)


@pytest.fixture(scope="session")
def kdc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kdc]:
    """The real MIT KDC of this run (started by scripts/test.sh), with a private ticket cache for the tests."""
    directory = os.environ.get("AVMA_TEST_KDC_DIR")
    if not directory or not os.environ.get("KRB5_CONFIG"):
        pytest.skip(
            "no KDC: the Kerberos tests need the one scripts/test.sh starts (or run "
            "`bash scripts/start-kdc.sh start DIR` and export the variables it prints)"
        )
    saved = {name: os.environ.get(name) for name in ("KRB5CCNAME", "KRB5_KTNAME")}
    ccache = tmp_path_factory.mktemp("krb5") / "ccache"
    os.environ["KRB5CCNAME"] = f"FILE:{ccache}"
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    kdc = Kdc(Path(directory), Path(directory) / "http.keytab", ccache)
    kdc.set_operator_password(LAB_PASSWORD)
    yield kdc
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
