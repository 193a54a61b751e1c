"""Replay every recorded WinRS exchange with real Windows against the lab and compare the answers' structure.

Each recorded request is sent as recorded (ShellId/CommandId rewritten to the ones the lab issued earlier in
the same replay, OperationTimeout shortened to 1 s and the recorded `Start-Sleep 30` to 3 s to keep the test
fast) over HTTP + Basic. The lab's answer must have the recorded HTTP status, the same element tree
(qualified names, attribute names, the values of Name/End/State/Code attributes), the same namespace
declarations and prefixes, the same fault codes, and a:RelatesTo echoing the request. Ids, timestamps, host
addresses and base64 chunking may differ: consecutive data chunks of one stream count as one, and
p:ActivityId (sent by the Server 2016 host only) is ignored. Where the command is deterministic, stdout and
stderr must decode to the recorded text.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
import requests
import yaml
from defusedxml.ElementTree import fromstring, iterparse
from lab_support import PASSWORD, USERNAME, find_recordings

from avma_console.lab.server_thread import LabServerThread

RECORDINGS = find_recordings()
RECORDING_FILES = sorted(RECORDINGS.glob("*.yml")) if RECORDINGS else []

NS_RSP = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_P = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
NS_A = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
STREAM = f"{{{NS_RSP}}}Stream"
ACTIVITY_ID = f"{{{NS_P}}}ActivityId"
VALUE_ATTRIBUTES = {"Name", "End", "State", "Code"}
# Windows echoes environment variable names with their backslashes dropped ("/\\?" comes back as "/?"); the
# lab echoes them as sent (the one sample does not say what the general rule is), so those values are not compared.
VARIABLE = f"{{{NS_RSP}}}Variable"

# Deterministic commands: what stdout/stderr decode to, per recording (None: not compared byte for byte).
EXPECTED_TEXT: dict[str, tuple[str, str] | None] = {
    "winrs_standard.yml": ("hi\r\n", ""),
    "winrs_stderr_rc.yml": ("out \r\n", "err \r\n"),
    "winrs_unicode.yml": ("こんにちは\n", ""),
    "winrs_send.yml": ("output 1\noutput 2\n", ""),
    "winrs_operation_timeout.yml": ("hi\nhi again\n", ""),
    "winrs_bad_cmd_id.yml": ("", ""),
    "winrs_environment.yml": None,
    "winrs_noprofile.yml": None,
}


def _normalized(element: Element) -> tuple[Any, ...]:
    children: list[Element] = []
    for child in element:
        if child.tag == ACTIVITY_ID:
            continue
        previous = children[-1] if children else None
        if (
            child.tag == STREAM
            and previous is not None
            and previous.tag == STREAM
            and "End" not in child.attrib
            and "End" not in previous.attrib
            and previous.get("Name") == child.get("Name")
        ):
            continue
        children.append(child)
    compared = VALUE_ATTRIBUTES if element.tag != VARIABLE else set()
    attributes = tuple(sorted((name, value if name in compared else None) for name, value in element.attrib.items()))
    return (element.tag, attributes, tuple(_normalized(child) for child in children))


def _declarations(document: bytes) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """(element, namespace declarations made on it) for every element that declares any."""
    found: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    pending: list[tuple[str, str]] = []
    for event, item in iterparse(io.BytesIO(document), events=("start-ns", "start")):
        if event == "start-ns":
            assert isinstance(item, tuple)
            pending.append(item)
        elif pending:
            assert isinstance(item, Element)
            found.append((item.tag, tuple(pending)))
            pending = []
    return found


def _prefixed_names(document: bytes) -> set[str]:
    return set(re.findall(rb"</?([A-Za-z]+:[A-Za-z]+)", document)) - {b"p:ActivityId"}  # type: ignore[arg-type]


def _streams(document: bytes, codec: str) -> tuple[str, str]:
    root = fromstring(document)
    out, err = b"", b""
    for stream in root.iter(STREAM):
        data = base64.b64decode(stream.text or "")
        if stream.get("Name") == "stdout":
            out += data
        else:
            err += data
    return out.decode(codec), err.decode(codec)


def _ids(document: bytes) -> list[str]:
    root = fromstring(document)
    ids = [node.text or "" for node in root.iter() if node.get("Name") == "ShellId"]
    ids += [node.text or "" for node in root.iter(f"{{{NS_RSP}}}CommandId")]
    return ids


def _adjusted(request: str) -> str:
    request = re.sub(r"<wsman:OperationTimeout>PT\d+(\.\d+)?S</wsman:OperationTimeout>", _one_second, request)
    return request.replace("Start-Sleep 30", "Start-Sleep 3")


def _one_second(_match: re.Match[str]) -> str:
    return "<wsman:OperationTimeout>PT1S</wsman:OperationTimeout>"


@pytest.fixture
def lab(make_lab: Any) -> LabServerThread:
    lab: LabServerThread = make_lab(["HV-REPLAY"], auth="basic", allow_unencrypted_basic=True)
    return lab


def test_recordings_are_present() -> None:
    if RECORDINGS is None:
        pytest.skip("shared/reference/winrs-recordings not found beside or inside the repository")
    assert {path.name for path in RECORDING_FILES} >= set(EXPECTED_TEXT)


@pytest.mark.parametrize("recording", RECORDING_FILES, ids=[path.name for path in RECORDING_FILES])
def test_replay_matches_windows(recording: Path, lab: LabServerThread) -> None:
    messages = yaml.safe_load(recording.read_text(encoding="utf-8"))["messages"]
    endpoint = lab.endpoints[0]
    http = requests.Session()
    http.trust_env = False
    http.auth = (USERNAME, PASSWORD)
    headers = {"Content-Type": "application/soap+xml;charset=UTF-8"}
    codec = "utf-8" if 'WINRS_CODEPAGE">65001' in messages[0]["request"] else "cp437"
    lab_ids: dict[str, str] = {}
    lab_out = lab_err = recorded_out = recorded_err = ""
    recorded_answers: list[bytes] = []
    lab_answers: list[bytes] = []

    for number, message in enumerate(messages):
        request = message["request"]
        for recorded_id, issued_id in lab_ids.items():
            request = request.replace(recorded_id, issued_id)
        request = _adjusted(request)
        answer = http.post(endpoint.url, data=request.encode("utf-8"), headers=headers, timeout=15)
        expected_status = (message.get("transport_error") or {}).get("code", 200)
        where = f"{recording.name} message {number}"
        assert answer.status_code == expected_status, f"{where}: {answer.text[:500]}"
        assert answer.headers["Content-Type"] == "application/soap+xml;charset=UTF-8"
        recorded = message["response"].encode("utf-8")
        got = answer.content

        assert _normalized(fromstring(got)) == _normalized(fromstring(recorded)), where
        assert _declarations(got) == _declarations(recorded), where
        assert _prefixed_names(got) == _prefixed_names(recorded), where
        relates_to = fromstring(got).find(f".//{{{NS_A}}}RelatesTo")
        message_id = fromstring(request.encode("utf-8")).find(f".//{{{NS_A}}}MessageID")
        assert relates_to is not None
        assert message_id is not None
        assert relates_to.text == message_id.text, where
        assert b'xml:lang="en-US"' in got.split(b">", 1)[0]

        for recorded_id, issued_id in zip(_ids(recorded), _ids(got), strict=True):
            lab_ids.setdefault(recorded_id, issued_id)
        out, err = _streams(got, codec)
        lab_out, lab_err = lab_out + out, lab_err + err
        out, err = _streams(recorded, codec)
        recorded_out, recorded_err = recorded_out + out, recorded_err + err
        recorded_answers.append(recorded)
        lab_answers.append(got)

    expected = EXPECTED_TEXT.get(recording.name)
    if expected is not None:
        assert (recorded_out, recorded_err) == expected, "the recording itself changed"
        assert (lab_out, lab_err) == expected
    elif recording.name == "winrs_environment.yml":
        for line in ("env1=var1", "1234=5678", '_-(){}[]<>*+-/\\?"!@#$^&|;:i,.`~0=_-(){}[]<>*+-/\\?"!@#$^&|;:i,.`~0'):
            assert line in recorded_out.splitlines()
            assert line in lab_out.splitlines()
    elif recording.name == "winrs_noprofile.yml":
        for line in ("USERPROFILE=C:\\Users\\Default", "TEMP=C:\\Windows\\TEMP"):
            assert line in recorded_out.splitlines()
            assert line in lab_out.splitlines()
        assert not any(line.startswith("APPDATA=") for line in lab_out.splitlines())
