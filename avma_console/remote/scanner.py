"""Asyncio fan-out over many hosts: bounded concurrency, one client per host, one bad host never stops a scan."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from avma_console.domain.fleet import HostRecord
from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import ErrorKind, Messages, RemoteError
from avma_console.remote.fanout import Progress, run_bounded
from avma_console.remote.host_document import HostScan, parse_host_document
from avma_console.remote.parsing import OutputFormatError, parse_json_document
from avma_console.remote.workers import WorkerLostError, WorkerProcesses


@dataclass(frozen=True, slots=True)
class ScanTarget:
    endpoint: Endpoint
    password: str | None = field(default=None, repr=False)
    guest_credential: Mapping[str, str] | None = field(default=None, repr=False)
    since: datetime | None = None
    # Per VM id (upper case): ask its guest only for events 12309 at or after this time (the history's watermark).
    guest_since: Mapping[str, datetime] | None = None

    def without_secrets(self) -> ScanTarget:
        """The target as results carry it: the passwords stay with the query that needed them."""
        return replace(self, password=None, guest_credential=None)


@dataclass(frozen=True, slots=True)
class HostOutcome:
    target: ScanTarget
    scan: HostScan | None
    error: RemoteError | None
    seconds: float
    attempts: int = 1
    cluster_entry: str | None = None  # the [[clusters]] entry this answer came through, if any
    assessed: HostRecord | None = None  # the host diagnosed on its own (no cluster context yet)
    # `assessed` pickled where it was diagnosed (a worker process), for a GUI to ship it on unpickled-free
    assessed_pickle: bytes | None = None


ScanProgress = Progress  # the scan's view of the shared progress counter


def scan_host(
    target: ScanTarget, *, max_events: int = 500, cancelled: threading.Event | None = None, retries: int = 2
) -> HostOutcome:
    """Query one host (blocking; runs on the executor). Retries only errors that a retry can fix."""
    started = time.monotonic()
    params: dict[str, object] = {
        "since": target.since.isoformat() if target.since else None,
        "max_events": max_events,
        "guest_credential": dict(target.guest_credential) if target.guest_credential else None,
        "guest_since": {vm_id: when.isoformat() for vm_id, when in (target.guest_since or {}).items()} or None,
    }
    attempt = 0
    quota_retried = False
    while True:
        attempt += 1
        if cancelled is not None and cancelled.is_set():
            error = RemoteError(ErrorKind.CANCELLED, target.endpoint.host, Messages.SCAN_CANCELLED)
            return HostOutcome(target, None, error, time.monotonic() - started, attempt)
        try:
            with WinRmClient(target.endpoint, target.password, cancelled=cancelled) as client:
                stdout = client.run_json_script("host_inventory", params)
            try:
                document = parse_json_document(stdout)
                scan = parse_host_document(document, target.endpoint.host, target.endpoint.url)
            except OutputFormatError as error:
                raise RemoteError(
                    ErrorKind.BAD_OUTPUT, target.endpoint.host, f"unreadable inventory: {error}"
                ) from None
            return HostOutcome(target, scan, None, time.monotonic() - started, attempt)
        except RemoteError as error:
            if error.kind is ErrorKind.QUOTA and not quota_retried:
                # A quota is not retried blindly: wait for other sessions to finish, then try exactly once more.
                quota_retried = True
                (cancelled or threading.Event()).wait(target.endpoint.quota_wait_s)
                continue
            if error.kind is ErrorKind.QUOTA:
                wait = target.endpoint.quota_wait_s
                final = RemoteError(
                    ErrorKind.QUOTA,
                    error.host,
                    f"{error.message} (still so after waiting {wait:g} s and one retry)",
                    fix=error.fix,
                    setting=error.setting,
                )
                return HostOutcome(target, None, final, time.monotonic() - started, attempt)
            if not error.retryable or attempt > retries:
                return HostOutcome(target, None, error, time.monotonic() - started, attempt)
            # Back off before retrying; a cancel during the wait ends it early and the loop reports it.
            (cancelled or threading.Event()).wait(0.25 * 2 ** (attempt - 1))


def _scan_and_finish(
    target: ScanTarget,
    cancelled: threading.Event,
    *,
    max_events: int,
    finish: Callable[[HostOutcome], HostOutcome] | None,
) -> HostOutcome:
    """One host's query and `finish`, where the pool runs it (module-level: worker processes import it)."""
    outcome = scan_host(target, max_events=max_events, cancelled=cancelled)
    outcome = replace(outcome, target=target.without_secrets())
    return finish(outcome) if finish is not None else outcome


async def scan_hosts(
    targets: Sequence[ScanTarget],
    *,
    concurrency: int = 16,
    max_events: int = 500,
    on_result: Callable[[HostOutcome, ScanProgress], None] | None = None,
    finish: Callable[[HostOutcome], HostOutcome] | None = None,
    cancelled: threading.Event | None = None,
    executor: ThreadPoolExecutor | WorkerProcesses | None = None,
) -> list[HostOutcome]:
    """Scan every target, at most `concurrency` at once, reporting each result as it arrives.

    Cancelling the awaiting task (or setting `cancelled`) stops new hosts from starting; hosts already
    talking finish their current request and their shells are deleted. `finish` runs where the query ran
    (a pool thread or a worker process) after each host, so per-host work never lands on the loop's thread
    (the GUI thread, under qasync); with worker processes it must be a module-level function.
    """
    work = functools.partial(_scan_and_finish, max_events=max_events, finish=finish)

    def cancelled_outcome(target: ScanTarget) -> HostOutcome:
        error = RemoteError(ErrorKind.CANCELLED, target.endpoint.host, Messages.SCAN_CANCELLED)
        return HostOutcome(target.without_secrets(), None, error, 0.0)

    def failed_outcome(target: ScanTarget, error: Exception) -> HostOutcome:
        message = str(error) if isinstance(error, WorkerLostError) else f"the query failed unexpectedly: {error!r}"
        remote = RemoteError(ErrorKind.INTERNAL, target.endpoint.host, message)
        return HostOutcome(target.without_secrets(), None, remote, 0.0)

    return await run_bounded(
        targets,
        work,
        cancelled_result=cancelled_outcome,
        failed_result=failed_outcome,
        is_ok=lambda outcome: outcome.error is None,
        concurrency=concurrency,
        on_result=on_result,
        cancelled=cancelled,
        executor=executor,
        thread_name_prefix="avma-scan",
    )
