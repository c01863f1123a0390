"""Fixed-window rate limits for the public site, counted in the shared cache.

The public forms (objections, applications, progress lookups) take no sign-in, so each is
bounded per client address and, where the form names one, per phone or resident ID.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    scope: str  # e.g. "objection"
    count: int  # requests allowed…
    seconds: int  # …per window


def client_address(request: HttpRequest) -> str:
    # Behind the proxy REMOTE_ADDR is the proxy; it appends the client's address last.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def hit(limit: Limit, *keys: str) -> bool:
    """Count one request against each key; False when any key is over its limit."""
    window = int(time.time()) // limit.seconds
    allowed = True
    for key in keys:
        # Hashed so no address or resident ID sits in the cache in the clear.
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        name = f"rl:{limit.scope}:{window}:{digest}"
        cache.add(name, 0, timeout=limit.seconds + 5)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=limit.seconds + 5)
            count = 1
        if count > limit.count:
            allowed = False
    return allowed


def allow(request: HttpRequest, limit: Limit, *extra_keys: str) -> bool:
    return hit(limit, f"ip:{client_address(request)}", *(k for k in extra_keys if k))
