"""`avma-console push`, `kvp enable`, `kvp cleanup` and `unattend`: the write actions from the command line.

    avma-console push (--demo | --inventory FILE) (--vm NAME ... | --all-eligible) [--key KEY | --auto]
                      [--guest-credential env:VAR|keyring|prompt] [--guest-user NAME]
                      [--guest-address VM=ADDRESS[:PORT] ...] [--yes] [--force] [--format table|json]
    avma-console kvp enable  (--demo | --inventory FILE) (--vm NAME ... | --all-disabled) [--yes] [--format ...]
    avma-console kvp cleanup (--demo | --inventory FILE) (--vm NAME ... | --all-stale) [--guest-credential ...]
                      [--guest-address ...] [--yes] [--force] [--format ...]
    avma-console unattend (--version V --edition E | (--demo | --inventory FILE) --vm NAME) [--output FILE]

Each write action scans first, prints its plan (on stderr, so stdout stays the machine-readable result) and
asks for confirmation on the terminal; without a terminal it refuses unless --yes was given (exit 2), which
makes a run without --yes a dry run. Exit codes: 0 every VM succeeded (or needed nothing), 1 any VM failed or
was refused, 2 bad usage or input.

Registration here is cheap on purpose: `avma-console keys` builds the same parser and must not load pywinrm,
so the handlers import the services they drive when they run.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from avma_console.services.arguments import positive_int
from avma_console.services.event_loop import run_to_end

if TYPE_CHECKING:
    from avma_console.domain.fleet import FleetSnapshot
    from avma_console.domain.inventory import Inventory, InventoryEntry
    from avma_console.services.audit import AuditLog
    from avma_console.services.demo import DemoLab
    from avma_console.services.operations import AnyPlan, GuestAddress, GuestCredential, HostAccess, Target
    from avma_console.services.operations.model import PlanTable

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# The command that drives each action (services.operations.Action values), for messages.
_PROGS = {
    "push_key": "avma-console push",
    "enable_kvp": "avma-console kvp enable",
    "kvp_cleanup": "avma-console kvp cleanup",
}


class CommandError(Exception):
    """Stop the command with this message and exit code (2: bad usage or input, 1: the operation failed)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------------------------------
# The parser


def add_operation_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    push = subparsers.add_parser("push", help="install AVMA keys (or a given key) in guests")
    _add_source(push, required=True)
    _add_targets(push, "--all-eligible", "every VM a push would activate", "a VM by name or id (repeatable)")
    keys = push.add_mutually_exclusive_group()
    keys.add_argument(
        "--key", metavar="KEY", help="install this key (checksum-checked) instead of each guest's AVMA key"
    )
    keys.add_argument("--auto", action="store_true", help="each guest's own AVMA key (the default)")
    _add_guest_options(push)
    push.add_argument("--force", action="store_true", help="push even where AVMA cannot work (Windows decides)")
    _add_run_options(push)
    push.set_defaults(handler=_run_push)

    kvp = subparsers.add_parser("kvp", help="Data Exchange (KVP): enable it, or clean up stale AVMA data")
    kvp_commands = kvp.add_subparsers(dest="kvp_command", metavar="{enable,cleanup}", required=True)
    enable = kvp_commands.add_parser("enable", help="enable the Data Exchange integration service")
    _add_source(enable, required=True)
    _add_targets(enable, "--all-disabled", "every VM with Data Exchange disabled")
    _add_run_options(enable)
    enable.set_defaults(handler=_run_kvp_enable)

    cleanup = kvp_commands.add_parser("cleanup", help="remove AVMA KVP data after the AVMA key was replaced")
    _add_source(cleanup, required=True)
    _add_targets(cleanup, "--all-stale", "every VM with kvp_stale_after_key_change")
    _add_guest_options(cleanup)
    cleanup.add_argument("--force", action="store_true", help="clean up even a VM that still carries an AVMA key")
    _add_run_options(cleanup)
    cleanup.set_defaults(handler=_run_kvp_cleanup)

    unattend = subparsers.add_parser("unattend", help="the unattend.xml fragment that installs the AVMA key at setup")
    unattend.add_argument("--version", dest="os_version", metavar="VERSION", help="e.g. 2022, 2019, 2012R2")
    unattend.add_argument("--edition", metavar="EDITION", help="Datacenter, DatacenterAzure, Standard, Essentials")
    _add_source(unattend, required=False)
    unattend.add_argument(
        "--vm", dest="vms", action="append", metavar="NAME", help="the version and edition of this VM"
    )
    unattend.add_argument("--output", type=Path, metavar="FILE", help="write the XML here instead of stdout")
    unattend.set_defaults(handler=_run_unattend)


def _add_source(parser: argparse.ArgumentParser, *, required: bool) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--demo", action="store_true", help="act on the built-in lab fleet")
    source.add_argument("--inventory", type=Path, metavar="FILE", help="inventory file (TOML)")


def _add_targets(
    parser: argparse.ArgumentParser, every: str, every_help: str, vm_help: str = "a VM by name or id"
) -> None:
    """Which VMs: named ones (--vm, repeatable) or every VM the action is meant for (`every`)."""
    targets = parser.add_mutually_exclusive_group(required=True)
    targets.add_argument("--vm", action="append", dest="vms", metavar="NAME", help=vm_help)
    targets.add_argument(every, action="store_true", help=every_help)


def _add_guest_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--guest-credential",
        metavar="env:VAR|keyring|prompt",
        help='the guests\' password: from an environment variable, the keyring ("USER@guests") or asked for',
    )
    parser.add_argument("--guest-user", default="Administrator", metavar="NAME", help="the guests' account")
    parser.add_argument(
        "--guest-address",
        action="append",
        default=[],
        metavar="VM=ADDRESS[:PORT]",
        help="WinRM address of a guest PowerShell Direct cannot reach (2012 R2); repeatable",
    )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yes", action="store_true", help="do it without asking (needed when not on a terminal)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="how results are printed")
    parser.add_argument("--concurrency", type=positive_int, default=8, metavar="N", help="VMs changed at once (8)")


# ---------------------------------------------------------------------------------------------------------
# The fleet to act on


@dataclass
class _Session:
    """A demo lab or an inventory, with cached host passwords, a scan and the audit log."""

    prog: str
    demo: bool
    inventory_path: Path | None
    inventory: Inventory | None = None
    lab: DemoLab | None = None
    _passwords: dict[int, str] = field(default_factory=dict, repr=False)

    def __enter__(self) -> _Session:
        from avma_console.domain.inventory import InventoryError  # noqa: PLC0415
        from avma_console.services.demo import DemoLab, DemoLabError  # noqa: PLC0415
        from avma_console.services.inventory_files import load_inventory  # noqa: PLC0415

        if self.demo:
            try:
                self.lab = DemoLab().start()
            except DemoLabError as error:
                raise CommandError(str(error), EXIT_FAILED) from None
            self.inventory = load_inventory(self.lab.inventory_path)
            return self
        assert self.inventory_path is not None
        try:
            self.inventory = load_inventory(self.inventory_path)
        except InventoryError as error:
            raise CommandError(str(error)) from None
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self.lab is not None:
            self.lab.stop()

    def password_for(self, entry: InventoryEntry) -> str | None:
        """The inventory's credential setting, asked for at most once per entry in this run."""
        from avma_console.services.credentials import CredentialStore, resolve_password  # noqa: PLC0415

        key = id(entry)
        if key not in self._passwords:
            prompt = getpass.getpass if sys.stdin.isatty() else None
            self._passwords[key] = resolve_password(entry, store=CredentialStore(), prompt=prompt)
        return self._passwords[key]

    def access(self) -> HostAccess:
        from avma_console.services.operations import HostAccess  # noqa: PLC0415

        assert self.inventory is not None
        return HostAccess(self.inventory, self.password_for)

    def scan(self, guest: GuestCredential | None, concurrency: int) -> FleetSnapshot:

        from avma_console.services.scan import ScanOptions, scan_inventory  # noqa: PLC0415

        assert self.inventory is not None
        options = ScanOptions(concurrency=max(concurrency, 16), guest_credential=guest.as_param() if guest else None)
        _progress(f"{self.prog}: scanning {len(self.inventory.entries)} inventory entries ...")
        return run_to_end(scan_inventory(self.inventory, self.password_for, options=options))

    def demo_guest_credential(self) -> GuestCredential | None:
        from avma_console.services.credentials import Secret  # noqa: PLC0415
        from avma_console.services.operations import GuestCredential  # noqa: PLC0415

        if self.lab is None or self.lab.guest_credential is None:
            return None
        known = self.lab.guest_credential
        return GuestCredential(known["username"], Secret(known["password"]))

    def demo_guest_addresses(self) -> dict[str, GuestAddress]:
        from avma_console.services.operations import GuestAddress  # noqa: PLC0415

        if self.lab is None:
            return {}
        return {
            str(line["vm_id"]).upper(): GuestAddress("127.0.0.1", int(str(line["port"])))
            for line in self.lab.endpoints
            if "guest" in line and "vm_id" in line and "port" in line
        }

    def audit(self) -> AuditLog:
        from avma_console.services.audit import (  # noqa: PLC0415
            HistoryAuditLog,
            TeeAuditLog,
            default_audit_path,
        )
        from avma_console.store import HistoryStore  # noqa: PLC0415
        from avma_console.store.errors import HistoryError  # noqa: PLC0415

        path = default_audit_path()
        if self.demo:
            # Changes to the throw-away demo fleet must not mix with the real fleet's compliance trail.
            return self._file_log(path.with_name("audit-demo.jsonl"))
        try:
            history = HistoryStore.open(None)
        except HistoryError as error:
            raise CommandError(f"cannot open the history for the audit log: {error}", EXIT_FAILED) from None
        # The file is the local trail; the history is where the changes report and the VM timeline look.
        return TeeAuditLog(self._file_log(path), HistoryAuditLog(history))

    @staticmethod
    def _file_log(path: Path) -> AuditLog:
        from avma_console.services.audit import AuditLogError, JsonLinesAuditLog  # noqa: PLC0415

        try:
            return JsonLinesAuditLog(path)
        except AuditLogError as error:
            raise CommandError(str(error), EXIT_FAILED) from None


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def _guest_credential(args: argparse.Namespace, session: _Session, *, required: bool) -> GuestCredential | None:
    from avma_console.services.credentials import CredentialError, CredentialStore, Secret  # noqa: PLC0415
    from avma_console.services.guest_credentials import guest_password  # noqa: PLC0415
    from avma_console.services.operations import GuestCredential  # noqa: PLC0415

    spec: str | None = args.guest_credential
    user: str = args.guest_user
    if spec is None:
        known = session.demo_guest_credential()
        if known is not None or not required:
            return known
        raise CommandError(
            "keys are installed from inside the guests, which needs their credentials: "
            "add --guest-credential env:VAR, keyring or prompt (and --guest-user if not Administrator)"
        )
    prompt = getpass.getpass if sys.stdin.isatty() else None
    try:
        password = guest_password(spec, user, where="--guest-credential", store=CredentialStore(), prompt=prompt)
    except CredentialError as error:
        raise CommandError(f"{error}; nothing was changed") from None
    return GuestCredential(user, Secret(password))


def _guest_addresses(args: argparse.Namespace, session: _Session) -> dict[str, GuestAddress]:
    from avma_console.services.operations import GuestAddress, OperationError  # noqa: PLC0415

    addresses = session.demo_guest_addresses()
    for text in args.guest_address:
        name, separator, address = str(text).partition("=")
        if not separator or not name or not address:
            raise CommandError(f"--guest-address {text!r}: write it as VM=ADDRESS or VM=ADDRESS:PORT")
        try:
            addresses[name] = GuestAddress.parse(address)
        except OperationError as error:
            raise CommandError(f"--guest-address {text!r}: {error}") from None
    return addresses


def _select(snapshot: FleetSnapshot, names: Sequence[str] | None) -> list[Target] | None:
    from avma_console.services.operations import OperationError, select_vms  # noqa: PLC0415

    if not names:
        return None
    try:
        return select_vms(snapshot, names)
    except OperationError as error:
        raise CommandError(str(error)) from None


def _confirm(args: argparse.Namespace, question: str, count: int) -> None:
    """Ask on the terminal; without one, only --yes may go ahead (exit 2 with the reason)."""
    if args.yes or count == 0:
        return
    if not sys.stdin.isatty():
        raise CommandError(
            f"refusing to change {count} VM(s) without confirmation: this run is not interactive; "
            "review the plan above and add --yes to go ahead"
        )
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().casefold()
    if answer not in ("y", "yes"):
        raise CommandError("not confirmed; nothing was changed", EXIT_FAILED)


def _command(prog: str, body: Callable[[], int]) -> int:
    from avma_console.domain.inventory import InventoryError  # noqa: PLC0415
    from avma_console.services.audit import AuditLogError  # noqa: PLC0415
    from avma_console.services.credentials import CredentialError  # noqa: PLC0415

    try:
        return body()
    except CommandError as error:
        sys.stderr.write(f"{prog}: {error}\n")
        return error.code
    except (InventoryError, CredentialError) as error:
        sys.stderr.write(f"{prog}: {error}\n")
        return EXIT_USAGE
    except AuditLogError as error:
        sys.stderr.write(f"{prog}: {error}\n")
        return EXIT_FAILED


def _emit(text: str, output: Path | None = None) -> None:
    text = text if text.endswith("\n") else text + "\n"
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {output}: {error.strerror}; choose a writable --output path") from None


def _results(action: str, results: Sequence[Any], output_format: str) -> int:
    from avma_console.services.text_table import render_table  # noqa: PLC0415

    if output_format == "json":
        document = {"action": action, "ok": all(r.ok for r in results), "results": [r.as_json() for r in results]}
        _emit(json.dumps(document, indent=2, ensure_ascii=False))
    elif results:
        rows = [[r.host, r.vm, r.status.value, r.summary] for r in results]
        _emit(render_table(["HOST", "VM", "RESULT", "DETAIL"], rows))
    else:
        _emit("nothing to do")
    audit_errors = {r.audit_error for r in results if r.audit_error}
    for message in audit_errors:
        sys.stderr.write(f"audit log: {message}\n")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _plan_table(table: PlanTable) -> None:
    from avma_console.services.text_table import render_table, safe_cell  # noqa: PLC0415

    sys.stderr.write(table.title + "\n")
    if table.rows:
        sys.stderr.write(render_table(table.headers, table.rows, indent="  ") + "\n")
    for note in table.notes:
        sys.stderr.write(f"  note: {safe_cell(note)}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------------------
# push, kvp enable, kvp cleanup: one driver; each action says how it plans and shows its plan


def _operate(args: argparse.Namespace, action: str) -> int:
    """Scan, plan, show the plan, ask, run it through the one runner, print the per-VM results."""

    from avma_console.services.operations import (  # noqa: PLC0415
        Action,
        GuestCredentials,
        RunContext,
        execute_plan,
        plan_kvp_cleanup,
        plan_kvp_enable,
        plan_push,
    )
    from avma_console.services.operations.enable_kvp import enable_table  # noqa: PLC0415
    from avma_console.services.operations.kvp_cleanup import cleanup_table  # noqa: PLC0415
    from avma_console.services.operations.push_key import push_table  # noqa: PLC0415

    kind = Action(action)
    with _Session(_PROGS[kind], args.demo, args.inventory) as session:
        guest = None
        addresses: dict[str, GuestAddress] = {}
        if kind is not Action.ENABLE_KVP:  # Data Exchange is switched on from the host alone
            guest = _guest_credential(args, session, required=kind is Action.PUSH_KEY)
            addresses = _guest_addresses(args, session)
        snapshot = session.scan(guest, args.concurrency)
        targets = _select(snapshot, args.vms)
        plan: AnyPlan
        table: PlanTable
        if kind is Action.PUSH_KEY:
            plan = plan_push(snapshot, targets, key=args.key, override=args.force, guest_addresses=addresses)
            table = push_table(plan)
        elif kind is Action.ENABLE_KVP:
            plan = plan_kvp_enable(snapshot, targets)
            table = enable_table(plan)
        else:
            plan = plan_kvp_cleanup(snapshot, targets, override=args.force, guest_addresses=addresses)
            table = cleanup_table(plan, with_guest_credential=guest is not None)
        _plan_table(table)
        _confirm(args, table.question, len(plan.runnable))
        context = RunContext(session.access(), session.audit(), GuestCredentials(default=guest))
        results = run_to_end(execute_plan(plan, context, concurrency=args.concurrency))
        return _results(kind.value, results, args.format)


def _run_push(args: argparse.Namespace) -> int:
    from avma_console.domain.keys import InvalidProductKeyError, validate_key  # noqa: PLC0415

    def body() -> int:
        if args.key is not None:
            try:
                validate_key(args.key)
            except InvalidProductKeyError as error:
                raise CommandError(f"--key: {error}") from None
        return _operate(args, "push_key")

    return _command(_PROGS["push_key"], body)


def _run_kvp_enable(args: argparse.Namespace) -> int:
    return _command(_PROGS["enable_kvp"], lambda: _operate(args, "enable_kvp"))


def _run_kvp_cleanup(args: argparse.Namespace) -> int:
    return _command(_PROGS["kvp_cleanup"], lambda: _operate(args, "kvp_cleanup"))


# ---------------------------------------------------------------------------------------------------------
# unattend


def _run_unattend(args: argparse.Namespace) -> int:
    return _command("avma-console unattend", lambda: _unattend(args))


def _unattend(args: argparse.Namespace) -> int:
    from avma_console.domain.versions import parse_edition, parse_version  # noqa: PLC0415
    from avma_console.services.unattend import UnattendError, unattend_product_key_xml  # noqa: PLC0415

    by_product = args.os_version is not None or args.edition is not None
    by_vm = bool(args.vms)
    if by_product == by_vm:
        raise CommandError(
            "give either --version and --edition, or --vm NAME with --demo or --inventory FILE "
            "(e.g. avma-console unattend --version 2022 --edition Datacenter)"
        )
    if by_product:
        if args.os_version is None or args.edition is None:
            raise CommandError("give both --version and --edition (e.g. --version 2022 --edition Standard)")
        try:
            version, edition = parse_version(args.os_version), parse_edition(args.edition)
        except ValueError as error:
            raise CommandError(str(error)) from None
    else:
        if not (args.demo or args.inventory) or len(args.vms) != 1:
            raise CommandError("--vm takes one VM, and needs --demo or --inventory FILE to find it")
        with _Session("avma-console unattend", args.demo, args.inventory) as session:
            guest = session.demo_guest_credential()
            snapshot = session.scan(guest, 16)
            selected = _select(snapshot, args.vms) or []
        _, vm = selected[0]
        if vm.guest.version is None or vm.guest.edition is None:
            raise CommandError(
                f"the Windows version or edition of {vm.name} is not known; give --version and --edition instead",
                EXIT_FAILED,
            )
        version, edition = vm.guest.version, vm.guest.edition
    try:
        _emit(unattend_product_key_xml(version, edition), args.output)
    except UnattendError as error:
        raise CommandError(str(error)) from None
    return EXIT_OK
