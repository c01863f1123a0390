"""Following an application, /public/apply/status/: the number and the applicant's resident
ID together, public stages only, nobody else's data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from assistance import actions
from assistance.models import CaseStatus
from engine.models import Task
from public.views_apply import LOOKUP_LIMIT
from tests.public.apply_helpers import (
    fresh_cache,  # noqa: F401 (a fixture)
    people,
    submit_online,
)
from tests.workflows.dibao import accept, check, complete, investigate
from tests.workflows.dibao import apply as counter_apply

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "fresh_cache"),
]

URL = "/public/apply/status/"
RESIDENT_ID = re.compile(r"\d{17}[\dX]")


def look_up(client, number: str, resident_id: str):
    return client.post(URL, {"number": number, "resident_id": resident_id})


def test_it_shows_the_lookup_form_first(client, world):
    page = client.get(URL).content.decode()
    assert "申请编号" in page and "申请人身份证号" in page


def test_it_shows_the_stage_after_a_lookup_and_nothing_of_other_members(client, world):
    rows = people(3)
    case = submit_online(world.village_a1, members=rows)
    response = look_up(client, case.number.lower(), rows[0][1])
    assert response.status_code == 302
    page = client.get(URL).content.decode()
    assert case.number in page and "等待乡镇受理审查" in page
    for name, number in rows:
        assert name not in page and number not in page
    assert not RESIDENT_ID.search(page)
    assert "13800138000" not in page and "东村2组" not in page


def test_it_gives_the_same_answer_for_a_wrong_id_a_wrong_number_and_no_case(client, world):
    rows = people(2)
    case = submit_online(world.village_a1, members=rows)
    answers = [
        look_up(client, case.number, rows[1][1]),  # another member's ID
        look_up(client, case.number + "9", rows[0][1]),
        look_up(client, "DB202699999999", rows[0][1]),
        look_up(client, case.number, "not an id"),
    ]
    assert {a.status_code for a in answers} == {404}
    texts = {re.sub(r'value="[^"]*"', "", a.content.decode()) for a in answers}
    assert len(texts) == 1 and "没有与该申请编号和身份证号相符的申请" in texts.pop()
    assert case.number not in client.get(URL).content.decode()


def test_it_follows_a_counter_application_through_its_stages(client, world):
    case = counter_apply(world)
    applicant = case.household.members.get(is_applicant=True)
    look_up(client, case.number, applicant.resident_id)
    assert "等待乡镇受理审查" in client.get(URL).content.decode()
    accept(world, case)
    assert "已受理，正在核对审核" in client.get(URL).content.decode()
    check(world, case)
    page = client.get(URL).content.decode()
    assert "正在入户调查" in page and "investigator" not in page
    assert "补充上传材料" not in page  # counter cases hand scans in at the counter
    investigate(world, case)
    assert "已受理，正在核对审核" in client.get(URL).content.decode()
    complete(world, "reviewer", case, "opinion", opinion="approve")
    assert "正在村（社区）公示" in client.get(URL).content.decode()


def test_it_shows_an_approval_with_amount_and_start_month(client, world):
    case = counter_apply(world)
    case.status = CaseStatus.ACTIVE
    case.monthly_amount = Decimal("300.00")
    case.start_month = date(2026, 4, 1)
    case.decided_on = date(2026, 3, 20)
    case.save()
    look_up(client, case.number, case.household.members.get(is_applicant=True).resident_id)
    page = client.get(URL).content.decode()
    assert "已批准" in page and "300.00" in page and "2026-04" in page


def test_it_shows_a_refusal_with_reasons_and_remedies(client, world):
    case = counter_apply(world)
    case.status = CaseStatus.REFUSED
    case.outcome_reasons = "家庭人均收入高于当地低保标准。"
    case.decided_on = date(2026, 3, 20)
    case.save()
    look_up(client, case.number, case.household.members.get(is_applicant=True).resident_id)
    page = client.get(URL).content.decode()
    assert "不予批准" in page and "家庭人均收入高于当地低保标准" in page
    assert "行政复议" in page and "示范县" in page


def test_it_takes_only_get_and_post(client, world):
    assert client.put(URL).status_code == 405
    assert client.get(reverse("public:apply-forget")).status_code == 405
    assert client.get(reverse("public:apply-upload")).status_code == 405


def test_it_answers_429_past_the_lookup_limit(client, world):
    rows = people(1)
    case = submit_online(world.village_a1, members=rows)
    for _ in range(LOOKUP_LIMIT.count):
        look_up(client, case.number, "110105194912310021")
    page = look_up(client, case.number, rows[0][1])
    assert page.status_code == 429 and "请求过于频繁" in page.content.decode()


def test_it_limits_lookups_of_one_reference_from_many_addresses(client, world):
    rows = people(1)
    case = submit_online(world.village_a1, members=rows)
    for index in range(LOOKUP_LIMIT.count):
        client.post(
            URL,
            {"number": case.number, "resident_id": "x"},
            REMOTE_ADDR=f"10.0.0.{index + 1}",
        )
    page = client.post(
        URL, {"number": case.number, "resident_id": rows[0][1]}, REMOTE_ADDR="10.0.1.1"
    )
    assert page.status_code == 429


def test_it_forgets_the_case_when_asked(client, world):
    rows = people(1)
    case = submit_online(world.village_a1, members=rows)
    look_up(client, case.number, rows[0][1])
    assert case.number in client.get(URL).content.decode()
    client.post(reverse("public:apply-forget"))
    assert case.number not in client.get(URL).content.decode()


def test_it_shows_a_withdrawal_after_the_notice_goes_unanswered(client, world):
    rows = people(1)
    case = submit_online(world.village_a1, members=rows, kinds=("id_cards",))
    task = Task.objects.get(case=case, spec_name="acceptance")
    actions.do_complete_task(
        task.pk,
        actor=world["clerk"],
        data={"acceptance_decision": "incomplete", "missing_items": ["户口簿"]},
    )
    supplement = Task.objects.get(case=case, spec_name="supplement")
    actions.do_complete_task(
        supplement.pk, actor=world["clerk"], data={"supplement_result": "withdrawn"}
    )
    look_up(client, case.number, rows[0][1])
    assert "已撤回" in client.get(URL).content.decode()
