"""The outbound pages cost the same queries for few rows and many."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.outbound.conftest import make_delivery, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_it_keeps_the_list_and_the_log_flat(client, world, admin, tiny_case):
    subscription, _ = subscribe(admin, "https://example.org/a", world.county.code)
    make_delivery(subscription, tiny_case, status="failed", attempts=3)
    client.force_login(admin)
    log = reverse("outbound:subscription", args=[subscription.pk])
    list_url = reverse("outbound:list")
    few = (count(client, list_url), count(client, log))

    for index in range(30):
        more, _ = subscribe(admin, f"https://example.org/{index}", world.county.code)
        make_delivery(more, tiny_case, status="delivered", attempts=1)
        make_delivery(subscription, tiny_case, status="pending", attempts=index % 3)

    assert (count(client, list_url), count(client, log)) == few
