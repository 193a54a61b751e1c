"""One way for the headless commands to run a coroutine to its end.

`asyncio.run` on Python 3.11 restores its Ctrl-C hook through `signal.getsignal`, which formats the repr of the
hook and with it the finished task's result: for a scan, the whole fleet snapshot (seconds of CPU for 2,000 hosts).
This runs the coroutine as `asyncio.run` does, without that hook: Ctrl-C still raises KeyboardInterrupt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

_T = TypeVar("_T")


def run_to_end(coroutine: Coroutine[Any, Any, _T]) -> _T:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
