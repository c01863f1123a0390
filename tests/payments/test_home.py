"""The payments home page: the county's rosters and the build form."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_lists_the_rosters_with_the_build_form(client, world, built_roster):
    client.force_login(world["finance"])
    page = client.get(reverse("payments:home"))
    text = page.content.decode()
    assert page.status_code == 200 and "2026-03" in text and "生成发放名册" in text


def test_it_lands_payments_officers_on_it_and_links_it_in_the_header(client, world):
    client.force_login(world["finance"])
    assert client.get(reverse("inbox")).url == reverse("payments:home")
    assert reverse("payments:home") in client.get(reverse("payments:home")).content.decode()


def test_it_shows_auditors_the_rosters_without_the_form(client, world, built_roster):
    client.force_login(world["auditor"])
    text = client.get(reverse("payments:home")).content.decode()
    assert "2026-03" in text and "生成发放名册" not in text


def test_it_does_not_exist_for_others(client, world, built_roster):
    client.force_login(world["outsider"])
    assert client.get(reverse("payments:home")).status_code == 404
    client.force_login(world["clerk"])
    assert client.get(reverse("payments:home")).status_code == 404


def test_it_takes_only_get(client, world):
    client.force_login(world["finance"])
    assert client.post(reverse("payments:home")).status_code == 405
