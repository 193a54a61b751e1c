"""WS-Management messages as the lab reads and writes them: namespaces, actions, faults, envelopes, requests."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

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
CODE_QUOTA_MAX_OPERATIONS = 2150859174  # 0x803381A6
CODE_MAX_ENVELOPE_SIZE = 2150858823  # 0x80338047, the request's MaxEnvelopeSize is above the service's
CODE_NOT_ENOUGH_QUOTA = 1816  # Win32 ERROR_NOT_ENOUGH_QUOTA: CreateProcess refused by the shell's job object
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


def quota_fault(wsman_code: int, reason: str) -> WsmanFaultError:
    """A w:QuotaLimit fault; `reason` is wsmerror.h's text for the code (see the QUOTA_* builders below)."""
    return WsmanFaultError(code="s:Sender", subcode="w:QuotaLimit", reason=reason, wsman_code=wsman_code)


def max_shells_fault() -> WsmanFaultError:
    return quota_fault(
        CODE_QUOTA_MAX_SHELLS,
        "The WS-Management service cannot process the request. The maximum number of concurrent shells for this "
        "user has been exceeded. Close existing shells or raise the quota for this user. ",
    )


def max_operations_fault() -> WsmanFaultError:
    return quota_fault(
        CODE_QUOTA_MAX_OPERATIONS,
        "The WS-Management service cannot process the request. The maximum number of concurrent operations for "
        "this user has been exceeded. Close existing operations for this user, or raise the quota for this user. ",
    )


def process_quota_fault() -> WsmanFaultError:
    """WinRS reports CreateProcess's Win32 error as the fault code, as it does for a missing program (2)."""
    return WsmanFaultError(
        code="s:Receiver",
        subcode="w:InternalError",
        reason="Not enough quota is available to process this command. ",
        wsman_code=CODE_NOT_ENOUGH_QUOTA,
    )


def envelope_fault(what: str) -> WsmanFaultError:
    return WsmanFaultError(
        code="s:Sender",
        subcode="w:EncodingLimit",
        reason=f"The WS-Management service cannot process the request because {what}. ",
        wsman_code=CODE_MAX_ENVELOPE_SIZE,
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
