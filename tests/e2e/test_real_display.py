"""The console on a real X display (Xvfb through the xcb platform plugin, not offscreen), as a new user runs it.

`scripts/install-system-deps.sh` must have installed every library the xcb plugin links against: without
them Qt aborts with "no Qt platform plugin could be initialized". The window is captured through X
(ImageMagick's `import -window root`), not through Qt, so what is checked is what the X server shows.
scripts/test.sh sets AVMA_TEST_REQUIRE_XVFB=1: there a missing xvfb-run is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

SESSION = Path(__file__).with_name("xvfb_session.py")
WIDTH, HEIGHT = 1366, 768


def _tools_or_skip() -> None:
    missing = [tool for tool in ("xvfb-run", "xauth", "import") if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed: run scripts/install-system-deps.sh"
    if os.environ.get("AVMA_TEST_REQUIRE_XVFB") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _xcb_plugin_libraries_missing() -> list[str]:
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    missing: list[str] = []
    for library in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"):
        if library.exists() and shutil.which("ldd"):
            output = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=False).stdout
            missing += [line.strip() for line in output.splitlines() if "not found" in line]
    return missing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb and the xcb plugin are Linux's")
def test_the_xcb_plugin_finds_every_library_it_links() -> None:
    assert _xcb_plugin_libraries_missing() == [], "install them with scripts/install-system-deps.sh"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb and the xcb plugin are Linux's")
def test_demo_opens_on_a_real_x_display_shows_the_first_scan_and_quits_cleanly(tmp_path: Path) -> None:
    _tools_or_skip()
    shot = tmp_path / "x11.png"
    environment = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # QSettings of this run: never the user's
        "XDG_DATA_HOME": str(tmp_path / "data"),  # history and audit log of this run
    }
    environment.pop("QT_QPA_PLATFORM", None)  # xcb, the platform a desktop user gets
    environment.pop("AVMA_LAB_PASSWORD", None)  # the demo makes its own
    result = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            f"-screen 0 {WIDTH}x{HEIGHT}x24",
            sys.executable,
            str(SESSION),
            str(shot),
            f"{WIDTH}x{HEIGHT}",
            "--demo",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no Qt platform plugin could be initialized" not in result.stderr
    assert "first scan shown: 6 hosts, 19 VMs" in result.stderr

    image = QImage(str(shot))
    assert not image.isNull()
    assert (image.width(), image.height()) == (WIDTH, HEIGHT)
    # Not blank: the window's text, icons and state colours give hundreds of colours; an empty X root has one.
    colours = {image.pixel(x, y) for y in range(0, HEIGHT, 3) for x in range(0, WIDTH, 3)}
    assert len(colours) > 100, f"only {len(colours)} colours: the screen is blank"
    # The state colours are on screen (green "AVMA activated", red refusals): the tree shows the scan.
    hues = {QColor.fromRgb(pixel).name() for pixel in colours}
    assert hues & {"#2e7d32", "#1b5e20"}, "no green state icon or text on the screen"
    assert hues & {"#c62828", "#b71c1c"}, "no red state icon or text on the screen"
    # Closed like File > Quit: the layout was saved for the next start.
    settings = next((tmp_path / "config").rglob("avma-console.conf"))
    assert "geometry" in settings.read_text(encoding="utf-8", errors="replace")
