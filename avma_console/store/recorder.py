"""Writing the history: one scan snapshot into rows, with the VM state transitions it implies and the AVMA
events it brought (used by `HistoryStore.record_snapshot`, inside its writer transaction)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Connection,
    and_,
    func,
    select,
)

from avma_console.domain.findings import Finding
from avma_console.domain.fleet import AvmaEvent, FleetSnapshot, HostRecord, VmRecord
from avma_console.store import schema as s
from avma_console.store.rows import _aware, _inserted_id

# Bound parameters per IN (...) list: far below SQLite's 32,766 and PostgreSQL's 65,535.
_CHUNK = 500
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"|\u201c([^\u201d]*)\u201d")


@dataclass(frozen=True, slots=True)
class _VmRow:
    """The part of a VM's state that transitions compare."""

    vm_id: str
    vm_name: str
    host: str
    running: bool
    state: str
    key_channel: str | None
    partial_key: str | None


# ---------------------------------------------------------------------------------------------------------
# Recording one snapshot


class _Recorder:
    def __init__(self, connection: Connection, snapshot: FleetSnapshot, source: str | None, now: datetime) -> None:
        self.connection = connection
        self.snapshot = snapshot
        self.source = source
        self.now = now

    def run(self) -> int:
        snapshot = self.snapshot
        hosts = snapshot.hosts
        vms = snapshot.all_vms()
        snapshot_id = _inserted_id(
            self.connection.execute(
                s.snapshots.insert().values(
                    scanned_at=snapshot.scanned_at,
                    recorded_at=self.now,
                    source=self.source,
                    host_count=len(hosts),
                    reachable_count=sum(1 for host in hosts if host.reachable),
                    vm_count=len(vms),
                    event_count=0,
                    clusters=json.dumps(
                        [
                            {"name": c.name, "nodes": list(c.nodes), "findings": _findings(c.findings)}
                            for c in snapshot.clusters
                        ],
                        ensure_ascii=False,
                    ),
                )
            )
        )
        if hosts:
            self.connection.execute(s.host_states.insert(), [_host_row(snapshot_id, host) for host in hosts])
        if vms:
            self.connection.execute(s.vm_states.insert(), [_vm_row(snapshot_id, vm) for vm in vms])
        self._transitions(snapshot_id)
        new_events = self._events(snapshot_id)
        self.connection.execute(
            s.snapshots.update().where(s.snapshots.c.id == snapshot_id).values(event_count=new_events)
        )
        return snapshot_id

    # Transitions ------------------------------------------------------------------------------------------

    def _transitions(self, snapshot_id: int) -> None:
        current = _primary_rows(
            _VmRow(vm.vm_id, vm.name, vm.host_name, vm.running, vm.state.value, _channel(vm), _partial(vm))
            for vm in self.snapshot.all_vms()
        )
        previous = self._latest_before(snapshot_id, list(current))
        has_history = (
            self.connection.execute(select(s.snapshots.c.id).where(s.snapshots.c.id < snapshot_id).limit(1)).first()
            is not None
        )
        rows: list[dict[str, object]] = []
        for vm_id, now in current.items():
            before = previous.get(vm_id)
            if before is None:
                if has_history:  # the very first snapshot is the baseline, not a wave of arrivals
                    rows.append(_transition_row(snapshot_id, self.snapshot.scanned_at, None, now))
            elif _changed(before, now):
                rows.append(_transition_row(snapshot_id, self.snapshot.scanned_at, before, now))
        rows.extend(self._vanished(snapshot_id, current))
        if rows:
            self.connection.execute(s.transitions.insert(), rows)

    def _latest_before(self, snapshot_id: int, vm_ids: list[str]) -> dict[str, _VmRow]:
        found: list[_VmRow] = []
        v = s.vm_states
        for start in range(0, len(vm_ids), _CHUNK):
            chunk = vm_ids[start : start + _CHUNK]
            newest = (
                select(v.c.vm_id, func.max(v.c.snapshot_id).label("snapshot_id"))
                .where(v.c.vm_id.in_(chunk), v.c.snapshot_id < snapshot_id)
                .group_by(v.c.vm_id)
                .subquery()
            )
            query = select(
                v.c.vm_id, v.c.vm_name, v.c.host, v.c.running, v.c.state, v.c.key_channel, v.c.partial_key
            ).join(newest, and_(v.c.vm_id == newest.c.vm_id, v.c.snapshot_id == newest.c.snapshot_id))
            found.extend(_VmRow(*row) for row in self.connection.execute(query))
        return _primary_rows(found)

    def _vanished(self, snapshot_id: int, current: Mapping[str, _VmRow]) -> list[dict[str, object]]:
        """VMs gone from a host that answered: they were on it in its previous snapshot and are nowhere now.

        Hosts that did not answer say nothing about their VMs, so their absence is not a change."""
        rows: list[dict[str, object]] = []
        h, v = s.host_states, s.vm_states
        for host in self.snapshot.hosts:
            if not host.reachable:
                continue
            previous_snapshot = self.connection.execute(
                select(func.max(h.c.snapshot_id)).where(
                    h.c.host == host.name, h.c.snapshot_id < snapshot_id, h.c.error.is_(None)
                )
            ).scalar()
            if previous_snapshot is None:
                continue
            query = select(
                v.c.vm_id, v.c.vm_name, v.c.host, v.c.running, v.c.state, v.c.key_channel, v.c.partial_key
            ).where(v.c.snapshot_id == previous_snapshot, v.c.host == host.name)
            gone = [_VmRow(*row) for row in self.connection.execute(query) if row[0] not in current]
            if not gone:
                continue
            # Only if that was the VM's latest whereabouts: a VM that has since been seen elsewhere moved on.
            latest = self._latest_before(snapshot_id, [vm.vm_id for vm in gone])
            for vm in gone:
                last = latest.get(vm.vm_id)
                if last is not None and last.host == host.name:
                    rows.append(_transition_row(snapshot_id, self.snapshot.scanned_at, last, None))
        return rows

    # Events -----------------------------------------------------------------------------------------------

    def _events(self, snapshot_id: int) -> int:
        matcher = _EventMatcher(self.snapshot)
        total = 0
        e, w = s.events, s.watermarks
        for host in self.snapshot.hosts:
            unique: dict[tuple[int, int], AvmaEvent] = {}
            for event in host.events:
                unique.setdefault((event.event_id, event.record_id), event)
            if not unique:
                continue
            record_ids = [record_id for _event_id, record_id in unique]
            # Writers are serialised, so "which of these are stored already" cannot change under us.
            stored = {
                (int(event_id), int(record_id))
                for event_id, record_id in self.connection.execute(
                    select(e.c.event_id, e.c.record_id).where(
                        e.c.host == host.name, e.c.record_id.between(min(record_ids), max(record_ids))
                    )
                )
            }
            rows = []
            for key, event in unique.items():
                if key in stored:
                    continue
                vm_id, vm_name = matcher.vm_of(host, event)
                rows.append(
                    {
                        "snapshot_id": snapshot_id,
                        "host": host.name,
                        "event_id": event.event_id,
                        "record_id": event.record_id,
                        "time_created": event.time_created,
                        "computer": event.computer,
                        "vm_id": vm_id,
                        "vm_name": vm_name,
                        "outcome": event.outcome.value if event.outcome else None,
                        "error_code": event.error_code,
                        "message": event.message,
                    }
                )
            if rows:
                self.connection.execute(e.insert(), rows)
                total += len(rows)
            for event_id in {event_id for event_id, _record in unique}:
                mine = [event for (eid, _r), event in unique.items() if eid == event_id]
                newest = max(mine, key=lambda event: (event.record_id, event.time_created))
                latest_time = max(event.time_created for event in mine)
                mark = self.connection.execute(
                    select(w.c.last_record_id, w.c.last_time).where(w.c.host == host.name, w.c.event_id == event_id)
                ).first()
                if mark is None:
                    self.connection.execute(
                        w.insert().values(
                            host=host.name,
                            event_id=event_id,
                            last_record_id=newest.record_id,
                            last_time=latest_time,
                            updated_at=self.now,
                        )
                    )
                else:
                    self.connection.execute(
                        w.update()
                        .where(w.c.host == host.name, w.c.event_id == event_id)
                        .values(
                            last_record_id=max(int(mark.last_record_id), newest.record_id),
                            last_time=max(_aware(mark.last_time) or latest_time, latest_time),
                            updated_at=self.now,
                        )
                    )
        return total


class _EventMatcher:
    """Which VM an event is about. Event data layout is unconfirmed (avma-facts.md), so: the scan's own
    match (a VM's last event), else the VM's GUID anywhere in the message, else its quoted name."""

    def __init__(self, snapshot: FleetSnapshot) -> None:
        self.by_id: dict[str, VmRecord] = {}
        self.by_last_event: dict[tuple[str, int, int], VmRecord] = {}
        for vm in snapshot.all_vms():
            self.by_id.setdefault(vm.vm_id.upper(), vm)
            if vm.last_event is not None:
                key = (vm.host_name, vm.last_event.event_id, vm.last_event.record_id)
                self.by_last_event[key] = vm

    def vm_of(self, host: HostRecord, event: AvmaEvent) -> tuple[str | None, str | None]:
        if event.vm_id:
            return event.vm_id.upper(), event.vm_name
        vm = self.by_last_event.get((host.name, event.event_id, event.record_id))
        if vm is not None:
            return vm.vm_id, vm.name
        for guid in _GUID.findall(event.message):
            vm = self.by_id.get(guid.upper())
            if vm is not None:
                return vm.vm_id, vm.name
        quoted = {next(g for g in match.groups() if g is not None) for match in _QUOTED.finditer(event.message)}
        for vm in host.vms:
            if vm.name in quoted:
                return vm.vm_id, vm.name
        return None, None


def _primary_rows(rows: Iterable[_VmRow]) -> dict[str, _VmRow]:
    """One row per VM id; of a Replica pair, the copy that runs (then the first host by name)."""
    chosen: dict[str, _VmRow] = {}
    for row in rows:
        other = chosen.get(row.vm_id)
        if other is None or (row.running, other.host.casefold()) > (other.running, row.host.casefold()):
            chosen[row.vm_id] = row
    return chosen


def _changed(before: _VmRow, now: _VmRow) -> bool:
    if before.state != now.state or before.host != now.host:
        return True
    # A key is seen only with guest access: unknown on one side is missing evidence, not a change.
    for old, new in ((before.key_channel, now.key_channel), (before.partial_key, now.partial_key)):
        if old is not None and new is not None and old != new:
            return True
    return False


def _transition_row(snapshot_id: int, at: datetime, before: _VmRow | None, now: _VmRow | None) -> dict[str, object]:
    named = now or before
    assert named is not None
    return {
        "snapshot_id": snapshot_id,
        "at": at,
        "vm_id": named.vm_id,
        "vm_name": named.vm_name,
        "from_state": before.state if before else None,
        "to_state": now.state if now else None,
        "from_host": before.host if before else None,
        "to_host": now.host if now else None,
        "from_key_channel": before.key_channel if before else None,
        "to_key_channel": now.key_channel if now else None,
        "from_partial_key": before.partial_key if before else None,
        "to_partial_key": now.partial_key if now else None,
    }


def _channel(vm: VmRecord) -> str | None:
    return vm.key_channel.value if vm.key_channel else None


def _partial(vm: VmRecord) -> str | None:
    return vm.guest_license.partial_key if vm.guest_license else None


def _findings(findings: Sequence[Finding]) -> list[dict[str, object]]:
    # The template and fields are kept so that a later viewer can translate the sentence again.
    return [
        {**finding.as_json(), "template": finding.template or finding.code.value, "fields": dict(finding.fields)}
        for finding in findings
    ]


def _host_row(snapshot_id: int, host: HostRecord) -> dict[str, object]:
    return {
        "snapshot_id": snapshot_id,
        "host": host.name,
        **host.facts_json(),
        "caption": host.os.caption if host.os else None,
        "error_fix": host.error_fix,
        "findings": json.dumps(_findings(host.findings), ensure_ascii=False),
    }


def _vm_row(snapshot_id: int, vm: VmRecord) -> dict[str, object]:
    license_ = vm.guest_license
    event = vm.last_event
    return {
        "snapshot_id": snapshot_id,
        "host": vm.host_name,
        "vm_id": vm.vm_id.upper(),
        "vm_name": vm.name,
        "running": vm.running,
        "power_state": vm.power_state,
        "guest_version": vm.guest_version.value if vm.guest_version else None,
        "guest_edition": vm.guest_edition.value if vm.guest_edition else None,
        "guest_is_server": vm.guest.is_server,
        "guest_caption": vm.guest.caption,
        "kvp_enabled": vm.kvp_enabled,
        "kvp_status": vm.kvp_status,
        "state": vm.state.value,
        "source": vm.source.value,
        "key_channel": _channel(vm),
        "partial_key": _partial(vm),
        "license_status": license_.license_status if license_ else None,
        "avma_host": license_.avma_host_name if license_ else None,
        "last_activation": vm.last_activation,
        "last_event_record_id": event.record_id if event else None,
        "last_event_time": event.time_created if event else None,
        "last_event_outcome": event.outcome.value if event and event.outcome else None,
        "guest_error": vm.guest_error,
        "findings": json.dumps(_findings(vm.findings), ensure_ascii=False),
    }
