"""A new subscription: its secret is shown once, on the answer to the POST."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.models import AuditEvent
from outbound.models import Subscription

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

URL = reverse("outbound:new")


def form(world, **changes):
    return {
        "department": "县人社局",
        "department_code": "hrss",
        "url": "https://hrss.example.org/doudi",
        "event_types": ["case.confirmed", "referral.sent"],
        "region_code": world.county.code,
        "active": "on",
        **changes,
    }


def test_it_creates_a_subscription_and_shows_its_secret_once(client, world, admin):
    client.force_login(admin)
    assert "接收地址" in client.get(URL).content.decode()
    response = client.post(URL, form(world))
    subscription = Subscription.objects.get()
    assert response.status_code == 200
    assert subscription.secret in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    assert (subscription.department_code, subscription.region) == ("hrss", world.county)
    assert subscription.event_types == ["case.confirmed", "referral.sent"]
    event = AuditEvent.objects.get(action="outbound.subscription_created")
    assert subscription.secret not in str(event.payload)
    # Never again: the subscription's page does not show it.
    page = client.get(reverse("outbound:subscription", args=[subscription.pk]))
    assert subscription.secret not in page.content.decode()


def test_it_refuses_a_wrong_method(client, world, admin):
    client.force_login(admin)
    assert client.put(URL).status_code == 405


def test_it_does_not_exist_for_outsiders_and_refuses_auditors(client, world):
    client.force_login(world["outsider"])
    assert client.get(URL).status_code == 404
    client.force_login(world["auditor"])
    assert client.get(URL).status_code == 403
    assert client.post(URL, form(world)).status_code == 403
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "ftp://example.org/x"}, "http://"),
        ({"url": "https://user:pw@example.org/x"}, "用户名或密码"),
        ({"region_code": "999999"}, "行政区划代码"),
        ({"department_code": ""}, "转介事项只推送给被转介的部门"),
        ({"event_types": []}, "此项为必填项"),
    ],
)
def test_it_explains_bad_input(client, world, admin, changes, message):
    client.force_login(admin)
    response = client.post(URL, form(world, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscription.objects.exists()


def test_it_refuses_an_internal_address_in_production(client, world, admin, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    client.force_login(admin)
    for url in (
        "http://127.0.0.1:8000/x",
        "http://10.1.2.3/x",
        "http://localhost/x",
        "http://[::1]/x",
    ):
        response = client.post(URL, form(world, url=url))
        assert response.status_code == 400
        assert "不接受本机或内部网络的地址" in response.content.decode()
    assert not Subscription.objects.exists()
