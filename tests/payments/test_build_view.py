"""POST /payments/build/: starts a roster's build (eager Celery in tests)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payments.models import Roster, RosterStatus
from tests.payments.roster_world import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def test_it_builds_and_shows_the_roster(client, world, django_capture_on_commit_callbacks):
    make_case(world.village_a1)
    client.force_login(world["finance"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("payments:build"), {"county": world.county.pk, "month": "2026-03"}
        )
    roster = Roster.objects.get()
    assert response.url == reverse("payments:roster", args=[roster.pk])
    assert roster.status == RosterStatus.BUILT and roster.line_count == 1


def test_it_explains_bad_input(client, world):
    client.force_login(world["finance"])
    response = client.post(reverse("payments:build"), {"county": world.county.pk, "month": "三月"})
    assert response.status_code == 400 and "YYYY-MM" in response.content.decode()
    response = client.post(
        reverse("payments:build"), {"county": world.county.pk, "month": "2027-01"}
    )
    assert response.status_code == 400 and "最多提前一个月" in response.content.decode()
    assert not Roster.objects.exists()


def test_it_refuses_readers_outsiders_and_get(client, world):
    data = {"county": world.county.pk, "month": "2026-03"}
    client.force_login(world["auditor"])
    assert client.post(reverse("payments:build"), data).status_code == 403
    client.force_login(world["outsider"])
    assert client.post(reverse("payments:build"), data).status_code == 404
    client.force_login(world["finance"])
    assert client.get(reverse("payments:build")).status_code == 405
    assert not Roster.objects.exists()
