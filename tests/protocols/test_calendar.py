"""Kazakhstan's working-day calendar: holidays from the ``holidays`` package, transfers of
days off (the package's and the decrees file's), and the command that lists them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from qamqor.protocols import workdays
from qamqor.protocols.workdays import ALMATY, add_working_days, is_working_day

END = (23, 59, 59)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, *END, tzinfo=ALMATY)


@pytest.fixture
def transfers_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A decrees file of the test's own; the calendar is reloaded before and after."""
    path = tmp_path / "day_transfers.json"
    monkeypatch.setattr(workdays, "TRANSFERS_FILE", path)
    workdays.clear_cache()
    yield path
    workdays.clear_cache()


def write(path: Path, *transfers: dict[str, str]) -> None:
    path.write_text(json.dumps({"transfers": list(transfers)}), encoding="utf-8")
    workdays.clear_cache()


def test_a_transferred_working_saturday_is_a_working_day() -> None:
    # 2024: Saturday 4 May worked, Wednesday 8 May off instead (in the holidays package)
    assert is_working_day(date(2024, 5, 4))
    assert not is_working_day(date(2024, 5, 8))
    friday = datetime(2024, 5, 3, 16, 0, tzinfo=ALMATY)
    assert add_working_days(friday, 1) == end_of(date(2024, 5, 4))
    # Monday 6 May: 7 May Defender of the Fatherland Day, 8 May transferred, 9 May Victory Day
    assert add_working_days(datetime(2024, 5, 6, 9, 0, tzinfo=ALMATY), 1) == end_of(
        date(2024, 5, 10)
    )
    # 2025: Sunday 5 January worked for Friday 3 January
    assert is_working_day(date(2025, 1, 5)) and not is_working_day(date(2025, 1, 3))


def test_independence_day_is_16_december_only_since_2022() -> None:
    assert not is_working_day(date(2026, 12, 16))  # Wednesday, Independence Day
    assert is_working_day(date(2026, 12, 17))  # one day since 2022
    tuesday = datetime(2026, 12, 15, 9, 0, tzinfo=ALMATY)
    assert add_working_days(tuesday, 1) == end_of(date(2026, 12, 17))
    assert add_working_days(tuesday, 3) == end_of(date(2026, 12, 21))  # over the weekend
    # until 2021 it was two days, 16 and 17 December
    assert not is_working_day(date(2021, 12, 17))
    assert add_working_days(datetime(2021, 12, 15, 9, 0, tzinfo=ALMATY), 1) == end_of(
        date(2021, 12, 20)
    )


def test_a_confirmed_decree_moves_the_days_and_an_example_does_not(transfers_file: Path) -> None:
    thursday = datetime(2026, 12, 17, 9, 0, tzinfo=ALMATY)
    write(
        transfers_file,
        {
            "decree": "Test decree No. 1",
            "work_on": "2026-12-19",
            "rest_on": "2026-12-18",
            "status": "example",
        },
    )
    assert add_working_days(thursday, 1) == end_of(date(2026, 12, 18))  # not counted
    write(
        transfers_file,
        {
            "decree": "Test decree No. 1",
            "work_on": "2026-12-19",
            "rest_on": "2026-12-18",
            "status": "confirmed",
        },
    )
    assert not is_working_day(date(2026, 12, 18))
    assert is_working_day(date(2026, 12, 19))  # the transferred working Saturday
    assert add_working_days(thursday, 1) == end_of(date(2026, 12, 19))
    assert add_working_days(thursday, 2) == end_of(date(2026, 12, 21))


def test_a_wrong_transfer_is_refused_with_its_reason(transfers_file: Path) -> None:
    write(
        transfers_file,
        {"decree": "Test", "work_on": "2026-12-17", "rest_on": "2026-12-18", "status": "confirmed"},
    )
    with pytest.raises(workdays.CalendarError, match=r"transfers\.0.*not a Saturday or Sunday"):
        workdays.load_transfers()
    with pytest.raises(CommandError, match="not a Saturday or Sunday"):
        call_command("calendar", "--year", "2026", stdout=StringIO())


def test_the_shipped_transfers_file_validates() -> None:
    entries = workdays.load_transfers()
    assert all(entry.decree for entry in entries)
    # nothing unconfirmed counts: the shipped examples change no day
    for entry in entries:
        if entry.status == "example" and entry.work_on:
            assert not is_working_day(entry.work_on)


def test_the_calendar_command_lists_holidays_transfers_and_working_saturdays(
    transfers_file: Path,
) -> None:
    write(
        transfers_file,
        {
            "decree": "Decree No. 7 (test)",
            "work_on": "2026-12-19",
            "rest_on": "2026-12-18",
            "status": "confirmed",
        },
        {
            "decree": "EXAMPLE (test)",
            "work_on": "2026-01-03",
            "rest_on": "2026-01-05",
            "status": "example",
        },
    )
    out = StringIO()
    call_command("calendar", "--year", "2026", stdout=out)
    text = out.getvalue()
    assert "2026-12-16 Wed  Independence Day" in text
    assert "2026-03-24 Tue  Nowruz Holiday (observed)" in text
    days_off, working = text.split("Days off by decree")[1].split("Working Saturdays and Sundays")
    assert "2026-12-18 Fri  Decree No. 7 (test)" in days_off
    assert "2026-12-19 Sat  Decree No. 7 (test)" in working
    assert "Not counted until confirmed" in text and "2026-01-03 Sat  EXAMPLE (test)" in text
    out = StringIO()
    call_command("calendar", "--year", "2024", stdout=out)
    assert "2024-05-04 Sat  holidays package" in out.getvalue()
