"""The VM timeline's bands: runs of equal states and hosts, cut where the VM disappeared, the last one to now."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

from avma_console.services.vm_timeline import HostBand, StateBand, build_timeline
from avma_console.store.records import Transition, VmState, VmTimeline

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=2)


def _seen(snapshot: int, hours: int, state: str, host: str, source: str = "guest") -> VmState:
    values: dict[str, object] = {item.name: None for item in fields(VmState)}
    values.update(
        snapshot_id=snapshot,
        scanned_at=T0 + timedelta(hours=hours),
        host=host,
        vm_id="VM-1",
        vm_name="web-01",
        running=True,
        state=state,
        source=source,
        findings=(),
    )
    return VmState(**values)  # type: ignore[arg-type]


def _vanished(snapshot: int, hours: int) -> Transition:
    return Transition(
        id=snapshot,
        snapshot_id=snapshot,
        at=T0 + timedelta(hours=hours),
        vm_id="VM-1",
        vm_name="web-01",
        from_state="grace",
        to_state=None,
        from_host="HV-1",
        to_host=None,
        from_key_channel=None,
        to_key_channel=None,
        from_partial_key=None,
        to_partial_key=None,
    )


def _timeline(states: tuple[VmState, ...], transitions: tuple[Transition, ...] = ()) -> VmTimeline:
    return VmTimeline("VM-1", ("web-01",), states, (), transitions, (), ())


def test_a_vm_never_recorded_has_no_bands_and_the_range_is_now() -> None:
    data = build_timeline(_timeline(()), NOW)
    assert data.bands == () and data.hosts == () and data.empty
    assert data.extent == (NOW, NOW)


def test_equal_consecutive_states_make_one_band_that_keeps_its_first_source_and_latest_host() -> None:
    states = (
        _seen(1, 0, "grace", "HV-1", source="host_events"),
        _seen(2, 1, "grace", "HV-2", source="guest"),
        _seen(3, 2, "avma_activated", "HV-2"),
    )
    data = build_timeline(_timeline(states), NOW)
    assert data.bands == (
        StateBand("grace", T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2), 2, "HV-2", "host_events"),
        StateBand("avma_activated", T0 + timedelta(hours=2), T0 + timedelta(hours=2), NOW, 1, "HV-2", "guest"),
    )
    assert data.hosts == (
        HostBand("HV-1", T0, T0, T0 + timedelta(hours=1), 1),
        HostBand("HV-2", T0 + timedelta(hours=1), T0 + timedelta(hours=2), NOW, 2),
    )


def test_a_disappearance_ends_the_bands_and_the_return_starts_new_ones() -> None:
    states = (_seen(1, 0, "grace", "HV-1"), _seen(3, 5, "grace", "HV-1"))
    data = build_timeline(_timeline(states, (_vanished(2, 2),)), NOW)
    gone = T0 + timedelta(hours=2)
    assert [(band.start, band.end) for band in data.bands] == [(T0, gone), (T0 + timedelta(hours=5), NOW)]
    assert [(band.start, band.end) for band in data.hosts] == [(T0, gone), (T0 + timedelta(hours=5), NOW)]
