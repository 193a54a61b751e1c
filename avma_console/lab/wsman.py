"""WS-Management / WinRS for one lab host: shells, commands, streams and faults, as real Windows answers them.

`WsmanService(host_name, executor)` owns the host's shells. The HTTP layer hands it each decrypted SOAP
envelope with the caller's identity (`RequestContext`) and sends back the `WsmanReply` (status 200 or 500 and
the envelope bytes):

    reply = await service.handle(body, RequestContext(user_name="lab\\\\operator", client_ip="127.0.0.1",
                                                      machine="127.0.0.1", listener_url="http://127.0.0.1:5985/wsman"))

Faithful to the recordings in `shared/reference/winrs-recordings`: namespace prefixes per response type
(`s a x w rsp p`, faults `s a x e n w p`), `xml:lang="en-US"`, `a:RelatesTo` echoing the request's MessageID,
`p:ActivityId` as modern Windows sends it, the ShellId in both `x:ResourceCreated` and `rsp:Shell`, Receive
held until output exists or `w:OperationTimeout` expires (then HTTP 500 with WSManFault 2150858793), unknown
ShellId/CommandId fault 2150858843, stdout/stderr in the shell's code page (437 unless `WINRS_CODEPAGE` asks
otherwise; what 437 cannot represent becomes '?'), and output split over several Receive responses so that
none exceeds the request's `w:MaxEnvelopeSize`.

How commands run: the executor is asked (`executor.run(CommandRequest)`) when a client Receives, never at
Command time; it gets all stdin sent so far and the monotonic time the Command arrived (`started_at`). It may
answer None (waiting for stdin: asked again when a Send arrives), a finished `CommandResult`, or a running one
(`pending_until` set: its output so far is sent at once and it is asked again at that time). Nothing here
blocks: a held Receive awaits an event or a timer, so sleeping commands never delay other requests or hosts.

Incoming XML is parsed with defusedxml (no DTDs, no entity expansion): the body comes from the network.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import codecs
import contextlib
import logging
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from avma_console.lab.pwsh_basic import clixml_error
from avma_console.lab.shell import CommandExecutor, CommandRequest, CommandResult
from avma_console.lab.winrm_limits import MIN_ENVELOPE_SIZE_KB, WinrmLimits
from avma_console.lab.wsman_messages import (
    _DECLS_DELETE,
    _DECLS_RECEIVE,
    _DECLS_WITH_X,
    _SIGNAL_PREFIX,
    _STATE_DONE,
    _STATE_RUNNING,
    ACTION_COMMAND,
    ACTION_CREATE,
    ACTION_DELETE,
    ACTION_RECEIVE,
    ACTION_SEND,
    ACTION_SIGNAL,
    CODE_ACTION_NOT_SUPPORTED,
    CODE_ENVELOPE_TOO_SMALL,
    CODE_INVALID_RESOURCE_URI,
    CODE_OPTIONS_INVALID_VALUE,
    NS,
    SHELL_CMD_URI,
    RequestContext,
    WsmanFaultError,
    WsmanReply,
    _new_id,
    _parse_request,
    _q,
    _Request,
    _schema_fault,
    _unknown_command_fault,
    _unknown_shell_fault,
    _xml_attr,
    _xml_text,
    envelope,
    envelope_fault,
    fault_envelope,
    internal_error_fault,
    max_operations_fault,
    max_shells_fault,
    operation_timeout_fault,
    parse_duration,
    process_quota_fault,
    request_action,
)

_log = logging.getLogger(__name__)


def _codec_for(codepage: int) -> str:
    return "utf-8" if codepage == 65001 else f"cp{codepage}"


def _supported_codepage(codepage: int) -> bool:
    try:
        codecs.lookup(_codec_for(codepage))
    except LookupError:
        return False
    return True


@dataclass
class _Command:
    command_id: str
    command: str
    arguments: tuple[str, ...]
    skip_cmd_shell: bool
    started_at: float
    stdin: bytearray = field(default_factory=bytearray)
    stdin_closed: bool = False
    # When to ask the executor next; -inf: at the first Receive.
    next_poll_at: float = -math.inf
    stdin_changed: bool = False
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_sent: int = 0
    stderr_sent: int = 0
    exit_code: int | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def done(self) -> bool:
        return self.exit_code is not None

    def wake(self) -> None:
        self.changed.set()


@dataclass
class _Shell:
    shell_id: str
    owner: str
    user_name: str
    codepage: int
    no_profile: bool
    environment: dict[str, str]
    working_directory: str | None
    idle_timeout: float
    input_streams: str
    output_streams: str
    last_activity: float
    commands: dict[str, _Command] = field(default_factory=dict)


class WsmanService:
    """The WinRS endpoint of one lab host. Call `handle` on the event loop that serves the host."""

    def __init__(
        self,
        host_name: str,
        executor: CommandExecutor,
        *,
        limits: WinrmLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host_name = host_name
        self.executor = executor
        self.limits = limits or WinrmLimits()
        self.fault: str | None = None  # a service fault of lab/winrm_limits.py, set by the HTTP layer
        self._clock = clock
        self._shells: dict[str, _Shell] = {}
        self._operations: dict[str, int] = {}  # requests in progress per user
        self.peak_shells_per_user = 0  # the most shells one user ever held at once (for tests)
        self.quota_faults = 0  # quota faults sent (for tests that wait for one)

    @property
    def open_shells(self) -> int:
        return len(self._shells)

    @property
    def max_shells_per_user(self) -> int:
        return self.limits.max_shells_per_user

    def forget_shells(self) -> None:
        """A restarted WinRM service knows none of the shells of before."""
        for shell_id in list(self._shells):
            self._drop_shell(shell_id)

    def _envelope_limit(self) -> int:
        return MIN_ENVELOPE_SIZE_KB * 1024 if self.fault == "envelope_limit" else self.limits.max_envelope_bytes

    async def handle(self, raw: bytes, context: RequestContext) -> WsmanReply:
        message_id: str | None = None
        owner = context.user_name.rsplit("\\", 1)[-1].lower()
        counted = False
        try:
            request = _parse_request(raw)
            message_id = request.message_id
            limit = self._envelope_limit()
            if len(raw) > limit:
                raise envelope_fault(
                    f"the request packet size ({len(raw)}) exceeds the maximum envelope size that is allowed ({limit})"
                )
            if request.max_envelope_size > limit:
                raise envelope_fault(
                    f"the maximum envelope size in the request ({request.max_envelope_size}) is larger than the "
                    f"maximum envelope size that is allowed ({limit})"
                )
            in_progress = self._operations.get(owner, 0)
            if self.fault == "operation_quota" or in_progress >= self.limits.max_concurrent_operations_per_user:
                raise max_operations_fault()
            self._operations[owner] = in_progress + 1
            counted = True
            self._expire_idle_shells()
            body = await self._dispatch(request, context)
        except WsmanFaultError as fault:
            if fault.subcode == "w:QuotaLimit":
                self.quota_faults += 1
            return WsmanReply(500, fault_envelope(fault, message_id, context.machine))
        finally:
            if counted:
                self._operations[owner] -= 1
        return WsmanReply(200, body)

    async def _dispatch(self, request: _Request, context: RequestContext) -> bytes:
        if request.resource_uri.lower() != SHELL_CMD_URI:
            raise WsmanFaultError(
                code="s:Sender",
                subcode="w:InvalidResourceURI",
                reason="The WS-Management service cannot process the request. The resource URI is missing or it "
                "has an incorrect format. Check the documentation or use the following command for information "
                'on how to construct a resource URI: "winrm help uris". ',
                wsman_code=CODE_INVALID_RESOURCE_URI,
            )
        handlers = {
            ACTION_CREATE: self._create,
            ACTION_DELETE: self._delete,
            ACTION_COMMAND: self._command,
            ACTION_SEND: self._send,
            ACTION_SIGNAL: self._signal,
        }
        if request.action == ACTION_RECEIVE:
            return await self._receive(request, context)
        handler = handlers.get(request.action)
        if handler is None:
            raise WsmanFaultError(
                code="s:Sender",
                subcode="a:ActionNotSupported",
                reason="The WS-Management service does not support the action specified in the request. ",
                wsman_code=CODE_ACTION_NOT_SUPPORTED,
            )
        return handler(request, context)

    # --- shells -----------------------------------------------------------------------------------------

    def _shell(self, request: _Request) -> _Shell:
        shell_id = request.selectors.get("ShellId", "")
        shell = self._shells.get(shell_id.upper())
        if shell is None:
            raise _unknown_shell_fault(shell_id)
        shell.last_activity = self._clock()
        return shell

    def _expire_idle_shells(self) -> None:
        now = self._clock()
        for shell_id, shell in list(self._shells.items()):
            if now - shell.last_activity > shell.idle_timeout:
                self._drop_shell(shell_id)

    def _drop_shell(self, shell_id: str) -> None:
        shell = self._shells.pop(shell_id, None)
        if shell is not None:
            for command in shell.commands.values():
                command.wake()

    def _create(self, request: _Request, context: RequestContext) -> bytes:
        spec = request.body
        if spec is None or spec.tag != _q("rsp", "Shell"):
            raise _schema_fault("a Create for a cmd shell needs an rsp:Shell body.")
        codepage_text = request.options.get("WINRS_CODEPAGE", "437")
        try:
            codepage = int(codepage_text)
        except ValueError:
            codepage = -1
        if not _supported_codepage(codepage):
            raise WsmanFaultError(
                code="s:Sender",
                subcode="w:InvalidOptions",
                reason="The WS-Management service cannot process the request because one or more of the options "
                "has an invalid value. ",
                wsman_code=CODE_OPTIONS_INVALID_VALUE,
            )
        owner = context.user_name.rsplit("\\", 1)[-1]
        owned = sum(1 for shell in self._shells.values() if shell.owner.lower() == owner.lower())
        if self.fault == "shell_quota" or owned >= self.max_shells_per_user:
            raise max_shells_fault()
        self.peak_shells_per_user = max(self.peak_shells_per_user, owned + 1)

        def child_text(local: str) -> str | None:
            node = spec.find(_q("rsp", local))
            return None if node is None else (node.text or "").strip()

        environment = {
            node.get("Name", ""): node.text or ""
            for node in spec.findall(f"{_q('rsp', 'Environment')}/{_q('rsp', 'Variable')}")
        }
        idle_text = child_text("IdleTimeOut")
        idle = parse_duration(idle_text) if idle_text else None
        shell = _Shell(
            shell_id=_new_id(),
            owner=owner,
            user_name=context.user_name,
            codepage=codepage,
            no_profile=request.options.get("WINRS_NOPROFILE", "FALSE").upper() == "TRUE",
            environment=environment,
            working_directory=child_text("WorkingDirectory") or None,
            idle_timeout=idle if idle else self.limits.idle_timeout_s,
            input_streams=child_text("InputStreams") or "stdin",
            output_streams=child_text("OutputStreams") or "stdout stderr",
            last_activity=self._clock(),
        )
        self._shells[shell.shell_id] = shell
        env_xml = ""
        if environment:
            variables = "".join(
                f'<rsp:Variable Name="{_xml_attr(name)}">{_xml_attr(value)}</rsp:Variable>'
                for name, value in environment.items()
            )
            env_xml = f"<rsp:Environment>{variables}</rsp:Environment>"
        body = (
            f"<x:ResourceCreated><a:Address>{_xml_text(context.listener_url)}</a:Address><a:ReferenceParameters>"
            f"<w:ResourceURI>{SHELL_CMD_URI}</w:ResourceURI><w:SelectorSet>"
            f'<w:Selector Name="ShellId">{shell.shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
            f'</x:ResourceCreated><rsp:Shell xmlns:rsp="{NS["rsp"]}"><rsp:ShellId>{shell.shell_id}</rsp:ShellId>'
            f"<rsp:ResourceUri>{SHELL_CMD_URI}</rsp:ResourceUri><rsp:Owner>{_xml_text(owner)}</rsp:Owner>"
            f"<rsp:ClientIP>{_xml_text(context.client_ip)}</rsp:ClientIP>{env_xml}"
            f"<rsp:IdleTimeOut>PT{shell.idle_timeout:.3f}S</rsp:IdleTimeOut>"
            f"<rsp:InputStreams>{_xml_text(shell.input_streams)}</rsp:InputStreams>"
            f"<rsp:OutputStreams>{_xml_text(shell.output_streams)}</rsp:OutputStreams>"
            "<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
            "</rsp:Shell>"
        )
        return envelope(_DECLS_WITH_X, ACTION_CREATE + "Response", request.message_id, body)

    def _delete(self, request: _Request, context: RequestContext) -> bytes:
        shell = self._shell(request)
        self._drop_shell(shell.shell_id)
        return envelope(_DECLS_DELETE, ACTION_DELETE + "Response", request.message_id, "")

    # --- commands ---------------------------------------------------------------------------------------

    def _command_of(self, shell: _Shell, command_id: str | None) -> _Command:
        command = shell.commands.get((command_id or "").upper())
        if command is None:
            raise _unknown_command_fault()
        return command

    def _command(self, request: _Request, context: RequestContext) -> bytes:
        shell = self._shell(request)
        spec = request.body
        if spec is None or spec.tag != _q("rsp", "CommandLine"):
            raise _schema_fault("a Command needs an rsp:CommandLine body.")
        command_node = spec.find(_q("rsp", "Command"))
        if command_node is None:
            raise _schema_fault("rsp:CommandLine needs an rsp:Command.")
        running = sum(1 for command in shell.commands.values() if not command.done)
        if self.fault == "process_quota" or running >= self.limits.max_processes_per_shell:
            raise process_quota_fault()
        proposed = (spec.get("CommandId") or "").upper()
        try:
            command_id = str(uuid.UUID(proposed)).upper() if proposed else _new_id()
        except ValueError:
            command_id = _new_id()
        if command_id in shell.commands:
            command_id = _new_id()
        command = _Command(
            command_id=command_id,
            command=(command_node.text or "").strip(),
            arguments=tuple(node.text or "" for node in spec.findall(_q("rsp", "Arguments"))),
            skip_cmd_shell=request.options.get("WINRS_SKIP_CMD_SHELL", "FALSE").upper() == "TRUE",
            started_at=self._clock(),
        )
        shell.commands[command_id] = command
        body = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
        return envelope(_DECLS_WITH_X, ACTION_COMMAND + "Response", request.message_id, body)

    def _send(self, request: _Request, context: RequestContext) -> bytes:
        shell = self._shell(request)
        spec = request.body
        if spec is None or spec.tag != _q("rsp", "Send"):
            raise _schema_fault("a Send needs an rsp:Send body.")
        for stream in spec.findall(_q("rsp", "Stream")):
            command = self._command_of(shell, stream.get("CommandId"))
            try:
                data = base64.b64decode((stream.text or "").strip(), validate=True)
            except (binascii.Error, ValueError):
                raise _schema_fault("the stdin stream is not base64.") from None
            if not command.stdin_closed:
                command.stdin.extend(data)
                command.stdin_closed = (stream.get("End") or "").lower() == "true"
                command.stdin_changed = True
                command.wake()
        return envelope(_DECLS_WITH_X, ACTION_SEND + "Response", request.message_id, "<rsp:SendResponse/>")

    def _signal(self, request: _Request, context: RequestContext) -> bytes:
        shell = self._shell(request)
        spec = request.body
        if spec is None or spec.tag != _q("rsp", "Signal"):
            raise _schema_fault("a Signal needs an rsp:Signal body.")
        command_id = spec.get("CommandId")
        if command_id is not None:
            command = self._command_of(shell, command_id)
            code_node = spec.find(_q("rsp", "Code"))
            code = (code_node.text or "").strip() if code_node is not None else ""
            # terminate, ctrl_c and ctrl_break all end the (simulated) process; a later Receive for it faults.
            if code.startswith(_SIGNAL_PREFIX):
                del shell.commands[command.command_id]
                command.wake()
        return envelope(_DECLS_WITH_X, ACTION_SIGNAL + "Response", request.message_id, "<rsp:SignalResponse/>")

    # --- receive ----------------------------------------------------------------------------------------

    def _poll(self, shell: _Shell, command: _Command) -> None:
        if command.done:
            return
        if self._clock() < command.next_poll_at and not command.stdin_changed:
            return
        command.stdin_changed = False
        request = CommandRequest(
            host_name=self.host_name,
            command=command.command,
            arguments=command.arguments,
            codepage=shell.codepage,
            environment=dict(shell.environment),
            working_directory=shell.working_directory,
            no_profile=shell.no_profile,
            skip_cmd_shell=command.skip_cmd_shell,
            stdin=bytes(command.stdin),
            stdin_closed=command.stdin_closed,
            started_at=command.started_at,
            user_name=shell.user_name,
        )
        try:
            result = self.executor.run(request)
        except Exception:
            _log.exception("lab host %s: the executor failed on %r", self.host_name, command.command[:200])
            shell.commands.pop(command.command_id, None)
            raise internal_error_fault() from None
        if result is None:
            command.next_poll_at = math.inf
            return
        self._take_output(shell, command, result)

    def _take_output(self, shell: _Shell, command: _Command, result: CommandResult) -> None:
        codec = _codec_for(shell.codepage)
        memory_exceeded = self.limits.script_memory_mb > self.limits.max_memory_per_shell_mb
        if (self.fault == "memory_quota" or memory_exceeded) and command.command.lower().startswith("powershell"):
            # The shell's job object refuses the allocation past MaxMemoryPerShellMB: PowerShell dies of it.
            result = CommandResult(
                stdout="",
                stderr=clixml_error("Exception of type 'System.OutOfMemoryException' was thrown."),
                exit_code=1,
            )
        command.stdout = result.stdout.encode(codec, errors="replace")
        command.stderr = result.stderr.encode(codec, errors="replace")
        if result.pending_until is None:
            command.exit_code = result.exit_code
        else:
            command.next_poll_at = result.pending_until

    async def _receive(self, request: _Request, context: RequestContext) -> bytes:
        shell = self._shell(request)
        if self.fault == "idle_reap":
            # As if IdleTimeout had passed while the client was away: the shell and its command are gone.
            self._drop_shell(shell.shell_id)
            raise _unknown_shell_fault(shell.shell_id)
        spec = request.body
        if spec is None or spec.tag != _q("rsp", "Receive"):
            raise _schema_fault("a Receive needs an rsp:Receive body.")
        desired = spec.find(_q("rsp", "DesiredStream"))
        command_id = desired.get("CommandId") if desired is not None else None
        deadline = self._clock() + request.operation_timeout
        while True:
            # A Signal or Delete may have ended the command while this Receive waited.
            if self._shells.get(shell.shell_id) is not shell:
                raise _unknown_shell_fault(shell.shell_id)
            command = self._command_of(shell, command_id)
            self._poll(shell, command)
            unsent = len(command.stdout) > command.stdout_sent or len(command.stderr) > command.stderr_sent
            if unsent or command.done:
                shell.last_activity = self._clock()
                return self._receive_response(request, command)
            now = self._clock()
            if now >= deadline:
                raise operation_timeout_fault()
            command.changed.clear()
            # The floor keeps an executor that keeps answering "pending until a moment already past" from
            # spinning the loop.
            delay = max(min(deadline, command.next_poll_at) - now, 0.005)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(command.changed.wait(), delay)

    def _receive_response(self, request: _Request, command: _Command) -> bytes:
        cid = command.command_id

        def stream(name: str, data: str, end: bool = False) -> str:
            end_attr = ' End="true"' if end else ""
            return f'<rsp:Stream Name="{name}" CommandId="{cid}"{end_attr}>{data}</rsp:Stream>'

        def state(exit_code: int | None) -> str:
            if exit_code is not None:
                return (
                    f'<rsp:CommandState CommandId="{cid}" State="{_STATE_DONE}">'
                    f"<rsp:ExitCode>{exit_code}</rsp:ExitCode></rsp:CommandState>"
                )
            return f'<rsp:CommandState CommandId="{cid}" State="{_STATE_RUNNING}"></rsp:CommandState>'

        def build(data_xml: str, exit_code: int | None) -> bytes:
            finished = exit_code is not None
            ends = stream("stdout", "", end=True) + stream("stderr", "", end=True) if finished else ""
            body = f"<rsp:ReceiveResponse>{data_xml}{ends}{state(exit_code)}</rsp:ReceiveResponse>"
            return envelope(_DECLS_RECEIVE, ACTION_RECEIVE + "Response", request.message_id, body)

        # The largest possible frame (Done state with the widest exit code, End markers, one element per
        # stream) bounds the room left for base64 data.
        widest_exit_code = command.exit_code if command.exit_code is not None else -2147483648
        frame = len(build(stream("stdout", "") + stream("stderr", ""), widest_exit_code))
        room = request.max_envelope_size - frame
        pending_out = command.stdout[command.stdout_sent :]
        pending_err = command.stderr[command.stderr_sent :]
        if room < 4 and (pending_out or pending_err):
            raise WsmanFaultError(
                code="s:Sender",
                subcode="w:EncodingLimit",
                reason="The response that the WS-Management service computed exceeds the maximum envelope size "
                "in the request. ",
                wsman_code=CODE_ENVELOPE_TOO_SMALL,
            )
        parts: list[str] = []
        for name, pending in (("stdout", pending_out), ("stderr", pending_err)):
            take = min(len(pending), max(room, 0) // 4 * 3)
            if take:
                encoded = base64.b64encode(pending[:take]).decode("ascii")
                room -= len(encoded)
                parts.append(stream(name, encoded))
                if name == "stdout":
                    command.stdout_sent += take
                else:
                    command.stderr_sent += take
        finished = command.stdout_sent == len(command.stdout) and command.stderr_sent == len(command.stderr)
        return build("".join(parts), command.exit_code if finished else None)


__all__ = [
    "ACTION_CREATE",
    "ACTION_RECEIVE",
    "RequestContext",
    "WsmanFaultError",
    "WsmanReply",
    "WsmanService",
    "fault_envelope",
    "internal_error_fault",
    "operation_timeout_fault",
    "request_action",
]
