"""Working-day arithmetic on the Chinese public-holiday calendar.

Statutory limits (R4-R6) count working days: public holidays are off, and the adjusted
working weekends (调休) are on. The `chinesecalendar` package carries the State Council's
published calendar; `CalendarDay` rows correct it or extend it to years it does not cover yet.
Days known to neither follow the plain Monday-Friday rule.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

import chinese_calendar
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from assistance.models import CalendarDay

_PACKAGE_HOLIDAYS: dict[date, object] = chinese_calendar.holidays
_PACKAGE_WORKDAYS: dict[date, object] = chinese_calendar.workdays

# The CalendarDay rows (a few dozen a year) are read by every due date a step computes, so
# the process keeps them. A save or delete through the ORM drops the copy at once and again
# when its transaction commits; other processes (web workers, Celery) see a change within
# CACHE_SECONDS. A transaction that changed the calendar reads its own rows, unshared, until
# it ends. Queryset update() and bulk_create() send no signals: call `forget_calendar()`.
CACHE_SECONDS = 60.0
_lock = threading.Lock()
_cached: tuple[float, dict[date, bool]] | None = None
_generation = 0
# On a connection: the outermost atomic block of the transaction that changed the calendar.
_WRITTEN_IN = "doudi_calendar_written_in"


def calendar_overrides() -> dict[date, bool]:
    """Day -> working or not, for every day the database corrects; do not mutate it."""
    global _cached
    connection = transaction.get_connection()
    if _written_here(connection):
        return _load()
    with _lock:
        cached, generation = _cached, _generation
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    loaded_at = time.monotonic()
    overrides = _load()
    with _lock:
        # A change that landed while we read would be lost under a copy read before it.
        if generation == _generation:
            _cached = (loaded_at, overrides)
    return overrides


def forget_calendar() -> None:
    global _cached, _generation
    with _lock:
        _cached = None
        _generation += 1


def calendar_changed(*, using: str | None = None, **kwargs: Any) -> None:
    """post_save / post_delete of a CalendarDay."""
    forget_calendar()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        setattr(connection, _WRITTEN_IN, connection.atomic_blocks[0])
        transaction.on_commit(lambda: _committed(connection), using=using)


def _committed(connection: BaseDatabaseWrapper) -> None:
    setattr(connection, _WRITTEN_IN, None)
    forget_calendar()


def _written_here(connection: BaseDatabaseWrapper) -> bool:
    block = getattr(connection, _WRITTEN_IN, None)
    if block is None:
        return False
    if connection.in_atomic_block and connection.atomic_blocks[0] is block:
        return True
    # That transaction is over: a commit has already dropped the copy, a rollback left it good.
    setattr(connection, _WRITTEN_IN, None)
    return False


def _load() -> dict[date, bool]:
    return dict(CalendarDay.objects.values_list("day", "is_working_day"))


class WorkdayCalendar:
    """The calendar for a span of days; the database's corrections come from the process copy."""

    def __init__(self, start: date, end: date) -> None:
        self.overrides = calendar_overrides()

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
