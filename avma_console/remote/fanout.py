"""Many blocking remote calls at once: a bounded thread pool driven from asyncio, results as they arrive.

Scans and write operations share it, so cancellation, progress and per-item isolation behave the same.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(slots=True)
class Progress:
    total: int
    done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started


async def run_bounded(
    items: Sequence[Item],
    work: Callable[[Item, threading.Event], Result],
    *,
    cancelled_result: Callable[[Item], Result],
    is_ok: Callable[[Result], bool],
    concurrency: int,
    on_result: Callable[[Result, Progress], None] | None = None,
    cancelled: threading.Event | None = None,
    executor: ThreadPoolExecutor | None = None,
    thread_name_prefix: str = "avma-remote",
) -> list[Result]:
    """Run `work` for every item, at most `concurrency` at once, one item's failure never stopping another.

    `on_result` runs on the loop's thread as each item ends. Cancelling the awaiting task (or setting
    `cancelled`) stops new items from starting (they get `cancelled_result`); running ones see the event.
    """
    loop = asyncio.get_running_loop()
    stop = cancelled or threading.Event()
    own_executor = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix=thread_name_prefix)
    gate = asyncio.Semaphore(max(1, concurrency))
    progress = Progress(total=len(items))
    results: list[Result | None] = [None] * len(items)

    async def one(index: int, item: Item) -> None:
        async with gate:
            if stop.is_set():
                result = cancelled_result(item)
            else:
                result = await loop.run_in_executor(pool, work, item, stop)
        results[index] = result
        progress.done += 1
        if not is_ok(result):
            progress.failed += 1
        if on_result is not None:
            on_result(result, progress)

    tasks = [asyncio.ensure_future(one(index, item)) for index, item in enumerate(items)]
    try:
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        stop.set()
        for task in tasks:
            task.cancel()
        raise
    finally:
        if own_executor:
            pool.shutdown(wait=False, cancel_futures=True)
    return [result for result in results if result is not None]
