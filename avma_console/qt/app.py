"""Bootstrap: QApplication, the one qasync event loop, the context, the window; clean shutdown.

`create_event_loop` is the only place an asyncio loop is created for the GUI. The loop is created in
"already running" mode: Qt's own `exec()` drives it, so Qt's event processing and asyncio's callbacks are
one loop, and tests (pytest-qt waiting with Qt event loops) drive it the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import signal
import socket
import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

from avma_console.qt.context import AppContext, ErrorReporter
from avma_console.qt.i18n import install_translators
from avma_console.qt.widgets.main_window import MainWindow
from avma_console.qt.widgets.window_layout import fit_layout
from avma_console.services.logs import EscapingFormatter

ORGANIZATION = "AVMA Console"
APPLICATION = "avma-console"
SCREENSHOT_SIZE = (1600, 1000)
SCREENSHOT_VM = "app-2025"

log = logging.getLogger("avma_console.qt")


def configure_application(app: QCoreApplication) -> None:
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    if isinstance(app, QApplication):
        app.setApplicationDisplayName("AVMA Console")


# The interpreter's switch interval in the GUI process (Python's default is 5 ms): how long a thread that wants
# the GIL waits before the holder is asked to let go. PySide lets the GIL go around many calls (signal
# emission, createIndex, ...), and while a worker thread runs CPU-bound Python (a report, an export) the GUI
# thread waits up to one interval to get it back after each of them.
GUI_SWITCH_INTERVAL_S = 0.001


def prefer_the_gui_thread() -> None:
    """Short GIL turns for the GUI process, so its GUI thread gets the interpreter back quickly (see above).
    The scan's host queries run in worker processes and are not slowed by it."""
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


class GuiEventLoop(qasync.QEventLoop):  # type: ignore[misc]  # qasync has no type hints
    """qasync's loop, with the callbacks that are ready run together, in one call into Python per pass.

    qasync starts a Qt timer for every `call_soon` and Qt delivers each as its own event: a task step, a future's
    result, a semaphore handing over are each a separate call from Qt into Python. Each of those has to get the
    GIL first, and while a scan's threads keep it busy that costs up to a switch interval apiece: a host that
    answers used to be ~6 of them. Here the ready callbacks wait in a queue (as in asyncio's own loops) and one
    zero-interval timer runs everything queued so far; what they schedule runs on the next pass.
    """

    def __init__(self, app: QApplication, *, already_running: bool) -> None:
        self._ready_handles: deque[asyncio.Handle] = deque()
        self._ready_timer = QTimer()
        self._ready_timer.setSingleShot(True)
        self._ready_timer.setInterval(0)
        self._ready_timer.timeout.connect(self._run_ready)
        super().__init__(app, already_running=already_running)

    def call_soon(
        self, callback: Callable[..., object], *args: object, context: contextvars.Context | None = None
    ) -> asyncio.Handle:
        if asyncio.iscoroutinefunction(callback):
            raise TypeError("coroutines cannot be used with call_soon")
        handle = asyncio.Handle(callback, args, self, context=context)
        self._ready_handles.append(handle)
        if not self._ready_timer.isActive():
            self._ready_timer.start()
        return handle

    def _run_ready(self) -> None:
        batch, self._ready_handles = self._ready_handles, deque()
        for handle in batch:
            if not handle.cancelled():
                handle._run()  # errors go to the loop's exception handler, as in asyncio

    def close(self) -> None:
        self._ready_timer.stop()
        self._ready_handles.clear()
        super().close()


def create_event_loop(app: QApplication) -> asyncio.AbstractEventLoop:
    """The GUI's asyncio loop (qasync), created here and nowhere else."""
    loop: asyncio.AbstractEventLoop = GuiEventLoop(app, already_running=True)
    # qasync's default executor (QThread based) crashes under PySide6 6.12; blocking calls go to a plain pool.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=2, thread_name_prefix="avma-default"))
    asyncio.set_event_loop(loop)
    return loop


def install_excepthook(errors: ErrorReporter) -> Callable[[], None]:
    """Unexpected exceptions (in slots, callbacks, the loop) are logged and shown, never silently lost."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        errors.report(QCoreApplication.translate("App", "Unexpected error: {error}").format(error=error), error)

    def loop_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, BaseException) and not isinstance(error, asyncio.CancelledError):
            errors.report(str(context.get("message", "")), error)
        else:
            log.warning("asyncio: %s", context.get("message"))

    sys.excepthook = hook
    asyncio.get_event_loop().set_exception_handler(loop_handler)

    def restore() -> None:
        sys.excepthook = previous

    return restore


FIRST_SCAN_SHOWN = "first scan shown"  # the log line that says the window shows the first scan's fleet


def run_gui(
    *,
    demo: bool,
    inventory: Path | None,
    screenshot: Path | None,
    window_size: tuple[int, int] | None = None,
    select: str | None = None,
    show_events: bool = False,
    language: str | None = None,
) -> int:
    """Open the console window; with `screenshot`, save it after the first scan and exit (`select`: the VM in
    the detail pane; `show_events`: the AVMA events dock in front, once the recorded scan fills it).

    The window logs FIRST_SCAN_SHOWN once the first scan is in the tree and painted (scripts and the real-window
    test wait for it), and closes as the Quit action does on SIGTERM or SIGINT (layout saved, exit code 0)."""
    handler = logging.StreamHandler()
    # Host and tenant text (VM names, error messages) reaches log lines: never raw control characters.
    handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    install_translators(app, language)
    prefer_the_gui_thread()
    loop = create_event_loop(app)
    context = AppContext()
    restore_hook = install_excepthook(context.errors)
    window = MainWindow(context)
    exit_code = 0
    if screenshot is None:
        window.restore_layout()
        if window_size is not None:
            window.resize(*window_size)
            fit_layout(window, *window_size)
    else:
        size = window_size or SCREENSHOT_SIZE
        window.resize(*size)
        fit_layout(window, *size)

        def report_and_fail(title: str, details: str) -> None:
            nonlocal exit_code
            sys.stderr.write(f"avma-console: {title}\n{details}\n")
            exit_code = 1
            app.exit(1)

        context.errors.reported.connect(report_and_fail)
        window.session.problem.connect(report_and_fail)
        window.first_scan_finished.connect(
            lambda: context.tasks.spawn(
                _save_screenshot(window, screenshot, select=select, show_events=show_events), name="screenshot"
            )
        )
    window.first_scan_finished.connect(lambda: QTimer.singleShot(0, lambda: _log_first_scan(window)))
    close_on_signals(window)
    window.show()

    def start() -> None:
        if demo:
            context.tasks.spawn(window.start_demo(), name="demo")
        elif inventory is not None:
            context.tasks.spawn(window.open_inventory(inventory), name="open inventory")
        elif context.settings.last_inventory is not None and context.settings.last_inventory.is_file():
            context.tasks.spawn(
                window.open_inventory(context.settings.last_inventory, scan=False), name="open inventory"
            )

    QTimer.singleShot(0, start)  # the window paints first; the lab and files load afterwards
    app.aboutToQuit.connect(context.shutdown)
    try:
        result = app.exec()
    finally:
        context.shutdown()
        restore_hook()
        loop.stop()
        loop.close()
    return exit_code or result


def _log_first_scan(window: MainWindow) -> None:
    window.repaint()  # painted and flushed to the display before anyone is told it is there
    log.info("%s: %d hosts, %d VMs", FIRST_SCAN_SHOWN, window.model.host_count, window.model.vm_count)


def close_on_signals(window: MainWindow) -> None:
    """SIGTERM and SIGINT close the window the way File > Quit does (layout saved, lab stopped, exit 0).

    Python runs signal handlers only when the interpreter gets control; Qt's event loop may sleep in C for a
    long time, so the signal is written to a socket (signal.set_wakeup_fd) that a QSocketNotifier watches."""
    if not hasattr(signal, "SIGTERM"):
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)

    def woken() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        window.close()

    notifier.activated.connect(woken)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: None)  # a Python handler, so the wakeup byte is written
    _SIGNAL_SOCKETS.append((reader, writer, notifier))


_SIGNAL_SOCKETS: list[tuple[socket.socket, socket.socket, QSocketNotifier]] = []  # kept alive with the window


async def _save_screenshot(
    window: MainWindow, path: Path, *, select: str | None = None, show_events: bool = False
) -> None:
    """Select a VM (`select`, else one with findings), wait for the detail pane (and with `show_events` for
    the events dock to show its events), grab the window, save it, quit."""
    loaded = asyncio.get_running_loop().create_future()
    events = asyncio.get_running_loop().create_future()

    def done(_: object) -> None:
        if not loaded.done():
            loaded.set_result(None)

    def events_shown(rows: int) -> None:
        if rows and not events.done():
            events.set_result(None)

    window.details.loaded.connect(done)
    if show_events:
        window.history.events.loaded.connect(events_shown)
        window.history.show_events()
    if select is not None and not window.select_vm(select):
        sys.stderr.write(f"avma-console: --select {select}: no VM of that name in the scanned fleet\n")
        QApplication.exit(2)
        return
    if select is None and not window.select_vm(SCREENSHOT_VM):
        # Another fleet: pick the first VM that has findings.
        for host in window.model.tree.hosts.values():
            vm = next((child for child in host.children if child.record.findings), None)
            if vm is not None and window.select_node(vm):
                break
        else:
            done(None)
    await asyncio.wait_for(loaded, timeout=10)
    if show_events:
        await asyncio.wait_for(events, timeout=30)  # the events come with the scan's recording
    await asyncio.sleep(0.2)  # let layouts settle and paint
    pixmap = window.grab()
    if not pixmap.save(str(path)):
        sys.stderr.write(f"avma-console: cannot write the screenshot {path}; choose a writable path\n")
        QApplication.exit(1)
        return
    window.close()
    QApplication.exit(0)
