"""Applying for the three kinds added through the registry (medical aid, disaster relief,
assistive devices) through the portal form: the fields come from each kind's intake schema,
bad input comes back in Chinese, a good application starts the kind's process."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from assistance.kinds import KINDS, intake_schema
from assistance.models import Case
from tests.portal.test_application import kind_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

URL = "application-new"

POSTED = {
    "medical": {
        "patient_member": "1",
        "recipient_class": "low_income",
        "hospital": "东县人民医院",
        "discharged_on": "2026-02-20",
        "total_cost": "20000",
        "basic_insurance_paid": "12000",
        "serious_illness_paid": "3000",
    },
    "disaster": {
        "aid": "transition",
        "disaster": "flood",
        "disaster_date": "2026-02-25",
        "persons": "1",
        "housing": "collapsed",
        "months": "2",
    },
    "devices": {
        "disabled_member": "1",
        "certificate_no": "43110119800501123X11",
        "grade": "1",
        "category": "physical",
        "device": "wheelchair",
        "recipient_class": "registered_poor",
    },
}

STARTS_WITH = {
    "medical": "township_review",
    "disaster": "township_review",
    "devices": "township_review",
}


@pytest.mark.parametrize("kind", list(POSTED))
def test_it_offers_each_new_kind_with_its_intake_fields(client, world, kind):
    client.force_login(world["clerk"])
    page = client.get(reverse(URL)).content.decode()
    assert f'href="?assistance_type={kind}"' in page
    page = client.get(reverse(URL), {"assistance_type": kind}).content.decode()
    for name in intake_schema(KINDS[kind])["properties"]:
        assert f'name="d-{name}"' in page


def test_it_labels_the_new_kinds_in_chinese_and_english(client, world):
    client.force_login(world["clerk"])
    page = client.get(reverse(URL)).content.decode()
    assert "医疗救助" in page and "受灾人员救助" in page and "贫困残疾人辅助器具适配" in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse(URL), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Medical assistance top-up" in page and "Disaster relief" in page
    form = client.get(
        reverse(URL), {"assistance_type": "disaster"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Transition living aid" in form and "过渡期生活救助" not in form


@pytest.mark.parametrize("kind", list(POSTED))
def test_it_starts_each_new_kinds_process(client, world, kind):
    client.force_login(world["clerk"])
    response = client.post(
        reverse(URL), kind_form(world, kind, [("申请人", date(1960, 1, 1), {})], POSTED[kind])
    )
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get()
    assert case.assistance_type == kind
    assert case.instances.get().definition.key == kind
    assert list(case.tasks.values_list("spec_name", flat=True)) == [STARTS_WITH[kind]]


@pytest.mark.parametrize(
    ("kind", "changes", "message"),
    [
        (
            "medical",
            {"serious_illness_paid": "9000"},
            "基本医保和大病保险报销合计不能超过合规住院费用总额",
        ),
        ("medical", {"recipient_class": "dibao"}, "系统中没有该患者正在享受最低生活保障的记录"),
        ("disaster", {"persons": "2"}, "受灾需救助人数应在1到申报的1名家庭成员之间"),
        ("disaster", {"months": "6"}, "本地过渡期生活救助为1到3个月"),
        ("devices", {"recipient_class": "tekun"}, "系统中没有该家庭正在享受特困人员救助供养的记录"),
    ],
)
def test_it_refuses_bad_input_with_a_chinese_message(client, world, kind, changes, message):
    client.force_login(world["clerk"])
    data = kind_form(world, kind, [("申请人", date(1960, 1, 1), {})], {**POSTED[kind], **changes})
    page = client.post(reverse(URL), data)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not Case.objects.exists()


def test_it_names_a_missing_required_field(client, world):
    client.force_login(world["clerk"])
    posted = {key: value for key, value in POSTED["medical"].items() if key != "total_cost"}
    page = client.post(
        reverse(URL), kind_form(world, "medical", [("申请人", date(1960, 1, 1), {})], posted)
    )
    assert page.status_code == 200 and "此项为必填项" in page.content.decode()
    assert not Case.objects.exists()


def test_it_shows_a_sum_granted_once_as_such_on_the_case_page(client, world):
    from tests.workflows import test_medical_paths as medical_flow
    from tests.workflows.dibao import complete

    case = medical_flow.apply(world)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    complete(world, "approver", case, "county_decision", decision="approve")
    client.force_login(world["approver"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "一次性发放: 2500.00 元 · 2026-03-02" in page
    assert "月保障金额: " not in page  # the header; the timeline keeps the field's name
