"""One attempt at a time against a real receiver on loopback, called in-process: the claim,
the signature, retries with backoff, failure, bounds, SSRF, and the sweep."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from engine import audit
from engine.clock import clock
from engine.models import AuditEvent
from outbound import delivery, events, signing, tasks
from outbound.models import Attempt, Delivery, DeliveryStatus
from tests.outbound.conftest import subscribe
from tests.outbound.receiver import verified

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture
def queued(world, admin, receiver, tiny_case):
    """A confirmed-case event with one delivery to the receiver, not yet sent."""
    _subscription, secret = subscribe(admin, receiver.url, world.county.code)
    event = events.record(
        "case.confirmed",
        tiny_case,
        None,
        {"case_number": tiny_case.number, "kind": "dibao", "region_code": world.village_a1.code},
    )
    return Delivery.objects.get(event=event), secret


def test_it_posts_the_event_signed_with_the_subscriptions_secret(queued, receiver):
    pending, secret = queued
    assert delivery.attempt(pending.pk, 1).status == "delivered"

    (received,) = receiver.received
    assert verified(received, secret)
    assert not verified(received, "another secret")
    event = pending.event
    assert received.path == "/hooks/doudi?x=1"
    assert received.headers["Idempotency-Key"] == str(event.uid)
    assert received.headers["X-Doudi-Event"] == "case.confirmed"
    assert received.json() == {
        "id": str(event.uid),
        "type": "case.confirmed",
        "occurred_at": event.occurred_at.isoformat(),
        "region": event.region.code,
        "data": event.payload,
    }
    assert signing.verify(
        secret,
        received.headers["X-Doudi-Signature"],
        received.body,
        now=int(clock.now().timestamp()),
    )
    sent = Delivery.objects.get(pk=pending.pk)
    assert (sent.status, sent.attempts, sent.last_status_code) == ("delivered", 1, 200)
    # Only the start of the receiver's answer is kept.
    assert len(Attempt.objects.get(delivery=sent).response_excerpt) == 200


def test_it_never_sends_a_delivered_event_again(queued, receiver):
    pending, _ = queued
    delivery.attempt(pending.pk, 1)
    assert delivery.attempt(pending.pk, 1).status == "skipped"
    assert delivery.attempt(pending.pk, 2).status == "skipped"
    assert tasks.sweep() == 0
    assert len(receiver.received) == 1
    assert Delivery.objects.get(pk=pending.pk).attempts == 1


def test_it_writes_the_disclosure_in_the_cases_trail(queued, receiver):
    pending, _ = queued
    delivery.attempt(pending.pk, 1)
    event = AuditEvent.objects.get(action="outbound.delivered")
    assert event.case_id == pending.event.case_id
    assert event.payload["department"] == "医保局"
    assert event.payload["event"] == str(pending.event.uid)
    assert audit.verify().ok


def test_it_waits_longer_after_each_failure_then_gives_up(queued, receiver):
    pending, _ = queued
    receiver.answers = [500, 302, 404]

    first = delivery.attempt(pending.pk, 1)
    assert (first.status, first.retry_in) == ("retry", 0.2)
    waiting = Delivery.objects.get(pk=pending.pk)
    assert waiting.status == DeliveryStatus.PENDING
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=0.2)
    assert waiting.last_error == "HTTP 500"
    # A redirect is a failure: it is not followed.
    assert delivery.attempt(pending.pk, 2) == delivery.Result("retry", 0.4)
    assert delivery.attempt(pending.pk, 3).status == "failed"

    failed = Delivery.objects.get(pk=pending.pk)
    assert (failed.status, failed.attempts, failed.last_status_code) == ("failed", 3, 404)
    assert failed.next_attempt_at is None
    codes = list(
        Attempt.objects.filter(delivery=failed)
        .order_by("number")
        .values_list("status_code", flat=True)
    )
    assert codes == [500, 302, 404]
    assert len(receiver.received) == 3
    assert not AuditEvent.objects.filter(action="outbound.delivered").exists()


def test_it_caps_the_backoff(settings):
    settings.OUTBOUND_BACKOFF_SECONDS = 30
    assert [delivery.backoff(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert delivery.backoff(20) == delivery.MAX_BACKOFF_SECONDS


def test_it_sends_an_attempt_only_once_and_in_order(queued, receiver):
    pending, _ = queued
    assert delivery.attempt(pending.pk, 2).status == "skipped"
    receiver.answers = [500]
    assert delivery.attempt(pending.pk, 1).status == "retry"
    # The same message delivered twice by the broker.
    assert delivery.attempt(pending.pk, 1).status == "skipped"
    assert len(receiver.received) == 1


def test_it_gives_up_on_a_slow_receiver_within_the_time_limit(queued, receiver, settings):
    settings.OUTBOUND_TIMEOUT_SECONDS = 0.5
    receiver.delay = 3
    pending, _ = queued
    started = time.monotonic()
    assert delivery.attempt(pending.pk, 1).status == "retry"
    assert time.monotonic() - started < 2
    assert "timed out" in Delivery.objects.get(pk=pending.pk).last_error


def test_it_refuses_a_receiver_on_loopback_in_production(queued, receiver, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    pending, _ = queued
    assert delivery.attempt(pending.pk, 1).status == "retry"
    time.sleep(0.2)
    assert receiver.received == []
    refused = Delivery.objects.get(pk=pending.pk)
    assert refused.last_status_code is None
    assert refused.last_error


def test_it_sends_nothing_for_a_subscription_made_inactive(queued, receiver):
    pending, _ = queued
    pending.subscription.active = False
    pending.subscription.save()
    assert delivery.attempt(pending.pk, 1).status == "failed"
    assert receiver.received == []


def test_it_takes_up_an_attempt_a_dead_worker_left(queued, receiver):
    pending, _ = queued
    Delivery.objects.filter(pk=pending.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, sending_since=clock.now()
    )
    assert delivery.recover_interrupted() == []
    clock.advance(timedelta(minutes=2))
    assert delivery.recover_interrupted() == [(pending.pk, 2)]
    again = Delivery.objects.get(pk=pending.pk)
    assert (again.status, again.attempts) == ("pending", 1)
    assert "interrupted" in again.last_error


def test_it_sweeps_up_an_attempt_whose_message_was_lost(queued, receiver):
    pending, _ = queued
    assert delivery.due() == []
    clock.advance(timedelta(minutes=2))
    assert delivery.due() == [(pending.pk, 1)]
    # Celery runs in-process here: the sweep sends it.
    assert tasks.sweep() == 1
    assert Delivery.objects.get(pk=pending.pk).status == "delivered"
    assert len(receiver.received) == 1
