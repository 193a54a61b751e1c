"""A fleet snapshot on its way between the GUI process and a worker process (history writer, fleet diagnosis).

Pickling or unpickling a 10,000-VM snapshot in one piece holds the GUI thread for hundreds of ms; shipped as
the snapshot without hosts plus one pickle per host, it is packed and unpacked one host per step, in slices on
the GUI's event loop (`services.scan.run_steps_on_loop`). Between the processes the host pickles travel out of
band (`PickleBuffer`s, see `remote.workers`): never copied whole into one pickle while the GUI waits for the GIL.
"""

from __future__ import annotations

import pickle
from collections.abc import Generator, Iterable
from dataclasses import dataclass, replace
from typing import Any, SupportsIndex, TypeVar

from avma_console.domain.fleet import FleetSnapshot, HostRecord

T = TypeVar("T")
# A pickle as it arrives: bytes, or a read-only view of the buffer a worker's answer was read into.
Pickled = bytes | memoryview


def out_of_band(pickles: tuple[Pickled, ...], protocol: SupportsIndex) -> tuple[Any, ...]:
    """The pickles as pickling should carry them: out of band from protocol 5 on (`remote.workers`)."""
    if int(protocol) >= 5:  # the first protocol with PickleBuffer
        return tuple(pickle.PickleBuffer(data) for data in pickles)
    return tuple(bytes(data) for data in pickles)


@dataclass(frozen=True, slots=True)
class ShippedFleet:
    """A snapshot on its way between processes: the snapshot without its hosts, and each host pickled alone.

    Packed and unpacked one host per step (`packed_in_steps`, `unpacked_in_steps`), for a GUI's event loop to
    run in slices (`run_steps_on_loop`): there it never waits for the GIL, and input and painting run between
    the slices. One pickle of the whole fleet would hold the GUI thread for its whole length."""

    fleet: FleetSnapshot
    hosts: tuple[Pickled, ...]

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        return (_shipped_fleet, (self.fleet, out_of_band(self.hosts, protocol)))

    @classmethod
    def packed_in_steps(cls, snapshot: FleetSnapshot) -> Generator[None, None, ShippedFleet]:
        hosts: list[Pickled] = []
        for host in snapshot.hosts:
            known = _last_shipped.pickle_of(host)
            if known is not None:
                hosts.append(known)
                continue
            hosts.append(pickle.dumps(host, pickle.HIGHEST_PROTOCOL))
            yield
        shipped = cls(fleet=replace(snapshot, hosts=()), hosts=tuple(hosts))
        _last_shipped.remember(snapshot.hosts, shipped.hosts)
        return shipped

    @classmethod
    def of(cls, snapshot: FleetSnapshot) -> ShippedFleet:
        """All at once (for a thread that may hold the GIL for it, or the worker's side)."""
        return run_all(cls.packed_in_steps(snapshot))

    def unpacked_in_steps(self) -> Generator[None, None, FleetSnapshot]:
        hosts: list[HostRecord] = []
        for host in self.hosts:
            hosts.append(pickle.loads(host))  # noqa: S301 - from our own console or its worker, over a private pipe
            yield
        unpacked = tuple(hosts)
        _last_shipped.remember(unpacked, self.hosts)
        return replace(self.fleet, hosts=unpacked)

    def snapshot(self) -> FleetSnapshot:
        return run_all(self.unpacked_in_steps())


def _shipped_fleet(fleet: FleetSnapshot, hosts: tuple[Pickled, ...]) -> ShippedFleet:
    return ShippedFleet(fleet, tuple(hosts))


class _LastShipped:
    """The hosts of the fleet shipped or received last, with their pickles.

    A GUI scan's fleet crosses to a worker up to three times (to be diagnosed, completed from the history, and
    recorded), and after a rescan of some hosts the whole fleet again, while most of its hosts stay the same
    objects: each is pickled once (~0.4 ms of GUI thread per 20-VM host). Only the last fleet is kept (its
    pickles are about the size of the fleet in memory); hosts are matched by identity, never by equality, and
    are held here, so an identity is never reused while it is remembered."""

    def __init__(self) -> None:
        self._pickles: dict[int, tuple[HostRecord, Pickled]] = {}

    def remember(self, hosts: tuple[HostRecord, ...], pickles: tuple[Pickled, ...]) -> None:
        self.remember_pairs(zip(hosts, pickles, strict=True))

    def remember_pairs(self, pairs: Iterable[tuple[HostRecord, Pickled]]) -> None:
        # One assignment of a new dict: readers on other threads see the old fleet or the new one.
        self._pickles = {id(host): (host, data) for host, data in pairs}

    def pickle_of(self, host: HostRecord) -> Pickled | None:
        known = self._pickles.get(id(host))
        return known[1] if known is not None and known[0] is host else None


_last_shipped = _LastShipped()


def remember_pickles(hosts: tuple[HostRecord, ...], pickles: tuple[Pickled, ...]) -> None:
    """`hosts` pickled are `pickles` (one per host): a fleet with these hosts is shipped without pickling."""
    _last_shipped.remember(hosts, pickles)


def remember_pickled_hosts(pairs: Iterable[tuple[HostRecord, Pickled]]) -> None:
    """Hosts with their pickles (made where they were diagnosed), instead of the fleet remembered so far."""
    _last_shipped.remember_pairs(pairs)


def run_all(steps: Generator[None, None, T]) -> T:
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value
            return result
