"""The timeline's horizontal axis: time to x (periods keep room for their labels) and ticks at round local times."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QDate, QLocale


class TimeScale:
    """Time to x: linear, except that a period (state or host band) gets at least the width its label needs,
    while the plot has room; time elsewhere gives way.

    Piecewise linear between the periods' boundaries, so everything inside one stretch keeps its proportions,
    order is kept everywhere, and exact times are on the axis and in every tooltip.
    """

    def __init__(
        self,
        start: datetime,
        end: datetime,
        left: float,
        width: float,
        *,
        periods: Sequence[tuple[datetime, datetime, float]] = (),
    ) -> None:
        self.start, self.end, self.left, self.width = start, end, left, width
        inside = {min(max(moment, start), end) for period in periods for moment in period[:2]}
        self._knots = sorted({start, end, *inside})
        pieces = list(zip(self._knots, self._knots[1:], strict=False))
        seconds = [(b - a).total_seconds() for a, b in pieces]
        # A period's minimum is shared by the pieces it spans (a host change splits a state band in two).
        covering = [[p for p in periods if a < p[1] and b > p[0]] for a, b in pieces]
        spans = {id(p): sum(1 for cover in covering if any(q is p for q in cover)) for p in periods}
        floors = [max((p[2] / spans[id(p)] for p in cover), default=0.0) for cover in covering]
        if sum(floors) > width * 0.85:
            floors = [floor * width * 0.85 / sum(floors) for floor in floors]
        fixed: set[int] = set()
        while True:
            free = [i for i in range(len(pieces)) if i not in fixed]
            room = width - sum(floors[i] for i in fixed)
            free_seconds = sum(seconds[i] for i in free)
            grown = {i for i in free if (seconds[i] / free_seconds * room if free_seconds else 0.0) < floors[i]}
            if not grown:
                break
            fixed |= grown
        free_seconds = sum(seconds[i] for i in range(len(pieces)) if i not in fixed)
        room = width - sum(floors[i] for i in fixed)
        widths = [
            floors[i] if i in fixed else (seconds[i] / free_seconds * room if free_seconds else 0.0)
            for i in range(len(pieces))
        ]
        total = sum(widths) or 1.0
        self._widths = [w * width / total for w in widths]
        self._lefts = [left + sum(self._widths[:i]) for i in range(len(pieces))]
        self._seconds = seconds

    def x(self, moment: datetime) -> float:
        knots = self._knots
        if len(knots) < 2:
            return self.left
        index = max(0, min(bisect.bisect_right(knots, moment) - 1, len(knots) - 2))
        seconds = self._seconds[index]
        fraction = (moment - knots[index]).total_seconds() / seconds if seconds else 0.0
        x = self._lefts[index] + fraction * self._widths[index]
        return min(max(x, self.left - 40.0), self.left + self.width + 40.0)


_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)
_DAY_STEPS = (1, 2, 7, 14)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)


@dataclass(frozen=True, slots=True)
class Tick:
    at: datetime
    label: str
    context: str  # the date (or year) under the first tick and wherever it changes; "" otherwise


def time_ticks(start: datetime, end: datetime, width: float, spacing: float = 96.0) -> list[Tick]:
    """Ticks at round local times, about `spacing` pixels apart, with labels fitting their step."""
    if width <= 0 or end <= start:
        return []
    wanted = max(1, int(width // spacing))
    seconds = (end - start).total_seconds() / wanted
    local_start = start.astimezone()
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    locale = QLocale()
    moments: list[datetime] = []
    if seconds <= _STEPS_S[-1]:
        step = next(s for s in _STEPS_S if s >= seconds)
        first = math.ceil((local_start - midnight).total_seconds() / step)
        moments = [midnight + timedelta(seconds=step * k) for k in range(first, first + wanted + 3)]
        label_of = _clock_seconds if step < 60 else _clock
    elif seconds <= _DAY_STEPS[-1] * 86400:
        days = next(d for d in _DAY_STEPS if d * 86400 >= seconds)
        day = midnight if midnight >= local_start else midnight + timedelta(days=1)
        if days in {7, 14}:
            day += timedelta(days=(7 - day.weekday()) % 7)  # weeks start on Monday
        moments = [day + timedelta(days=days * k) for k in range(wanted + 3)]
        label_of = _day
    else:
        months = next((m for m in _MONTH_STEPS if m * 30 * 86400 >= seconds), _MONTH_STEPS[-1])
        month = local_start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        index = month.year * 12 + month.month - 1
        index += (-index) % months  # months divisible by the step: Jan, Apr, Jul, Oct for 3
        while True:
            moment = month.replace(year=index // 12, month=index % 12 + 1)
            if moment > end:
                break
            moments.append(moment)
            index += months
        label_of = _month
    ticks: list[Tick] = []
    previous_context = ""
    for moment in moments:
        if moment < start or moment > end:
            continue
        label, context = label_of(locale, moment)
        shown = context if context != previous_context else ""
        previous_context = context
        ticks.append(Tick(moment, label, shown))
    return ticks


def qdate(moment: datetime) -> QDate:
    return QDate(moment.year, moment.month, moment.day)


def _clock_seconds(locale: QLocale, moment: datetime) -> tuple[str, str]:
    return moment.strftime("%H:%M:%S"), locale.toString(qdate(moment), "d MMM yyyy")


def _clock(locale: QLocale, moment: datetime) -> tuple[str, str]:
    return moment.strftime("%H:%M"), locale.toString(qdate(moment), "d MMM yyyy")


def _day(locale: QLocale, moment: datetime) -> tuple[str, str]:
    return locale.toString(qdate(moment), "d MMM"), str(moment.year)


def _month(locale: QLocale, moment: datetime) -> tuple[str, str]:
    return locale.toString(qdate(moment), "MMM"), str(moment.year)
