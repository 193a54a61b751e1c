"""Runs inside `xvfb-run` (tests/e2e/test_real_display.py): start the console on the X display, wait for its
"first scan shown" line, screenshot the X root window with ImageMagick's `import`, close the console with
SIGTERM (as a desktop session's logout would) and exit with the console's own exit code.

Usage: python xvfb_session.py SCREENSHOT.png WxH [console arguments...]
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

READY = "first scan shown"
TIMEOUT_S = 120


def main() -> int:
    screenshot, size, *arguments = sys.argv[1:]
    # The README's command: the venv's `avma-console` entry point (beside this interpreter).
    entry = Path(sys.executable).with_name("avma-console")
    command = [str(entry)] if entry.exists() else [sys.executable, "-m", "avma_console"]
    console = subprocess.Popen(
        [*command, *arguments, "--window-size", size],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert console.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(console.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + TIMEOUT_S
    ready = False
    while not ready and time.monotonic() < deadline:
        if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            break
        line = console.stderr.readline()
        if not line:
            break  # the console ended before showing its first scan
        sys.stderr.write(line)
        ready = READY in line
    if not ready:
        console.kill()
        sys.stderr.write(console.stderr.read())
        sys.stderr.write(f"xvfb_session: no {READY!r} line from the console (exit {console.wait()})\n")
        return 3
    shot = subprocess.run(["import", "-window", "root", screenshot], capture_output=True, text=True, check=False)
    if shot.returncode != 0:
        sys.stderr.write(f"xvfb_session: import failed on {os.environ.get('DISPLAY')}: {shot.stderr}\n")
    console.send_signal(signal.SIGTERM)
    try:
        _, rest = console.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        console.kill()
        _, rest = console.communicate()
        sys.stderr.write(rest)
        sys.stderr.write("xvfb_session: the console did not close within 60 s of SIGTERM\n")
        return 4
    sys.stderr.write(rest)
    return console.returncode if shot.returncode == 0 else 5


if __name__ == "__main__":
    sys.exit(main())
