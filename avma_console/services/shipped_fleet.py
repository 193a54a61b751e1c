"""A fleet snapshot on its way between the GUI process and a worker process (history writer, fleet diagnosis).

Pickling or unpickling a 10,000-VM snapshot in one piece holds the GUI thread for hundreds of ms; shipped as
the snapshot without hosts plus one pickle per host, it is packed and unpacked one host per step, in slices on
the GUI's event loop (`services.scan.run_steps_on_loop`).
"""

from __future__ import annotations

import pickle
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import TypeVar

from avma_console.domain.fleet import FleetSnapshot, HostRecord

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ShippedFleet:
    """A snapshot on its way between processes: the snapshot without its hosts, and each host pickled alone.

    Packed and unpacked one host per step (`packed_in_steps`, `unpacked_in_steps`), for a GUI's event loop to
    run in slices (`run_steps_on_loop`): there it never waits for the GIL, and input and painting run between
    the slices. One pickle of the whole fleet would hold the GUI thread for its whole length."""

    fleet: FleetSnapshot
    hosts: tuple[bytes, ...]

    @classmethod
    def packed_in_steps(cls, snapshot: FleetSnapshot) -> Generator[None, None, ShippedFleet]:
        hosts: list[bytes] = []
        for host in snapshot.hosts:
            hosts.append(pickle.dumps(host, pickle.HIGHEST_PROTOCOL))
            yield
        return cls(fleet=replace(snapshot, hosts=()), hosts=tuple(hosts))

    @classmethod
    def of(cls, snapshot: FleetSnapshot) -> ShippedFleet:
        """All at once (for a thread that may hold the GIL for it, or the worker's side)."""
        return run_all(cls.packed_in_steps(snapshot))

    def unpacked_in_steps(self) -> Generator[None, None, FleetSnapshot]:
        hosts: list[HostRecord] = []
        for host in self.hosts:
            hosts.append(pickle.loads(host))  # noqa: S301 - from our own console or its worker, over a private pipe
            yield
        return replace(self.fleet, hosts=tuple(hosts))

    def snapshot(self) -> FleetSnapshot:
        return run_all(self.unpacked_in_steps())


def run_all(steps: Generator[None, None, T]) -> T:
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value
            return result
