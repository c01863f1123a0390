"""Retry now: one more attempt for a failed delivery, sent when the request commits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.models import AuditEvent
from outbound.models import Delivery
from tests.outbound.conftest import make_delivery, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def url(delivery):
    return reverse("outbound:retry", args=[delivery.pk])


@pytest.fixture
def failed(world, admin, receiver, tiny_case):
    subscription, _ = subscribe(admin, receiver.url, world.county.code)
    return make_delivery(subscription, tiny_case, status="failed", attempts=3)


def test_it_sends_a_failed_delivery_again(
    client, admin, failed, receiver, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(failed))
    assert response.status_code == 302
    assert response["Location"] == reverse("outbound:delivery", args=[failed.pk])
    delivered = Delivery.objects.get(pk=failed.pk)
    assert (delivered.status, delivered.attempts) == ("delivered", 4)
    assert len(receiver.received) == 1
    assert AuditEvent.objects.get(action="outbound.delivery_retried").payload["attempt"] == 4


def test_it_refuses_to_send_a_delivered_one_again(
    client, admin, failed, receiver, django_capture_on_commit_callbacks
):
    Delivery.objects.filter(pk=failed.pk).update(status="delivered")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(failed), follow=True)
    assert "该推送已送达，不会再次发送" in response.content.decode()
    assert receiver.received == []
    assert not AuditEvent.objects.filter(action="outbound.delivery_retried").exists()


def test_it_refuses_a_wrong_method(client, admin, failed):
    client.force_login(admin)
    assert client.get(url(failed)).status_code == 405


def test_it_does_not_exist_for_outsiders_and_refuses_auditors(client, world, failed, receiver):
    client.force_login(world["outsider"])
    assert client.post(url(failed)).status_code == 404
    client.force_login(world["auditor"])
    assert client.post(url(failed)).status_code == 403
    assert Delivery.objects.get(pk=failed.pk).status == "failed"
    assert receiver.received == []
