"""GUI tests: offscreen Qt, one qasync loop for the session, settings in a temporary folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from avma_console.qt.app import configure_application, create_event_loop

# The offscreen platform plugin (tests only) cannot resize native windows and says so whenever a window's
# minimum size changes; it is not a warning about the console.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/qt/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["avma-console-tests"]


@pytest.fixture(scope="session")
def event_loop_qt(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """The application's qasync loop, created the way `run_gui` creates it (once per session)."""
    configure_application(qapp)
    loop = create_event_loop(qapp)
    asyncio.events._set_running_loop(None)  # marked running only while a GUI test runs (see below)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()


@pytest.fixture(autouse=True)
def qasync_loop_running(event_loop_qt: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """Qt's event processing drives the loop during a test (as `app.exec()` does in the console); outside
    GUI tests the thread has no running loop, so other tests' `asyncio.run` works in the same session."""
    asyncio.events._set_running_loop(event_loop_qt)
    asyncio.set_event_loop(event_loop_qt)
    yield event_loop_qt
    asyncio.events._set_running_loop(None)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, qasync_loop_running: asyncio.AbstractEventLoop) -> Path:
    """QSettings go to a temporary INI folder, never to the real user's configuration."""
    folder = tmp_path / "settings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder / "system"))
    return folder


@pytest.fixture(autouse=True)
def isolated_history(tmp_path: Path, isolated_settings: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GUI scans are recorded: into a temporary history, never the real user's (default file included)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "history.sqlite3"
    QSettings().setValue("history/location", str(path))
    return path


@pytest.fixture(autouse=True)
def thawed_heap() -> Iterator[None]:
    """A GUI scan freezes the heap when it ends (scan_controller.responsive_while_scanning); between tests the
    collector sees everything again, so the rest of the session collects garbage as usual."""
    yield
    gc.unfreeze()
