"""Loaded by every Python process of the date runs (scripts/test-dates.sh puts this folder on PYTHONPATH).

Debian's libfaketime 0.9.10 breaks Python 3.11's time.sleep when it leaves the monotonic clock alone
(FAKETIME_DONT_FAKE_MONOTONIC=1): CPython sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), libfaketime
shifts that absolute deadline by the fake offset and the kernel answers EINVAL (libfaketime issue #426, fixed after
0.9.10). Waits on locks, events, selectors and asyncio are unaffected, so time.sleep becomes a wait on an event
that never fires: the same relative, monotonic sleep. Only under libfaketime; nothing of this ships.
"""

from __future__ import annotations

import os
import threading
import time

if "faketime" in os.environ.get("LD_PRELOAD", ""):

    def _monotonic_sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        threading.Event().wait(seconds)

    time.sleep = _monotonic_sleep
