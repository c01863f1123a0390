"""A subscription's delivery log: status, attempts, last answer, next retry, retry button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.outbound.conftest import make_delivery, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def url(subscription):
    return reverse("outbound:subscription", args=[subscription.pk])


def test_it_shows_the_log_with_a_retry_for_failed_deliveries(client, world, admin, tiny_case):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    failed = make_delivery(
        subscription,
        tiny_case,
        status="failed",
        attempts=3,
        last_status_code=503,
        last_error="HTTP 503",
    )
    done = make_delivery(
        subscription, tiny_case, status="delivered", attempts=1, last_status_code=200
    )
    client.force_login(admin)
    page = client.get(url(subscription)).content.decode()
    assert "推送记录" in page and "发送失败" in page and "已送达" in page
    assert "HTTP 503" in page and tiny_case.number in page
    assert reverse("outbound:retry", args=[failed.pk]) in page
    assert reverse("outbound:retry", args=[done.pk]) not in page
    only_failed = client.get(url(subscription), {"status": "failed"}).content.decode()
    assert f'data-delivery="{failed.pk}"' in only_failed
    assert f'data-delivery="{done.pk}"' not in only_failed


def test_it_refuses_a_wrong_method(client, world, admin):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    client.force_login(admin)
    assert client.post(url(subscription)).status_code == 405


def test_it_does_not_exist_outside_the_readers_jurisdiction(client, world, admin):
    county, _ = subscribe(admin, "https://example.org/a", world.county.code)
    province, _ = subscribe(admin, "https://example.org/b", world.province.code)
    client.force_login(world["outsider"])
    assert client.get(url(county)).status_code == 404
    client.force_login(world["auditor"])
    assert client.get(url(province)).status_code == 404
    assert client.get(reverse("outbound:subscription", args=[99999])).status_code == 404


def test_it_lets_auditors_read_but_offers_them_no_write(client, world, admin, tiny_case):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    failed = make_delivery(subscription, tiny_case, status="failed", attempts=3)
    client.force_login(world["auditor"])
    page = client.get(url(subscription)).content.decode()
    assert f'data-delivery="{failed.pk}"' in page
    assert reverse("outbound:retry", args=[failed.pk]) not in page
    assert reverse("outbound:edit", args=[subscription.pk]) not in page
