"""Kazakhstan's working-day calendar, and deadlines in working days or clock hours.

The calendar is data (DESIGN §5.5), from two sources:

- the ``holidays`` package (``holidays.country_holidays("KZ")``): public holidays, the
  days off that replace a holiday falling on a weekend ("observed"), and the transfers of
  days off that the package already knows (a weekday off in exchange for a working
  Saturday or Sunday, read from its table of substituted days);
- ``day_transfers.json`` beside this module: the government decrees that move days and
  that the package does not know yet, one entry per decree with its reference. Only
  entries marked ``"status": "confirmed"`` count; ``"example"`` entries are listed by
  ``qamqor manage calendar`` and ignored until someone checks them against the decree.

A working day is Monday to Friday that is neither a holiday nor a transferred day off,
or a Saturday or Sunday that a transfer made a working day. Order No. 506 deadlines are
in working days; life-safety deadlines run in clock hours, weekends included.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ALMATY = ZoneInfo("Asia/Almaty")
TRANSFERS_FILE = Path(__file__).with_name("day_transfers.json")
PACKAGE_SOURCE = "holidays package"


class CalendarError(ValueError):
    """The transfers file does not validate: names the entry and the reason."""


class DecreeTransfer(BaseModel):
    """One decree moving days: a weekend day made a working day, a weekday made a day off
    (usually both, in exchange)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decree: str = Field(min_length=1, description="the decree's number and date")
    work_on: date | None = Field(default=None, description="a Saturday or Sunday worked")
    rest_on: date | None = Field(default=None, description="a weekday off instead")
    status: Literal["confirmed", "example"]
    note: str = ""

    @model_validator(mode="after")
    def moves_a_day(self) -> DecreeTransfer:
        if self.work_on is None and self.rest_on is None:
            raise ValueError("a transfer has work_on, rest_on or both")
        if self.work_on is not None and self.work_on.weekday() < 5:
            raise ValueError(f"work_on {self.work_on} is not a Saturday or Sunday")
        if self.rest_on is not None and self.rest_on.weekday() >= 5:
            raise ValueError(f"rest_on {self.rest_on} is already a weekend day")
        return self


class TransfersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str = ""
    transfers: list[DecreeTransfer]


@dataclass(frozen=True)
class Transfer:
    """A moved day, from either source, as ``qamqor manage calendar`` lists it."""

    work_on: date | None
    rest_on: date | None
    source: str  # the decree's reference, or PACKAGE_SOURCE
    applied: bool  # False for an example entry not yet confirmed


def load_transfers(path: Path | None = None) -> list[DecreeTransfer]:
    """The decrees in the transfers file, validated; CalendarError names a bad entry."""
    path = path or TRANSFERS_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        return list(TransfersFile.model_validate(raw).transfers)
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise CalendarError(f"{path.name}: {reasons}") from error


def _package_transfers() -> list[Transfer]:
    """The substituted days the ``holidays`` package knows for Kazakhstan.

    Its table maps a year to ``(to_month, to_day, from_month, from_day[, from_year])``:
    the day off (``to``) was taken from a weekend day (``from``), which was worked.
    """
    from holidays.countries.kazakhstan import KazakhstanStaticHolidays

    table: dict[int, Any] = getattr(KazakhstanStaticHolidays, "special_public_holidays", {})
    moved = []
    for year, entries in table.items():
        for entry in entries if isinstance(entries[0], tuple) else (entries,):
            to_month, to_day, from_month, from_day, *from_year = entry
            worked = date(from_year[0] if from_year else year, from_month, from_day)
            rest = date(year, to_month, to_day)
            moved.append(
                Transfer(
                    work_on=worked if worked.weekday() >= 5 else None,
                    rest_on=rest,
                    source=PACKAGE_SOURCE,
                    applied=True,
                )
            )
    return moved


@cache
def transfers() -> tuple[Transfer, ...]:
    """Every moved day: the package's, then the decrees file's (examples included, not
    applied)."""
    from_file = [
        Transfer(
            work_on=item.work_on,
            rest_on=item.rest_on,
            source=item.decree,
            applied=item.status == "confirmed",
        )
        for item in load_transfers()
    ]
    return (*_package_transfers(), *from_file)


@cache
def _working_weekend_days() -> frozenset[date]:
    return frozenset(t.work_on for t in transfers() if t.applied and t.work_on is not None)


@cache
def _decreed_days_off() -> frozenset[date]:
    return frozenset(
        t.rest_on
        for t in transfers()
        if t.applied and t.rest_on is not None and t.source != PACKAGE_SOURCE
    )


@cache
def kz_holidays(year: int) -> holidays.HolidayBase:
    """Public holidays with their observed and substituted days off (English names)."""
    return holidays.country_holidays("KZ", years=[year], language="en_US")


def is_working_day(day: date) -> bool:
    """A working day in Kazakhstan: see the module's docstring."""
    if day in _working_weekend_days():
        return True
    return day.weekday() < 5 and day not in kz_holidays(day.year) and day not in _decreed_days_off()


def year_calendar(year: int) -> dict[str, list[tuple[date, str]]]:
    """What ``qamqor manage calendar`` lists: holidays, moved days, working weekend days."""
    in_year = [
        t
        for t in transfers()
        if (t.work_on and t.work_on.year == year) or (t.rest_on and t.rest_on.year == year)
    ]
    days_off = sorted(
        (t.rest_on, t.source)
        for t in in_year
        if t.applied and t.rest_on and t.rest_on.year == year and t.source != PACKAGE_SOURCE
    )
    return {
        "holidays": sorted(kz_holidays(year).items()),
        "days_off_by_decree": days_off,
        "working_weekend_days": sorted(
            (day, t.source)
            for t in in_year
            if t.applied and (day := t.work_on) and day.year == year
        ),
        "unconfirmed": sorted(
            ((t.work_on or t.rest_on), t.source)  # type: ignore[misc]
            for t in in_year
            if not t.applied
        ),
    }


def clear_cache() -> None:
    """Forget the loaded calendar (after the transfers file changed; tests)."""
    for function in (transfers, _working_weekend_days, _decreed_days_off, kz_holidays):
        function.cache_clear()


def add_working_days(start: datetime, days: int) -> datetime:
    """End of the ``days``-th working day after ``start``'s local date (23:59:59 Almaty)."""
    day = start.astimezone(ALMATY).date()
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=ALMATY)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (earlier if negative); a day the
    target month lacks becomes its last day (31 August + 6 months = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def deadline(
    start: datetime, *, working_days: int | None, hours: int | None, months: int | None = None
) -> datetime:
    """``hours`` clock hours after ``start``; the end (23:59:59 Almaty) of the
    ``working_days``-th working day after it; or of the same day ``months`` calendar months
    later (a follow-up review such as Order No. 506 p. 12's six months)."""
    if hours is not None:
        return start + timedelta(hours=hours)
    if months is not None:
        day = add_months(start.astimezone(ALMATY).date(), months)
        return datetime.combine(day, time(23, 59, 59), tzinfo=ALMATY)
    assert working_days is not None  # noqa: S101  the schema guarantees one of the three
    return add_working_days(start, working_days)
