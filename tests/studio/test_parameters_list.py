"""The list of regions whose parameters policy staff set, with the changes awaiting review."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.fixtures import make_user
from tests.portal.test_english import assert_english, english
from tests.studio.parameters_helpers import propose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

URL = reverse("studio:parameters")


def test_it_lists_the_regions_down_to_townships(client, world):
    client.force_login(world["policy"])
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    for region in (world.province, world.county, world.township_a, world.township_b):
        assert reverse("studio:region-parameters", args=[region.code]) in page
    # Villages follow their township: they have no parameters of their own here.
    assert world.village_a1.code not in page
    assert "政策参数" in page


def test_it_lists_the_changes_awaiting_review(client, world):
    change = propose(world, {"notice_days": 8})
    client.force_login(world["policy2"])
    page = client.get(URL).content.decode()
    assert reverse("studio:parameter-change", args=[change.pk]) in page
    assert "待审核的参数变更" in page
    assert 'class="pending-count">1<' in page


def test_it_shows_a_county_officer_only_their_county(client, world):
    officer = make_user("county_policy", "policy_staff", world.county)
    client.force_login(officer)
    page = client.get(URL).content.decode()
    assert reverse("studio:region-parameters", args=[world.county.code]) in page
    assert reverse("studio:region-parameters", args=[world.province.code]) not in page


def test_it_is_not_there_for_other_staff(client, world):
    client.force_login(world["clerk"])
    assert client.get(URL).status_code == 404


def test_it_only_reads(client, world):
    client.force_login(world["policy"])
    assert client.post(URL).status_code == 405


def test_it_links_the_parameters_from_the_home_page(client, world):
    client.force_login(world["policy"])
    assert URL in client.get(reverse("inbox")).content.decode()


def test_it_reads_in_english(client, world):
    propose(world, {"notice_days": 8})
    assert_english(english(client, world, "policy2"), URL)


def test_it_takes_as_many_queries_for_many_regions_and_changes(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.fixtures import make_region

    client.force_login(world["policy"])
    client.get(URL)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    propose(world, {"notice_days": 8})
    few = count()
    for index in range(5):
        township = make_region(f"43110100{index + 3}", f"新镇{index}", "township", world.county)
        propose(world, {"notice_days": 9 + index}, region=township, author="policy2")
    assert count() == few
