"""One VM's history as periods and marks on a time line: what the console's timeline draws, computed here.

`build_timeline` turns the store's `VmTimeline` into bands of equal consecutive states and hosts, and markers
for events, changes and audit entries; `range_of` chooses the interval a time range shows. Qt-free: it runs on
the executor together with the query, and the widget (qt/widgets/timeline.py) only paints what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from avma_console.domain.states import ActivationState
from avma_console.services.history_access import AuditEntry, StoredEvent, Transition, VmState, VmTimeline


def state_or_none(value: str) -> ActivationState | None:
    """The state a stored value names; None for a value of a later version (drawn as neutral)."""
    try:
        return ActivationState(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class StateBand:
    state: str  # the JSON vocabulary value (a later version's value is drawn as neutral)
    start: datetime  # first scan that saw it
    last_seen: datetime  # last scan that saw it
    end: datetime  # where the band stops: the next band, the VM's disappearance, or now
    scans: int
    host: str
    source: str

    @property
    def activation_state(self) -> ActivationState | None:
        return state_or_none(self.state)


@dataclass(frozen=True, slots=True)
class HostBand:
    host: str
    start: datetime
    last_seen: datetime
    end: datetime
    scans: int


class Lane(StrEnum):
    EVENTS = "events"
    CHANGES = "changes"
    ACTIONS = "actions"


@dataclass(frozen=True, slots=True)
class Marker:
    lane: Lane
    at: datetime
    event: StoredEvent | None = None
    change: Transition | None = None
    action: AuditEntry | None = None


@dataclass(frozen=True, slots=True)
class TimelineData:
    vm_id: str
    name: str
    names: tuple[str, ...]
    now: datetime
    bands: tuple[StateBand, ...]
    hosts: tuple[HostBand, ...]
    markers: tuple[Marker, ...]
    scans: tuple[datetime, ...]
    extent: tuple[datetime, datetime]  # the earliest and latest moment of anything in it
    latest: VmState | None = None

    @property
    def empty(self) -> bool:
        return not self.bands and not self.markers

    def count(self, lane: Lane) -> int:
        """How many marks the lane has (events, changes, operator actions)."""
        return sum(1 for marker in self.markers if marker.lane is lane)


def build_timeline(timeline: VmTimeline, now: datetime) -> TimelineData:
    """Bands of equal consecutive states and hosts, and markers for events, changes and audit entries;
    the last band runs to `now`."""
    observations: list[VmState] = []
    seen: set[int] = set()
    for state in timeline.states:  # one per scan: the store lists the running copy first
        if state.snapshot_id not in seen:
            seen.add(state.snapshot_id)
            observations.append(state)
    gone = sorted(change.at for change in timeline.transitions if change.vanished)

    def vanished_between(after: datetime, before: datetime | None) -> datetime | None:
        return next((at for at in gone if at > after and (before is None or at <= before)), None)

    def runs_of(key: Callable[[VmState], str]) -> list[tuple[_Run, datetime]]:
        """Consecutive observations with the same `key` (a disappearance ends a run), each with its end."""
        runs: list[_Run] = []
        for obs in observations:
            last = runs[-1] if runs else None
            if last is not None and last.key == key(obs) and vanished_between(last.last_seen, obs.scanned_at) is None:
                last.last_seen, last.scans, last.latest = obs.scanned_at, last.scans + 1, obs
            else:
                runs.append(_Run(key(obs), obs.scanned_at, obs.scanned_at, 1, obs, obs))
        following = [run.start for run in runs[1:]]
        return [
            (run, end_of(run.last_seen, following[i] if i < len(following) else None)) for i, run in enumerate(runs)
        ]

    def end_of(last_seen: datetime, following: datetime | None) -> datetime:
        vanished = vanished_between(last_seen, following)
        if vanished is not None:
            return vanished
        return following if following is not None else max(now, last_seen)

    bands = tuple(
        StateBand(*run.span(end), host=run.latest.host, source=run.first.source)
        for run, end in runs_of(lambda obs: obs.state)
    )
    hosts = tuple(HostBand(*run.span(end)) for run, end in runs_of(lambda obs: obs.host))
    markers: list[Marker] = [Marker(Lane.EVENTS, event.time_created, event=event) for event in timeline.events]
    markers += [Marker(Lane.CHANGES, change.at, change=change) for change in timeline.transitions]
    markers += [Marker(Lane.ACTIONS, entry.at, action=entry) for entry in timeline.audit]
    markers.sort(key=lambda marker: marker.at)
    times = [band.start for band in bands] + [band.end for band in bands] + [marker.at for marker in markers]
    extent = (min(times), max(times)) if times else (now, now)
    return TimelineData(
        vm_id=timeline.vm_id,
        name=timeline.names[-1] if timeline.names else timeline.vm_id,
        names=timeline.names,
        now=now,
        bands=bands,
        hosts=hosts,
        markers=tuple(markers),
        scans=tuple(obs.scanned_at for obs in observations),
        latest=observations[-1] if observations else None,
        extent=extent,
    )


@dataclass(slots=True)
class _Run:
    """Consecutive observations of a VM with the same state (or host): the stuff of a band."""

    key: str
    start: datetime
    last_seen: datetime
    scans: int
    first: VmState
    latest: VmState

    def span(self, end: datetime) -> tuple[str, datetime, datetime, datetime, int]:
        """The fields every band starts with: value, start, last seen, end, scans."""
        return self.key, self.start, self.last_seen, end, self.scans


# ---------------------------------------------------------------------------------------------------------
# Time ranges


class TimeRange(StrEnum):
    ALL = "all"  # everything known, events from before the first scan included
    SCANS = "scans"  # from the first scan that saw the VM to now
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


TIME_SPANS: dict[TimeRange, timedelta | None] = {
    TimeRange.ALL: None,
    TimeRange.SCANS: None,
    TimeRange.DAY: timedelta(days=1),
    TimeRange.WEEK: timedelta(days=7),
    TimeRange.MONTH: timedelta(days=30),
    TimeRange.YEAR: timedelta(days=365),
}
MIN_SPAN = timedelta(seconds=2)


def range_of(data: TimelineData, chosen: TimeRange) -> tuple[datetime, datetime]:
    """The drawn interval, with a little room on both sides."""
    now = data.now
    delta = TIME_SPANS[chosen]
    if delta is not None:
        start, end = now - delta, now
    elif chosen is TimeRange.ALL or not data.bands:
        start, end = data.extent[0], max(data.extent[1], now)
    else:
        changes = [m.at for m in data.markers if m.lane is not Lane.EVENTS and m.at >= data.bands[0].start]
        start, end = data.bands[0].start, max([now, data.bands[-1].end, *changes])
    if end - start < MIN_SPAN:
        start = end - MIN_SPAN
    pad = (end - start) * 0.02
    return start - pad, end + pad
