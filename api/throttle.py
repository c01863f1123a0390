"""Rate limits per caller: a fixed window counted in the shared cache (Redis in production,
so every web process counts the same window)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from api.auth import Caller

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/min' → (600, 60); a wrong value fails at start-up, not on the first call."""
    count, _, unit = rate.partition("/")
    if not count.isdigit() or int(count) < 1 or unit not in _PERIODS:
        raise ValueError(f"a rate is written like 600/min, not {rate!r}")
    return int(count), _PERIODS[unit]


class CallerThrottle(BaseThrottle):
    def __init__(self) -> None:
        # Checked once at start-up so a wrong setting fails loudly; read again per call.
        parse_rate(settings.API_RATE_STAFF)
        parse_rate(settings.API_RATE_SYSTEM)
        self.remaining = 0.0

    def allow_request(self, request: HttpRequest) -> bool:
        who = getattr(request, "auth", None)
        if isinstance(who, Caller):
            rate = settings.API_RATE_SYSTEM if who.system is not None else settings.API_RATE_STAFF
            count, seconds = parse_rate(rate)
            key = f"api:{who.via if who.via != 'session' else 'u' + str(who.user.pk)}"
        else:
            count, seconds = parse_rate(settings.API_RATE_STAFF)
            key = f"api:ip:{request.META.get('REMOTE_ADDR', '')}"
        now = time.time()
        window = int(now) // seconds
        name = f"rl:{key}:{window}"
        cache.add(name, 0, timeout=seconds + 5)
        try:
            used = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=seconds + 5)
            used = 1
        self.remaining = (window + 1) * seconds - now
        return used <= count

    def wait(self) -> float | None:
        return self.remaining
