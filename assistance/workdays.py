"""Working-day arithmetic on the Chinese public-holiday calendar.

Statutory limits (R4-R6) count working days: public holidays are off, and the adjusted
working weekends (调休) are on. The `chinesecalendar` package carries the State Council's
published calendar; `CalendarDay` rows correct it or extend it to years it does not cover yet.
Days known to neither follow the plain Monday-Friday rule.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from assistance.models import CalendarDay

_PACKAGE_HOLIDAYS: dict[date, object] = chinese_calendar.holidays
_PACKAGE_WORKDAYS: dict[date, object] = chinese_calendar.workdays


class WorkdayCalendar:
    """A calendar loaded once for a span of days, so a long walk costs one query."""

    def __init__(self, start: date, end: date) -> None:
        self.overrides = dict(
            CalendarDay.objects.filter(day__range=(start, end)).values_list("day", "is_working_day")
        )

    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return bool(override)
        if day in _PACKAGE_HOLIDAYS:
            return False
        if day in _PACKAGE_WORKDAYS:
            return True
        return day.weekday() < 5


def _span(start: date, days: int) -> tuple[date, date]:
    # Long holidays (Spring Festival, National Day) add at most ~3 weeks to any walk.
    margin = timedelta(days=2 * abs(days) + 40)
    return start - margin, start + margin


def is_working_day(day: date) -> bool:
    return WorkdayCalendar(day, day).is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The day that is `days` working days after `start` (start itself not counted).

    add_working_days(friday, 1) is the next working Monday; 0 returns start unchanged.
    """
    calendar = WorkdayCalendar(*_span(start, days))
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    while remaining:
        current += timedelta(days=step)
        if calendar.is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    calendar = WorkdayCalendar(start, end)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            count += 1
    return count
