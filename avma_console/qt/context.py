"""The application context: what every window and controller shares, passed explicitly (no globals).

It holds the settings, the credential store, the bounded executor for blocking calls, the task runner that
starts coroutines from Qt slots, the error reporter, the current inventory and the demo lab if one runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import traceback
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, overload

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, QSettings, Signal

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.inventory import Inventory
from avma_console.services.audit import JsonLinesAuditLog, default_audit_path
from avma_console.services.credentials import CredentialStore
from avma_console.services.demo import DemoLab
from avma_console.services.fleet_diagnosis import FleetDiagnoser
from avma_console.services.history_writer import HistoryWriter
from avma_console.services.scan import WORKER_PROCESSES_FROM_HOSTS, ScanPool, ScanWorkers, scan_workers

T = TypeVar("T")
log = logging.getLogger("avma_console.qt")


class ErrorReporter(QObject):
    """Unexpected errors (a bug, not a host's failure) end here: logged, then shown by the main window."""

    reported = Signal(str, str)  # title, details (plain text)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.count = 0

    def report(self, title: str, error: BaseException) -> None:
        self.count += 1
        details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        log.error("%s\n%s", title, details)
        self.reported.emit(title, details)


class TaskRunner(QObject):
    """Runs coroutines started from Qt slots on the qasync loop, and blocking calls on the executor.

    Every task is tracked, so shutdown can cancel them all; a task that fails with anything but
    cancellation is reported (never silently lost, as a bare `asyncio.ensure_future` would be).
    """

    def __init__(self, executor: ThreadPoolExecutor, errors: ErrorReporter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = executor
        self._errors = errors
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        task = asyncio.ensure_future(coroutine)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            title = QCoreApplication.translate("TaskRunner", "Unexpected error in {task}").format(task=task.get_name())
            self._errors.report(title, error)

    async def run_blocking(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a blocking call on the executor; the UI thread keeps painting meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args, **kwargs))

    @property
    def running(self) -> int:
        return len(self._tasks)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()


class _Flag:
    """A yes/no setting of `AppSettings`, stored as "true"/"false" under `key`; yes until the user says no."""

    def __init__(self, key: str) -> None:
        self.key = key

    @overload
    def __get__(self, settings: None, owner: type[AppSettings]) -> _Flag: ...
    @overload
    def __get__(self, settings: AppSettings, owner: type[AppSettings]) -> bool: ...
    def __get__(self, settings: AppSettings | None, owner: type[AppSettings]) -> bool | _Flag:
        if settings is None:
            return self
        return str(settings.value(self.key, "true")).lower() == "true"

    def __set__(self, settings: AppSettings, enabled: bool) -> None:
        settings.set_value(self.key, "true" if enabled else "false")
        settings.sync()


class AppSettings:
    """Typed access to QSettings (organization "AVMA Console", application "avma-console")."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings if settings is not None else QSettings()

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._settings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def value(self, key: str, default: object = None) -> object:
        return self._settings.value(key, default)

    def set_value(self, key: str, value: object) -> None:
        self._settings.setValue(key, value)

    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def splitter_state(self) -> QByteArray | None:
        return self._bytes("window/splitter")

    def save_window(self, geometry: QByteArray, state: QByteArray, splitter: QByteArray) -> None:
        self._settings.setValue("window/geometry", geometry)
        self._settings.setValue("window/state", state)
        self._settings.setValue("window/splitter", splitter)
        self._settings.sync()

    @property
    def last_inventory(self) -> Path | None:
        value = self._settings.value("inventory/last_path")
        return Path(value) if isinstance(value, str) and value else None

    @last_inventory.setter
    def last_inventory(self, path: Path | None) -> None:
        self._settings.setValue("inventory/last_path", str(path) if path else "")
        self._settings.sync()

    @property
    def concurrency(self) -> int:
        value = self._settings.value("scan/concurrency", 16)
        try:
            return max(1, min(256, int(str(value))))
        except ValueError:
            return 16

    @property
    def history_location(self) -> str | None:
        """Where GUI scans are recorded: a file path or a postgresql:// URL (kept without a password;
        PostgreSQL reads one from ~/.pgpass or PGPASSWORD). None: the default file in the user's data folder."""
        value = self._settings.value("history/location", "")
        return value.strip() if isinstance(value, str) and value.strip() else None

    @history_location.setter
    def history_location(self, location: str | None) -> None:
        self._settings.setValue("history/location", (location or "").strip())
        self._settings.sync()

    save_passwords = _Flag("connections/save_password")
    record_history = _Flag("history/record")

    def sync(self) -> None:
        self._settings.sync()

    @property
    def file_name(self) -> str:
        return self._settings.fileName()


class AppContext:
    def __init__(
        self,
        *,
        settings: AppSettings | None = None,
        credentials: CredentialStore | None = None,
        max_workers: int = 4,
        audit_path: Path | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.settings = settings or AppSettings()
        # The console's "now": scans' times, the history's rows, report periods and the event viewer's ranges.
        self.clock = clock
        self.credentials = credentials or CredentialStore()
        self.executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="avma-gui")
        self._scan_pool: ThreadPoolExecutor | None = None
        self._scan_workers: ScanWorkers | None = None
        self._history_writer: HistoryWriter | None = None
        self._history_writer_lock = threading.Lock()
        self._fleet_diagnoser: FleetDiagnoser | None = None
        self.errors = ErrorReporter()
        self.tasks = TaskRunner(self.executor, self.errors)
        self.inventory: Inventory | None = None
        self.inventory_path: Path | None = None
        self.guest_credential: Mapping[str, str] | None = None
        self.demo_lab: DemoLab | None = None
        self._shutdown_hooks: list[Callable[[], None]] = []
        self.closed = False
        # The audit log of write actions; None: the user data folder (audit-demo.jsonl for the demo lab).
        self.audit_path = audit_path
        self._audit: JsonLinesAuditLog | None = None
        self._audit_lock = threading.Lock()

    def history_writer(self) -> HistoryWriter:
        """The worker process that records scans in the history (created on first use, kept until shutdown)."""
        with self._history_writer_lock:
            if self._history_writer is None:
                self._history_writer = HistoryWriter()
            return self._history_writer

    def fleet_diagnoser(self) -> FleetDiagnoser:
        """The worker process that diagnoses whole scanned fleets (created on first use, kept until shutdown)."""
        with self._history_writer_lock:
            if self._fleet_diagnoser is None:
                self._fleet_diagnoser = FleetDiagnoser()
            return self._fleet_diagnoser

    def audit_log(self) -> JsonLinesAuditLog:
        """The audit log (opening it creates its file: call it on the executor). AuditLogError if unwritable."""
        path = self.audit_path or default_audit_path()
        if self.audit_path is None and self.demo_lab is not None:
            # Changes to the throw-away demo fleet stay out of the real fleet's trail (as on the command line).
            path = path.with_name("audit-demo.jsonl")
        with self._audit_lock:
            if self._audit is None or self._audit.path != path:
                self._audit = JsonLinesAuditLog(path, clock=self.clock)
            return self._audit

    def scan_pool(self, workers: int, hosts: int) -> ScanPool:
        """The long-lived pool for the host queries of a scan of `hosts` hosts, `workers` at once.

        From WORKER_PROCESSES_FROM_HOSTS hosts on, worker processes (kept for the next scan): the protocol
        work of many hosts would otherwise compete with the GUI thread for this interpreter (event-loop
        stalls of 170-260 ms while 500 hosts answered on threads here). Below that, `query_threads`.
        """
        if hosts < WORKER_PROCESSES_FROM_HOSTS:
            return self.query_threads(workers)
        processes = self._scan_workers
        if processes is None or processes.capacity < workers:
            if processes is not None:
                self.executor.submit(processes.shutdown)
            processes = scan_workers(workers, interactive=True)
            self._scan_workers = processes
            self.executor.submit(processes.start)  # spawning is not the GUI thread's business either
        return processes

    def query_threads(self, workers: int) -> ThreadPoolExecutor:
        """The long-lived thread pool for host queries (one pywinrm session per host and thread at a time).

        Threads are started from a worker thread, not from the GUI thread: starting dozens of threads
        (each start waits for the new thread to run) would otherwise stall the event loop at every scan.
        """
        pool = self._scan_pool
        if pool is None or pool._max_workers != workers:
            if pool is not None:
                pool.shutdown(wait=False)
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="avma-scan")
            self._scan_pool = pool
            self.executor.submit(_start_threads, pool, workers)
        return pool

    def on_shutdown(self, hook: Callable[[], None]) -> None:
        self._shutdown_hooks.append(hook)

    def shutdown(self) -> None:
        """Cancel running work, stop the demo lab, release the executor. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        for hook in self._shutdown_hooks:
            try:
                hook()
            except Exception:  # shutdown goes on: one failing hook must not keep the lab running
                log.exception("shutdown hook failed")
        self.tasks.cancel_all()
        lab, self.demo_lab = self.demo_lab, None
        if lab is not None:
            lab.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self._scan_pool is not None:
            self._scan_pool.shutdown(wait=False, cancel_futures=True)
        if self._scan_workers is not None:
            self._scan_workers.shutdown()
        if self._fleet_diagnoser is not None:
            self._fleet_diagnoser.shutdown()
        # After the hooks: the history's hook waits for the last scan's write, which this worker does.
        if self._history_writer is not None:
            self._history_writer.shutdown()
        self.settings.sync()


def _start_threads(pool: ThreadPoolExecutor, count: int) -> None:
    """Make `pool` start all its threads now: tasks that wait until every thread has picked one up."""
    gate = threading.Barrier(count, timeout=5)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait()

    for _ in range(count):
        pool.submit(wait)
