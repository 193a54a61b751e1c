"""In the date runs (scripts/test-dates.sh): proof that the moved clock reached this process and its children.
Without it a run whose faketime silently failed to load would test today's date three times over."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from avma_console.domain.clock import SYSTEM_CLOCK

EXPECTED = os.environ.get("AVMA_FAKETIME_EXPECTED")
pytestmark = pytest.mark.skipif(not EXPECTED, reason="only in the date runs of scripts/test-dates.sh")
# The run reaches this file after the other date-sensitive tests: allow for the time they took.
SLACK = timedelta(minutes=20)


def started_at() -> datetime:
    assert EXPECTED is not None
    return datetime.fromisoformat(EXPECTED).replace(tzinfo=UTC)


def test_this_process_sees_the_moved_clock() -> None:
    assert started_at() <= SYSTEM_CLOCK.now() <= started_at() + SLACK


def test_a_child_process_sees_the_moved_clock_too() -> None:
    code = "from avma_console.domain.clock import SYSTEM_CLOCK; print(SYSTEM_CLOCK.now().isoformat())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert started_at() <= datetime.fromisoformat(done.stdout.strip()) <= started_at() + SLACK
