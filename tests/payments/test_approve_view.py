"""POST /payments/rosters/<id>/approve/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payments.models import RosterStatus

pytestmark = pytest.mark.django_db


def test_it_records_two_approvals_by_two_people(client, world, built_roster):
    url = reverse("payments:approve", args=[built_roster.pk])
    client.force_login(world["finance"])
    assert client.post(url).status_code == 302
    again = client.post(url)
    assert again.status_code == 400 and "复审须由另一人进行" in again.content.decode()
    client.force_login(world["finance2"])
    assert client.post(url).status_code == 302
    built_roster.refresh_from_db()
    assert built_roster.status == RosterStatus.APPROVED


def test_it_refuses_readers_outsiders_and_get(client, world, built_roster):
    url = reverse("payments:approve", args=[built_roster.pk])
    client.force_login(world["auditor"])
    assert client.post(url).status_code == 403
    client.force_login(world["outsider"])
    assert client.post(url).status_code == 404
    client.force_login(world["finance"])
    assert client.get(url).status_code == 405
    built_roster.refresh_from_db()
    assert built_roster.status == RosterStatus.BUILT
