"""The history in the console: every GUI scan recorded, and the one open history the history windows read.

`HistoryRecording` is the scan controller's hook (`ScanHook`): before a scan it opens the history and reads
every host's watermark (on the executor), so hosts are asked only for events newer than those already stored;
after the scan it completes the VMs that got no new event with their latest stored one (the tree then shows
what a full scan would) and records the snapshot in the history writer's process (services/history_writer.py):
the GUI process only pickles the hosts, in slices on its event loop, and the write's seconds of Python run
elsewhere. Only a console closing before the write was handed over writes it itself. Recording never costs
the scan: a history that cannot be opened, is slow or fails to write is reported through `problem` (the main
window shows it in the Errors dock and the status line, never as a modal), and the scan's results stay on
screen.

Where: the setting `history/location` (a file path or a postgresql:// URL, see `AppSettings`), or the default
file in the user's data folder. The demo lab records into a throw-away history of its own, so demo VMs never
mix with a real fleet's licence records.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from avma_console.domain.clock import Clock
from avma_console.domain.fleet import FleetSnapshot
from avma_console.qt.context import AppContext
from avma_console.qt.text import translator
from avma_console.services.audit import AuditLog
from avma_console.services.history_access import (
    ConsoleHistory,
    HistoryError,
    HistoryLocationError,
    HistoryRecorder,
    RecordedScan,
    check_location,
    default_location,
)
from avma_console.services.history_writer import (
    HistoryCompletion,
    HistoryWrite,
    WrittenScan,
    located,
)
from avma_console.services.scan import ScanOptions, run_steps_on_loop
from avma_console.services.shipped_fleet import ShippedFleet

T = TypeVar("T")
log = logging.getLogger("avma_console.qt")

# How long a scan waits for the history before it starts without it (asking hosts for all their events).
PREPARE_TIMEOUT_S = 5.0
# How long closing the console waits for the last scan's recording.
SHUTDOWN_WAIT_S = 15.0
DEMO_FILE_NAME = "demo-history.sqlite3"
# The longest one slice of (un)packing a snapshot for the history writer runs on the GUI thread before input
# and paints get their turn.
SHIP_SLICE_S = 0.008


@dataclass(frozen=True, slots=True)
class _PendingWrite:
    history: ConsoleHistory
    location: str | None  # the setting the history was opened from (the writer process opens it too)
    recorder: HistoryRecorder
    snapshot: FleetSnapshot


_tr = translator("History")


@dataclass(frozen=True, slots=True)
class _Prepared:
    history: ConsoleHistory | None
    recorder: HistoryRecorder | None
    error: BaseException | None = None
    location: str | None = None  # the setting `history` was opened from


class HistoryRecording(QObject):
    recorded = Signal(object)  # RecordedScan: a scan is in the history (viewers refresh)
    problem = Signal(str, str)  # title, message (plain text): for the Errors dock and status line
    location_changed = Signal(str)  # the shown location (password masked)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._history: ConsoleHistory | None = None
        self._history_key: str | None = None
        self._open_lock: asyncio.Lock | None = None
        self._prepared: asyncio.Task[_Prepared] | None = None
        self._recording: asyncio.Task[None] | None = None
        self._scan_started = context.clock.now()
        self._demo_dir: tempfile.TemporaryDirectory[str] | None = None
        self._writing: concurrent.futures.Future[WrittenScan] | None = None
        self._pending: _PendingWrite | None = None  # a finished scan waiting to be recorded (scan_shown)
        self.last_recorded: RecordedScan | None = None
        self.recorded_count = 0
        self.failures = 0
        context.on_shutdown(self.close)

    # -- settings ------------------------------------------------------------------------------------------------
    @property
    def clock(self) -> Clock:
        """The console's clock: the event viewer's ranges and the report dialog's periods count from it."""
        return self._context.clock

    @property
    def enabled(self) -> bool:
        return self._context.settings.record_history

    def set_enabled(self, enabled: bool) -> None:
        self._context.settings.record_history = enabled

    @property
    def demo(self) -> bool:
        return self._context.demo_lab is not None

    def location_setting(self) -> str | None:
        """What is opened: the demo's own file, the configured location, or None (the default file)."""
        if self.demo:
            if self._demo_dir is None:
                self._demo_dir = tempfile.TemporaryDirectory(prefix="avma-demo-history-", ignore_cleanup_errors=True)
            return str(Path(self._demo_dir.name) / DEMO_FILE_NAME)
        return self._context.settings.history_location

    def configured_location(self) -> str | None:
        """The setting (for real fleets), whatever the demo uses."""
        return self._context.settings.history_location

    def location_text(self) -> str:
        """The location as the operator may see it (a URL's password masked), without opening anything."""
        if self._history is not None and self._history_key == self.location_setting():
            return self._history.location
        setting = self.location_setting()
        if setting is None:
            return default_location()
        try:
            return check_location(setting)
        except HistoryLocationError as error:
            return str(error)

    def set_location(self, location: str | None) -> None:
        """Change where scans are recorded (validated by the caller); the next use opens it."""
        self._context.settings.history_location = location
        self.location_changed.emit(self.location_text())

    # -- the open history --------------------------------------------------------------------------------------
    async def history(self) -> ConsoleHistory:
        """The open history for the current location (opened, or re-opened after a change, on the executor).

        Raises HistoryError (the message names the database and the fix)."""
        if self._open_lock is None:
            self._open_lock = asyncio.Lock()
        async with self._open_lock:
            key = self.location_setting()
            if self._history is not None and self._history_key == key:
                return self._history
            old, self._history = self._history, None
            if old is not None:
                await self._context.tasks.run_blocking(old.close)
            history = await self._context.tasks.run_blocking(
                functools.partial(ConsoleHistory.open, key, clock=self._context.clock)
            )
            self._history, self._history_key = history, key
        self.location_changed.emit(history.location)
        return history

    async def audit_log(self) -> AuditLog | None:
        """The history's audit table for write actions; None (the local file still records) if it won't open."""
        try:
            return (await self.history()).audit_log()
        except Exception as error:
            self.problem.emit(self.tr("History not recording write actions"), str(error))
            return None

    async def run(self, query: Callable[[ConsoleHistory], T]) -> T:
        """Run a query against the history on the executor. Raises HistoryError."""
        history = await self.history()
        return await self._context.tasks.run_blocking(query, history)

    def close(self) -> None:
        """At exit: let a scan that is being written finish (a closed console must not lose its last scan)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                pending.history.record(pending.recorder, pending.snapshot)
            except Exception:  # logged; the console still closes
                log.exception("recording the last scan at exit failed")
        writing = self._writing
        if writing is not None and not writing.done():
            log.info("waiting up to %.0f s for the last scan to be recorded", SHUTDOWN_WAIT_S)
            concurrent.futures.wait([writing], timeout=SHUTDOWN_WAIT_S)
        history, self._history = self._history, None
        if history is not None:
            try:
                history.close()
            except Exception:  # shutdown goes on; the engine is gone with the process anyway
                log.exception("closing the history failed")
        demo_dir, self._demo_dir = self._demo_dir, None
        if demo_dir is not None:
            demo_dir.cleanup()

    # -- the scan hook ------------------------------------------------------------------------------------------
    async def before_scan(self, options: ScanOptions) -> ScanOptions:
        """Open the history and read the watermarks; hosts are then asked only for newer events.

        A history that is not ready within PREPARE_TIMEOUT_S does not hold the scan up: it asks for all events
        (the recording afterwards still works, or says why not)."""
        self._prepared = None
        if not self.enabled:
            return options
        self._scan_started = self._context.clock.now()
        # The writer process starts while the hosts are asked (importing the store takes it a moment).
        self._context.executor.submit(self._context.history_writer().start)
        task = self._context.tasks.spawn(self._prepare(), name="history: prepare a recorded scan")
        self._prepared = task
        done, _pending = await asyncio.wait({task}, timeout=PREPARE_TIMEOUT_S)
        if task not in done:
            log.warning("the history was not ready in %.0f s; this scan asks hosts for all events", PREPARE_TIMEOUT_S)
            return options
        recorder = task.result().recorder
        return recorder.scan_options(options) if recorder is not None else options

    async def _prepare(self) -> _Prepared:
        try:
            if self._recording is not None and not self._recording.done():
                await asyncio.wait({self._recording})  # the previous scan's events first: fresh watermarks
            history = await self.history()
            location = self._history_key
            recorder = await self._context.tasks.run_blocking(history.recorder, self._source())
        except Exception as error:  # any failure here is shown after the scan; it must never stop the scan
            return _Prepared(None, None, error)
        return _Prepared(history, recorder, location=location)

    async def after_scan(self, snapshot: FleetSnapshot, *, cancelled: bool, partial: bool) -> FleetSnapshot:
        """Complete the snapshot from the history (VMs whose latest event is older than the watermark), then
        record it in the background. Returns what the tree should show; never raises."""
        task, self._prepared = self._prepared, None
        if task is None:
            return snapshot
        prepared = await task
        if prepared.error is not None or prepared.history is None or prepared.recorder is None:
            self._failed(prepared.error)
            return snapshot
        history, recorder = prepared.history, prepared.recorder
        try:
            completed = await self._completed(prepared.location, recorder.asked_hosts, snapshot)
        except Exception as error:  # the scan stays as it came
            self._failed(error)
            return snapshot
        if cancelled:
            # An interrupted scan would read as "these hosts only" in an inventory report; nothing is lost by
            # skipping it: the watermarks did not move, so the next scan collects the same events again.
            log.info("a cancelled scan is not recorded in the history")
            return completed
        # A rescan of some hosts is recorded as the whole fleet the console shows, at the rescan's time.
        to_record = replace(completed, scanned_at=self._scan_started) if partial else completed
        # Written once the scan is on screen (`scan_shown`), by the history writer's process: the write is
        # seconds of CPU-bound Python, which in this process would take the GIL from the GUI thread. Until then
        # a closing console writes it itself (`close`).
        self._pending = _PendingWrite(history, prepared.location, recorder, to_record)
        return completed

    def scan_shown(self) -> None:
        """The scan is in the tree: record it in the background now (in the history writer's process)."""
        pending = self._pending
        if pending is None:
            return
        self._recording = self._context.tasks.spawn(self._record(pending), name="history: record the scan")

    async def _completed(self, location: str | None, asked: frozenset[str], snapshot: FleetSnapshot) -> FleetSnapshot:
        """`recorder.complete` in the history writer's process (the snapshot packed and, if it changed,
        unpacked in slices here). Raises HistoryError."""
        if not asked:  # every host was asked for all its events: nothing to complete
            return snapshot
        scan = await run_steps_on_loop(ShippedFleet.packed_in_steps(snapshot), SHIP_SLICE_S)
        writer = self._context.history_writer()
        completion = HistoryCompletion(located(location), asked, scan)
        completed = await asyncio.wrap_future(
            self._context.executor.submit(lambda: writer.submit_completion(completion).result())
        )
        if completed is None:
            return snapshot
        return await run_steps_on_loop(completed.unpacked_in_steps(), SHIP_SLICE_S)

    async def _record(self, pending: _PendingWrite) -> None:
        scan = await run_steps_on_loop(ShippedFleet.packed_in_steps(pending.snapshot), SHIP_SLICE_S)
        write = HistoryWrite(located(pending.location), self._context.clock.now(), pending.recorder.source, scan)
        if self._pending is not pending:  # a closing console has written it meanwhile
            return
        self._pending = None
        writer = self._context.history_writer()
        # Sent from the executor (the pipe write may block while the worker reads), and submitted before any
        # await: closing the console from here on waits for this write.
        self._writing = self._context.executor.submit(lambda: writer.submit(write).result())
        try:
            written = await asyncio.wrap_future(self._writing)
        except Exception as error:  # shown in the Errors dock; the scan on screen is unaffected
            self._failed(error)
            return
        result = written.recorded(pending.snapshot)
        self.last_recorded = result
        self.recorded_count += 1
        self.recorded.emit(result)

    async def wait_idle(self) -> None:
        """Until the last scan's recording is done (tests, and a clean exit)."""
        if self._recording is not None and not self._recording.done():
            await asyncio.wait({self._recording})

    @property
    def busy(self) -> bool:
        return self._pending is not None or (self._recording is not None and not self._recording.done())

    def _source(self) -> str:
        if self.demo:
            return "console (demo lab)"
        path = self._context.inventory_path
        return f"console: {path}" if path is not None else "console"

    def _failed(self, error: BaseException | None) -> None:
        self.failures += 1
        if isinstance(error, HistoryError):
            reason = str(error)
        elif error is not None:
            log.error("recording the scan failed", exc_info=error)
            reason = f"{type(error).__name__}: {error}"
        else:
            reason = _tr("the history was not ready")
        self.problem.emit(
            _tr("Scan not recorded in the history"),
            _tr("{reason}. The scan's results are shown as usual; the next scan tries to record again.").format(
                reason=reason.rstrip(".")
            ),
        )
