"""The PowerShell scripts: they parse, they follow the house rules, and no data can change them."""

from __future__ import annotations

import base64
import json
import re

import pytest
import tree_sitter
import tree_sitter_powershell
from hypothesis import given
from hypothesis import strategies as st

from avma_console.assets import resource
from avma_console.remote.scripts import POWERSHELL_ARGUMENTS, encoded_bootstrap, script_text, stdin_payload

SCRIPTS = sorted(entry.name.removesuffix(".ps1") for entry in resource("ps").iterdir() if entry.name.endswith(".ps1"))
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def syntax_errors(text: str) -> list[str]:
    source = text.encode("utf-8")
    tree = PARSER.parse(source)
    errors: list[str] = []

    def walk(node: tree_sitter.Node) -> None:
        if node.type == "ERROR" or node.is_missing:
            errors.append(f"line {node.start_point[0] + 1}: {source[node.start_byte : node.end_byte][:60]!r}")
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return errors


def test_there_are_scripts() -> None:
    assert {"bootstrap", "host_inventory"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_parses_strictly(name: str) -> None:
    assert syntax_errors(script_text(name)) == []


def test_the_checker_catches_a_broken_script() -> None:
    assert syntax_errors("$x = @{ Name = 'a'\nGet-Thing -Name (")


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_stops_on_errors_and_hides_progress_first(name: str) -> None:
    statements = [
        line.strip()
        for line in script_text(name).splitlines()
        if line.strip() and not line.strip().startswith("#") and not line.strip().startswith("param(")
    ]
    assert statements[:2] == ["$ErrorActionPreference = 'Stop'", "$ProgressPreference = 'SilentlyContinue'"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_never_evaluates_text(name: str) -> None:
    text = script_text(name)
    assert not re.search(r"Invoke-Expression|\biex\b|\.InvokeScript\(|Add-Type", text, re.IGNORECASE)


def test_integration_services_are_found_by_id_not_by_localized_name() -> None:
    text = script_text("host_inventory")
    assert "2A34B1C2-FD73-4043-8A5B-DD2159BC743F" in text
    assert "Key-Value Pair Exchange" not in text


@pytest.mark.parametrize("name", SCRIPTS)
def test_xml_is_read_only_without_dtds_or_external_resources(name: str) -> None:
    """KVP items carry guest-written text: a script reads their XML through a reader that refuses DTDs
    (no entity expansion) and resolves nothing, never through [xml] casts or LoadXml."""
    text = script_text(name)
    assert not re.search(r"\[xml\]|LoadXml\(", text, re.IGNORECASE)
    if "XmlDocument" in text:
        assert "[System.Xml.DtdProcessing]::Prohibit" in text
        assert "XmlResolver = $null" in text
        assert "$instance.Load($reader)" in text


def test_bootstrap_fits_a_command_line() -> None:
    command_line = " ".join(["powershell.exe", *POWERSHELL_ARGUMENTS, encoded_bootstrap()])
    assert len(command_line) < 8191


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=5))
def test_no_parameter_value_can_change_the_script_that_runs(params: dict[str, str]) -> None:
    payload = stdin_payload("host_inventory", params).decode("ascii")
    script_line, blob_line, rest = payload.split("\r\n")
    assert rest == ""
    assert base64.b64decode(script_line).decode("utf-8") == script_text("host_inventory")
    assert re.fullmatch(r"[A-Za-z0-9+/=]*", blob_line)
    assert json.loads(base64.b64decode(blob_line)) == params
