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
