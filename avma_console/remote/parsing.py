"""Reading what hosts send: Windows PowerShell 5.1 JSON, CLIXML errors, KVP CIM-XML, event data.

Tolerant of 5.1's quirks (single objects where arrays are expected, "\\/Date(ms)\\/", enums as integers,
type names where objects were too deep), strict about the fields the console relies on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from avma_console.domain.fleet import AvmaEvent, GuestLicense
from avma_console.domain.keys import channel_from_description
from avma_console.domain.states import AvmaOutcome, parse_error_code

MAX_KVP_TEXT_CHARS = 64 * 1024  # a KVP name or value longer than this is not trusted (Hyper-V allows 2 KiB of data)
_INT_TEXT = re.compile(r"\s*-?\d{1,18}\s*")
_MS_DATE = re.compile(r"^/Date\((-?\d{1,15})([+-]\d{4})?\)/$")


class OutputFormatError(ValueError):
    """The output is not what the script emits; the message says what is missing or malformed."""


def parse_json_document(stdout: str) -> dict[str, Any]:
    """The one JSON object a script writes to stdout (a BOM, blank lines and trailing CRLF are tolerated)."""
    text = stdout.lstrip("\ufeff").strip()
    if not text:
        raise OutputFormatError("the script printed nothing")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        snippet = text[max(0, error.pos - 20) : error.pos + 20]
        raise OutputFormatError(f"the output is not valid JSON ({error.msg} near {snippet!r})") from None
    if not isinstance(document, dict):
        raise OutputFormatError(f"expected a JSON object, got {type(document).__name__}")
    return document


def as_list(value: object) -> list[Any]:
    """5.1 emits a one-element array as the element itself and an empty one as null."""
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if item is not None]
    return [value]


def as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return str(value)
    return None


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        return int(value)
    return None


def as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
        return value.strip().casefold() == "true"
    return None


def parse_datetime(value: object) -> datetime | None:
    """A 5.1 DateTime ("\\/Date(ms)\\/", which json.loads turns into "/Date(ms)/") or an ISO-8601 string.

    Windows' "never" (1601-01-01) is None.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = _MS_DATE.match(text)
    if match:
        try:
            parsed = datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return None if parsed.year <= 1601 else parsed  # UTC already (an event's time: tens of them per host)
    else:
        try:
            parsed = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
    return None if parsed.year <= 1601 else parsed.astimezone(UTC)


def clixml_to_text(stderr: str) -> str:
    """The error text inside PowerShell's CLIXML stderr (or the text itself when it is not CLIXML)."""
    text = stderr.strip()
    if not text.startswith("#< CLIXML"):
        return text
    body = text.split("\n", 1)[1] if "\n" in text else ""
    try:
        root = SafeElementTree.fromstring(body)
    except (SafeElementTree.ParseError, DefusedXmlException, ValueError):
        return re.sub(r"<[^>]+>", " ", body).strip()
    messages = [(node.text or "") for node in root.iter() if node.tag.endswith("}S") and node.get("S") == "Error"]
    joined = "".join(messages)
    decoded = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), joined)
    return " ".join(decoded.split())


def parse_kvp_data(value: object) -> dict[str, str]:
    """Name -> Data of a VM's KVP items, as host_inventory.ps1 sends them (ConvertTo-KvpData: the host reads
    each item's embedded CIM-XML and sends only these two). Names and values come from the guest's side of
    the exchange: anything but text, and oversized names or values, are skipped rather than trusted."""
    if not isinstance(value, Mapping):
        return {}
    return {
        name: data
        for name, data in value.items()
        if isinstance(name, str)
        and name
        and isinstance(data, str)
        and len(name) <= MAX_KVP_TEXT_CHARS
        and len(data) <= MAX_KVP_TEXT_CHARS
    }


def parse_guest_license(value: object) -> GuestLicense | None:
    """The guest's own SoftwareLicensingProduct, read through PowerShell Direct; None if nothing usable."""
    if not isinstance(value, Mapping):
        return None
    status = as_int(value.get("LicenseStatus"))
    if status is None:
        return None
    description = as_text(value.get("Description"))
    partial = as_text(value.get("PartialProductKey"))
    return GuestLicense(
        license_status=status,
        channel=channel_from_description(description, partial),
        partial_key=partial,
        description=description,
        avma_host_name=as_text(value.get("AutomaticVMActivationHostMachineName")) or None,
        last_activation=parse_datetime(value.get("AutomaticVMActivationLastActivationTime")),
        grace_minutes=as_int(value.get("GracePeriodRemaining")),
    )


_OUTCOME_PATTERNS: tuple[tuple[re.Pattern[str], AvmaOutcome], ...] = (
    (re.compile(r"\bAVMA\s+Success\b|\bsuccess", re.IGNORECASE), AvmaOutcome.SUCCESS),
    (re.compile(r"\bInvalid\s+Host\b", re.IGNORECASE), AvmaOutcome.INVALID_HOST),
    (re.compile(r"\bInvalid\s+Data\b", re.IGNORECASE), AvmaOutcome.INVALID_DATA),
    (re.compile(r"\bActivation\s+Denied\b", re.IGNORECASE), AvmaOutcome.ACTIVATION_DENIED),
)
_FAILURE_KEYS = ("invalid", "invalid", "denied")
_HRESULT = re.compile(r"\b0x(C004FD0[0-4])\b", re.IGNORECASE)


def event_outcome(texts: Sequence[str]) -> tuple[AvmaOutcome | None, int | None]:
    """The outcome an AVMA event reports. Its data layout is unconfirmed, so every text is searched:
    an error code decides first, then a failure's name, then success."""
    joined = "\n".join(texts)
    return _outcome_in(joined, joined.casefold())


def _outcome_in(joined: str, folded: str) -> tuple[AvmaOutcome | None, int | None]:
    # Each pattern runs only where its key word occurs (casefold matches at least what IGNORECASE does).
    match = _HRESULT.search(joined) if "0xc004fd0" in folded else None
    if match:
        code = parse_error_code("0x" + match.group(1))
        if code is not None:
            return code.outcome, code.code
    for (pattern, outcome), key in zip(_OUTCOME_PATTERNS[1:], _FAILURE_KEYS, strict=True):
        if key in folded and pattern.search(joined):
            return outcome, None
    if "success" in folded and _OUTCOME_PATTERNS[0][0].search(joined):
        return AvmaOutcome.SUCCESS, None
    return None, None


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event as read, before it is tied to a VM: its texts are searched for the VM's GUID or name."""

    event: AvmaEvent
    texts: tuple[str, ...]
    folded: str = ""  # every text, case-folded, for GUID look-ups

    def about(self, vm_name: str, vm_id: str) -> AvmaEvent:
        """The event tied to a VM (built directly: dataclasses.replace costs several times more per event)."""
        event = self.event
        return AvmaEvent(
            event.event_id,
            event.record_id,
            event.time_created,
            event.computer,
            event.message,
            vm_name,
            vm_id,
            event.outcome,
            event.error_code,
        )


def parse_event(value: object, computer: str, vm_name: str | None = None, vm_id: str | None = None) -> RawEvent | None:
    """An event from the script's output; `vm_name`/`vm_id` when it is known which VM it is about (a guest's)."""
    if not isinstance(value, Mapping):
        return None
    record_id = as_int(value.get("RecordId"))
    event_id = as_int(value.get("Id"))
    when = parse_datetime(value.get("TimeCreated"))
    if record_id is None or event_id is None or when is None:
        return None
    message = as_text(value.get("Message")) or ""
    listed = value.get("Properties")
    if type(listed) is list and all(type(item) is str for item in listed):
        texts = (*listed, message)  # as 5.1 sends them: tens of events per host
    else:
        texts = (*(text for text in (as_text(p) for p in as_list(listed)) if text is not None), message)
    joined = "\n".join(texts)
    folded = joined.casefold()
    outcome, code = _outcome_in(joined, folded)
    event = AvmaEvent(
        event_id=event_id,
        record_id=record_id,
        time_created=when,
        computer=as_text(value.get("MachineName")) or computer,
        message=message,
        vm_name=vm_name,
        vm_id=vm_id,
        outcome=outcome,
        error_code=code,
    )
    return RawEvent(event, texts, folded)


def event_mentions(raw: RawEvent, vm_name: str, vm_id: str) -> bool:
    """Whether an event is about this VM: its GUID anywhere, or its exact name as a property or quoted."""
    return raw in EventIndex([raw]).events_of(vm_name, vm_id)


_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"|\u201c([^\u201d]*)\u201d")


class EventIndex:
    """Finds the events about a VM without comparing every VM with every event (hosts keep hundreds)."""

    def __init__(self, events: Sequence[RawEvent]) -> None:
        self._by_guid: dict[str, list[RawEvent]] = {}
        self._by_name: dict[str, list[RawEvent]] = {}
        for raw in events:
            for guid in set(_GUID.findall(raw.folded)):
                self._by_guid.setdefault(guid, []).append(raw)
            names = set(raw.texts[:-1])  # the properties; of the message (the last text), what it quotes
            names.update(
                single or double or typographic for single, double, typographic in _QUOTED.findall(raw.texts[-1])
            )
            for name in names:
                self._by_name.setdefault(name, []).append(raw)

    def events_of(self, vm_name: str, vm_id: str) -> list[RawEvent]:
        found = {id(raw): raw for raw in self._by_guid.get(vm_id.casefold(), [])}
        found.update((id(raw), raw) for raw in self._by_name.get(vm_name, []))
        return list(found.values())
