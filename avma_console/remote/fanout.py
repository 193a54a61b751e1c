"""Many blocking remote calls at once: a bounded pool driven from asyncio, results as they arrive.

Scans and write operations share it, so cancellation, progress and per-item isolation behave the same.
The pool is a thread pool in this process or worker processes (`workers.WorkerProcesses`, for large scans).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from avma_console.remote.workers import WorkerProcesses

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
    failed_result: Callable[[Item, Exception], Result] | None = None,
    is_ok: Callable[[Result], bool],
    concurrency: int,
    on_result: Callable[[Result, Progress], None] | None = None,
    cancelled: threading.Event | None = None,
    executor: ThreadPoolExecutor | WorkerProcesses | None = None,
    thread_name_prefix: str = "avma-remote",
) -> list[Result]:
    """Run `work` for every item, at most `concurrency` at once, one item's failure never stopping another.

    `on_result` runs on the loop's thread as each item ends. Cancelling the awaiting task (or setting
    `cancelled`) stops new items from starting (they get `cancelled_result`); running ones see the event.
    An item whose `work` raises (a bug, a lost worker process) gets `failed_result` (without one, the
    exception ends the run). With WorkerProcesses,
    `work` must be picklable by reference (module-level, or a functools.partial of such a function).
    """
    loop = asyncio.get_running_loop()
    stop = cancelled or threading.Event()
    own_executor = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix=thread_name_prefix)
    gate = asyncio.Semaphore(max(1, concurrency))
    progress = Progress(total=len(items))
    results: list[Result | None] = [None] * len(items)
    watcher: asyncio.Task[None] | None = None
    stop_id = 0
    if isinstance(pool, WorkerProcesses):
        workers, stop_id = pool, pool.new_stop_id()

        def start(item: Item) -> asyncio.Future[Result]:
            return asyncio.wrap_future(workers.submit(work, item, stop_id))

        # The workers' copies of the stop event follow this one (set from any thread, e.g. a Cancel button).
        watcher = asyncio.ensure_future(_forward_stop(stop, lambda: workers.stop(stop_id)))
    else:
        threads = pool

        def start(item: Item) -> asyncio.Future[Result]:
            return loop.run_in_executor(threads, work, item, stop)

    async def one(index: int, item: Item) -> None:
        async with gate:
            if stop.is_set():
                result = cancelled_result(item)
            else:
                try:
                    result = await start(item)
                except Exception as error:
                    if failed_result is None:
                        raise
                    result = failed_result(item, error)
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
        if watcher is not None:
            watcher.cancel()
            if stop.is_set() and isinstance(pool, WorkerProcesses):
                pool.stop(stop_id)
        if own_executor:
            assert isinstance(pool, ThreadPoolExecutor)
            pool.shutdown(wait=False, cancel_futures=True)
    return [result for result in results if result is not None]


STOP_POLL_S = 0.05


async def _forward_stop(stop: threading.Event, forward: Callable[[], None]) -> None:
    """Call `forward` once `stop` is set. A threading.Event cannot wake a loop, so it is looked at every
    STOP_POLL_S: cheap, and far below the time a running host query takes to notice anyway."""
    while not stop.is_set():
        await asyncio.sleep(STOP_POLL_S)
    forward()
