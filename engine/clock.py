"""The one clock of the runtime, settable by tests.

SpiffWorkflow's timer events read `datetime.now()` from their own module; the engine points
that module at this clock, so a test that moves the clock moves every timer with it.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer


class Clock:
    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        fixed = self._fixed
        return fixed if fixed is not None else datetime.now(UTC)

    def today(self) -> date:
        """The calendar day in the deployment's time zone (deadlines are local days)."""
        return self.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock takes timezone-aware datetimes only")
        with self._lock:
            self._fixed = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._fixed = (self._fixed or datetime.now(UTC)) + delta

    def reset(self) -> None:
        with self._lock:
            self._fixed = None


clock = Clock()


class _ClockDatetime(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        moment = clock.now()
        return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)


spiff_timer.datetime = _ClockDatetime
