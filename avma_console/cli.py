"""The `avma-console` command: the GUI by default, and headless subcommands for scripts and schedulers.

Exit codes (contract): 0 success, 1 the operation failed (results may still be printed), 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from avma_console import __version__
from avma_console.domain.i18n import Translate, no_translation
from avma_console.services.arguments import Output, non_negative_int, positive_int

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

SUBCOMMANDS = ("gui", "scan", "lab", "matrix", "keys", "report", "push", "kvp", "unattend")


class UsageError(Exception):
    """Bad input from the command line or a file it names; the message says what to change."""


def _add_gui(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gui = subparsers.add_parser("gui", help="open the console window (the default)")
    source = gui.add_mutually_exclusive_group()
    source.add_argument("--demo", action="store_true", help="start the built-in lab fleet and scan it")
    source.add_argument("--inventory", type=Path, metavar="FILE", help="inventory file (TOML) to load")
    gui.add_argument("--screenshot", type=Path, metavar="PNG", help="save the window after the first scan, then exit")
    gui.add_argument(
        "--window-size",
        type=window_size,
        metavar="WxH",
        help="open the window at this size, e.g. 1366x768 (default: the remembered size; 1600x1000 for --screenshot)",
    )
    gui.add_argument("--select", metavar="VM", help="with --screenshot: the VM shown in the detail pane")
    gui.add_argument(
        "--show-events", action="store_true", help="with --screenshot: the AVMA events dock in front, once filled"
    )
    _add_language(gui, "the window's language")
    gui.set_defaults(handler=_run_gui)


LANGUAGE_CODES = ("en", "de")


def _add_language(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGUAGE_CODES,
        help=f"{what} (default: the language chosen in View > Language, else the system locale, e.g. LANG=de_DE.UTF-8)",
    )


def window_size(text: str) -> tuple[int, int]:
    """ "1366x768" -> (1366, 768); anything else is a usage error that shows the expected form."""
    width, separator, height = text.strip().lower().partition("x")
    if (
        separator
        and width.isdigit()
        and height.isdigit()
        and 200 <= int(width) <= 16384
        and 200 <= int(height) <= 16384
    ):
        return int(width), int(height)
    raise argparse.ArgumentTypeError(f"{text!r} is not a window size: give WIDTHxHEIGHT in pixels, e.g. 1366x768")


def _add_scan(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scan = subparsers.add_parser("scan", help="scan hosts and print every VM's activation state")
    source = scan.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="scan the built-in lab fleet")
    source.add_argument("--inventory", type=Path, metavar="FILE", help="inventory file (TOML)")
    scan.add_argument("--format", choices=("table", "json", "csv"), default="table")
    scan.add_argument("--output", type=Path, metavar="PATH", help="write the result here instead of stdout")
    scan.add_argument("--concurrency", type=positive_int, default=16, metavar="N", help="hosts queried at once (16)")
    scan.add_argument("--record", action="store_true", help="store the result in the history (for reports)")
    scan.add_argument(
        "--history",
        metavar="DB|URL",
        help="history file or postgresql:// URL (default: a file in the user data folder)",
    )
    scan.add_argument(
        "--lock-wait",
        type=non_negative_int,
        default=600,
        metavar="SECONDS",
        help="with --record: how long to wait for another recorded scan of the same history to finish (600)",
    )
    scan.add_argument(
        "--guest-user",
        metavar="NAME",
        help="a local administrator of the guests, to read their own licence through PowerShell Direct "
        "(default: the inventory's guest_username, else Administrator)",
    )
    scan.add_argument(
        "--guest-credential",
        metavar="env:VAR|keyring|prompt",
        help="the guests' password (default: the inventory's guest_credential; without either, host-side only)",
    )
    scan.set_defaults(handler=_run_scan)


def _add_report(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser(
        "report",
        help="licence reports from the recorded history",
        description="inventory: every VM of the latest recorded scan (before --to); compliance: per host and "
        "month, VMs seen running and how they were activated, with event evidence; changes: state, host and key "
        "changes and operator actions; events: every AVMA event, 12310 on the hosts and 12309 in the guests. DATE: a day (2026-11-01), a month (2026-11) or an ISO time, UTC; a day or "
        "month as --to is included whole. Months are UTC calendar months: an event counts in the month of its "
        "own time, a VM seen running in the month of the scan that saw it.",
    )
    report.add_argument(
        "--history",
        metavar="DB|URL",
        help="history file or postgresql:// URL (default: a file in the user data folder)",
    )
    report.add_argument("--kind", choices=("inventory", "compliance", "changes", "events"), required=True)
    report.add_argument("--host", metavar="H", help="events report: only this host's and its guests' events")
    report.add_argument("--vm", metavar="V", help="events report: only this VM's events (its name or id)")
    report.add_argument(
        "--from", dest="start", type=_period_start, metavar="DATE", help="start of the period (included)"
    )
    report.add_argument("--to", dest="end", type=_period_end, metavar="DATE", help="end of the period (included)")
    report.add_argument("--format", choices=("csv", "html", "pdf"), default="csv")
    report.add_argument("--output", type=Path, metavar="PATH", help="write the report here (required for pdf)")
    _add_language(report, "the language of HTML and PDF reports (CSV column names stay English)")
    report.set_defaults(handler=_run_report)


def _add_lab(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lab = subparsers.add_parser("lab", help="serve a simulated Hyper-V fleet over WinRM on 127.0.0.1")
    lab.add_argument("--fleet", type=Path, metavar="FILE", help="fleet file (JSON); default: the demo fleet")
    lab.add_argument("--hosts", type=positive_int, metavar="N", help="generate N hosts instead of reading a file")
    lab.add_argument("--vms-per-host", type=non_negative_int, default=10, metavar="M", help="VMs per generated host")
    lab.add_argument("--latency-ms", type=float, default=0.0, metavar="X", help="extra delay per WinRM request")
    lab.add_argument("--tls", action="store_true", help="serve HTTPS (a CA file is written for clients)")
    lab.add_argument("--auth", choices=("basic", "ntlm"), default="ntlm")
    lab.add_argument("--write-inventory", type=Path, metavar="PATH", help="write an inventory file for the endpoints")
    lab.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    lab.set_defaults(handler=_run_lab)


def _add_reference(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    matrix = subparsers.add_parser("matrix", help="which host versions activate which guest versions")
    matrix.add_argument("--format", choices=("table", "json"), default="table")
    matrix.set_defaults(handler=_run_matrix)

    keys = subparsers.add_parser("keys", help="the AVMA keys, or check typed keys")
    keys.add_argument("--format", choices=("table", "json"), default="table")
    keys.set_defaults(handler=_run_keys)
    keys_commands = keys.add_subparsers(dest="keys_command", metavar="check")
    check = keys_commands.add_parser("check", help="validate product keys (format and checksum)")
    check.add_argument("keys", nargs="+", metavar="KEY")
    check.add_argument("--format", choices=("table", "json"), default="table")
    check.set_defaults(handler=_run_keys_check)


def _period_start(text: str) -> datetime:
    return _period_bound(text, end=False)


def _period_end(text: str) -> datetime:
    return _period_bound(text, end=True)


def _period_bound(text: str, *, end: bool) -> datetime:
    from avma_console.domain.periods import parse_period_bound

    try:
        return parse_period_bound(text, end=end)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="avma-console",
        description="See and fix Automatic Virtual Machine Activation across a Hyper-V fleet.",
        epilog="Without a subcommand the console window opens; `avma-console --demo` shows the lab fleet.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="{gui,scan,lab,matrix,keys,report,push,kvp,unattend}")
    _add_gui(subparsers)
    _add_scan(subparsers)
    _add_lab(subparsers)
    _add_reference(subparsers)
    _add_report(subparsers)
    # push, kvp enable/cleanup, unattend: registered by their module (cheap to import; handlers load lazily)
    from avma_console.services.ops_command import add_operation_commands

    add_operation_commands(subparsers)
    return parser


def _emit(text: str, output: Path | None = None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror}; choose a writable --output path") from error


def _run_matrix(args: argparse.Namespace) -> int:
    from avma_console.services import reference

    _emit(reference.matrix_json() if args.format == "json" else reference.matrix_table())
    return EXIT_OK


def _run_keys(args: argparse.Namespace) -> int:
    from avma_console.services import reference

    _emit(reference.keys_json() if args.format == "json" else reference.keys_table())
    return EXIT_OK


def _run_keys_check(args: argparse.Namespace) -> int:
    from avma_console.services import reference

    all_valid, results = reference.check_keys(list(args.keys))
    _emit(
        json.dumps(results, indent=2, ensure_ascii=False)
        if args.format == "json"
        else reference.check_keys_table(results)
    )
    return EXIT_OK if all_valid else EXIT_USAGE


def _run_gui(args: argparse.Namespace) -> int:
    # Imported by name so that the headless commands never load Qt.
    gui = importlib.import_module("avma_console.qt.app")
    if (args.select or args.show_events) and args.screenshot is None:
        raise UsageError("--select and --show-events shape a --screenshot; add --screenshot PNG (or drop them)")
    result: int = gui.run_gui(
        demo=args.demo,
        inventory=args.inventory,
        screenshot=args.screenshot,
        window_size=args.window_size,
        select=args.select,
        show_events=args.show_events,
        language=args.lang,
    )
    return result


def _run_scan(args: argparse.Namespace) -> int:
    from avma_console.services.scan_command import ScanRequest, run_scan_command

    if args.history is not None and not args.record:
        raise UsageError("--history says where --record stores the scan; add --record (or drop --history)")
    request = ScanRequest(
        demo=args.demo,
        inventory=args.inventory,
        concurrency=args.concurrency,
        output=_output_of(args),
        guest_user=args.guest_user,
        guest_credential=args.guest_credential,
    )
    return run_scan_command(request, record=args.record, history=args.history, lock_wait_s=args.lock_wait)


def _run_report(args: argparse.Namespace) -> int:
    from avma_console.services.report_command import run_report_command

    return run_report_command(
        history=args.history,
        kind=args.kind,
        start=args.start,
        end=args.end,
        output=_output_of(args),
        render_pdf=_pdf_renderer() if args.format == "pdf" else None,
        host=args.host,
        vm=args.vm,
        translate=_report_translate(args.lang) if args.format != "csv" else no_translation,
    )


def report_language(requested: str | None, environment: Mapping[str, str]) -> str:
    """--lang, else the locale the environment asks for (LC_ALL, LC_MESSAGES, LANG, as the C library reads them)."""
    if requested:
        return requested
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environment.get(name, "")
        if value:
            return "de" if value.lower().startswith("de") else "en"
    return "en"


def _report_translate(requested: str | None) -> Translate:
    language = report_language(requested, os.environ)
    if language == "en":
        return no_translation  # English needs no Qt: HTML reports run where Qt's libraries are missing
    module = importlib.import_module("avma_console.qt.i18n")
    translate: Translate = module.report_translate(language)
    return translate


def _output_of(args: argparse.Namespace) -> Output:
    return Output(args.format, args.output, _emit)


def _pdf_renderer() -> Callable[..., None]:
    # Qt only for PDF: csv and html reports run where Qt's libraries are missing.
    module = importlib.import_module("avma_console.qt.reports_pdf")
    render: Callable[..., None] = module.render_pdf
    return render


def _run_lab(args: argparse.Namespace) -> int:
    from avma_console.lab.runner import run_lab_command

    if args.fleet is not None and args.hosts is not None:
        raise UsageError("give either --fleet FILE or --hosts N, not both")
    return run_lab_command(
        fleet_file=args.fleet,
        hosts=args.hosts,
        vms_per_host=args.vms_per_host,
        latency_ms=args.latency_ms,
        tls=args.tls,
        auth=args.auth,
        write_inventory=args.write_inventory,
        seed=args.seed,
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (arguments[0] not in SUBCOMMANDS and arguments[0] not in ("-h", "--help", "--version")):
        arguments.insert(0, "gui")
    parser = build_parser()
    args = parser.parse_args(arguments)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as error:
        sys.stderr.write(f"avma-console: {error}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("avma-console: interrupted\n")
        return 130
