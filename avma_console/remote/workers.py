"""Host queries in worker processes: the scan's CPU-bound protocol work off the caller's interpreter.

Talking WinRM costs the client real CPU per host (pywinrm, requests and xmltodict build and parse the SOAP
messages, NTLM seals them, the answer is decoded and parsed): about 16 ms for a 20-VM host. In one
interpreter that work is serialised by the GIL, which capped a 500-host scan at ~12x its sequential speed
and, in the GUI, made the event loop wait behind 16 scan threads (stalls of 170-260 ms). Here each worker
process runs a bounded thread pool of its own (one pywinrm session per host and thread, as everywhere), so
the work spreads over the machine's cores and the caller's interpreter only receives finished results.

A worker is `python -m avma_console.remote.worker_main`, started with a clean interpreter (no Qt, no fork of
a threaded GUI process) and spoken to over its stdin/stdout with pickled messages
(`multiprocessing.connection`). Credentials cross only that anonymous pipe, never a command line, file or
environment variable. Large payloads (a whole fleet's host pickles, 14 MB for 10,000 VMs) travel out of band
(pickle protocol 5 `PickleBuffer`s, see `services.shipped_fleet`): written from and read into their own
buffers by system calls that release the GIL, never copied whole inside a pickle, which in the console would
hold the GIL for as long as the copy takes (a 130-220 ms stall of the GUI thread on a loaded machine). Tasks
name a module-level function and its arguments; a running task gets a stop event, set when the caller stops
the work (`stop`). A worker that dies fails only its own tasks
(`WorkerLostError`); the next task starts a new one. Log records of the workers are re-emitted in the caller.

A pool may also run a share of the tasks on threads of the caller's own process (`in_process_threads`), for a
caller with nothing else to do meanwhile (a headless scan): its interpreter has the client imported already, so
that share costs no worker start-up (~0.37 s of CPU each) and no pickling of tasks and results.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Final, TypeVar

from avma_console.remote.worker_main import StopEvents, send_with_buffers

log = logging.getLogger(__name__)
# How long a reader waits, after its worker's pipe closed, for the process to be reaped (to report its exit code).
WORKER_EXIT_WAIT_S = 2.0

Item = TypeVar("Item")
Result = TypeVar("Result")

WORKER_MODULE: Final = "avma_console.remote.worker_main"
# Threads per worker process: enough to keep its core busy while most hosts wait on the network.
THREADS_PER_PROCESS: Final = 8
MAX_PROCESSES: Final = 8
EXIT_GRACE_S: Final = 2.0


class WorkerLostError(RuntimeError):
    """The worker process running a task ended before the task did (killed, crashed, out of memory)."""


class WorkerTaskError(RuntimeError):
    """A task raised in the worker and its exception could not be sent back as it was."""


def processes_for(concurrency: int, cpus: int | None = None) -> int:
    """How many worker processes a pool of `concurrency` parallel tasks uses: one per core (more would only
    add start-up and switching: ~0.4 s of CPU each to import the client), never more than tasks."""
    cores = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(1, min(MAX_PROCESSES, cores, concurrency))


@dataclass(slots=True)
class _Worker:
    number: int
    process: subprocess.Popen[bytes]
    inbox: Connection  # the parent writes here (the worker's stdin)
    outbox: Connection  # and reads here (the worker's stdout)
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    running: dict[int, Future[Any]] = field(default_factory=dict)
    alive: bool = True

    def send(self, message: tuple[Any, ...], buffers: list[pickle.PickleBuffer] | None = None) -> None:
        """One message, and after it (in the same turn on the pipe) the out-of-band buffers it announces."""
        with self.send_lock:
            send_with_buffers(self.inbox, message, buffers)


class WorkerProcesses:
    """A pool of worker processes, each running up to `threads` tasks at once on its own threads.

    `submit(fn, item, stop_id)` runs `fn(item, stop_event)` in a worker and returns a concurrent Future
    (resolved from a reader thread; wrap it with `asyncio.wrap_future`). `fn` must be importable by name
    (a module-level function or a functools.partial of one) and everything it takes and returns picklable.
    Tasks go to the worker with the fewest running. Thread-safe.
    """

    def __init__(
        self,
        processes: int,
        threads: int = THREADS_PER_PROCESS,
        *,
        switch_interval_s: float = 0.005,
        niceness: int = 0,
        in_process_threads: int = 0,
    ) -> None:
        """`niceness`: added to the workers' scheduling niceness (POSIX), so a GUI that started them keeps
        the CPU it needs to stay responsive while they are busy. `in_process_threads`: this many tasks at once
        run on threads of this process instead (never in a GUI, whose interpreter must stay free); with them,
        `processes` may be 0."""
        self.in_process_threads = max(0, in_process_threads)
        self.processes = max(0 if self.in_process_threads else 1, processes)
        self._niceness = max(0, niceness)
        self.threads = max(1, threads)
        self._switch_interval_s = switch_interval_s
        self._lock = threading.Lock()
        self._workers: list[_Worker | None] = [None] * self.processes
        self._task_ids = itertools.count(1)
        self._stop_ids = itertools.count(1)
        self._closed = False
        self.started_workers = 0  # processes started over the pool's life (replacements included)
        self._here: _DaemonThreads | None = None  # the in-process share's threads, started with its first task
        self._running_here = 0
        self._stops_here = StopEvents()

    @property
    def capacity(self) -> int:
        return self.processes * self.threads + self.in_process_threads

    def start(self) -> None:
        """Start every worker now (they are otherwise started by the first tasks); nothing once shut down."""
        with self._lock:
            if self._closed:  # a start queued on an executor that ran after the shutdown
                return
            for slot in range(self.processes):
                self._worker_at(slot)

    def new_stop_id(self) -> int:
        return next(self._stop_ids)

    def submit(self, fn: Callable[[Item, threading.Event], Result], item: Item, stop_id: int) -> Future[Result]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            if self._runs_here_next():
                self._running_here += 1
                if self._here is None:
                    self._here = _DaemonThreads(self.in_process_threads)
                # The stop event is taken now: a stop sent before a thread takes the task must reach it too.
                stop = self._stops_here.acquire(stop_id)
                return self._here.submit(lambda: self._run_here(fn, item, stop_id, stop))
        future: Future[Result] = Future()
        future.set_running_or_notify_cancel()
        buffers: list[pickle.PickleBuffer] = []
        try:
            # PickleBuffers in the task (protocol 5 and later) go to `buffers`: sent after the message, out of band.
            task = pickle.dumps((fn, item), pickle.HIGHEST_PROTOCOL, buffer_callback=buffers.append)
        except Exception as error:  # this task fails; the pool is fine
            future.set_exception(WorkerTaskError(f"the task could not be sent to a worker: {error}"))
            return future
        task_id = next(self._task_ids)
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            worker = min(
                (self._worker_at(slot) for slot in range(self.processes)), key=lambda worker: len(worker.running)
            )
            worker.running[task_id] = future
        try:
            worker.send(("run", task_id, task, stop_id, len(buffers)), buffers)
        except (OSError, ValueError, EOFError) as error:
            self._lose(worker, f"could not be reached ({error})")
        return future

    def _runs_here_next(self) -> bool:
        """Whether the next task goes to the in-process share: the least loaded side (running / places) takes
        it (call with the lock held)."""
        if not self.in_process_threads:
            return False
        if not self.processes:
            return True
        busiest_here = self._running_here / self.in_process_threads
        least_elsewhere = min(
            len(worker.running) if worker is not None and worker.alive else 0 for worker in self._workers
        )
        return busiest_here <= least_elsewhere / self.threads

    def _run_here(
        self, fn: Callable[[Item, threading.Event], Result], item: Item, stop_id: int, stop: threading.Event
    ) -> Result:
        try:
            return fn(item, stop)
        finally:
            self._stops_here.release(stop_id)
            with self._lock:
                self._running_here -= 1

    def stop(self, stop_id: int) -> None:
        """Set the stop event of every running and queued task submitted with `stop_id`."""
        self._stops_here.set(stop_id)
        with self._lock:
            workers = [worker for worker in self._workers if worker is not None and worker.alive]
        for worker in workers:
            with contextlib.suppress(OSError, ValueError, EOFError):
                worker.send(("stop", stop_id))

    def shutdown(self) -> None:
        """Ask every worker to exit; one that does not within EXIT_GRACE_S is killed. Running tasks fail."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = [worker for worker in self._workers if worker is not None]
            here, self._here = self._here, None
        if here is not None:
            here.shutdown()
        for worker in workers:
            with contextlib.suppress(OSError, ValueError, EOFError):
                worker.send(("exit",))
            with contextlib.suppress(OSError):
                worker.inbox.close()
        for worker in workers:
            try:
                worker.process.wait(EXIT_GRACE_S)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            self._lose(worker, "was shut down")

    def __enter__(self) -> WorkerProcesses:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [worker.process.pid for worker in self._workers if worker is not None and worker.alive]

    # -- internals ----------------------------------------------------------------------------------------
    def _worker_at(self, slot: int) -> _Worker:
        """The live worker in `slot`, started if there is none (call with the lock held)."""
        worker = self._workers[slot]
        if worker is None or not worker.alive:
            worker = self._spawn(slot)
            self._workers[slot] = worker
        return worker

    def _spawn(self, slot: int) -> _Worker:
        process = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert process.stdin is not None
        assert process.stdout is not None
        inbox = Connection(os.dup(process.stdin.fileno()), readable=False)
        outbox = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
        self.started_workers += 1
        worker = _Worker(number=slot, process=process, inbox=inbox, outbox=outbox)
        worker.send(
            (
                "hello",
                {
                    "threads": self.threads,
                    "log_level": logging.getLogger().getEffectiveLevel(),
                    "switch_interval_s": self._switch_interval_s,
                    "niceness": self._niceness,
                },
            )
        )
        threading.Thread(target=self._read, args=(worker,), name=f"avma-worker-{slot}-reader", daemon=True).start()
        return worker

    def _read(self, worker: _Worker) -> None:
        """Resolve the futures of `worker`'s tasks as its answers arrive (a thread per worker)."""
        reason = "ended unexpectedly"
        while True:
            try:
                message = worker.outbox.recv()
            except (EOFError, OSError):
                break
            except Exception as error:  # a message that cannot be unpickled: the stream is no longer trusted
                reason = f"sent an unreadable message ({type(error).__name__}: {error})"
                break
            kind = message[0]
            if kind == "log":
                _emit(message[1])
                continue
            with self._lock:
                future = worker.running.pop(message[1], None)
            if future is None:
                continue
            if kind == "done":
                try:
                    buffers = [read_frame(worker.outbox) for _ in range(message[3])]
                except (EOFError, OSError):
                    future.set_exception(WorkerLostError("the scan worker process ended while it answered"))
                    break
                try:
                    # Our own worker, over its private pipe.
                    future.set_result(pickle.loads(message[2], buffers=buffers))  # noqa: S301
                except Exception as error:  # a result this process cannot rebuild fails alone
                    future.set_exception(WorkerTaskError(f"the worker's answer could not be read: {error}"))
            else:
                raised = message[2]
                future.set_exception(raised if isinstance(raised, BaseException) else WorkerTaskError(str(raised)))
        # The pipe closes a moment before the process is reaped: wait for it briefly, so the reason names the
        # exit code (a busy machine lost that race and said only "ended unexpectedly").
        try:
            code: int | None = worker.process.wait(timeout=WORKER_EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            code = None  # alive with its pipe closed: it is killed below once the pool closes
        if code is not None and code != 0:
            reason = f"ended with exit code {code}"
        self._lose(worker, reason)
        # Only this thread closes the pipe it reads: closed from another thread while recv() waits on it, its
        # descriptor number could be reused (by the next Popen) and then closed a second time.
        with contextlib.suppress(OSError):
            worker.outbox.close()

    def _lose(self, worker: _Worker, reason: str) -> None:
        with self._lock:
            worker.alive = False
            running, worker.running = worker.running, {}
        for future in running.values():
            if not future.done():
                future.set_exception(WorkerLostError(f"the scan worker process {reason}"))
        if worker.process.poll() is None and self._closed:
            worker.process.kill()


class _DaemonThreads:
    """A fixed number of daemon threads running tasks in order: the in-process share of a pool.

    Unlike `ThreadPoolExecutor`'s, these threads never hold up the interpreter's exit. An interrupted headless
    scan ends as quickly as one on worker processes (which are killed): it does not wait for a host that
    stopped answering to reach its read timeout (30 s by default), as the stop event is only seen between
    requests. Tasks still queued at `shutdown` are cancelled."""

    def __init__(self, threads: int) -> None:
        self._tasks: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"avma-pool-here-{number}", daemon=True)
            for number in range(max(1, threads))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, task: Callable[[], Result]) -> Future[Result]:
        future: Future[Result] = Future()
        self._tasks.put((future, task))
        return future

    def shutdown(self) -> None:
        """Cancel what no thread took yet; each thread ends after its current task (call once, with no submits
        after it)."""
        while True:
            try:
                queued = self._tasks.get_nowait()
            except queue.Empty:
                break
            if queued is not None:
                queued[0].cancel()
        for _ in self._threads:
            self._tasks.put(None)

    def _serve(self) -> None:
        while (queued := self._tasks.get()) is not None:
            future, task = queued
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = task()
            except BaseException as error:  # the caller's future carries whatever the task raised
                future.set_exception(error)
            else:
                future.set_result(result)


def read_frame(connection: Connection) -> bytearray:
    """One `send_bytes` message, read straight into a buffer of its size (`Connection.recv_bytes` gathers it in
    a BytesIO and copies it out again, holding the GIL for the copy)."""
    fd = connection.fileno()
    (size,) = struct.unpack("!i", _read_exactly(fd, 4))
    if size == -1:  # multiprocessing's header for messages of 2 GiB and more
        (size,) = struct.unpack("!Q", _read_exactly(fd, 8))
    frame = bytearray(size)
    view = memoryview(frame)
    filled = 0
    while filled < size:
        count = os.readv(fd, [view[filled:]])
        if count == 0:
            raise EOFError
        filled += count
    return frame


def _read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _emit(fields: dict[str, Any]) -> None:
    """A worker's log record, handled here as if it had been logged in this process."""
    record = logging.makeLogRecord(fields)
    logger = logging.getLogger(record.name)
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)
