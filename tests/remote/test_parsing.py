"""Reading what Windows sends: 5.1 JSON quirks, CLIXML, KVP data (safely), events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avma_console.domain.states import AvmaOutcome
from avma_console.lab import ps51
from avma_console.lab.pwsh_basic import clixml_error
from avma_console.remote.host_document import parse_host_document
from avma_console.remote.parsing import (
    OutputFormatError,
    as_list,
    clixml_to_text,
    event_mentions,
    event_outcome,
    parse_datetime,
    parse_event,
    parse_json_document,
    parse_kvp_data,
)


def test_single_objects_and_nulls_stand_in_for_arrays() -> None:
    assert as_list(None) == []
    assert as_list({"Name": "a"}) == [{"Name": "a"}]
    assert as_list([{"Name": "a"}, None]) == [{"Name": "a"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Date(1700000000000)/", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("/Date(1700000000000+0100)/", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("2026-11-20T10:00:00.0000000Z", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        ("1601-01-01T00:00:00.0000000Z", None),  # Windows' "never"
        ("yesterday", None),
        ("/Date(99999999999999999999)/", None),
    ],
)
def test_dates_in_every_form_windows_sends(text: str, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


def test_a_51_document_round_trips_through_the_parser() -> None:
    when = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    text = ps51.convert_to_json({"Schema": 1, "When": when, "Name": "<b>O'Neil & Co</b>"}, depth=2)
    assert "\\u003cb\\u003e" in text and "\\u0027" in text and "\\/Date(" in text
    document = parse_json_document("\ufeff" + text + "\r\n\r\n")
    assert document["Name"] == "<b>O'Neil & Co</b>"
    assert parse_datetime(document["When"]) == when


def test_objects_deeper_than_depth_become_type_names_and_are_rejected_as_such() -> None:
    text = ps51.convert_to_json({"a": {"b": {"c": {"d": 1}}}}, depth=2)
    assert '"c":"System.Collections.Specialized.OrderedDictionary"' in text


@pytest.mark.parametrize("stdout", ["", "   \r\n", "not json", "[1, 2]", '{"Schema": 1', "\x00\xff"])
def test_unusable_output_is_a_clear_format_error(stdout: str) -> None:
    with pytest.raises(OutputFormatError):
        parse_json_document(stdout)


def test_host_document_requires_its_schema_and_os() -> None:
    with pytest.raises(OutputFormatError, match="schema"):
        parse_host_document({"Schema": 2}, "HV1")
    with pytest.raises(OutputFormatError, match="OperatingSystem"):
        parse_host_document({"Schema": 1}, "HV1")


def test_clixml_error_text_is_extracted() -> None:
    stderr = clixml_error("The term 'Get-VM' is not recognized as the name of a cmdlet.")
    assert clixml_to_text(stderr).startswith("The term 'Get-VM' is not recognized")
    assert clixml_to_text("plain text error") == "plain text error"


def test_kvp_data_is_read_by_name() -> None:
    data = {"OSName": "Windows Server 2022 Datacenter", "Tag": '<x> & "y" $(whoami) `n'}
    assert parse_kvp_data(data) == data


@pytest.mark.parametrize(
    "hostile",
    [
        {"Count": 42},
        {"Missing": None},
        {"Nested": {"Name": "x"}},
        {"List": ["x"]},
        {"": "no name"},
        {"Huge": "x" * 200_000},
        {"y" * 200_000: "huge name"},
    ],
)
def test_kvp_data_that_is_not_plain_text_is_skipped_not_trusted(hostile: dict[str, object]) -> None:
    good = {"OSName": "Windows Server 2019 Standard"}
    assert parse_kvp_data({**hostile, **good}) == good


@pytest.mark.parametrize("shape", [None, [], ["<INSTANCE/>"], "OSName", 42])
def test_kvp_data_that_is_not_an_object_reads_as_no_items(shape: object) -> None:
    assert parse_kvp_data(shape) == {}


@given(st.dictionaries(st.text(min_size=1), st.text()))
def test_kvp_values_round_trip_any_text(data: dict[str, str]) -> None:
    assert parse_kvp_data(data) == data


@pytest.mark.parametrize(
    ("texts", "outcome", "code"),
    [
        (["web-01", "GUID", "AVMA Success", "0x00000000"], AvmaOutcome.SUCCESS, None),
        (["Result: Activation Denied (0xC004FD03)."], AvmaOutcome.ACTIVATION_DENIED, 0xC004FD03),
        (["0xc004fd02"], AvmaOutcome.INVALID_HOST, 0xC004FD02),
        (["Invalid Data"], AvmaOutcome.INVALID_DATA, None),
        (["something else entirely"], None, None),
    ],
)
def test_event_outcome_is_found_wherever_the_event_puts_it(texts: list[str], outcome: object, code: object) -> None:
    assert event_outcome(texts) == (outcome, code)


def test_events_are_tied_to_vms_by_guid_or_exact_name() -> None:
    raw = parse_event(
        {
            "RecordId": 7,
            "Id": 12310,
            "TimeCreated": "/Date(1700000000000)/",
            "Message": "The request from virtual machine 'web-01' was processed.",
            "Properties": ["web-01", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "AVMA Success"],
        },
        "HV1",
    )
    assert raw is not None
    assert event_mentions(raw, "web-01", "3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    assert event_mentions(raw, "other-name", "3F2504E0-4F89-11D3-9A0C-0305E82C3301")
    assert not event_mentions(raw, "web-0", "00000000-0000-0000-0000-000000000000"), "a prefix is not the name"
    assert parse_event({"RecordId": "x", "Id": 12310}, "HV1") is None


def test_an_event_about_two_vms_belongs_to_the_first_and_is_each_ones_last() -> None:
    first, second = "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "6b29fc40-ca47-1067-b31d-00dd010662da"

    def event(record_id: int, millis: int, *names: str) -> dict[str, object]:
        return {
            "RecordId": record_id,
            "Id": 12310,
            "TimeCreated": f"/Date({millis})/",
            "Message": "Activation succeeded.",
            "Properties": [*names, "AVMA Success"],
        }

    document = {
        "Schema": 1,
        "OperatingSystem": {"Caption": "Microsoft Windows Server 2022 Datacenter", "BuildNumber": "20348"},
        "VirtualMachines": [{"Name": "web-01", "Id": first}, {"Name": "web-02", "Id": second}],
        # Record 2 names both VMs (a shared text); record 1 only the second VM, and is older.
        "Events": [event(1, 1_700_000_000_000, "web-02"), event(2, 1_700_000_060_000, "web-01", "web-02")],
    }
    record = parse_host_document(document, "HV1").record
    web01, web02 = record.vms
    owners = {event.record_id: (event.vm_name, event.vm_id) for event in record.events}
    assert owners == {1: ("web-02", second.upper()), 2: ("web-01", first.upper())}
    assert web01.last_event is not None and web02.last_event is not None
    assert (web01.last_event.record_id, web01.last_event.vm_name, web01.last_event.vm_id) == (
        2,
        "web-01",
        first.upper(),
    )
    assert (web02.last_event.record_id, web02.last_event.vm_name, web02.last_event.vm_id) == (
        2,
        "web-02",
        second.upper(),
    )
    # The owner's last event is the host's own object: built, pickled and shipped once.
    assert web01.last_event is record.events[1]
