"""/exchanges/: the links each role has, the header's link, and the checker's queue link."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOME = reverse("exchanges:home")


def test_it_links_the_pages_of_each_role(client, world):
    client.force_login(world["checker"])
    page = client.get(HOME).content.decode()
    assert reverse("exchanges:checks") in page and reverse("exchanges:deaths") not in page
    client.force_login(world["approver"])
    page = client.get(HOME).content.decode()
    assert reverse("exchanges:deaths") in page and reverse("exchanges:differences") in page
    assert reverse("exchanges:checks") not in page
    assert 'href="/exchanges/">数据交换</a>' in client.get(reverse("inbox")).content.decode()


def test_it_links_the_check_requests_from_the_checkers_queue(client, world):
    client.force_login(world["checker"])
    queue = client.get(reverse("inbox")).content.decode()
    assert reverse("exchanges:checks") in queue
    client.force_login(world["clerk"])
    queue = client.get(reverse("inbox")).content.decode()
    assert reverse("exchanges:checks") not in queue and 'href="/exchanges/"' not in queue


def test_it_refuses_wrong_methods(client, world):
    client.force_login(world["approver"])
    assert client.post(HOME).status_code == 405


def test_it_does_not_exist_for_others(client, world):
    for user in ("outsider", "clerk", "policy"):
        client.force_login(world[user])
        assert client.get(HOME).status_code == 404


def test_it_shows_auditors_every_page_to_read(client, world):
    client.force_login(world["auditor"])
    page = client.get(HOME).content.decode()
    assert all(
        reverse(name) in page
        for name in ("exchanges:checks", "exchanges:deaths", "exchanges:registry")
    )
    # Nothing on the home page writes; a read-only role meets 403 on the writes themselves.
    assert client.post(reverse("exchanges:checks-import")).status_code == 403
