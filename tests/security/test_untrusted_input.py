"""Untrusted data: whatever hosts, guests and files send, the parsers answer with their own error or a result.

Property tests (Hypothesis) over every parser that reads data the console does not control. Covered
elsewhere and referenced here so the list is complete:
* inventory TOML: tests/domain/test_inventory.py (arbitrary text and arbitrary TOML documents);
* product keys: tests/domain/test_keys.py (normalisation and rejection of anything pasted);
* parameter blobs: tests/test_scripts.py and tests/security/test_script_parameters.py.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from fleet_support import demo_fleet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avma_console.lab import ps51
from avma_console.lab.fleet import FleetFileError, fleet_from_data, parse_fleet
from avma_console.lab.powershell import JSON_DEPTH, FleetPowerShell, host_inventory
from avma_console.remote.host_document import HostScan, parse_host_document
from avma_console.remote.parsing import OutputFormatError, parse_json_document, parse_kvp_data

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


# -- KVP data (names and values from the guest's side of the exchange) ----------------------------------------


@FAST
@given(json_values)
def test_kvp_data_of_any_shape_gives_only_text_pairs(value: object) -> None:
    parsed = parse_kvp_data(value)
    assert all(isinstance(key, str) and key and isinstance(data, str) for key, data in parsed.items())
    if isinstance(value, dict):
        assert parsed == {key: data for key, data in value.items() if isinstance(data, str) and key}


# -- the inventory document (Windows PowerShell 5.1 JSON) ----------------------------------------------------


@cache
def real_document() -> str:
    """host_inventory.ps1's answer as the lab's 5.1 ConvertTo-Json writes it, for the demo fleet's first host."""
    fleet = demo_fleet()
    host = fleet.hosts[0]
    shell = FleetPowerShell(fleet, host.name)
    return ps51.convert_to_json(host_inventory(shell, host, {"since": None, "max_events": 20}), JSON_DEPTH)


def only_format_errors(document: object) -> None:
    try:
        scan = parse_host_document(document, "HV1") if isinstance(document, dict) else None
    except OutputFormatError:
        return
    assert scan is None or isinstance(scan, HostScan)


def test_the_real_document_parses() -> None:
    scan = parse_host_document(parse_json_document(real_document()), "HV1")
    assert scan.record.vms


@FAST
@given(st.text(max_size=200) | st.binary(max_size=100).map(lambda data: data.decode("latin-1")))
def test_any_stdout_is_a_document_or_an_output_format_error(stdout: str) -> None:
    try:
        document = parse_json_document(stdout)
    except OutputFormatError:
        return
    only_format_errors(document)


@FAST
@given(json_values)
def test_any_json_document_is_a_host_scan_or_an_output_format_error(value: Any) -> None:
    only_format_errors({"Schema": 1, "OperatingSystem": {}, "VirtualMachines": [value]})
    only_format_errors(value if isinstance(value, dict) else {"Schema": 1, "Payload": value})


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


def _apply(document: Any, path: tuple[Any, ...], change: Callable[[Any, Any], None]) -> None:
    node = document
    for step in path[:-1]:
        node = node[step]
    change(node, path[-1])


@FAST
@given(st.data())
def test_mutated_real_documents_are_a_host_scan_or_an_output_format_error(data: st.DataObject) -> None:
    document = json.loads(real_document())
    for _ in range(data.draw(st.integers(1, 4))):
        paths = _paths(document)[1:]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        replacement = data.draw(json_values)
        remove = data.draw(st.booleans())

        def change(parent: Any, key: Any, replacement: Any = replacement, remove: bool = remove) -> None:
            if remove and isinstance(parent, dict):
                del parent[key]
            else:
                parent[key] = replacement

        _apply(document, path, change)
    only_format_errors(document)
    # ... and the same document through the text path, as 5.1 might print it.
    try:
        reparsed = parse_json_document(json.dumps(document))
    except OutputFormatError:
        return
    only_format_errors(reparsed)


# -- lab fleet files -----------------------------------------------------------------------------------------


@cache
def demo_fleet_data() -> dict[str, Any]:
    from avma_console.lab.runner import demo_fleet_text

    data: dict[str, Any] = json.loads(demo_fleet_text())
    return data


@FAST
@given(json_values)
def test_any_json_value_is_a_fleet_or_a_fleet_file_error(value: Any) -> None:
    with contextlib.suppress(FleetFileError):
        fleet_from_data(value, source="hypothesis")


@FAST
@given(st.text(max_size=200))
def test_any_text_is_a_fleet_or_a_fleet_file_error(text: str) -> None:
    with contextlib.suppress(FleetFileError):
        parse_fleet(text, source="hypothesis")


@FAST
@given(st.data())
def test_mutated_demo_fleets_are_a_fleet_or_a_fleet_file_error(data: st.DataObject) -> None:
    document = json.loads(json.dumps(demo_fleet_data()))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)[1:]))
        replacement = data.draw(json_values)

        def change(parent: Any, key: Any, replacement: Any = replacement) -> None:
            parent[key] = replacement

        _apply(document, path, change)
    with contextlib.suppress(FleetFileError):
        fleet_from_data(document, source="hypothesis")
