"""Sending a delivery: one attempt at a time, each claimed by a conditional update.

`attempt(delivery_id, number)` sends only when the delivery is pending with `number - 1`
attempts behind it: the claim (status pending -> sending, attempts -> number) is one UPDATE
whose row count says whether this call won. A message the broker delivers twice, a sweep
racing a scheduled retry, a "retry now" racing either: one of them sends, the others do
nothing. A delivered delivery is never sent again. The POST happens outside any transaction;
its result is written by an UPDATE conditional on the claim still holding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from engine import audit
from engine.clock import clock
from outbound import signing, transport
from outbound.models import Attempt, Delivery, DeliveryStatus

USER_AGENT = "Doudi-Outbound/1"
# However long the backoff grows, an hour and a half at most between two attempts.
MAX_BACKOFF_SECONDS = 90 * 60


@dataclass(frozen=True)
class Result:
    status: str  # "skipped", "delivered", "retry", "failed"
    retry_in: float | None = None


def backoff(number: int) -> float:
    """Seconds to wait after failed attempt `number` (1, 2, …): doubling from the base."""
    base = float(settings.OUTBOUND_BACKOFF_SECONDS)
    return float(min(base * (2 ** (number - 1)), MAX_BACKOFF_SECONDS))


def attempt(delivery_id: int, number: int) -> Result:
    now = clock.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, attempts=number - 1
    ).update(status=DeliveryStatus.SENDING, attempts=number, sending_since=now)
    if not claimed:
        return Result("skipped")
    delivery = Delivery.objects.select_related("event__region", "subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.active:
        outcome = transport.Outcome(None, "the subscription is not active", "", 0)
    else:
        body = signing.body_of(delivery.event, delivery.event.region.code)
        outcome = transport.post(
            subscription.url,
            body,
            _headers(delivery, body),
            timeout=float(settings.OUTBOUND_TIMEOUT_SECONDS),
            allow_private=bool(settings.OUTBOUND_ALLOW_PRIVATE),
        )
    return _finish(delivery, number, outcome, at=now)


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    event = delivery.event
    timestamp = int(clock.now().timestamp())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Doudi-Event": event.type,
        "X-Doudi-Event-Id": str(event.uid),
        "X-Doudi-Delivery": str(delivery.pk),
        "Idempotency-Key": str(event.uid),
        signing.SIGNATURE_HEADER: signing.signature_header(
            delivery.subscription.secret, timestamp, body
        ),
    }


def _finish(delivery: Delivery, number: int, outcome: transport.Outcome, *, at: datetime) -> Result:
    now = clock.now()
    fields: dict[str, object] = {
        "last_status_code": outcome.status_code,
        "last_error": outcome.error if not outcome.ok else "",
        "sending_since": None,
    }
    if outcome.ok:
        result = Result("delivered")
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif number >= int(settings.OUTBOUND_MAX_ATTEMPTS) or not delivery.subscription.active:
        result = Result("failed")
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        wait = backoff(number)
        result = Result("retry", wait)
        fields.update(status=DeliveryStatus.PENDING, next_attempt_at=now + timedelta(seconds=wait))
    if not outcome.ok and not outcome.error:
        fields["last_error"] = f"HTTP {outcome.status_code}"
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            at=at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=str(fields["last_error"]),
            response_excerpt=outcome.excerpt,
        )
        updated = Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=number
        ).update(**fields)
        if updated and outcome.ok:
            _audit_delivered(delivery)
    return result if updated else Result("skipped")


def _audit_delivered(delivery: Delivery) -> None:
    """In the case's trail: which department was told what about it (a disclosure)."""
    event = delivery.event
    audit.record(
        "outbound.delivered",
        actor=None,
        role="system",
        region_id=event.region_id,
        case_id=event.case_id,
        payload={
            "event": str(event.uid),
            "type": event.type,
            "subscription": delivery.subscription_id,
            "department": delivery.subscription.department,
            "attempt": delivery.attempts,
        },
    )


def stale_before() -> datetime:
    """A delivery sending since before this was left by a worker that died mid-send."""
    return clock.now() - timedelta(seconds=float(settings.OUTBOUND_TIMEOUT_SECONDS) * 2 + 60)


def recover_interrupted() -> list[tuple[int, int]]:
    """Deliveries a dead worker left `sending`: that attempt counts as failed and the next
    one is due now. Returns (delivery, next attempt number) pairs to queue."""
    now = clock.now()
    again: list[tuple[int, int]] = []
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING, sending_since__lt=stale_before())
    for delivery_id, attempts in stuck.values_list("pk", "attempts"):
        exhausted = attempts >= int(settings.OUTBOUND_MAX_ATTEMPTS)
        moved = Delivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.SENDING, attempts=attempts
        ).update(
            status=DeliveryStatus.FAILED if exhausted else DeliveryStatus.PENDING,
            sending_since=None,
            next_attempt_at=None if exhausted else now,
            last_error="interrupted: the worker stopped while sending",
        )
        if moved and not exhausted:
            again.append((delivery_id, attempts + 1))
    return again


# A queued attempt normally runs on time; the sweep takes only those a minute late.
SWEEP_GRACE = timedelta(minutes=1)


def due() -> list[tuple[int, int]]:
    """Pending deliveries whose attempt is overdue: its message was lost (the broker was
    down at commit, or restarted without it)."""
    rows = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now() - SWEEP_GRACE
    ).values_list("pk", "attempts")
    return [(pk, attempts + 1) for pk, attempts in rows[:1000]]
