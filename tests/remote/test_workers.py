"""Worker processes for host queries: results, errors, stops, logs, lost workers and clean exits."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import pickle
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import worker_tasks

from avma_console.remote.errors import ErrorKind, RemoteError
from avma_console.remote.fanout import run_bounded
from avma_console.remote.workers import (
    WorkerLostError,
    WorkerProcesses,
    WorkerTaskError,
    processes_for,
)

TESTS = Path(__file__).resolve().parents[1]
WAIT_S = 30.0


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[WorkerProcesses]:
    # Workers import tasks by module name: give them this folder, as pytest gave it to us.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    pool = WorkerProcesses(2, threads=3)
    yield pool
    pool.shutdown()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A child that exited but was not reaped yet is still "there" for kill(0).
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def test_tasks_run_in_other_processes_and_spread_over_them(workers: WorkerProcesses) -> None:
    futures = [workers.submit(worker_tasks.echo_with_pid, n, workers.new_stop_id()) for n in range(6)]
    results = [future.result(WAIT_S) for future in futures]
    assert [item for item, _ in results] == list(range(6))
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids
    assert pids == set(workers.worker_pids())
    assert len(pids) == 2  # six tasks submitted at once go to the worker with fewer running


def test_a_remote_error_arrives_whole(workers: WorkerProcesses) -> None:
    future = workers.submit(worker_tasks.raise_remote_error, "hv-01", workers.new_stop_id())
    with pytest.raises(RemoteError) as caught:
        future.result(WAIT_S)
    error = caught.value
    assert (error.kind, error.host, error.message) == (ErrorKind.AUTH, "hv-01", "the password was rejected (401)")
    assert "keyring" in error.fix
    assert not error.retryable


def test_stop_reaches_a_running_task_and_only_its_own(workers: WorkerProcesses) -> None:
    stopped, other = workers.new_stop_id(), workers.new_stop_id()
    waiting = workers.submit(worker_tasks.wait_for_stop, WAIT_S, stopped)
    untouched = workers.submit(worker_tasks.wait_for_stop, 0.5, other)
    started = time.monotonic()
    # The task may not have started yet when the stop is sent: a queued task sees it too.
    workers.stop(stopped)
    assert waiting.result(WAIT_S) is True
    assert time.monotonic() - started < WAIT_S / 2
    assert untouched.result(WAIT_S) is False


def test_worker_log_records_are_logged_here(workers: WorkerProcesses, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="avma_console.worker_test"):
        assert workers.submit(worker_tasks.log_warning, "ümlaut $() `x`", workers.new_stop_id()).result(WAIT_S)
        # The record travels on the same pipe before the answer; the reader handles it first.
    messages = [record.getMessage() for record in caplog.records if record.name == "avma_console.worker_test"]
    assert messages == ["from the worker: ümlaut $() `x`"]


def test_a_worker_that_dies_fails_its_own_task_and_is_replaced(workers: WorkerProcesses) -> None:
    workers.start()
    dying = workers.submit(worker_tasks.exit_abruptly, 3, workers.new_stop_id())
    with pytest.raises(WorkerLostError, match="exit code 3"):
        dying.result(WAIT_S)
    # The pool goes on: the next tasks start a new worker in the dead one's place.
    results = [workers.submit(worker_tasks.echo_with_pid, n, workers.new_stop_id()) for n in range(4)]
    assert [future.result(WAIT_S)[0] for future in results] == [0, 1, 2, 3]
    assert workers.started_workers == 3


def test_unpicklable_tasks_and_results_fail_alone(workers: WorkerProcesses) -> None:
    with pytest.raises(WorkerTaskError, match="could not be sent"):
        workers.submit(lambda item, stop: item, 1, workers.new_stop_id()).result(WAIT_S)
    with pytest.raises(Exception, match=r"pickle|Lock"):
        workers.submit(worker_tasks.unpicklable_result, 1, workers.new_stop_id()).result(WAIT_S)
    assert workers.submit(worker_tasks.echo_with_pid, "still fine", workers.new_stop_id()).result(WAIT_S)[0] == (
        "still fine"
    )


def test_print_in_a_task_does_not_corrupt_the_answers(workers: WorkerProcesses) -> None:
    assert workers.submit(worker_tasks.print_to_stdout, "noise", workers.new_stop_id()).result(WAIT_S) == "noise"
    assert workers.submit(worker_tasks.echo_with_pid, 7, workers.new_stop_id()).result(WAIT_S)[0] == 7


def test_shutdown_ends_every_worker_even_with_a_task_running(workers: WorkerProcesses) -> None:
    busy = workers.submit(worker_tasks.wait_for_stop, 60.0, workers.new_stop_id())
    workers.start()
    pids = workers.worker_pids()
    assert len(pids) == 2
    started = time.monotonic()
    workers.shutdown()
    assert time.monotonic() - started < 10
    with pytest.raises(WorkerLostError):
        busy.result(WAIT_S)
    assert all(_gone(pid) for pid in pids)
    with pytest.raises(RuntimeError, match="shut down"):
        workers.submit(worker_tasks.echo_with_pid, 1, workers.new_stop_id())
    # A start queued on an executor before the shutdown, running after it, starts nothing that would linger.
    launched = workers.started_workers
    workers.start()
    assert workers.worker_pids() == [] and workers.started_workers == launched


def test_workers_exit_when_the_console_goes_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker whose pipe closes (the console crashed or was killed) exits instead of lingering."""
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    pool = WorkerProcesses(1, threads=1)
    pool.start()
    (worker,) = pool._workers
    assert worker is not None
    worker.inbox.close()  # what the kernel does to the pipe when the console process dies
    assert worker.process.wait(WAIT_S) == 0
    pool.shutdown()


def test_run_bounded_isolates_an_item_whose_work_raises(workers: WorkerProcesses) -> None:
    items = ["a", "boom", "c"]
    seen: list[str] = []

    def work(item: str, stop: threading.Event) -> str:
        if item == "boom":
            raise ValueError("a bug")
        return item.upper()

    async def run(executor: WorkerProcesses | None) -> list[str]:
        return await run_bounded(
            items,
            work if executor is None else functools.partial(worker_tasks.echo_with_pid),  # type: ignore[arg-type]
            cancelled_result=lambda item: f"cancelled {item}",
            failed_result=lambda item, error: f"failed {item}: {error}",
            is_ok=lambda result: not str(result).startswith("failed"),
            concurrency=2,
            on_result=lambda result, progress: seen.append(str(result)),
            executor=executor,
        )

    assert asyncio.run(run(None)) == ["A", "failed boom: a bug", "C"]
    assert len(seen) == 3


def test_run_bounded_on_workers_stops_running_items_when_cancelled(workers: WorkerProcesses) -> None:
    """A Cancel (the event set from another thread) reaches tasks already running in the workers."""
    cancelled = threading.Event()

    async def run() -> list[object]:
        asyncio.get_running_loop().call_later(0.5, cancelled.set)
        return await run_bounded(
            [WAIT_S] * 10,
            worker_tasks.wait_for_stop,
            cancelled_result=lambda item: "not started",
            failed_result=lambda item, error: f"failed: {error}",
            is_ok=lambda result: result is not None,
            concurrency=4,
            cancelled=cancelled,
            executor=workers,
        )

    started = time.monotonic()
    results = asyncio.run(run())
    assert time.monotonic() - started < WAIT_S / 2
    assert results.count(True) == 4  # the running ones saw the stop
    assert results.count("not started") == 6


@pytest.mark.parametrize(
    ("concurrency", "cpus", "expected"),
    [(1, 8, 1), (16, 2, 2), (16, 8, 8), (48, 2, 2), (3, 8, 3), (500, 4, 4), (500, 32, 8)],
)
def test_processes_for(concurrency: int, cpus: int, expected: int) -> None:
    assert processes_for(concurrency, cpus) == expected


def test_large_buffers_cross_both_ways_out_of_band_and_whole(workers: WorkerProcesses) -> None:
    # A fleet's host pickles travel as protocol-5 buffers after their message (megabytes: several pipe
    # buffers each, read straight into place); small ones, and several per task, keep their order.
    big = bytes(range(256)) * (6 * 1024 * 1024 // 256)
    blobs = (big, b"", b"x" * 70_000, b"tail")
    future = workers.submit(
        worker_tasks.echo_out_of_band, tuple(pickle.PickleBuffer(blob) for blob in blobs), workers.new_stop_id()
    )
    assert [bytes(blob) for blob in future.result(WAIT_S)] == list(blobs)
    # The pipe is still in step: the next task's answer is its own.
    assert workers.submit(worker_tasks.echo_with_pid, "next", workers.new_stop_id()).result(WAIT_S)[0] == "next"


def test_a_pool_with_an_in_process_share_runs_tasks_here_and_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A headless scan's pool: the least loaded side takes each task; a stop reaches tasks on both sides."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    with WorkerProcesses(1, threads=2, in_process_threads=2) as pool:
        assert pool.capacity == 4
        stop_id = pool.new_stop_id()
        # None ends before the stop, so each goes where the fewest run: here, worker, here, worker.
        waiting = [pool.submit(worker_tasks.wait_for_stop_with_pid, WAIT_S, stop_id) for _ in range(4)]
        started = time.monotonic()
        pool.stop(stop_id)
        results = [future.result(WAIT_S) for future in waiting]
        assert time.monotonic() - started < WAIT_S / 2
        (worker,) = pool.worker_pids()
        assert results == [(True, os.getpid()), (True, worker)] * 2
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(worker_tasks.echo_with_pid, 1, pool.new_stop_id())


def test_a_pool_of_no_processes_runs_everything_here() -> None:
    with WorkerProcesses(0, in_process_threads=2) as pool:
        futures = [pool.submit(worker_tasks.echo_with_pid, n, pool.new_stop_id()) for n in range(3)]
        assert [future.result(WAIT_S) for future in futures] == [(n, os.getpid()) for n in range(3)]
        assert pool.worker_pids() == [] and pool.started_workers == 0


def test_a_stop_reaches_a_task_still_queued_for_the_in_process_share() -> None:
    with WorkerProcesses(0, in_process_threads=1) as pool:
        first, second = pool.new_stop_id(), pool.new_stop_id()
        running = pool.submit(worker_tasks.wait_for_stop, WAIT_S, first)
        queued = pool.submit(worker_tasks.wait_for_stop, 5.0, second)  # behind `running`, on the only thread
        pool.stop(second)
        pool.stop(first)
        assert running.result(WAIT_S) is True
        assert queued.result(WAIT_S) is True, "the stop sent while it was queued"
