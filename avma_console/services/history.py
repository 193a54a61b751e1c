"""Recording scans into the history: incremental event collection and one snapshot per scan.

A recorded scan asks each host only for the events since its watermark (the newest event already stored),
so a host with years of 12310 events answers quickly. But a VM's state is derived from its *latest* AVMA
event, and a VM that last activated before the watermark gets no event in such an answer. The recorder
therefore gives those VMs their latest stored event from the same host's log and applies the rules again,
so a recorded scan judges every VM exactly as a full scan would.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TextIO

from avma_console.domain.clock import SYSTEM_CLOCK, Clock
from avma_console.domain.diagnosis import assess_fleet
from avma_console.domain.fleet import FleetSnapshot, HostRecord
from avma_console.services.scan import ScanOptions
from avma_console.store import HistoryError, HistoryStore, default_history_path


@dataclass(frozen=True, slots=True)
class RecordedScan:
    snapshot_id: int
    snapshot: FleetSnapshot  # as recorded: completed with stored events where the scan asked for fewer
    new_events: int
    transitions: int
    new_guest_events: int = 0


def open_history(
    location: str | os.PathLike[str] | None, *, create: bool = True, clock: Clock = SYSTEM_CLOCK
) -> HistoryStore:
    """The history at a path or URL, or the default file in the user's data folder (None)."""
    return HistoryStore.open(location, create=create, clock=clock)


def default_location() -> str:
    return str(default_history_path())


class HistoryRecorder:
    """Use for one scan: `scan_options()` before it, `record()` after it."""

    def __init__(self, store: HistoryStore, *, source: str | None = None) -> None:
        self.store = store
        self.source = source
        # All watermarks in one query before the scan: the scan asks per host on the event loop's thread,
        # where a database round trip per host would stall a GUI.
        self._marks = store.watermarks()
        self._guest_marks = store.guest_watermarks()
        self._asked: dict[str, datetime] = {}

    def since_for(self, host: str) -> datetime | None:
        mark = self._marks.get(host)
        if mark is not None:
            self._asked[host] = mark
        return mark

    def guest_since_for(self, host: str) -> Mapping[str, datetime]:
        """Each guest's watermark for events 12309, for the guests last read through this host."""
        return self._guest_marks.get(host, {})

    def scan_options(self, options: ScanOptions) -> ScanOptions:
        return replace(options, since_for=self.since_for, guest_since_for=self.guest_since_for)

    @property
    def asked_hosts(self) -> frozenset[str]:
        """The hosts that were asked only for events newer than their watermark (by this recorder's scan)."""
        return frozenset(self._asked)

    def complete(self, snapshot: FleetSnapshot) -> FleetSnapshot:
        """Give VMs of hosts asked for recent events only their latest stored event, then re-assess."""
        return complete_from_history(self.store, snapshot, self.asked_hosts)

    def record_for_command(self, snapshot: FleetSnapshot, messages: TextIO) -> tuple[FleetSnapshot, bool]:
        """Record, telling the operator where it went (or why not); the scan's output is printed either way."""
        try:
            result = self.record(snapshot)
        except HistoryError as error:
            messages.write(f"avma-console scan: the scan was not recorded: {error}\n")
            return snapshot, False
        messages.write(
            f"avma-console scan: recorded snapshot {result.snapshot_id} in {self.store.location} "
            f"({result.new_events} new events, {result.new_guest_events} new guest events, "
            f"{result.transitions} changes)\n"
        )
        return result.snapshot, True

    def record(self, snapshot: FleetSnapshot) -> RecordedScan:
        return record_completed(self.store, self.complete(snapshot), source=self.source)


def complete_from_history(store: HistoryStore, snapshot: FleetSnapshot, asked: Collection[str]) -> FleetSnapshot:
    """`snapshot` with the VMs of the `asked` hosts given their latest stored event where the scan brought none
    newer, re-assessed as one fleet; `snapshot` itself when nothing changed."""
    changed = False
    hosts: list[HostRecord] = []
    for host in snapshot.hosts:
        if not host.reachable or host.name not in asked:
            hosts.append(host)
            continue
        stored = store.latest_vm_events(host.name)
        vms = []
        for vm in host.vms:
            known = stored.get(vm.vm_id.upper())
            current = vm.last_event
            if known is not None and (
                current is None or (known.time_created, known.record_id) > (current.time_created, current.record_id)
            ):
                vms.append(replace(vm, last_event=replace(known, vm_name=vm.name, vm_id=vm.vm_id)))
                changed = True
            else:
                vms.append(vm)
        hosts.append(replace(host, vms=tuple(vms)))
    if not changed:
        return snapshot
    return assess_fleet(replace(snapshot, hosts=tuple(hosts)))


def record_completed(store: HistoryStore, completed: FleetSnapshot, *, source: str | None) -> RecordedScan:
    """Store a snapshot that `HistoryRecorder.complete` has already completed, and say what it added."""
    snapshot_id = store.record_snapshot(completed, source=source)
    info = store.snapshot(snapshot_id)
    return RecordedScan(
        snapshot_id=snapshot_id,
        snapshot=completed,
        new_events=info.event_count if info else 0,
        transitions=len(store.transitions(snapshot_id=snapshot_id)),
        new_guest_events=store.guest_event_count(snapshot_id),
    )
