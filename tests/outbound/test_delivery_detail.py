"""A delivery's attempts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.clock import clock
from outbound.models import Attempt
from tests.outbound.conftest import make_delivery, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def url(delivery):
    return reverse("outbound:delivery", args=[delivery.pk])


@pytest.fixture
def failing(world, admin, tiny_case):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    delivery = make_delivery(
        subscription, tiny_case, status="pending", attempts=2, next_attempt_at=clock.now()
    )
    for number, code in ((1, 500), (2, None)):
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            at=clock.now(),
            status_code=code,
            error="HTTP 500" if code else "timed out after 5 s",
            response_excerpt="<html>oops",
        )
    return delivery


def test_it_lists_the_attempts(client, admin, failing):
    client.force_login(admin)
    page = client.get(url(failing)).content.decode()
    assert 'data-attempt="1"' in page and 'data-attempt="2"' in page
    assert "HTTP 500" in page and "timed out after 5 s" in page
    assert "&lt;html&gt;oops" in page
    assert "立即重发" in page and str(failing.event.uid) in page


def test_it_refuses_a_wrong_method(client, admin, failing):
    client.force_login(admin)
    assert client.post(url(failing)).status_code == 405


def test_it_does_not_exist_for_outsiders(client, world, failing):
    client.force_login(world["outsider"])
    assert client.get(url(failing)).status_code == 404


def test_it_lets_auditors_read_without_the_retry(client, world, failing):
    client.force_login(world["auditor"])
    page = client.get(url(failing)).content.decode()
    assert 'data-attempt="2"' in page
    assert "立即重发" not in page
