"""`avma-console --demo --screenshot PNG` renders the window after the first scan and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage


def test_demo_screenshot_is_written(tmp_path: Path) -> None:
    out = tmp_path / "console.png"
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    environment.pop("AVMA_LAB_PASSWORD", None)  # the demo makes its own
    result = subprocess.run(
        [sys.executable, "-m", "avma_console", "--demo", "--screenshot", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1600, 1000)


def test_window_size_sets_the_screenshot_size_and_a_bad_size_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "small.png"
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    environment.pop("AVMA_LAB_PASSWORD", None)
    command = [sys.executable, "-m", "avma_console", "--demo", "--screenshot", str(out)]
    result = subprocess.run(
        [*command, "--window-size", "1366x768"],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "first scan shown: 6 hosts, 19 VMs" in result.stderr  # what scripts wait for
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)

    bad = subprocess.run(
        [*command, "--window-size", "big"], capture_output=True, text=True, timeout=60, env=environment, check=False
    )
    assert bad.returncode == 2
    assert "'big' is not a window size: give WIDTHxHEIGHT in pixels, e.g. 1366x768" in bad.stderr


def test_select_and_show_events_shape_the_screenshot_and_need_one(tmp_path: Path) -> None:
    out = tmp_path / "events.png"
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    environment.pop("AVMA_LAB_PASSWORD", None)
    command = [sys.executable, "-m", "avma_console", "--demo"]

    def console(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *arguments], capture_output=True, text=True, timeout=120, env=environment, check=False
        )

    result = console("--screenshot", str(out), "--select", "sql-01", "--show-events")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not QImage(str(out)).isNull()

    missing = console("--screenshot", str(tmp_path / "none.png"), "--select", "no-such-vm")
    assert missing.returncode == 2
    assert "--select no-such-vm: no VM of that name" in missing.stderr
    assert not (tmp_path / "none.png").exists()

    alone = console("--show-events")
    assert alone.returncode == 2
    assert "add --screenshot PNG" in alone.stderr
