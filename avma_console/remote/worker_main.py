"""The worker process behind `workers.WorkerProcesses`: `python -m avma_console.remote.worker_main`.

Reads pickled messages from stdin, answers on stdout (which nothing else may write to: fd 1 is pointed at
stderr once the pipe is taken), runs tasks on a bounded thread pool. Messages in:
("hello", settings), ("run", task_id, pickled (fn, item), stop_id, buffers), ("stop", stop_id), ("exit",).
Out: ("done", task_id, pickled result, buffers), ("failed", task_id, exception), ("log", record fields).
Tasks and results are pickled on their own (protocol 5 or later), so one that cannot be read fails alone, with its id
known; `buffers` out-of-band buffers of the pickle follow its message on the pipe, one `send_bytes` each.
The worker exits when told to or when its stdin closes (the parent went away): it never outlives the console.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any


def send_with_buffers(
    connection: Connection, message: tuple[Any, ...], buffers: list[pickle.PickleBuffer] | None = None
) -> None:
    """One message, then the out-of-band buffers it announces, one `send_bytes` each (hold the pipe's lock):
    both ends of a worker's pipes speak this way."""
    connection.send(message)
    for buffer in buffers or ():
        connection.send_bytes(buffer)


class _Outbox:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def send(self, message: tuple[Any, ...], buffers: list[pickle.PickleBuffer] | None = None) -> None:
        with self._lock:
            send_with_buffers(self._connection, message, buffers)


class _ForwardingHandler(logging.Handler):
    """Sends each record to the parent, which handles it with its own handlers (formatting, escaping)."""

    def __init__(self, outbox: _Outbox) -> None:
        super().__init__()
        self._outbox = outbox

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = dict(record.__dict__)
            fields["msg"] = record.getMessage()
            fields["args"] = None
            if record.exc_info:
                fields["exc_text"] = logging.Formatter().formatException(record.exc_info)
            fields["exc_info"] = None
            self._outbox.send(("log", fields))
        except Exception:  # a log record is never worth a task
            self.handleError(record)


class StopEvents:
    """The stop events of running and queued tasks, by the caller's stop id (dropped when their tasks end)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[int, tuple[threading.Event, int]] = {}

    def acquire(self, stop_id: int) -> threading.Event:
        with self._lock:
            event, users = self._events.get(stop_id, (threading.Event(), 0))
            self._events[stop_id] = (event, users + 1)
            return event

    def release(self, stop_id: int) -> None:
        with self._lock:
            event, users = self._events[stop_id]
            if users <= 1:
                del self._events[stop_id]
            else:
                self._events[stop_id] = (event, users - 1)

    def set(self, stop_id: int) -> None:
        with self._lock:
            known = self._events.get(stop_id)
        if known is not None:
            known[0].set()


def _sendable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object, pickled just now
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def main() -> int:
    inbox = Connection(os.dup(0), writable=False)
    outbox = _Outbox(Connection(os.dup(1), readable=False))
    # Nothing else may write into the answer pipe: stray prints go to stderr, and stdin reads nothing.
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)

    try:
        hello = inbox.recv()
    except EOFError:
        return 0
    settings: dict[str, Any] = hello[1]
    sys.setswitchinterval(float(settings.get("switch_interval_s", 0.005)))
    niceness = int(settings.get("niceness", 0))
    if niceness and hasattr(os, "nice"):
        with contextlib.suppress(OSError):  # a lower priority is a courtesy, never a reason to fail
            os.nice(niceness)
    root = logging.getLogger()
    root.handlers[:] = [_ForwardingHandler(outbox)]
    root.setLevel(int(settings.get("log_level", logging.WARNING)))
    pool = ThreadPoolExecutor(max_workers=max(1, int(settings["threads"])), thread_name_prefix="avma-worker")
    stops = StopEvents()

    def run(task_id: int, task: bytes, buffers: list[bytes], stop_id: int, stop: threading.Event) -> None:
        answer: list[pickle.PickleBuffer] = []
        try:
            # From the console that started us, over our private pipe.
            fn, item = pickle.loads(task, buffers=buffers)  # noqa: S301
            result = pickle.dumps(fn(item, stop), pickle.HIGHEST_PROTOCOL, buffer_callback=answer.append)
            message: tuple[Any, ...] = ("done", task_id, result, len(answer))
        except BaseException as error:  # every task gets an answer, whatever it raised
            message, answer = ("failed", task_id, _sendable(error)), []
        finally:
            stops.release(stop_id)
        outbox.send(message, answer)

    while True:
        try:
            message = inbox.recv()
        except EOFError:
            break
        kind = message[0]
        if kind == "run":
            _, task_id, task, stop_id, count = message
            try:
                buffers = [inbox.recv_bytes() for _ in range(count)]
            except EOFError:
                break
            pool.submit(run, task_id, task, buffers, stop_id, stops.acquire(stop_id))
        elif kind == "stop":
            stops.set(message[1])
        elif kind == "exit":
            break
    pool.shutdown(wait=False, cancel_futures=True)
    # Threads still waiting on a silent host must not keep the process: the console has gone or moved on.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
