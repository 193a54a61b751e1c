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
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

from avma_console.lab.shell import CommandExecutor, CommandRequest, CommandResult

_log = logging.getLogger(__name__)

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "e": "http://schemas.xmlsoap.org/ws/2004/08/eventing",
    "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}

SHELL_CMD_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
ACTION_SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
ACTION_RECEIVE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
ACTION_SIGNAL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
ACTION_FAULT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
_ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
_STATE_RUNNING = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"
_STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
_SIGNAL_PREFIX = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/"

# WSManFault codes (wsmerror.h) the lab emits.
CODE_OPERATION_TIMEOUT = 2150858793  # 0x80338029, as recorded
CODE_INVALID_SELECTORS = 2150858843  # 0x8033805B, unknown ShellId or CommandId, as recorded
CODE_ACTION_NOT_SUPPORTED = 2150858771  # 0x80338013
CODE_INVALID_RESOURCE_URI = 2150858811  # 0x8033803B
CODE_SCHEMA_VALIDATION = 2150858817  # 0x80338041
CODE_INVALID_XML = 2150858819  # 0x80338043
CODE_MESSAGE_HEADER_REQUIRED = 2150858769  # 0x80338011
CODE_OPTIONS_INVALID_VALUE = 2150858835  # 0x80338053
CODE_ENVELOPE_TOO_SMALL = 2150858824  # 0x80338048, response would exceed MaxEnvelopeSize
CODE_QUOTA_MAX_SHELLS = 2150859173  # 0x803381A5
CODE_PROVIDER_FAILURE = 2150858755  # 0x80338003

_TIMEOUT_TEXT = (
    "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
)
_BAD_COMMAND_TEXT = (
    "The Windows Remote Shell received a request to perform an operation on a command identifier that does not "
    "exist. Either the command has completed execution or the client specified an invalid command identifier. "
)
_INVALID_SELECTORS_REASON = (
    "The WS-Management service cannot process the request because the request contained invalid selectors for "
    "the resource. "
)
_UNEXPECTED_SELECTORS_DETAIL = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors"

# Windows defaults (winrm get winrm/config/winrs).
DEFAULT_IDLE_TIMEOUT_S = 7200.0
DEFAULT_MAX_SHELLS_PER_USER = 30
_DEFAULT_OPERATION_TIMEOUT_S = 60.0
_MAX_OPERATION_TIMEOUT_S = 3600.0
_DEFAULT_MAX_ENVELOPE = 153600

# The namespace declarations each response type carries in the recordings (order matters for byte-faithfulness).
_DECLS_WITH_X = ("s", "a", "x", "w", "rsp", "p")
_DECLS_RECEIVE = ("s", "a", "w", "rsp", "p")
_DECLS_DELETE = ("s", "a", "w", "p")
_DECLS_FAULT = ("s", "a", "x", "e", "n", "w", "p")


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who sent a request and how they reached the host (used in replies as Windows does)."""

    user_name: str
    client_ip: str
    machine: str
    listener_url: str


@dataclass(frozen=True, slots=True)
class WsmanReply:
    status: int
    body: bytes


class WsmanFaultError(Exception):
    """A WS-Management fault to send back (HTTP 500)."""

    def __init__(
        self,
        *,
        code: str,
        subcode: str,
        reason: str,
        wsman_code: int,
        message: str | None = None,
        fault_detail: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.wsman_code = wsman_code
        self.message = reason if message is None else message
        self.fault_detail = fault_detail


def operation_timeout_fault() -> WsmanFaultError:
    return WsmanFaultError(
        code="s:Receiver", subcode="w:TimedOut", reason=_TIMEOUT_TEXT, wsman_code=CODE_OPERATION_TIMEOUT
    )


def _unknown_command_fault() -> WsmanFaultError:
    return WsmanFaultError(
        code="s:Sender",
        subcode="w:InvalidSelectors",
        reason=_INVALID_SELECTORS_REASON,
        wsman_code=CODE_INVALID_SELECTORS,
        message=_BAD_COMMAND_TEXT,
        fault_detail=_UNEXPECTED_SELECTORS_DETAIL,
    )


def _unknown_shell_fault(shell_id: str) -> WsmanFaultError:
    return WsmanFaultError(
        code="s:Sender",
        subcode="w:InvalidSelectors",
        reason=_INVALID_SELECTORS_REASON,
        wsman_code=CODE_INVALID_SELECTORS,
        message=(
            f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not "
            "found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer "
            "exists on the server. Provide the correct ShellId or create a new shell and execute the command "
            "again. "
        ),
        fault_detail=_UNEXPECTED_SELECTORS_DETAIL,
    )


def _schema_fault(what: str) -> WsmanFaultError:
    return WsmanFaultError(
        code="s:Sender",
        subcode="w:SchemaValidationError",
        reason="The SOAP XML in the message does not match the corresponding XML schema definition. "
        "Change the XML and retry. ",
        wsman_code=CODE_SCHEMA_VALIDATION,
        message=f"The WS-Management service cannot process the request: {what} ",
    )


def internal_error_fault() -> WsmanFaultError:
    """The generic fault of a WinRM service in trouble (also what the `http500` lab fault sends)."""
    return WsmanFaultError(
        code="s:Receiver",
        subcode="w:InternalError",
        reason="The WS-Management service cannot process the request. "
        "The data source failed to return results for the request. ",
        wsman_code=CODE_PROVIDER_FAILURE,
        message="An error was encountered inside the plugin. ",
    )


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(value: str) -> str:
    return _xml_text(value).replace('"', "&quot;")


def _new_id() -> str:
    return str(uuid.uuid4()).upper()


def envelope(decls: tuple[str, ...], action: str, relates_to: str | None, body: str) -> bytes:
    """A reply envelope as Windows writes it (exposed for the HTTP layer's generic faults)."""
    ns = "".join(f' xmlns:{prefix}="{NS[prefix]}"' for prefix in decls)
    relates = f"<a:RelatesTo>{_xml_text(relates_to)}</a:RelatesTo>" if relates_to else ""
    header = (
        f"<s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:{_new_id()}</a:MessageID>"
        f"<p:ActivityId>{_new_id()}</p:ActivityId><a:To>{_ANONYMOUS}</a:To>{relates}</s:Header>"
    )
    return f'<s:Envelope xml:lang="en-US"{ns}>{header}<s:Body>{body}</s:Body></s:Envelope>'.encode()


def fault_envelope(fault: WsmanFaultError, relates_to: str | None, machine: str) -> bytes:
    detail = f"<w:FaultDetail>{fault.fault_detail}</w:FaultDetail>" if fault.fault_detail else ""
    body = (
        f"<s:Fault><s:Code><s:Value>{fault.code}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value>"
        f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">{_xml_text(fault.reason)}</s:Text></s:Reason>'
        f'<s:Detail>{detail}<f:WSManFault xmlns:f="{NS["f"]}" Code="{fault.wsman_code}" '
        f'Machine="{_xml_attr(machine)}"><f:Message>{_xml_text(fault.message)}</f:Message></f:WSManFault>'
        f"</s:Detail></s:Fault>"
    )
    return envelope(_DECLS_FAULT, ACTION_FAULT, relates_to, body)


_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> float | None:
    """xs:duration (the subset WS-Management uses: days, hours, minutes, seconds) in seconds."""
    match = _DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT"):
        return None
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    return parts.get("d", 0.0) * 86400 + parts.get("h", 0.0) * 3600 + parts.get("m", 0.0) * 60 + parts.get("s", 0.0)


def _q(prefix: str, local: str) -> str:
    return f"{{{NS[prefix]}}}{local}"


@dataclass(frozen=True, slots=True)
class _Request:
    action: str
    message_id: str
    resource_uri: str
    max_envelope_size: int
    operation_timeout: float
    selectors: dict[str, str]
    options: dict[str, str]
    body: Element | None


def _parse_xml(raw: bytes) -> Element:
    try:
        root = safe_fromstring(raw, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise WsmanFaultError(
            code="s:Sender",
            subcode="w:SchemaValidationError",
            reason="The WS-Management service cannot process the request because the XML is invalid. ",
            wsman_code=CODE_INVALID_XML,
        ) from exc
    assert isinstance(root, Element)
    return root


def request_action(raw: bytes) -> str | None:
    """The WS-Addressing Action of a request, or None if it is not a readable envelope."""
    try:
        root = _parse_xml(raw)
    except WsmanFaultError:
        return None
    action = root.find(f"{_q('s', 'Header')}/{_q('a', 'Action')}")
    return None if action is None or action.text is None else action.text.strip()


def _parse_request(raw: bytes) -> _Request:
    root = _parse_xml(raw)
    if root.tag != _q("s", "Envelope"):
        raise _schema_fault("the root element is not a SOAP 1.2 Envelope.")
    header = root.find(_q("s", "Header"))
    soap_body = root.find(_q("s", "Body"))
    if header is None or soap_body is None:
        raise _schema_fault("the envelope needs a Header and a Body.")

    def text_of(prefix: str, local: str) -> str | None:
        node = header.find(_q(prefix, local))
        return None if node is None else (node.text or "").strip()

    action = text_of("a", "Action")
    message_id = text_of("a", "MessageID")
    if not action or not message_id:
        raise WsmanFaultError(
            code="s:Sender",
            subcode="a:MessageInformationHeaderRequired",
            reason="The WS-Management service cannot process the request. "
            "The request does not have all the expected SOAP headers. ",
            wsman_code=CODE_MESSAGE_HEADER_REQUIRED,
        )
    max_env_text = text_of("w", "MaxEnvelopeSize")
    try:
        max_envelope = int(max_env_text) if max_env_text else _DEFAULT_MAX_ENVELOPE
    except ValueError:
        raise _schema_fault("MaxEnvelopeSize is not a number.") from None
    timeout_text = text_of("w", "OperationTimeout")
    timeout = parse_duration(timeout_text) if timeout_text else _DEFAULT_OPERATION_TIMEOUT_S
    if timeout is None:
        raise _schema_fault("OperationTimeout is not an xs:duration.")
    selectors = {
        node.get("Name", ""): (node.text or "").strip()
        for node in header.findall(f"{_q('w', 'SelectorSet')}/{_q('w', 'Selector')}")
    }
    options = {
        node.get("Name", "").upper(): (node.text or "").strip()
        for node in header.findall(f"{_q('w', 'OptionSet')}/{_q('w', 'Option')}")
    }
    children = list(soap_body)
    return _Request(
        action=action,
        message_id=message_id,
        resource_uri=text_of("w", "ResourceURI") or "",
        max_envelope_size=max_envelope,
        operation_timeout=min(max(timeout, 0.0), _MAX_OPERATION_TIMEOUT_S),
        selectors=selectors,
        options=options,
        body=children[0] if children else None,
    )


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
        max_shells_per_user: int = DEFAULT_MAX_SHELLS_PER_USER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host_name = host_name
        self.executor = executor
        self.max_shells_per_user = max_shells_per_user
        self._clock = clock
        self._shells: dict[str, _Shell] = {}

    @property
    def open_shells(self) -> int:
        return len(self._shells)

    async def handle(self, raw: bytes, context: RequestContext) -> WsmanReply:
        message_id: str | None = None
        try:
            request = _parse_request(raw)
            message_id = request.message_id
            body = await self._dispatch(request, context)
        except WsmanFaultError as fault:
            return WsmanReply(500, fault_envelope(fault, message_id, context.machine))
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
        self._expire_idle_shells()
        owner = context.user_name.rsplit("\\", 1)[-1]
        owned = sum(1 for shell in self._shells.values() if shell.owner.lower() == owner.lower())
        if owned >= self.max_shells_per_user:
            raise WsmanFaultError(
                code="s:Sender",
                subcode="w:QuotaLimit",
                reason="The WS-Management service cannot process the request. This user is allowed a maximum "
                f"number of {self.max_shells_per_user} concurrent shells, which has been exceeded. Close "
                "existing shells or raise the quota for this user. ",
                wsman_code=CODE_QUOTA_MAX_SHELLS,
            )

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
            idle_timeout=idle if idle else DEFAULT_IDLE_TIMEOUT_S,
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

    @staticmethod
    def _take_output(shell: _Shell, command: _Command, result: CommandResult) -> None:
        codec = _codec_for(shell.codepage)
        command.stdout = result.stdout.encode(codec, errors="replace")
        command.stderr = result.stderr.encode(codec, errors="replace")
        if result.pending_until is None:
            command.exit_code = result.exit_code
        else:
            command.next_poll_at = result.pending_until

    async def _receive(self, request: _Request, context: RequestContext) -> bytes:
        shell = self._shell(request)
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
