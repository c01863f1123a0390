"""The vetted helpers that diagram scripts may call (registered into engine.registry).

Dates travel through process data as ISO strings, so every helper takes and returns them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from assistance import workdays
from assistance.amounts import dibao_amount, dibao_supplements
from engine.clock import clock


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    if isinstance(value, date):
        return value
    text = str(value)
    if "T" in text:
        return datetime.fromisoformat(text).astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    return date.fromisoformat(text)


def today() -> str:
    return clock.today().isoformat()


def now() -> str:
    return clock.now().isoformat()


def add_days(day: Any, days: int) -> str:
    return (_day(day) + timedelta(days=int(days))).isoformat()


def add_working_days(day: Any, days: int) -> str:
    return workdays.add_working_days(_day(day), int(days)).isoformat()


def working_days_between(start: Any, end: Any) -> int:
    return workdays.working_days_between(_day(start), _day(end))


def notice_end(start: Any, days: int, working_days: bool = False) -> str:
    """When a public notice posted on `start` ends: midnight after its last full day.

    The posting day does not count, as with statutory periods generally.
    """
    first = _day(start)
    last = (
        workdays.add_working_days(first, int(days))
        if working_days
        else first + timedelta(days=int(days))
    )
    end = datetime.combine(last + timedelta(days=1), time.min, ZoneInfo(settings.TIME_ZONE))
    return end.isoformat()


def notice_last_day(notice_until: Any) -> str:
    """The last full day of a notice that ends at `notice_until` (midnight after that day).

    Limits "after the notice ends" count from this day: counting from the day the timer
    fires would add a working day (R5: confirmation within 10 working days, not 11).
    """
    moment = datetime.fromisoformat(str(notice_until)).astimezone(ZoneInfo(settings.TIME_ZONE))
    return (moment - timedelta(microseconds=1)).date().isoformat()


def next_month(day: Any) -> str:
    current = _day(day)
    year, month = (
        (current.year + 1, 1) if current.month == 12 else (current.year, current.month + 1)
    )
    return date(year, month, 1).isoformat()


HELPERS: dict[str, Callable[..., Any]] = {
    "today": today,
    "now": now,
    "add_days": add_days,
    "add_working_days": add_working_days,
    "working_days_between": working_days_between,
    "notice_end": notice_end,
    "notice_last_day": notice_last_day,
    "next_month": next_month,
    "dibao_amount": dibao_amount,
    "dibao_supplements": dibao_supplements,
}
