"""The AVMA compatibility matrix: which host version activates which guest versions (every edition)."""

from __future__ import annotations

from avma_console.domain.versions import MAIN_VERSIONS, ServerVersion

V = ServerVersion

# Data, not logic: a new release is one new row and one new entry in the rows of the hosts that activate it.
COMPATIBILITY: dict[ServerVersion, tuple[ServerVersion, ...]] = {
    V.V2025: (V.V2025, V.V2022, V.V2019, V.V2016, V.V2012R2),
    V.V2022: (V.V2022, V.V2019, V.V2016, V.V2012R2),
    V.V2019: (V.V2019, V.V2016, V.V2012R2),
    V.V2016: (V.V2016, V.V2012R2),
    V.V2012R2: (V.V2012R2,),
}


def host_can_activate(host: ServerVersion, guest: ServerVersion) -> bool:
    """Whether a host of this version activates guests of that version (semi-annual releases by family)."""
    return guest.avma_family in COMPATIBILITY.get(host.avma_family, ())


def matrix_as_json() -> dict[str, list[str]]:
    """The contract of `avma-console matrix --format json`: newest host first, as in the published table."""
    return {host.value: [guest.value for guest in guests] for host, guests in COMPATIBILITY.items()}


def main_versions_newest_first() -> tuple[ServerVersion, ...]:
    return tuple(reversed(MAIN_VERSIONS))
