"""Proposing a change in the browser's form: typed fields for every parameter, the rules'
refusals on the fields in Chinese, a check that shows the change and what it does to cases,
and the submission for review."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from lxml import html

from engine.models import AuditEvent
from studio.models import PolicyChange
from tests.fixtures import make_user
from tests.portal.test_english import assert_english, english
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def url(region) -> str:
    return reverse("studio:propose-parameters", args=[region.code])


def form(**values: Any) -> dict[str, Any]:
    return {"effective_from": "2026-04-01", "note": "省厅通知提高标准", **values}


def field_errors(page: str, key: str) -> str:
    rows = html.fromstring(page).xpath(f"//tr[@data-param='{key}']//ul[@class='errorlist']")
    return " ".join(" ".join(row.text_content().split()) for row in rows)


def test_it_offers_a_typed_field_for_every_parameter(client, world):
    from assistance.policy import PARAMS

    client.force_login(world["policy"])
    response = client.get(url(world.county))
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    assert len(tree.xpath("//table[contains(@class,'parameter-inputs')]/tbody/tr")) == len(PARAMS)
    assert tree.xpath("//input[@name='dibao_standard_rural']/@type") == ["number"]
    assert tree.xpath("//input[@name='dibao_standard_rural']/@step") == ["0.01"]
    assert tree.xpath("//input[@name='notice_days']/@step") == ["1"]
    assert tree.xpath("//select[@name='confirm_level']/option/@value") == ["", "county", "township"]
    assert tree.xpath("//select[@name='notice_working_days']/option/@value") == ["", "yes", "no"]
    assert tree.xpath("//input[@name='temporary_max_fixed__none']/@type") == ["checkbox"]
    # Labels are the ones the case pages use; the effective date defaults to next month.
    assert "农村低保标准（元/月）" in response.content.decode()
    assert tree.xpath("//input[@name='effective_from']/@value") == ["2026-04-01"]


def test_it_checks_a_change_and_shows_what_it_does_to_cases(client, world, deployed):
    running = apply(world)
    client.force_login(world["policy"])
    response = client.post(url(world.county), form(dibao_standard_rural="650", check="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert not PolicyChange.objects.exists()
    tree = html.fromstring(page)
    diff = tree.xpath("//table[contains(@class,'parameter-diff')]//tr[@data-param]")
    assert [row.get("data-param") for row in diff] == ["dibao_standard_rural"]
    assert "正在办理的 1 件案件保持旧值" in page
    assert running.number in page
    assert "2026-04-01 及以后受理的申请" in page
    # The values stay in the form, ready to submit.
    assert tree.xpath("//input[@name='dibao_standard_rural']/@value") == ["650"]


def test_it_submits_the_change_for_review(client, world):
    client.force_login(world["policy"])
    response = client.post(
        url(world.county),
        form(dibao_standard_rural="650", notice_working_days="yes", submit="1"),
    )
    change = PolicyChange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("studio:parameter-change", args=[change.pk])
    assert change.values == {"dibao_standard_rural": "650.00", "notice_working_days": True}
    assert change.author == world["policy"] and change.note == "省厅通知提高标准"
    assert AuditEvent.objects.filter(action="policy.proposed").count() == 1


def test_it_sets_a_fixed_sum_to_none_with_its_box(client, world):
    client.force_login(world["policy"])
    client.post(url(world.county), form(temporary_max_fixed="20000", submit="1"))
    assert PolicyChange.objects.get().values == {"temporary_max_fixed": "20000.00"}


@pytest.mark.parametrize(
    ("values", "key", "message"),
    [
        ({"notice_days": "0"}, "notice_days", "1至366"),
        ({"investigation_working_days": "0"}, "investigation_working_days", "1至366"),
        ({"dibao_standard_rural": "300"}, "dibao_standard_rural", "不得低于每年 4000 元"),
        ({"tekun_basic_multiplier": "1.2"}, "tekun_basic_multiplier", "1.3 倍"),
        ({"disability_nursing_monthly": "50"}, "disability_nursing_monthly", "65 元"),
        ({"notice_days": "5"}, "notice_days", "不得少于 7 天"),
        ({"dibao_standard_rural": "550"}, "dibao_standard_rural", "低保标准只升不降"),
        ({"dibao_standard_rural": "-1"}, "dibao_standard_rural", "不能为负"),
    ],
)
def test_it_refuses_on_the_field_in_chinese(client, world, values, key, message):
    client.force_login(world["policy"])
    response = client.post(url(world.county), form(**values, submit="1"))
    assert response.status_code == 200
    assert message in field_errors(response.content.decode(), key)
    assert not PolicyChange.objects.exists()


def test_it_lowers_a_standard_only_with_the_box_and_a_reason(client, world):
    client.force_login(world["policy"])
    page = client.post(
        url(world.county), form(dibao_standard_rural="550", lowers_standard="on", submit="1")
    ).content.decode()
    errors = " ".join(html.fromstring(page).xpath("//fieldset//ul[@class='errorlist']//text()"))
    assert "请说明降低标准的理由" in errors
    assert not PolicyChange.objects.exists()
    response = client.post(
        url(world.county),
        form(
            dibao_standard_rural="550",
            lowers_standard="on",
            override_reason="更正去年的计算错误",
            submit="1",
        ),
    )
    assert response.status_code == 302
    assert PolicyChange.objects.get().lowers_standard


def test_it_refuses_a_day_gone_by(client, world):
    client.force_login(world["policy"])
    response = client.post(
        url(world.county), form(dibao_standard_rural="650", effective_from="2026-03-01", submit="1")
    )
    page = response.content.decode()
    assert "生效日期已过" in page
    assert not PolicyChange.objects.exists()


def test_it_refuses_a_change_that_changes_nothing(client, world):
    client.force_login(world["policy"])
    page = client.post(url(world.county), form(notice_days="7", submit="1")).content.decode()
    assert "没有任何变化" in page
    assert not PolicyChange.objects.exists()


def test_it_needs_the_date_and_the_note(client, world):
    client.force_login(world["policy"])
    page = client.post(
        url(world.county), {"dibao_standard_rural": "650", "submit": "1"}
    ).content.decode()
    assert page.count('class="errorlist"') >= 2
    assert not PolicyChange.objects.exists()


def test_it_hides_regions_outside_the_jurisdiction(client, world):
    officer = make_user("county_policy", "policy_staff", world.county)
    client.force_login(officer)
    assert client.get(url(world.province)).status_code == 404
    assert client.post(url(world.province), form(notice_days="8", submit="1")).status_code == 404
    client.force_login(world["reviewer"])
    assert client.get(url(world.county)).status_code == 404
    assert not PolicyChange.objects.exists()


def test_it_takes_get_and_post_only(client, world):
    client.force_login(world["policy"])
    assert client.put(url(world.county)).status_code == 405
    assert client.delete(url(world.county)).status_code == 405


def test_it_reads_in_english(client, world):
    english(client, world, "policy")
    assert_english(client, url(world.county))
    page = client.post(url(world.county), form(dibao_standard_rural="650", check="1"))
    assert page.status_code == 200
    assert "What this change does to cases" in page.content.decode()


def test_it_keeps_the_default_date_on_the_first_of_next_month(client, world):
    from studio.parameters import first_of_next_month

    assert first_of_next_month(date(2026, 1, 31)) == date(2026, 2, 1)
    assert first_of_next_month(date(2026, 12, 15)) == date(2027, 1, 1)
