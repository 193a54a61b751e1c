"""The AVMA compatibility matrix, cell by cell, against the table in reference/avma-facts.md."""

from __future__ import annotations

import json

import pytest

from avma_console.domain.matrix import host_can_activate, main_versions_newest_first, matrix_as_json
from avma_console.domain.versions import ServerVersion

# avma-facts.md, "Compatibility matrix (host version -> guest versions it activates)", copied cell by cell.
GUEST_COLUMNS = ("2025", "2022", "2019", "2016", "2012R2")
# fmt: off
FACTS_MATRIX: dict[str, tuple[str, ...]] = {
    # host \ guest  2025  2022  2019  2016  2012 R2
    "2025":        ("X",  "X",  "X",  "X",  "X"),
    "2022":        ("",   "X",  "X",  "X",  "X"),
    "2019":        ("",   "",   "X",  "X",  "X"),
    "2016":        ("",   "",   "",   "X",  "X"),
    "2012R2":      ("",   "",   "",   "",   "X"),
}
# fmt: on

# avma-facts.md: "1809/1903/1909 share the 2019 keys, 1709/1803 share the 2016 keys; treat their matrix
# position as that of 2019 and 2016 respectively."
FACTS_FAMILY: dict[str, str] = {"1709": "2016", "1803": "2016", "1809": "2019", "1903": "2019", "1909": "2019"}

ALL_VERSIONS = ("2025", "2022", "2019", "1909", "1903", "1809", "1803", "1709", "2016", "2012R2")


def facts_say(host: str, guest: str) -> bool:
    row = FACTS_MATRIX[FACTS_FAMILY.get(host, host)]
    return row[GUEST_COLUMNS.index(FACTS_FAMILY.get(guest, guest))] == "X"


MAIN_CELLS = [
    pytest.param(host, guest, cell == "X", id=f"host{host}-guest{guest}-{'X' if cell == 'X' else 'blank'}")
    for host, row in FACTS_MATRIX.items()
    for guest, cell in zip(GUEST_COLUMNS, row, strict=True)
]


@pytest.mark.parametrize(("host", "guest", "activates"), MAIN_CELLS)
def test_every_cell_of_the_facts_matrix(host: str, guest: str, activates: bool) -> None:
    assert host_can_activate(ServerVersion(host), ServerVersion(guest)) is activates


SEMI_ANNUAL_CELLS = [
    pytest.param(
        host, guest, facts_say(host, guest), id=f"host{host}-guest{guest}-{'yes' if facts_say(host, guest) else 'no'}"
    )
    for host in ALL_VERSIONS
    for guest in ALL_VERSIONS
    if host in FACTS_FAMILY or guest in FACTS_FAMILY
]


@pytest.mark.parametrize(("host", "guest", "activates"), SEMI_ANNUAL_CELLS)
def test_semi_annual_releases_sit_where_their_family_sits(host: str, guest: str, activates: bool) -> None:
    assert host_can_activate(ServerVersion(host), ServerVersion(guest)) is activates


@pytest.mark.parametrize(
    ("host", "guest", "activates"),
    [
        pytest.param("1809", "2019", True, id="1809-host-activates-2019"),
        pytest.param("1909", "2022", False, id="1909-host-not-2022"),
        pytest.param("1709", "1909", False, id="1709-host-not-1909"),
        pytest.param("1803", "2012R2", True, id="1803-host-activates-2012r2"),
        pytest.param("2016", "1803", True, id="2016-host-activates-1803"),
        pytest.param("2016", "1809", False, id="2016-host-not-1809"),
        pytest.param("2022", "1909", True, id="2022-host-activates-1909"),
    ],
)
def test_semi_annual_examples_an_operator_would_check(host: str, guest: str, activates: bool) -> None:
    assert host_can_activate(ServerVersion(host), ServerVersion(guest)) is activates


@pytest.mark.parametrize(
    ("release", "family"), FACTS_FAMILY.items(), ids=[f"{r}-is-{f}" for r, f in FACTS_FAMILY.items()]
)
def test_semi_annual_family(release: str, family: str) -> None:
    assert ServerVersion(release).is_semi_annual
    assert ServerVersion(release).avma_family is ServerVersion(family)


def test_matrix_as_json_equals_the_facts_table() -> None:
    expected = {
        "2025": ["2025", "2022", "2019", "2016", "2012R2"],
        "2022": ["2022", "2019", "2016", "2012R2"],
        "2019": ["2019", "2016", "2012R2"],
        "2016": ["2016", "2012R2"],
        "2012R2": ["2012R2"],
    }
    published = matrix_as_json()
    assert published == expected
    # Newest host first, as in the published table; and it survives a trip through JSON unchanged.
    assert list(published) == ["2025", "2022", "2019", "2016", "2012R2"]
    assert json.loads(json.dumps(published)) == expected


def test_main_versions_newest_first() -> None:
    assert [v.value for v in main_versions_newest_first()] == ["2025", "2022", "2019", "2016", "2012R2"]
