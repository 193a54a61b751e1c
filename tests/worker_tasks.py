"""Tasks for scan worker processes in tests (tests/remote/test_workers.py).

Worker processes import tasks by module name; the tests put this folder on their PYTHONPATH.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading

from avma_console.remote.errors import ErrorKind, RemoteError


def echo_with_pid(item: object, stop: threading.Event) -> tuple[object, int]:
    return item, os.getpid()


def raise_remote_error(item: str, stop: threading.Event) -> None:
    raise RemoteError(ErrorKind.AUTH, item, "the password was rejected (401)")


def wait_for_stop(seconds: float, stop: threading.Event) -> bool:
    """True if the stop event came within `seconds`."""
    return stop.wait(seconds)


def log_warning(text: str, stop: threading.Event) -> str:
    logging.getLogger("avma_console.worker_test").warning("from the worker: %s", text)
    return text


def exit_abruptly(code: int, stop: threading.Event) -> None:
    os._exit(code)


def unpicklable_result(item: object, stop: threading.Event) -> object:
    return threading.Lock()


def print_to_stdout(text: str, stop: threading.Event) -> str:
    print(text)  # must not corrupt the answer pipe
    return text


def echo_out_of_band(blobs: tuple[bytes, ...], stop: threading.Event) -> tuple[pickle.PickleBuffer, ...]:
    """The blobs back, as buffers that travel out of band (as a fleet's host pickles do)."""
    return tuple(pickle.PickleBuffer(blob) for blob in blobs)


def wait_for_stop_with_pid(seconds: float, stop: threading.Event) -> tuple[bool, int]:
    """Whether the stop event came within `seconds`, and where the task ran."""
    return stop.wait(seconds), os.getpid()
