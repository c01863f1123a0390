"""Each kind's task page shows its own amount breakdown: the lines in Chinese, where each
figure comes from, in English in English mode, at a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance import actions
from assistance.models import Case
from engine.models import Task
from tests.fixtures import World, deploy_only
from tests.portal.test_english import chinese_left, english
from tests.workflows import disability as disability_flow
from tests.workflows import elderly as elderly_flow
from tests.workflows import orphan as orphan_flow
from tests.workflows import temporary as temporary_flow
from tests.workflows.tekun import CHILD, to_opinion
from tests.workflows.tekun import apply as apply_tekun

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def amount_card(html: str) -> str:
    match = re.search(r'<div class="card amount amount-lines" id="amount">.*?</table>', html, re.S)
    assert match, "no amount breakdown on the page"
    return match.group(0)


def tekun_at_opinion(world: World) -> Case:
    deploy_only("tekun.bpmn", "tekun_reassessment.bpmn", actor=world["policy"])
    case = apply_tekun(world, born=CHILD)
    to_opinion(world, case, failed=5)
    return case


def temporary_at_assessment(world: World) -> Case:
    deploy_only("temporary.bpmn", actor=world["policy"])
    case = temporary_flow.apply(world, requested="2500.00")
    temporary_flow.to_assessment(world, case)
    return case


def disability_at_decision(world: World) -> Case:
    disability_flow.deploy_disability(world)
    disability_flow.federation_user(world)
    application = disability_flow.application(world, subsidy="both", grade=1)
    disability_flow.active_dibao_case(world, [m.resident_id for m in application.members])
    case = actions.do_apply(application, actor=world["clerk"])
    disability_flow.upload_scans(world, case)
    disability_flow.to_decision(world, case, grade=1)
    return case


def orphan_at_verification(world: World) -> Case:
    deploy_only("orphan.bpmn", "orphan_support.bpmn", actor=world["policy"])
    return orphan_flow.apply(world, category="unattended")


def elderly_at_verification(world: World) -> Case:
    elderly_flow.deploy_elderly(world["policy"])
    return elderly_flow.apply(world, elderly_flow.born_aged(92))


def medical_at_decision(world: World) -> Case:
    from tests.workflows import test_medical_paths as medical_flow

    deploy_only("medical.bpmn", actor=world["policy"])
    case = medical_flow.apply(world)
    actions.do_complete_task(
        Task.objects.get(case=case, spec_name="township_review").pk,
        actor=world["reviewer"],
        data={"opinion": "approve"},
    )
    return case


def disaster_at_decision(world: World) -> Case:
    from tests.workflows import test_disaster_paths as disaster_flow

    deploy_only("disaster.bpmn", actor=world["policy"])
    case = disaster_flow.apply(world, disaster_flow.TRANSITION)
    actions.do_complete_task(
        Task.objects.get(case=case, spec_name="township_review").pk,
        actor=world["reviewer"],
        data={"opinion": "approve"},
    )
    disaster_flow.pass_notice()
    return case


def devices_at_issue(world: World) -> Case:
    from tests.workflows import test_devices_paths as devices_flow
    from tests.workflows.disability import federation_user

    deploy_only("devices.bpmn", actor=world["policy"])
    if "federation" not in world.users:  # the disability case may have made one
        federation_user(world)
    case = devices_flow.apply(world)
    actions.do_complete_task(
        Task.objects.get(case=case, spec_name="township_review").pk,
        actor=world["reviewer"],
        data={"opinion": "approve"},
    )
    devices_flow.assess(world, case, price="6800.00", device="prosthesis")
    return case


# kind, how its case reaches a decision, the task, who does it, what the page must say
KINDS: list[tuple[str, Callable[[World], Case], str, str, list[str]]] = [
    (
        "tekun",
        tekun_at_opinion,
        "opinion",
        "reviewer",
        [
            "基本生活标准：1.3 × 低保标准",
            "护理等级：全护理",
            "照料护理标准：",
            "当地最低工资标准（元/月） · 示范县，2020-01-01起执行",
            "特困人员基本生活标准：低保标准的倍数",
            "月保障金额",
        ],
    ),
    (
        "temporary",
        temporary_at_assessment,
        "assessment",
        "reviewer",
        ["一次性救助金额", "申请金额 2500.00", "乡镇审批权限（不超过）", "救助上限", "审批层级"],
    ),
    (
        "disability",
        disability_at_decision,
        "county_decision",
        "approver",
        [
            "困难残疾人生活补贴",
            "低保家庭中的残疾人",
            "重度残疾人护理补贴",
            "肢体残疾1级",
            "重度残疾人护理补贴标准（元/月）",
            "起始发放月份：2026-03",
        ],
    ),
    (
        "orphan",
        orphan_at_verification,
        "verify_unattended",
        "clerk",
        ["事实无人抚养儿童基本生活补贴标准（元/月） · 示范县，2020-01-01起执行"],
    ),
    (
        "elderly",
        elderly_at_verification,
        "verify",
        "clerk",
        [
            "补贴类别：高龄津贴",
            "周岁年龄：92",
            "补贴档次：90-99周岁",
            "依据流程中的高龄津贴年龄段表",
        ],
    ),
    (
        "medical",
        medical_at_decision,
        "county_decision",
        "approver",
        [
            "合规住院费用 20000.00",
            "基本医疗保险报销 12000.00",
            "大病保险报销 3000.00",
            "个人自付部分 5000.00",
            "救助比例：50%",
            "低收入家庭成员",
            "每人每年封顶线 医疗救助：每人每年救助封顶线（元）",
            "本年度已获医疗救助 0.00",
        ],
    ),
    (
        "disaster",
        disaster_at_decision,
        "county_decision",
        "approver",
        [
            "救助项目：过渡期生活救助",
            "受灾需救助人数：2",
            "每人每天 受灾人员救助：过渡期生活救助每人每天（元）",
            "月数：3",
            "（90天）",
        ],
    ),
    (
        "devices",
        devices_at_issue,
        "issue_device",
        "federation",
        [
            "辅助器具：假肢",
            "县残联评估确定",
            "适配辅具价格 6800.00",
            "每人上限 辅助器具适配：每人辅具费用上限（元）",
        ],
    ),
]


def task_url(case: Case, spec_name: str) -> str:
    return reverse("task", args=[Task.objects.get(case=case, spec_name=spec_name).pk])


@pytest.mark.parametrize(("kind", "reach", "spec_name", "user", "expected"), KINDS)
def test_it_shows_each_kinds_breakdown_on_its_task_page(
    client: Client,
    world: World,
    kind: str,
    reach: Callable[[World], Case],
    spec_name: str,
    user: str,
    expected: list[str],
) -> None:
    case = reach(world)
    assert case.assistance_type == kind
    client.force_login(world[user])
    response = client.get(task_url(case, spec_name))
    assert response.status_code == 200
    card = text_of(amount_card(response.content.decode()))
    for text in expected:
        assert text in card, (text, card)
    # Nothing left in English: labels, notes, the parameters' names.
    assert not re.findall(r"[A-Za-z]{3,}", card), card
    # The case page shows the same card.
    case_page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert text_of(amount_card(case_page)) == card


@pytest.mark.parametrize(("kind", "reach", "spec_name", "user", "expected"), KINDS)
def test_it_shows_each_kinds_breakdown_in_english(
    client: Client,
    world: World,
    kind: str,
    reach: Callable[[World], Case],
    spec_name: str,
    user: str,
    expected: Any,
) -> None:
    case = reach(world)
    client = english(client, world, user)
    html = client.get(task_url(case, spec_name)).content.decode()
    card = amount_card(html)
    assert "in force since" in card or kind == "elderly"
    assert not chinese_left(card), chinese_left(card)


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_it_reads_the_process_figures_without_more_queries_as_a_case_grows(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    """A 特困 case's breakdown reads its care level from the newest process that has one: a
    re-assessment under way (a second process, without a care level yet) costs no query more."""
    from assistance.kinds.tekun import do_report_care_change
    from tests.workflows.dibao import complete
    from tests.workflows.tekun import approve_opinion

    case = tekun_at_opinion(world)
    approve_opinion(world, case)
    complete(world, "approver", case, "county_confirm", decision="approve")
    url = reverse("case", args=[case.pk])
    client.force_login(world["approver"])
    count_queries(client, url)  # the first look parses the definition's forms
    one = count_queries(client, url)
    case.refresh_from_db()
    do_report_care_change(case, actor=world["clerk"], note="近期中风，行动不便。")
    count_queries(client, url)
    page = client.get(url).content.decode()
    assert "护理等级：全护理" in text_of(amount_card(page))
    with django_assert_num_queries(one):
        assert client.get(url).status_code == 200
