"""The approver decides with the whole case in view: what every earlier step recorded, with its
form's labels, the amount and the figures behind it, the deadlines, on the confirmation page."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance import actions
from assistance.models import Case, Evidence, RegionPolicy
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent
from storage.base import reset_store_cache
from tests.fixtures import World
from tests.workflows import evidence as scans
from tests.workflows.dibao import accept, check, complete, resident_id, task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FINDINGS = "两人同住，丈夫在镇上打零工，妻子长期卧病，无其他收入。"
OBJECTION = "申请人家中另有一辆货车未申报"


@pytest.fixture
def local_evidence(settings, tmp_path: Path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield
    reset_store_cache()


def two_member_case(world: World) -> Case:
    """A rural household of two: wage 1000 with 300 of employment costs, a basic pension that
    does not count, and 100 a month of medical expenses."""
    from datetime import date

    application = actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村2组",
        hukou="rural",
        members=[
            actions.MemberData(
                name="王建国",
                resident_id=resident_id(date(1975, 3, 1)),
                is_applicant=True,
                incomes=[("wage", Decimal("1000.00")), ("employment_cost", Decimal("300.00"))],
            ),
            actions.MemberData(
                name="李秀英",
                resident_id=resident_id(date(1950, 6, 1), "F"),
                relation="spouse",
                incomes=[("basic_pension", Decimal("150.00"))],
            ),
        ],
        deductions=[("medical", Decimal("100.00"), 1)],
    )
    return actions.do_apply(application, actor=world["clerk"])


def upload(world: World, case: Case, kind: str, name: str, content: bytes) -> Evidence:
    return actions.do_upload_evidence(
        case,
        actor=world["clerk"],
        kind=kind,
        upload=io.BytesIO(content),
        name=name,
        size=len(content),
    )


def to_confirmation(world: World, case: Case, *, objection: bool = True, rounds: int = 0) -> None:
    """Acceptance, check, investigation and cosign, opinion, notice (with an objection and a
    second round, or `rounds` of them), until the county confirmation waits."""
    accept(world, case)
    check(world, case)
    scans.upload(world, case, "investigation_record", user="investigator")
    rounds = rounds or (2 if objection else 1)
    for round_ in range(rounds):
        complete(
            world,
            "investigator",
            case,
            "investigate",
            visited_on=clock.today().isoformat(),
            findings=FINDINGS if round_ == 0 else FINDINGS + "复查：货车已报废。",
            matches_declaration=True,
            neighbour_visits=round_ == 1,
        )
        complete(
            world, "investigator2", case, "cosign", cosign_agrees=True, cosign_notes="情况属实"
        )
        complete(world, "reviewer", case, "opinion", opinion="approve", opinion_reasons="符合条件")
        if round_ < rounds - 1:
            clock.advance(timedelta(days=2))
            case.refresh_from_db()
            actions.do_record_objection(
                case, actor=world["clerk"], objector="村民张三", reason=OBJECTION
            )
    clock.advance(timedelta(days=8))
    assert runtime.fire_due_timers() == 1


def text_of(response) -> str:
    # Tags out, whitespace folded: assertions read the page as a person would.
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_it_shows_the_approver_everything_before_confirming(client, world, local_evidence):
    case = two_member_case(world)
    upload(world, case, "hukou", "户口簿.png", PNG)
    upload(world, case, "investigation_record", "调查记录.pdf", PDF)
    to_confirmation(world, case)
    confirm = task(case, "county_confirm")
    client.force_login(world["approver"])
    response = client.get(reverse("task", args=[confirm.pk]))
    assert response.status_code == 200
    page = text_of(response)
    # Findings with the investigation form's labels, booleans as 是/否.
    assert "调查情况（居住、收入、财产、就业等） " + FINDINGS in page
    assert "家庭情况与申报一致 是" in page and "已走访邻里 否" in page
    assert "同意调查结论并签字 是" in page and "意见 情况属实" in page
    # The check centre's report and the township's opinion by its option's label.
    assert "家庭经济状况核对报告" in page and "核对报告编号 HD-001" in page
    assert "审核意见 同意，提交公示" in page
    # The objection: who, when, what.
    assert "公示异议" in page and "异议人 村民张三" in page and OBJECTION in page
    assert "收到日期 2026-03-04" in page
    # The amount: (600 - (1000 - 300 - 100) / 2) × 2 = 600; the pension does not count.
    amount = response.content.decode()
    assert 'class="amount-total">600.00<' in amount
    assert "家庭人均收入 300.00" in page
    assert "核减就业成本" in page and "−300.00" in page and "上限 600.00" in page
    assert "基础养老金 150.00" in page and "不计入" in page
    assert "−100.00" in page and "李秀英" in page
    assert "示范县，2020-01-01起执行" in page
    assert "保障人数 2" in page
    # Deadlines: this task's countdown and the whole procedure from acceptance.
    assert (
        "本环节" in page and "剩余9个工作日" in page
    )  # due 10 working days after the last notice day
    assert "全程办理时限" in page and "自2026-03-02受理起30个工作日" in page
    # Scans open in the page.
    for item in Evidence.objects.filter(case=case):
        assert reverse("evidence-view", args=[item.pk]) in amount
    assert '<img class="scan-image" loading="lazy"' in amount
    assert '<iframe class="scan-frame" loading="lazy"' in amount


def test_it_labels_each_step_in_the_case_timeline(client, world):
    case = two_member_case(world)
    to_confirmation(world, case)
    client.force_login(world["auditor"])
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert "办理完成：入户调查 入户日期 2026-03-0" in page
    assert "调查情况（居住、收入、财产、就业等） " + FINDINGS in page
    assert "受理决定 材料齐全，予以受理" in page
    assert "核对结果 符合条件" in page
    assert "异议人 村民张三" in page
    # Before approval the amount is already on the case page.
    assert "家庭人均收入 300.00" in page


def test_it_computes_the_breakdown_with_the_same_code_as_the_process(world):
    case = two_member_case(world)
    to_confirmation(world, case, objection=False)
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    from portal import case_queries

    members = list(case.household.members.prefetch_related("incomes").order_by("pk"))
    view, problem = case_queries.amount_for(case, members, list(case.household.deductions.all()))
    assert problem == "" and view is not None
    assert view.breakdown.result.monthly_amount == case.monthly_amount == Decimal("600.00")


def test_it_uses_the_standard_in_force_on_the_application_day(client, world):
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=clock.today() - timedelta(days=10),
        values={"dibao_standard_rural": "700.00"},
    )
    case = two_member_case(world)
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=clock.today() + timedelta(days=5),
        values={"dibao_standard_rural": "900.00"},
    )
    client.force_login(world["clerk"])
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert "东镇，2026-02-20起执行" in page and "800.00" in page  # (700 - 300) × 2


def test_it_shows_no_records_before_any_step(client, world):
    case = two_member_case(world)
    client.force_login(world["clerk"])
    page = text_of(client.get(reverse("task", args=[task(case, "acceptance").pk])))
    assert "尚无环节记录" in page and "自受理之日起计算" in page


def test_it_refuses_the_task_page_to_outsiders_and_other_methods(client, world):
    case = two_member_case(world)
    to_confirmation(world, case, objection=False)
    url = reverse("task", args=[task(case, "county_confirm").pk])
    client.force_login(world["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(world["clerk"])
    assert client.get(url).status_code == 403
    client.force_login(world["approver"])
    assert client.put(url).status_code == 405


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_it_keeps_the_decision_pages_flat_with_a_long_history(
    client, world, local_evidence, django_assert_num_queries
):
    """The same queries for a case with one notice round and one scan as for one with four
    rounds of objections, twenty scans, forty recorded looks at them and an extension."""
    short = two_member_case(world)
    upload(world, short, "hukou", "户口簿.png", PNG)
    to_confirmation(world, short, objection=False)
    long = two_member_case(world)
    scans = [upload(world, long, "other", f"材料{n}.pdf", PDF + bytes([n])) for n in range(20)]
    for item in scans * 2:
        actions.do_view_evidence(item, actor=world["auditor"])
    actions.do_extend_procedure(long, actor=world["reviewer"], reason="需跨省核查")
    to_confirmation(world, long, rounds=4)
    assert (
        AuditEvent.objects.filter(case=long).count()
        > 3 * AuditEvent.objects.filter(case=short).count()
    )
    client.force_login(world["approver"])
    pages = {
        "task": (
            reverse("task", args=[task(short, "county_confirm").pk]),
            reverse("task", args=[task(long, "county_confirm").pk]),
        ),
        "case": (reverse("case", args=[short.pk]), reverse("case", args=[long.pk])),
    }
    for name, (few_url, many_url) in pages.items():
        count_queries(client, many_url)  # the first look parses the definition's forms
        few = count_queries(client, few_url)
        with django_assert_num_queries(few):
            assert client.get(many_url).status_code == 200, name


def test_it_shows_when_the_public_notice_ends(client, world):
    case = two_member_case(world)
    accept(world, case)
    check(world, case)
    complete(
        world,
        "investigator",
        case,
        "investigate",
        visited_on="2026-03-02",
        findings=FINDINGS,
        matches_declaration=True,
    )
    complete(world, "investigator2", case, "cosign", cosign_agrees=True)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    client.force_login(world["clerk"])
    page = text_of(client.get(reverse("case", args=[case.pk])))
    # Posted Monday 2 March for 7 days: the last full day is Monday 9 March.
    assert "公示期: 2026-03-09 · 剩余5个工作日" in page
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert "公示期: 2026-03-09" not in page


def test_it_records_the_decision_in_the_timeline(client, world):
    case = two_member_case(world)
    to_confirmation(world, case, objection=False)
    complete(world, "approver", case, "county_confirm", decision="approve")
    client.force_login(world["approver"])
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert "确认结果 批准" in page
    assert "办结 状态 在保 月保障金额 600.00 起始月份 2026-04" in page
    # Once decided the procedure clock stops.
    assert "办结于 2026-03-10" in page and "剩余" not in page


def test_it_counts_a_kinds_own_procedure_limit(world):
    from engine.models import AuditEvent as Event
    from portal.case_queries import procedure_clock

    accepted = Event(
        action="task.completed",
        at=clock.now(),
        payload={"task": "acceptance", "data": {"acceptance_decision": "complete"}},
    )
    case = Case(assistance_type="temporary", region=world.village_a1, status="in_progress")
    clock_ = procedure_clock(case, [accepted])
    assert (clock_.limit, clock_.due.isoformat()) == (15, "2026-03-23")
    case.assistance_type = "dibao"
    assert procedure_clock(case, [accepted]).limit == 30
    assert procedure_clock(case, []).accepted_on is None


def test_it_speaks_english_on_request(client, world):
    case = two_member_case(world)
    to_confirmation(world, case, objection=False)
    client.force_login(world["approver"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = text_of(client.get(reverse("task", args=[task(case, "county_confirm").pk])))
    assert "What earlier steps found" in page and "Economic check report" in page
    assert "This task: 2026-03-23 · 9 working days left" in page
    assert "Per-capita income 300.00" in page and "Monthly amount: 600.00 yuan" in page
    assert "30 working days from acceptance on 2026-03-02" in page


def test_it_shows_the_objection_on_the_reinvestigation_task(client, world):
    case = two_member_case(world)
    accept(world, case)
    check(world, case)
    complete(
        world,
        "investigator",
        case,
        "investigate",
        visited_on="2026-03-02",
        findings=FINDINGS,
        matches_declaration=True,
    )
    complete(world, "investigator2", case, "cosign", cosign_agrees=True)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    case.refresh_from_db()
    actions.do_record_objection(case, actor=world["clerk"], objector="村民张三", reason=OBJECTION)
    client.force_login(world["investigator"])
    page = text_of(client.get(reverse("task", args=[task(case, "investigate").pk])))
    assert "公示异议" in page and "异议人 村民张三" in page and "异议内容 " + OBJECTION in page


def test_it_says_when_the_records_no_longer_give_the_amount_decided(client, world):
    case = two_member_case(world)
    to_confirmation(world, case, objection=False)
    complete(world, "approver", case, "county_confirm", decision="approve")
    client.force_login(world["approver"])
    url = reverse("case", args=[case.pk])
    assert "此后家庭记录已有变化" not in text_of(client.get(url))
    from assistance.models import IncomeItem

    IncomeItem.objects.filter(member__household=case.household, kind="wage").update(
        monthly_amount=Decimal("1200.00")
    )
    page = text_of(client.get(url))
    assert "核定金额为600.00元：此后家庭记录已有变化" in page and "400.00" in page
