"""Deliveries sent by a real Celery worker over Redis to a real receiver on loopback, queued
when the step that confirmed the case commits."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from engine import audit
from outbound import tasks
from outbound.models import Attempt, Delivery, DeliveryStatus
from tests.outbound.conftest import subscribe
from tests.outbound.receiver import verified
from tests.workflows.exit import active_dibao

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fixed_clock", "deployed"),
]


def settled(delivery_id: int, timeout: float = 30) -> Delivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = Delivery.objects.get(pk=delivery_id)
        if found.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            return found
        time.sleep(0.1)
    raise AssertionError(f"delivery {delivery_id} still {found.status} after {timeout}s")


def test_it_delivers_a_confirmed_case_signed(world, admin, receiver, redis_worker):
    subscription, secret = subscribe(admin, receiver.url, world.county.code)
    case = active_dibao(world)

    (received,) = receiver.wait_for(1)
    sent = settled(Delivery.objects.get(event__case=case).pk)
    assert (sent.status, sent.attempts, sent.subscription_id) == ("delivered", 1, subscription.pk)
    assert verified(received, secret)
    assert received.json()["data"]["case_number"] == case.number
    assert received.json()["type"] == "case.confirmed"
    assert audit.verify().ok


def test_it_gets_through_on_the_third_attempt(client, world, admin, receiver, redis_worker):
    subscribe(admin, receiver.url, world.county.code)
    receiver.answers = [500, 503]
    case = active_dibao(world)

    receiver.wait_for(3)
    sent = settled(Delivery.objects.get(event__case=case).pk)
    assert (sent.status, sent.attempts) == ("delivered", 3)
    codes = Attempt.objects.filter(delivery=sent).order_by("number")
    assert list(codes.values_list("status_code", flat=True)) == [500, 503, 200]
    # The same event each time: one id to dedupe on.
    keys = {received.headers["Idempotency-Key"] for received in receiver.received}
    assert keys == {str(sent.event.uid)}

    client.force_login(admin)
    page = client.get(reverse("outbound:delivery", args=[sent.pk])).content.decode()
    assert re.findall(r'data-attempt="(\d+)"', page) == ["1", "2", "3"]


def test_it_changes_nothing_when_delivered_again(world, admin, receiver, redis_worker):
    subscribe(admin, receiver.url, world.county.code)
    case = active_dibao(world)
    receiver.wait_for(1)
    sent = settled(Delivery.objects.get(event__case=case).pk)

    for number in (1, 2):
        assert tasks.deliver.delay(sent.pk, number).get(timeout=20) == "skipped"
    assert tasks.sweep.delay().get(timeout=20) == 0

    again = Delivery.objects.get(pk=sent.pk)
    assert (again.status, again.attempts, again.delivered_at) == (
        "delivered",
        1,
        sent.delivered_at,
    )
    assert len(receiver.received) == 1
    assert Attempt.objects.filter(delivery=sent).count() == 1
