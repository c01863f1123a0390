"""The list of subscriptions: administrators see all, auditors those of their jurisdiction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.outbound.conftest import make_delivery, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

URL = reverse("outbound:list")


def test_it_lists_subscriptions_with_their_deliveries_counted(client, world, admin, tiny_case):
    county, _ = subscribe(admin, "https://example.org/a", world.county.code, department="县医保局")
    subscribe(admin, "https://example.org/b", world.province.code, department="省教育厅")
    make_delivery(county, tiny_case, status="failed", attempts=3)
    make_delivery(county, tiny_case, status="delivered", attempts=1)
    client.force_login(admin)
    page = client.get(URL).content.decode()
    assert "事件推送" in page and "新建订阅" in page
    assert "县医保局" in page and "省教育厅" in page
    assert "案件已批准" in page


def test_it_refuses_a_wrong_method(client, world, admin):
    client.force_login(admin)
    assert client.post(URL).status_code == 405


def test_it_does_not_exist_for_anyone_else(client, world):
    for user in ("outsider", "clerk", "approver", "policy"):
        client.force_login(world[user])
        assert client.get(URL).status_code == 404


def test_it_shows_auditors_their_jurisdiction_without_the_writes(client, world, admin):
    subscribe(admin, "https://example.org/a", world.county.code, department="县医保局")
    subscribe(admin, "https://example.org/b", world.province.code, department="省教育厅")
    client.force_login(world["auditor"])
    page = client.get(URL).content.decode()
    assert "县医保局" in page
    assert "省教育厅" not in page
    assert "新建订阅" not in page
