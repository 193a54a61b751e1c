"""A small crash sweep (benchmarks/crash_sweep.py): 6 SIGKILLs of recorders at random moments, history intact."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_six_random_kills_leave_every_committed_snapshot_intact(tmp_path: Path) -> None:
    history = tmp_path / "history.db"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "crash_sweep.py"), "--kills", "6", "--history", str(history)],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^kills: 6, intact: 6$", result.stdout, re.MULTILINE), result.stdout
    killed = int(re.search(r"\((\d+) killed mid-run\)", result.stdout).group(1))  # type: ignore[union-attr]
    assert killed >= 3, f"most runs must really be killed mid-run: {result.stdout}"
