"""The payments list pages cost the same number of queries with few or many rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine.clock import clock
from payments.models import Roster, RosterStatus
from tests.payments.roster_world import make_case

pytestmark = pytest.mark.django_db


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_lists_rosters_in_a_fixed_number_of_queries(client, world, built_roster):
    client.force_login(world["finance"])
    few = count(client, reverse("payments:home"))
    for month in range(4, 12):
        Roster.objects.create(
            county=world.county,
            month=date(2025, month, 1),
            status=RosterStatus.SETTLED,
            built_by=world["finance"],
            first_approved_by=world["finance"],
            second_approved_by=world["finance2"],
            created_at=clock.now(),
        )
    assert count(client, reverse("payments:home")) == few


def test_it_shows_a_roster_in_a_fixed_number_of_queries(
    client, world, built_roster, django_capture_on_commit_callbacks
):
    from payments.actions import do_build_roster

    client.force_login(world["finance"])
    url = reverse("payments:roster", args=[built_roster.pk])
    few = count(client, url)
    for n in range(30):
        make_case(world.village_a1 if n % 2 else world.village_b1, account=n % 3 != 0)
    with django_capture_on_commit_callbacks(execute=True):
        do_build_roster(world.county.pk, date(2026, 3, 1), actor=world["finance"])
    assert count(client, url) == few
