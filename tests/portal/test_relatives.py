"""The near-relative register page."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from assistance.models import NearRelative
from tests.workflows.dibao import resident_id

pytestmark = pytest.mark.django_db


def test_it_declares_a_relative(client, world):
    client.force_login(world["clerk"])
    assert client.get(reverse("relatives")).status_code == 200
    number = resident_id(date(1960, 5, 5))
    response = client.post(
        reverse("relatives"), {"name": "王父", "resident_id": number, "relation": "parent"}
    )
    assert response.status_code == 302
    assert NearRelative.objects.get(staff=world["clerk"]).resident_id == number
    page = client.get(reverse("relatives")).content.decode()
    assert "王父" in page and "父母或配偶父母" in page


def test_it_explains_a_bad_resident_id(client, world):
    client.force_login(world["clerk"])
    page = client.post(
        reverse("relatives"),
        {"name": "王父", "resident_id": "110105194912310021", "relation": "parent"},
    )
    assert page.status_code == 200 and "校验位不正确" in page.content.decode()
    assert not NearRelative.objects.exists()


def test_it_shows_each_user_only_their_own_declarations(client, world):
    client.force_login(world["clerk"])
    client.post(
        reverse("relatives"),
        {"name": "王父", "resident_id": resident_id(date(1961, 5, 5)), "relation": "parent"},
    )
    client.force_login(world["investigator"])
    assert "王父" not in client.get(reverse("relatives")).content.decode()


def test_it_refuses_read_only_roles_and_wrong_methods(client, world):
    client.force_login(world["auditor"])
    assert client.get(reverse("relatives")).status_code == 403
    client.force_login(world["clerk"])
    assert client.put(reverse("relatives")).status_code == 405
