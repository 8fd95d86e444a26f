"""Deadlines in working days (Kazakhstan's calendar) or in clock hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

ALMATY = ZoneInfo("Asia/Almaty")


@cache
def _kz_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KZ", years=[year])


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday or its observed transfer."""
    return day.weekday() < 5 and day not in _kz_holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """End of the ``days``-th working day after ``start``'s local date (23:59:59 Almaty)."""
    day = start.astimezone(ALMATY).date()
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=ALMATY)


def deadline(start: datetime, *, working_days: int | None, hours: int | None) -> datetime:
    if hours is not None:
        return start + timedelta(hours=hours)
    assert working_days is not None  # noqa: S101  the schema guarantees one of the two
    return add_working_days(start, working_days)
