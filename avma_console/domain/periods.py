"""Report periods and the month rule of the compliance (SPLA) report.

The month rule: **everything counts in the UTC calendar month of its own timestamp.**
- An AVMA event (12310/12309) counts in the UTC month of its TimeCreated, whenever it was collected.
- A VM seen running counts in the UTC month of the snapshot's `scanned_at` (the moment the scan began), so
  one scan is never split across two months, even when it runs across midnight of the month's last day.
- A host's facts for a month are those of that month's newest snapshot in which it answered.
An event at 23:59:59 on 30 November and a scan at 00:00:01 on 1 December therefore land in two rows: the event
in November, the VM sighting in December. Local time zones never enter: operators in several zones get the
same report from the same history.

Periods are half-open, [start, end), in UTC. `--from`/`--to` take a month (`2026-11`), a day (`2026-11-01`) or an
ISO-8601 time; a day or month given as `--to` is included whole.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

PERIOD_HELP = (
    "a day (2026-11-01), a month (2026-11) or an ISO-8601 time (2026-11-01T08:00:00Z); UTC unless a zone is given"
)
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def month_key(moment: datetime) -> str:
    """The compliance report's month of `moment`: its UTC calendar month, as YYYY-MM."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    shifted: date = day + relativedelta(months=months)
    return shifted


def parse_period_bound(text: str, *, end: bool) -> datetime:
    """A --from (`end=False`) or --to (`end=True`) value as a UTC instant; days and months are whole, so
    `--to 2026-11` is 2026-12-01T00:00Z and `--to 2026-11-30` is the same instant. ValueError names the text."""
    value = text.strip()
    try:
        if _MONTH.match(value):
            first = date.fromisoformat(value + "-01")
            return utc_midnight(add_months(first, 1) if end else first)
        if _DAY.match(value):
            day = date.fromisoformat(value)
            return utc_midnight(day + timedelta(days=1) if end else day)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected {PERIOD_HELP}, got {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


class PeriodChoice(StrEnum):
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    LAST_30_DAYS = "last_30_days"
    THIS_YEAR = "this_year"
    LAST_YEAR = "last_year"
    EVERYTHING = "everything"
    CUSTOM = "custom"


def period_bounds(
    choice: PeriodChoice, today: date, first: date | None = None, last: date | None = None
) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC for a named period as of `today` (a UTC date), whole days and months as the
    `report` command reads --from/--to. "This month" and "this year" end with today, included."""
    tomorrow = utc_midnight(today + timedelta(days=1))
    if choice is PeriodChoice.THIS_MONTH:
        return utc_midnight(month_start(today)), tomorrow
    if choice is PeriodChoice.LAST_MONTH:
        this_month = month_start(today)
        return utc_midnight(add_months(this_month, -1)), utc_midnight(this_month)
    if choice is PeriodChoice.LAST_30_DAYS:
        return utc_midnight(today - timedelta(days=29)), tomorrow
    if choice is PeriodChoice.THIS_YEAR:
        return utc_midnight(date(today.year, 1, 1)), tomorrow
    if choice is PeriodChoice.LAST_YEAR:
        return utc_midnight(date(today.year - 1, 1, 1)), utc_midnight(date(today.year, 1, 1))
    if choice is PeriodChoice.CUSTOM and first is not None and last is not None:
        return utc_midnight(first), utc_midnight(last + timedelta(days=1))
    return None, None
