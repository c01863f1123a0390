"""What a delivery carries and how it is signed (docs/design.md, "Outbound events").

Header `X-Doudi-Signature: t=<unix seconds>,v1=<hex>`, where hex is HMAC-SHA256 with the
subscription's secret over the bytes `<t>.<body>`. A receiver recomputes it over the body
exactly as received, compares in constant time, and refuses a `t` more than five minutes
away from its own clock (a replayed delivery); `Idempotency-Key` (the event's id) lets it
drop an event it already has.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from outbound.models import Event

SIGNATURE_HEADER = "X-Doudi-Signature"
TOLERANCE_SECONDS = 300


def body_of(event: Event, region_code: str) -> bytes:
    """The JSON every subscriber of the event receives, byte for byte the same each attempt."""
    document: dict[str, Any] = {
        "id": str(event.uid),
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "region": region_code,
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: int) -> bool:
    """What a receiver does, for a receiver written in Python (and the docs' example)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(fields.get("v1", ""), signature(secret, timestamp, body))
