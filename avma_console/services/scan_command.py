"""`avma-console scan`: scan an inventory (or the demo lab) and print the fleet as a table, JSON or CSV."""

from __future__ import annotations

import getpass
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from avma_console.domain.inventory import Inventory, InventoryEntry, InventoryError
from avma_console.remote.scanner import HostOutcome, ScanProgress
from avma_console.services.arguments import Output
from avma_console.services.credentials import CredentialError, CredentialStore, resolve_password
from avma_console.services.demo import DemoLab, DemoLabError
from avma_console.services.event_loop import run_to_end
from avma_console.services.fleet_formats import to_csv, to_json, to_table
from avma_console.services.guest_credentials import GuestCredentialResolver
from avma_console.services.history import HistoryRecorder, open_history
from avma_console.services.inventory_files import load_inventory
from avma_console.services.scan import ScanOptions, favour_throughput, scan_inventory
from avma_console.store import HistoryBusyError, HistoryError, HistoryUnavailableError

# 0: every host answered (and, with --record, the snapshot is stored); 1: some host failed, or the recording
# failed (the results are printed either way); 2: bad usage or input, nothing scanned; 3: nothing could be
# scanned: no host answered (still recorded, as the outage it is), or another recorded scan held the history.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOTHING_SCANNED = 0, 1, 2, 3


def _report_progress(outcome: HostOutcome, progress: ScanProgress) -> None:
    """A progress line on an interactive terminal; scheduled runs (no terminal) stay quiet."""
    if not sys.stderr.isatty():
        return
    sys.stderr.write(
        f"\r  {progress.done}/{progress.total} hosts, {progress.failed} failed, {progress.elapsed_s:.1f} s "
    )
    if progress.done == progress.total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def scan_to_text(
    inventory: Inventory, output_format: str, options: ScanOptions, recorder: HistoryRecorder | None = None
) -> tuple[str, int]:
    """The printed result and the exit code it deserves."""
    store = CredentialStore()
    prompt = getpass.getpass if sys.stdin.isatty() else None

    def password_for(entry: InventoryEntry) -> str | None:
        return resolve_password(entry, store=store, prompt=prompt)

    if recorder is not None:
        options = recorder.scan_options(options)
    with favour_throughput():
        snapshot = run_to_end(scan_inventory(inventory, password_for, options=options, on_result=_report_progress))
    recorded = True
    if recorder is not None:
        snapshot, recorded = recorder.record_for_command(snapshot, sys.stderr)
    render = {"json": to_json, "csv": to_csv, "table": to_table}[output_format]
    answered = sum(1 for host in snapshot.hosts if host.reachable)
    if snapshot.hosts and answered == 0:
        code = EXIT_NOTHING_SCANNED
    elif recorded and answered == len(snapshot.hosts):
        code = EXIT_OK
    else:
        code = EXIT_FAILED
    return render(snapshot), code


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """What `avma-console scan` was asked: which fleet, how many hosts at once, what to print where."""

    demo: bool
    inventory: Path | None
    concurrency: int
    output: Output
    # --guest-user and --guest-credential as given (None: the inventory's guest settings decide).
    guest_user: str | None = None
    guest_credential: str | None = None

    def with_guest_credentials(self, inventory: Inventory, options: ScanOptions) -> ScanOptions:
        """The scan options with each entry's guest credential; every password is found before the scan starts,
        so a missing one stops the command (exit 2) rather than quietly scanning from the host side only."""
        resolver = GuestCredentialResolver(
            store=CredentialStore(),
            prompt=getpass.getpass if sys.stdin.isatty() else None,
            user=self.guest_user,
            spec=self.guest_credential,
        )
        resolver.check(inventory.entries)
        return replace(options, guest_credential_for=resolver.resolve)


def run_scan_command(
    request: ScanRequest, *, record: bool = False, history: str | None = None, lock_wait_s: float = 600.0
) -> int:
    if not record:
        return _scan(request)
    # Opened before scanning: a wrong --history fails in a second, not after a scan of the whole fleet.
    try:
        history_store = open_history(history)
    except HistoryError as error:
        return _fail(error, EXIT_FAILED if isinstance(error, HistoryUnavailableError) else EXIT_USAGE)
    try:
        with history_store.recorded_scan_lock(lock_wait_s):
            source = "demo" if request.demo else str(request.inventory)
            return _scan(request, HistoryRecorder(history_store, source=source))
    except HistoryBusyError as error:
        return _fail(error, EXIT_NOTHING_SCANNED)
    except HistoryError as error:
        return _fail(error, EXIT_FAILED)
    finally:
        history_store.close()


def _scan(request: ScanRequest, recorder: HistoryRecorder | None = None) -> int:
    demo, inventory, output_format = request.demo, request.inventory, request.output.format
    concurrency = request.concurrency
    if demo:
        try:
            with DemoLab() as lab:
                loaded = load_inventory(lab.inventory_path)
                # The demo knows its guests' password; --guest-credential (e.g. a wrong one) replaces it.
                options = ScanOptions(concurrency=concurrency, guest_credential=lab.guest_credential)
                if request.guest_credential is not None:
                    options = request.with_guest_credentials(loaded, options)
                text, code = scan_to_text(loaded, output_format, options, recorder)
        except DemoLabError as error:
            return _fail(error, EXIT_FAILED)
        except CredentialError as error:
            return _fail(error, EXIT_USAGE)
    else:
        assert inventory is not None
        try:
            loaded = load_inventory(inventory)
        except InventoryError as error:
            return _fail(error, EXIT_USAGE)
        if not loaded.entries:
            # A truncated or replaced inventory must not pass for a healthy fleet (nor store an empty snapshot).
            sys.stderr.write(
                f"avma-console scan: {inventory} lists no hosts and no clusters, so there is nothing to scan; "
                "add [[hosts]] or [[clusters]] entries (name = ...), or point --inventory at the right file\n"
            )
            return EXIT_USAGE
        try:
            options = request.with_guest_credentials(loaded, ScanOptions(concurrency=concurrency))
        except CredentialError as error:
            return _fail(error, EXIT_USAGE)
        text, code = scan_to_text(loaded, output_format, options, recorder)
    request.output.write(text)
    return code


def _fail(error: Exception, code: int) -> int:
    """Say what went wrong (the error names the input and the fix) and give the command's exit code."""
    sys.stderr.write(f"avma-console scan: {error}\n")
    return code
