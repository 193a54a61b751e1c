"""What the history store hands back: plain immutable records, no SQLAlchemy rows leak out.

State, source, outcome and channel values are kept as the strings of the JSON vocabulary (DESIGN.md): a
database written by a later version may hold a value this version has no enum member for, and a report
must still show it rather than fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from avma_console.domain.fleet import AvmaEvent
from avma_console.domain.states import AvmaOutcome


@dataclass(frozen=True, slots=True)
class StoredFinding:
    code: str
    severity: str
    message: str
    remediation: str


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    id: int
    scanned_at: datetime
    recorded_at: datetime
    source: str | None
    host_count: int
    reachable_count: int
    vm_count: int
    event_count: int  # events first collected by this snapshot


@dataclass(frozen=True, slots=True)
class HostState:
    snapshot_id: int
    scanned_at: datetime
    host: str
    cluster: str | None
    version: str | None
    edition: str | None
    build: int | None
    caption: str | None
    activated: bool | None
    hyperv: bool | None
    avma_capable: bool
    error: str | None
    error_kind: str | None
    error_fix: str | None
    endpoint: str | None
    findings: tuple[StoredFinding, ...] = ()

    @property
    def reachable(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class VmState:
    snapshot_id: int
    scanned_at: datetime
    host: str
    vm_id: str
    vm_name: str
    running: bool
    power_state: str | None
    guest_version: str | None
    guest_edition: str | None
    guest_is_server: bool | None
    guest_caption: str | None
    kvp_enabled: bool | None
    kvp_status: str | None
    state: str
    source: str
    key_channel: str | None
    partial_key: str | None
    license_status: int | None
    avma_host: str | None
    last_activation: datetime | None
    last_event_record_id: int | None
    last_event_time: datetime | None
    last_event_outcome: str | None
    guest_error: str | None
    findings: tuple[StoredFinding, ...] = ()


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of a VM between its previous recorded snapshot and this one."""

    id: int
    snapshot_id: int
    at: datetime
    vm_id: str
    vm_name: str
    from_state: str | None
    to_state: str | None
    from_host: str | None
    to_host: str | None
    from_key_channel: str | None
    to_key_channel: str | None
    from_partial_key: str | None
    to_partial_key: str | None

    @property
    def appeared(self) -> bool:
        return self.from_state is None

    @property
    def vanished(self) -> bool:
        return self.to_state is None

    @property
    def state_changed(self) -> bool:
        return not self.appeared and not self.vanished and self.from_state != self.to_state

    @property
    def moved(self) -> bool:
        return not self.appeared and not self.vanished and (self.from_host or "") != (self.to_host or "")

    @property
    def key_changed(self) -> bool:
        """Only when both sides are known: a scan without guest access cannot see the key at all."""
        if self.appeared or self.vanished:
            return False
        return _differs(self.from_key_channel, self.to_key_channel) or _differs(
            self.from_partial_key, self.to_partial_key
        )

    @property
    def kinds(self) -> tuple[str, ...]:
        """What changed, as stable words: appeared, vanished, state, host, key."""
        if self.appeared:
            return ("appeared",)
        if self.vanished:
            return ("vanished",)
        found = []
        if self.state_changed:
            found.append("state")
        if self.moved:
            found.append("host")
        if self.key_changed:
            found.append("key")
        return tuple(found)


def _differs(before: str | None, after: str | None) -> bool:
    return before is not None and after is not None and before != after


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    snapshot_id: int | None
    host: str
    event_id: int
    record_id: int
    time_created: datetime
    computer: str | None
    vm_id: str | None
    vm_name: str | None
    outcome: str | None
    error_code: int | None
    message: str

    @property
    def succeeded(self) -> bool:
        return self.outcome == AvmaOutcome.SUCCESS.value

    def as_avma_event(self) -> AvmaEvent:
        try:
            outcome = AvmaOutcome(self.outcome) if self.outcome is not None else None
        except ValueError:
            outcome = None
        return AvmaEvent(
            event_id=self.event_id,
            record_id=self.record_id,
            time_created=self.time_created,
            computer=self.computer or self.host,
            message=self.message,
            vm_name=self.vm_name,
            vm_id=self.vm_id,
            outcome=outcome,
            error_code=self.error_code,
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    who: str
    action: str
    result: str
    target_host: str | None
    target_vm: str | None
    vm_id: str | None
    key_last5: str | None
    error: str | None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HostSpan:
    """A stretch of snapshots in which a VM was seen on one host."""

    host: str
    first_seen: datetime
    last_seen: datetime
    snapshots: int


@dataclass(frozen=True, slots=True)
class VmTimeline:
    vm_id: str
    names: tuple[str, ...]
    states: tuple[VmState, ...]
    hosts: tuple[HostSpan, ...]
    transitions: tuple[Transition, ...]
    events: tuple[StoredEvent, ...]
    audit: tuple[AuditEntry, ...]

    @property
    def key_changes(self) -> tuple[Transition, ...]:
        return tuple(transition for transition in self.transitions if transition.key_changed)


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    problems: tuple[str, ...]
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems
