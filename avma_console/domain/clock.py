"""The one source of "now": every reader of the current time takes a `Clock`, so tests and simulations can fix it.

Times are always timezone-aware UTC. Stored data, reports and the lab's simulated history all derive from a clock
passed in explicitly (the application's is `SYSTEM_CLOCK`); nothing else in the package calls `datetime.now()`,
which `tests/test_clock_discipline.py` enforces.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's real-time clock (which `faketime` can move for the whole process tree)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"

    def __reduce__(self) -> tuple[type[SystemClock], tuple[()]]:
        return (SystemClock, ())


SYSTEM_CLOCK: Final[Clock] = SystemClock()


def as_utc(moment: datetime, *, what: str = "time") -> datetime:
    """`moment` in UTC; a naive datetime is refused, since its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} {moment.isoformat()} has no time zone; give it in UTC (e.g. {moment.isoformat()}Z)")
    return moment.astimezone(UTC)


class FixedClock:
    """A clock that stands still until told to move: for tests and for a lab fleet simulated as of a given time."""

    def __init__(self, at: datetime) -> None:
        self._at = as_utc(at, what="the fixed clock's time")

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = as_utc(at, what="the fixed clock's time")

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by `delta` or by timedelta keywords (`advance(hours=1)`); returns the new time."""
        step = (delta or timedelta()) + timedelta(**parts)
        if step < timedelta():
            raise ValueError(f"a clock does not run backwards (asked to move by {step})")
        self._at += step
        return self._at

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"
