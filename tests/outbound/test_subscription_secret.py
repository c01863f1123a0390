"""A new signing secret, shown once; the old one no longer signs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.models import AuditEvent
from tests.outbound.conftest import subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def url(subscription):
    return reverse("outbound:secret", args=[subscription.pk])


def test_it_replaces_the_secret_and_shows_the_new_one(client, world, admin):
    subscription, old = subscribe(admin, "https://example.org/a", world.county.code)
    client.force_login(admin)
    response = client.post(url(subscription))
    subscription.refresh_from_db()
    assert response.status_code == 200
    assert subscription.secret != old
    assert subscription.secret in response.content.decode()
    event = AuditEvent.objects.get(action="outbound.secret_rotated")
    assert subscription.secret not in str(event.payload) and old not in str(event.payload)


def test_it_refuses_a_wrong_method(client, world, admin):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    client.force_login(admin)
    assert client.get(url(subscription)).status_code == 405


def test_it_does_not_exist_for_outsiders_and_refuses_auditors(client, world, admin):
    subscription, old = subscribe(admin, "https://example.org/a", world.county.code)
    client.force_login(world["outsider"])
    assert client.post(url(subscription)).status_code == 404
    client.force_login(world["auditor"])
    assert client.post(url(subscription)).status_code == 403
    subscription.refresh_from_db()
    assert subscription.secret == old
