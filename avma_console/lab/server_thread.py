"""A lab server on its own event loop in a daemon thread (what tests, benchmarks and the demo use)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from avma_console.lab.http import LabServer
from avma_console.lab.http_wire import LabEndpoint

_T = TypeVar("_T")

_log = logging.getLogger("avma_console.lab.http")  # the server's own logger: one place to quieten the lab


class LabServerThread:
    """Runs a LabServer on its own event loop in a daemon thread; a context manager.

    `endpoints`, `ca_file`, `set_fault`, `set_latency`, `requests_seen` and `open_shells` may be used from
    any thread; `call(fn)` runs anything else on the server's loop and returns its result.
    """

    def __init__(self, server: LabServer, *, start_timeout: float = 60.0) -> None:
        self.server = server
        self._start_timeout = start_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._endpoints: list[LabEndpoint] = []

    def __enter__(self) -> LabServerThread:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoints(self) -> list[LabEndpoint]:
        return list(self._endpoints)

    def endpoint(self, host_name: str) -> LabEndpoint:
        return next(endpoint for endpoint in self._endpoints if endpoint.host_name == host_name)

    @property
    def ca_file(self) -> Path | None:
        return self.server.ca_file

    def start(self) -> list[LabEndpoint]:
        self._thread = threading.Thread(target=self._main, name="avma-lab-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(self._start_timeout):
            raise TimeoutError(f"the lab server did not start within {self._start_timeout} s")
        if self._error is not None:
            raise self._error
        return self.endpoints

    def stop(self, timeout: float = 30.0) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)

    def call(self, function: Callable[[], _T], timeout: float = 30.0) -> _T:
        loop = self._loop
        if loop is None:
            raise RuntimeError("the lab server thread is not running")
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(function())
            except BaseException as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def set_fault(self, host_name: str, fault: str | None) -> None:
        self.call(lambda: self.server.set_fault(host_name, fault))

    def set_latency(self, host_name: str, latency_ms: float) -> None:
        self.call(lambda: self.server.set_latency(host_name, latency_ms))

    def requests_seen(self, host_name: str) -> int:
        return self.call(lambda: self.server.requests_seen(host_name))

    def peak_shells_per_user(self, host_name: str) -> int:
        return self.call(lambda: self.server.peak_shells_per_user(host_name))

    def open_shells(self, host_name: str) -> int:
        return self.call(lambda: self.server.open_shells(host_name))

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_quiet_exception_handler)
        try:
            try:
                self._endpoints = loop.run_until_complete(self.server.start())
            except BaseException as exc:
                self._error = exc
                return
            finally:
                self._ready.set()
            loop.run_forever()
            loop.run_until_complete(self.server.stop())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    # Clients that abort a TLS handshake (e.g. one that does not trust the lab CA) are expected here.
    exception = context.get("exception")
    if isinstance(exception, ssl.SSLError | ConnectionError):
        _log.debug("lab connection error: %s", context.get("message"))
        return
    loop.default_exception_handler(context)
