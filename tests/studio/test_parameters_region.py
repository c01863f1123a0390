"""One region's parameters: each value in force today and where it comes from, what is
scheduled, the region's own records with who proposed and approved them, pending changes."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from lxml import html

from assistance.models import RegionPolicy
from tests.fixtures import make_user
from tests.portal.test_english import assert_english, english
from tests.studio.parameters_helpers import approve, propose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def url(region) -> str:
    return reverse("studio:region-parameters", args=[region.code])


def text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def row(page: str, key: str) -> dict[str, str]:
    """The cells of a parameter's row by their class: value, source, upcoming."""
    found = html.fromstring(page).xpath(f"//tr[@data-param='{key}']")
    assert found, key
    return {cell.get("class"): text(cell) for cell in found[0].xpath("td[@class]")}


def test_it_shows_values_in_force_and_where_they_come_from(client, world):
    RegionPolicy.objects.create(
        region=world.township_a, effective_from=date(2026, 1, 1), values={"notice_days": 9}
    )
    client.force_login(world["policy"])
    response = client.get(url(world.township_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert row(page, "notice_days")["value"] == "9"
    assert row(page, "notice_days")["source"] == "本级，自 2026-01-01 起"
    assert row(page, "dibao_standard_rural")["value"] == "600.00"
    assert row(page, "dibao_standard_rural")["source"] == "沿用示范县，自 2020-01-01 起"
    assert row(page, "notice_working_days")["value"] == "否"
    assert row(page, "confirm_level")["value"] == "县级民政部门审核确认"
    # Its own record, set outside the studio.
    assert "在工作台之外录入" in page


def test_it_shows_what_is_scheduled_and_who_decided_it(client, world):
    approve(world, propose(world, {"dibao_standard_rural": "650"}))
    client.force_login(world["policy"])
    county_page = client.get(url(world.county)).content.decode()
    assert row(county_page, "dibao_standard_rural")["value"] == "600.00"
    assert (
        row(county_page, "dibao_standard_rural")["upcoming"] == "自 2026-04-01 起：650.00（示范县）"
    )
    history = html.fromstring(county_page).xpath("//ol[@class='policy-history']/li")
    assert [item.get("data-effective") for item in history] == ["2026-04-01", "2020-01-01"]
    assert "待生效" in text(history[0])
    assert "policy 提出，policy2 于" in text(history[0])
    # A township inherits the scheduled standard.
    township_page = client.get(url(world.township_a)).content.decode()
    assert "650.00（示范县）" in row(township_page, "dibao_standard_rural")["upcoming"]
    assert "本级没有自己的记录" in township_page


def test_it_lists_the_changes_waiting_for_review(client, world):
    change = propose(world, {"notice_days": 8})
    client.force_login(world["policy"])
    page = client.get(url(world.county)).content.decode()
    assert reverse("studio:parameter-change", args=[change.pk]) in page


def test_it_hides_regions_outside_the_jurisdiction_and_villages(client, world):
    officer = make_user("county_policy", "policy_staff", world.county)
    client.force_login(officer)
    assert client.get(url(world.county)).status_code == 200
    assert client.get(url(world.province)).status_code == 404
    assert client.get(url(world.village_a1)).status_code == 404
    assert client.get(reverse("studio:region-parameters", args=["999999"])).status_code == 404
    client.force_login(world["approver"])
    assert client.get(url(world.county)).status_code == 404


def test_it_only_reads(client, world):
    client.force_login(world["policy"])
    assert client.post(url(world.county)).status_code == 405


def test_it_reads_in_english(client, world):
    approve(world, propose(world, {"dibao_standard_rural": "650"}))
    assert_english(english(client, world, "policy"), url(world.county))


def test_it_takes_as_many_queries_for_a_long_history(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["policy"])
    approve(world, propose(world, {"notice_days": 8}, region=world.township_a))
    client.get(url(world.township_a))  # warm the session and the user's jurisdiction

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(world.township_a)).status_code == 200
        return len(captured)

    few = count()
    for month in (5, 6, 7):
        approve(
            world, propose(world, {"notice_days": 7 + month}, effective_from=date(2026, month, 1))
        )
        approve(
            world,
            propose(
                world,
                {"opinion_working_days": month + 1},
                region=world.township_a,
                effective_from=date(2026, month, 1),
            ),
        )
    propose(world, {"notice_days": 20}, region=world.township_a, effective_from=date(2026, 9, 1))
    propose(world, {"notice_days": 21}, region=world.township_a, effective_from=date(2026, 10, 1))
    assert count() == few
