"""Every path of the extreme-poverty support process and of its care re-assessment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance import actions
from assistance.kinds.tekun import check_application, do_report_care_change
from assistance.models import Case, CaseStatus, RegionPolicy
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, ProcessInstance, Timer
from tests.fixtures import deploy_only
from tests.workflows.dibao import (
    check,
    complete,
    deliver_refusal,
    investigate,
    open_tasks,
    pass_notice,
    task,
)
from tests.workflows.tekun import (
    CHILD,
    application,
    apply,
    approve_opinion,
    arrange,
    assess,
    to_opinion,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]
# Deploying every process in workflows/ costs seconds per test; these need only their own two.
uses_process = pytest.mark.usefixtures("deployed_tekun")


@pytest.fixture
def deployed_tekun(world) -> None:
    deploy_only("tekun.bpmn", "tekun_reassessment.bpmn", actor=world["policy"])


def data_of(case: Case) -> dict:
    instance = ProcessInstance.objects.filter(case=case).order_by("-pk").first()
    assert instance is not None
    return runtime.instance_data(instance)


def approved_case(world, *, failed: int = 2) -> Case:
    """A child's case, approved without a notice on the fixed clock's day."""
    case = apply(world, born=CHILD)
    to_opinion(world, case, failed=failed)
    approve_opinion(world, case)
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    return case


# ---------------------------------------------------------------- approval


@uses_process
@pytest.mark.reaches("tekun", "end_approved")
@pytest.mark.reaches("economic_check", "end_eligible")
@pytest.mark.reaches("home_investigation", "end")
@pytest.mark.reaches("public_notice", "end_passed")
def test_it_approves_dispersed_support_with_a_care_agreement(world):
    case = apply(world)
    assert case.number.startswith("TK2026")
    assert open_tasks(case) == ["acceptance"]
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    check(world, case)
    investigate(world, case)
    assert open_tasks(case) == ["care_assessment"]
    assert task(case, "care_assessment").lane_role == "township_investigator"
    # 15 working days of investigation from Monday 2 March.
    assert task(case, "care_assessment").due_date == date(2026, 3, 23)
    assess(world, case, failed=2)
    assert data_of(case)["care_level"] == "partial"
    complete(world, "investigator", case, "support_arrangement", support_form="dispersed")
    agreement = task(case, "care_agreement")
    assert (agreement.lane_role, agreement.evidence_required) == (
        "township_clerk",
        "care_agreement",
    )
    complete(
        world,
        "clerk",
        case,
        "care_agreement",
        caregiver_name="邻居张某",
        agreement_signed_on="2026-03-02",
    )
    assert open_tasks(case) == ["opinion"]
    approve_opinion(world, case)
    case.refresh_from_db()
    assert case.stage == "公示中"
    assert pass_notice() == 1
    assert open_tasks(case) == ["county_confirm"]
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    # Rural dibao standard 600 x 1.3 = 780.00, plus partial care 10% of 1700 = 170.00.
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("950.00")
    assert case.decided_on == date(2026, 3, 10)
    assert case.start_month == date(2026, 4, 1)
    assert case.details["care_level"] == "partial"
    assert case.details["support_form"] == "dispersed"
    assert (case.details["basic_living"], case.details["care_allowance"]) == ("780.00", "170.00")


@uses_process
@pytest.mark.reaches("tekun", "end_approved")
def test_it_approves_centralised_support_without_an_agreement(world):
    case = apply(world, hukou="urban")
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    check(world, case)
    investigate(world, case)
    assess(world, case, failed=5)
    arrange(world, case, "centralised")
    # Centralised care needs no care entrustment agreement.
    assert open_tasks(case) == ["opinion"]
    approve_opinion(world, case)
    pass_notice()
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    # Urban standard 800 x 1.3 = 1040.00, plus full care 20% of 1700 = 340.00.
    assert case.monthly_amount == Decimal("1380.00")
    assert case.details["care_level"] == "full"
    assert case.details["support_form"] == "centralised"


@uses_process
@pytest.mark.parametrize(
    ("failed", "level", "care", "total"),
    [
        # The boundaries; the decision table is checked row by row in test_tekun_amounts.
        (0, "self_care", "0.00", "780.00"),
        (3, "partial", "170.00", "950.00"),
        (4, "full", "340.00", "1120.00"),
    ],
)
def test_it_sets_the_amount_by_care_level(world, failed, level, care, total):
    case = apply(world)
    to_opinion(world, case, failed=failed)
    amount = data_of(case)["amount"]
    assert data_of(case)["care_level"] == level
    assert (amount["basic_living"], amount["care_allowance"]) == ("780.00", care)
    assert amount["monthly_amount"] == total
    assert amount["eligible"] is True


@uses_process
@pytest.mark.reaches("tekun", "end_approved")
def test_it_gives_no_notice_for_a_minor(world):
    case = apply(world, born=CHILD)
    assert data_of(case)["notice_required"] is False
    to_opinion(world, case, failed=0)
    approve_opinion(world, case)
    assert open_tasks(case) == ["county_confirm"]
    assert not Timer.objects.filter(instance__case=case).exists()
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("780.00")
    assert case.decided_on == date(2026, 3, 2)
    assert case.start_month == date(2026, 4, 1)
    assert data_of(case)["notice_round"] == 0


@uses_process
def test_it_lets_the_township_confirm_where_the_county_delegated(world):
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 1, 1),
        values={"confirm_level": "township"},
    )
    case = apply(world, born=CHILD)
    to_opinion(world, case)
    approve_opinion(world, case)
    assert open_tasks(case) == ["township_confirm"]
    # The reviewer who gave the opinion may not confirm it.
    with pytest.raises(runtime.SeparationOfDuties):
        complete(world, "reviewer", case, "township_confirm", decision="approve")
    complete(world, "reviewer2", case, "township_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE


@uses_process
def test_it_reinvestigates_and_reassesses_after_an_objection(world):
    case = apply(world)
    to_opinion(world, case, failed=1)
    approve_opinion(world, case)
    clock.advance(timedelta(days=2))
    case.refresh_from_db()
    actions.do_record_objection(
        case, actor=world["clerk"], objector="村民乙", reason="其子在外务工"
    )
    assert open_tasks(case) == ["investigate"]
    investigate(world, case)
    assess(world, case, failed=4)
    arrange(world, case, "centralised")
    approve_opinion(world, case)
    assert pass_notice() == 1
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("1120.00")
    assert data_of(case)["notice_round"] == 2


# ---------------------------------------------------------------- refusals in the process


@uses_process
@pytest.mark.reaches("tekun", "end_refused")
@pytest.mark.reaches("economic_check", "end_ineligible")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_after_the_economic_check(world):
    case = apply(world)
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    check(world, case, eligible=False)
    complete(
        world, "clerk", case, "check_objection", notified_on="2026-03-02", applicant_objects=False
    )
    assert open_tasks(case) == ["refusal_notice"]
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-03", delivery_method="post"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "名下有车辆"
    assert case.monthly_amount is None


@uses_process
@pytest.mark.reaches("tekun", "end_refused")
def test_it_refuses_at_confirmation_with_reasons(world):
    case = apply(world)
    to_opinion(world, case)
    approve_opinion(world, case)
    pass_notice()
    complete(
        world,
        "approver",
        case,
        "county_confirm",
        decision="refuse",
        decision_reasons="有赡养能力的子女",
    )
    assert "行政复议" in data_of(case)["remedies"]
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-11", delivery_method="village"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "有赡养能力的子女"
    assert "care_level" not in case.details


@uses_process
def test_it_keeps_investigators_and_the_opinion_giver_from_confirming(world):
    world["approver"].groups.add(world["investigator"].groups.get())
    case = apply(world)
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    check(world, case)
    complete(
        world,
        "approver",
        case,
        "investigate",
        visited_on="2026-03-02",
        findings="独居老人，无收入",
        matches_declaration=True,
    )
    complete(world, "investigator2", case, "cosign", cosign_agrees=True)
    assess(world, case, failed=0)
    arrange(world, case, "centralised")
    approve_opinion(world, case)
    pass_notice()
    with pytest.raises(runtime.SeparationOfDuties):
        complete(world, "approver", case, "county_confirm", decision="approve")


@uses_process
@pytest.mark.parametrize(
    ("no_supporter", "incomes", "reasons"),
    [
        (False, (), "有法定赡养、抚养、扶养义务人且其具备履行能力"),
        # 600 of transfer income reaches the rural standard of 600; a pension does not count.
        (True, (("transfer", "600.00"), ("basic_pension", "300.00")), "本人收入不低于当地低保标准"),
    ],
)
def test_it_refuses_with_a_supporter_or_income(world, no_supporter, incomes, reasons):
    case = apply(world, incomes=incomes)
    to_opinion(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve", no_supporter=no_supporter)
    assert open_tasks(case) == ["refusal_notice"]
    assert data_of(case)["refusal_reasons"] == reasons


@uses_process
def test_it_counts_income_below_the_standard_as_none(world):
    case = apply(world, incomes=(("transfer", "599.99"), ("basic_pension", "300.00")))
    to_opinion(world, case)
    assert data_of(case)["amount"]["applicant_income"] == "599.99"
    approve_opinion(world, case)
    assert open_tasks(case) == []  # in its notice


@uses_process
@pytest.mark.reaches("tekun", "end_refused")
def test_it_refuses_at_acceptance_with_a_written_notice(world):
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="ineligible",
        acceptance_reasons="非本乡镇户籍",
    )
    deliver_refusal(world, case, "2026-03-02")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "非本乡镇户籍"


@uses_process
@pytest.mark.reaches("tekun", "end_withdrawn")
def test_it_asks_once_for_missing_papers_and_closes_when_withdrawn(world):
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="incomplete",
        missing_items=["残疾证"],
    )
    complete(world, "clerk", case, "supplement", supplement_result="supplied")
    assert open_tasks(case) == ["acceptance"]
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="incomplete",
        missing_items=["户口簿"],
    )
    complete(world, "clerk", case, "supplement", supplement_result="withdrawn")
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


# ---------------------------------------------------------------- refusals on the spot


@pytest.mark.parametrize("born", [date(2012, 3, 2), date(2008, 3, 3)])
def test_it_sends_an_orphan_minor_to_the_orphan_allowance(world, born):
    with pytest.raises(actions.ActionError, match="apply for the orphan allowance instead"):
        apply(world, born=born, orphan=True)
    assert not Case.objects.exists()


def test_it_refuses_an_applicant_able_to_work_on_the_spot(world):
    with pytest.raises(actions.ActionError, match="without capacity to work"):
        apply(world, born=date(1980, 1, 1), disability_grade=3)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("born", "grade", "orphan", "refusal"),
    [
        (date(1966, 3, 2), None, None, None),  # 60 today
        (date(1966, 3, 3), None, None, "capacity"),  # 59, turns 60 tomorrow
        (date(2010, 3, 3), None, None, None),  # 15
        (date(2010, 3, 2), None, None, "capacity"),  # 16 today
        (date(1980, 1, 1), 1, None, None),
        (date(1980, 1, 1), 2, None, None),
        (date(1980, 1, 1), 3, None, "capacity"),
        (date(2012, 3, 2), None, True, "orphan"),
        (date(2008, 3, 3), 1, True, "orphan"),  # 17: an orphan minor, whatever the disability
        (date(2008, 3, 2), 1, True, None),  # an orphan, but 18 today and severely disabled
        (date(2008, 3, 2), None, True, "capacity"),  # 18, able to work
        (date(2012, 3, 2), None, False, None),  # 14, not an orphan
    ],
)
def test_it_judges_capacity_to_work_on_the_application_day(born, grade, orphan, refusal):
    data = application(None, born=born, disability_grade=grade, orphan=orphan)
    messages = {"capacity": "without capacity to work", "orphan": "orphan allowance instead"}
    if refusal is None:
        check_application(data)
        return
    with pytest.raises(actions.ActionError, match=messages[refusal]):
        check_application(data)


# ---------------------------------------------------------------- re-assessment


@uses_process
@pytest.mark.reaches("tekun_reassessment", "end_reassessed")
def test_it_reassesses_care_after_a_reported_change(world):
    case = approved_case(world, failed=2)
    assert case.monthly_amount == Decimal("950.00")
    clock.advance(timedelta(days=14))  # Monday 16 March
    do_report_care_change(case, actor=world["clerk"], note="跌倒骨折，卧床")
    reassessment = task(case, "reassessment")
    assert reassessment.lane_role == "township_investigator"
    # Within 10 working days of the report.
    assert reassessment.due_date == date(2026, 3, 30)
    assess(world, case, failed=5, spec_name="reassessment")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("1120.00")
    assert case.details["care_level"] == "full"
    assert case.details["care_allowance"] == "340.00"
    assert case.details["care_reassessed_on"] == "2026-03-16"
    assert case.details["care_amount_from"] == "2026-04-01"
    assert case.details["support_form"] == "dispersed"
    assert case.start_month == date(2026, 4, 1)
    assert AuditEvent.objects.filter(case=case, action="case.care_change_reported").count() == 1


@uses_process
def test_it_can_lower_the_care_level_on_reassessment(world):
    case = approved_case(world, failed=4)
    do_report_care_change(case, actor=world["investigator"], note="康复出院")
    assess(world, case, failed=0, spec_name="reassessment")
    case.refresh_from_db()
    assert (case.monthly_amount, case.details["care_level"]) == (Decimal("780.00"), "self_care")


@uses_process
def test_it_reassesses_only_an_active_case_once_at_a_time(world):
    pending = apply(world)
    with pytest.raises(actions.ActionError, match="Only an active"):
        do_report_care_change(pending, actor=world["clerk"], note="情况变化")
    case = approved_case(world)
    with pytest.raises(actions.ActionError, match="Describe the change"):
        do_report_care_change(case, actor=world["clerk"], note=" ")
    do_report_care_change(case, actor=world["clerk"], note="中风")
    with pytest.raises(actions.ActionError, match="already has a process"):
        do_report_care_change(case, actor=world["clerk"], note="再次报告")
    assert open_tasks(case) == ["reassessment"]


@uses_process
def test_it_lets_only_local_staff_report_a_change(world):
    case = approved_case(world)
    with pytest.raises(Http404):
        do_report_care_change(case, actor=world["outsider"], note="中风")
    with pytest.raises(PermissionDenied):
        do_report_care_change(case, actor=world["approver"], note="中风")
    assert not ProcessInstance.objects.filter(case=case, status="running").exists()
