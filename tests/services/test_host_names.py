"""How hosts are matched across the fleet: short names for DNS names, IP addresses whole."""

from __future__ import annotations

import pytest

from avma_console.services.scan import short_name


@pytest.mark.parametrize(
    ("name", "known_as"),
    [
        ("HV-FRA-01.contoso.local", "hv-fra-01"),
        ("hv-fra-01", "hv-fra-01"),
        ("10.0.0.5", "10.0.0.5"),
        ("10.0.0.6", "10.0.0.6"),
        ("fe80::1", "fe80::1"),
        ("[2001:DB8::5]", "2001:db8::5"),
        ("Straße-01.example", "strasse-01"),
    ],
)
def test_a_host_is_known_by_its_short_name_or_its_whole_address(name: str, known_as: str) -> None:
    assert short_name(name) == known_as
