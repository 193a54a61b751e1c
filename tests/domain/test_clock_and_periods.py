"""The one clock and the month rule of the compliance report: boundaries a licence review depends on."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from avma_console.domain.clock import SYSTEM_CLOCK, FixedClock, as_utc
from avma_console.domain.periods import PeriodChoice, add_months, month_key, parse_period_bound, period_bounds

CET = timezone(timedelta(hours=1), "CET")


def test_the_system_clock_is_aware_utc_and_survives_pickling_to_workers() -> None:
    moment = SYSTEM_CLOCK.now()
    assert moment.tzinfo is UTC
    assert pickle.loads(pickle.dumps(SYSTEM_CLOCK)).now().tzinfo is UTC  # noqa: S301 - our own object


def test_a_fixed_clock_stands_still_moves_forward_only_and_refuses_naive_times() -> None:
    clock = FixedClock(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    assert clock.advance(seconds=2) == datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not run backwards"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match=r"no time zone; give it in UTC \(e\.g\. 2026-12-01T00:00:00Z\)"):
        FixedClock(datetime(2026, 12, 1))
    clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=CET))
    assert clock.now() == datetime(2026, 12, 1, 0, 0, tzinfo=UTC) and clock.now().tzinfo is UTC


def test_as_utc_converts_zones_and_names_a_naive_value() -> None:
    assert as_utc(datetime(2026, 12, 1, 0, 30, tzinfo=CET)) == datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="scan time 2026-12-01T00:30:00 has no time zone"):
        as_utc(datetime(2026, 12, 1, 0, 30), what="scan time")


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        (datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), "2026-11"),
        (datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC), "2026-12"),
        # A Berlin operator's 00:30 on 1 December is still November in UTC: the report never uses local time.
        (datetime(2026, 12, 1, 0, 30, tzinfo=CET), "2026-11"),
        (datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "2026-12"),
        (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), "2027-01"),
        (datetime(2028, 2, 29, 23, 40, tzinfo=UTC), "2028-02"),
        (datetime(2028, 3, 1, 0, 0, tzinfo=UTC), "2028-03"),
    ],
)
def test_the_month_of_a_moment_is_its_utc_calendar_month(moment: datetime, month: str) -> None:
    assert month_key(moment) == month


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2026-11", False, datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11", True, datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12", True, datetime(2027, 1, 1, tzinfo=UTC)),  # across the year boundary
        ("2028-02", True, datetime(2028, 3, 1, tzinfo=UTC)),  # a leap February is whole
        ("2027-02", True, datetime(2027, 3, 1, tzinfo=UTC)),
        ("2026-11-30", True, datetime(2026, 12, 1, tzinfo=UTC)),  # a day as --to is included whole
        ("2026-12-31", True, datetime(2027, 1, 1, tzinfo=UTC)),
        ("2028-02-29", False, datetime(2028, 2, 29, tzinfo=UTC)),
        ("2028-02-29", True, datetime(2028, 3, 1, tzinfo=UTC)),
        ("2026-11-30T23:59:59Z", True, datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-01T00:30:00+01:00", False, datetime(2026, 11, 30, 23, 30, tzinfo=UTC)),
        ("2026-12-01T00:30:00", False, datetime(2026, 12, 1, 0, 30, tzinfo=UTC)),  # no zone: UTC, as documented
        (" 2026-11 ", False, datetime(2026, 11, 1, tzinfo=UTC)),
    ],
)
def test_period_bounds_from_the_command_line(text: str, end: bool, expected: datetime) -> None:
    bound = parse_period_bound(text, end=end)
    assert bound == expected
    assert bound.tzinfo is UTC


@pytest.mark.parametrize("text", ["2027-02-29", "2026-13", "2026-11-31", "30.11.2026", "", "last month"])
def test_an_impossible_period_bound_names_the_text_and_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected a day \(2026-11-01\), a month \(2026-11\) or an ISO-8601 time"):
        parse_period_bound(text, end=False)
    with pytest.raises(ValueError, match=repr(text).replace("(", r"\(").replace(".", r"\.")):
        parse_period_bound(text, end=True)


def test_adding_months_clamps_to_the_shorter_month() -> None:
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 1, 1), -1) == date(2026, 12, 1)


def _day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


@pytest.mark.parametrize(
    ("choice", "today", "expected"),
    [
        (PeriodChoice.THIS_MONTH, date(2026, 12, 1), (_day(2026, 12, 1), _day(2026, 12, 2))),
        (PeriodChoice.LAST_MONTH, date(2026, 12, 1), (_day(2026, 11, 1), _day(2026, 12, 1))),
        (PeriodChoice.LAST_MONTH, date(2027, 1, 1), (_day(2026, 12, 1), _day(2027, 1, 1))),
        (PeriodChoice.LAST_MONTH, date(2028, 3, 31), (_day(2028, 2, 1), _day(2028, 3, 1))),
        (PeriodChoice.THIS_MONTH, date(2028, 2, 29), (_day(2028, 2, 1), _day(2028, 3, 1))),
        (PeriodChoice.LAST_30_DAYS, date(2028, 3, 1), (_day(2028, 2, 1), _day(2028, 3, 2))),  # 29 Feb counts
        (PeriodChoice.LAST_30_DAYS, date(2027, 3, 1), (_day(2027, 1, 31), _day(2027, 3, 2))),
        (PeriodChoice.THIS_YEAR, date(2027, 1, 1), (_day(2027, 1, 1), _day(2027, 1, 2))),
        (PeriodChoice.LAST_YEAR, date(2027, 1, 1), (_day(2026, 1, 1), _day(2027, 1, 1))),
        (PeriodChoice.EVERYTHING, date(2027, 1, 1), (None, None)),
    ],
)
def test_named_periods_as_of_a_day(
    choice: PeriodChoice, today: date, expected: tuple[datetime | None, datetime | None]
) -> None:
    assert period_bounds(choice, today) == expected


def test_a_custom_period_includes_its_last_day_even_across_a_year() -> None:
    assert period_bounds(PeriodChoice.CUSTOM, date(2027, 6, 1), date(2026, 12, 31), date(2027, 1, 1)) == (
        _day(2026, 12, 31),
        _day(2027, 1, 2),
    )
    assert period_bounds(PeriodChoice.CUSTOM, date(2027, 6, 1)) == (None, None)
