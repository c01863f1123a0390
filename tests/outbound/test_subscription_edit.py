"""Changing a subscription."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.models import AuditEvent
from tests.outbound.conftest import subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def url(subscription):
    return reverse("outbound:edit", args=[subscription.pk])


def form(world, **changes):
    return {
        "department": "医保局",
        "url": "https://new.example.org/doudi",
        "event_types": ["case.exited"],
        "region_code": world.township_a.code,
        **changes,
    }


def test_it_saves_the_changes_and_records_them(client, world, admin):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    client.force_login(admin)
    assert "https://example.org/a" in client.get(url(subscription)).content.decode()
    response = client.post(url(subscription), form(world))
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.region, subscription.active) == (
        "https://new.example.org/doudi",
        world.township_a,
        False,
    )
    changed = AuditEvent.objects.get(action="outbound.subscription_changed").payload["changed"]
    assert set(changed) == {"url", "event_types", "region", "active"}


def test_it_refuses_a_wrong_method(client, world, admin):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    client.force_login(admin)
    assert client.delete(url(subscription)).status_code == 405


def test_it_does_not_exist_for_outsiders_and_refuses_auditors(client, world, admin):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    client.force_login(world["outsider"])
    assert client.get(url(subscription)).status_code == 404
    client.force_login(world["auditor"])
    assert client.get(url(subscription)).status_code == 403
    assert client.post(url(subscription), form(world)).status_code == 403
    subscription.refresh_from_db()
    assert subscription.url == "https://example.org/a"


def test_it_explains_bad_input_and_keeps_the_subscription(client, world, admin):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    client.force_login(admin)
    response = client.post(url(subscription), form(world, url="javascript:alert(1)"))
    assert response.status_code == 400
    assert "http://" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.url == "https://example.org/a"
