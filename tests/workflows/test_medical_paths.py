"""Every path of the medical-aid top-up process (医疗救助), end to end through actions,
engine and projections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistance.kinds import ONE_OFF_PAID
from assistance.models import AssistanceType, Case, CaseStatus, Household, Member
from tests.fixtures import World, deploy_only
from tests.workflows.dibao import complete, deliver_refusal, open_tasks, task
from tests.workflows.medical import PATIENT, apply, details

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def deployed(world):
    deploy_only("medical.bpmn", actor=world["policy"])


def granted_before(world: World, amount: str) -> None:
    """A medical aid paid to the same patient earlier this year (an ORM shortcut)."""
    household = Household.objects.create(region=world.village_a1, address="东村5组", hukou="rural")
    Member.objects.create(
        household=household,
        name="患者甲",
        resident_id=PATIENT,
        birth_date=date(1958, 6, 1),
        sex="M",
        is_applicant=True,
    )
    Case.objects.create(
        number=f"YL-T-{household.pk}",
        assistance_type=AssistanceType.MEDICAL,
        household=household,
        region=world.village_a1,
        status=CaseStatus.CLOSED,
        decided_on=date(2026, 1, 15),
        monthly_amount=Decimal(amount),
        details={**details(), "patient_resident_id": PATIENT},
    )


@pytest.mark.reaches("medical", "end_approved")
def test_it_pays_the_share_of_the_costs_left_and_closes_the_case(world):
    case = apply(world)
    assert case.number.startswith("YL2026")
    assert open_tasks(case) == ["township_review"]
    # Ten working days from Monday 2 March 2026.
    assert task(case, "township_review").due_date == date(2026, 3, 16)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    assert open_tasks(case) == ["county_decision"]
    assert task(case, "county_decision").lane_role == "county_approver"
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    # (20000 - 12000 - 3000) x 50% for a low-income member.
    assert case.monthly_amount == Decimal("2500.00")
    assert case.status == CaseStatus.CLOSED and case.end_reason == ONE_OFF_PAID
    assert case.decided_on == date(2026, 3, 2) and case.start_month == date(2026, 3, 1)


@pytest.mark.reaches("medical", "end_approved")
def test_it_pays_no_more_than_the_yearly_cap_leaves(world):
    granted_before(world, "29000.00")
    case = apply(world)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("1000.00")


@pytest.mark.reaches("medical", "end_refused")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_in_writing_once_the_cap_is_used_up(world):
    granted_before(world, "30000.00")
    case = apply(world)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    assert open_tasks(case) == ["refusal_notice"]
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and case.monthly_amount is None
    assert "封顶线" in case.outcome_reasons


@pytest.mark.reaches("medical", "end_refused")
def test_it_refuses_at_the_township_review(world):
    case = apply(world)
    complete(
        world, "reviewer", case, "township_review", opinion="refuse", opinion_reasons="票据不全"
    )
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and case.outcome_reasons == "票据不全"


@pytest.mark.reaches("medical", "end_refused")
def test_it_refuses_at_the_county(world):
    case = apply(world)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    complete(
        world,
        "approver",
        case,
        "county_decision",
        decision="refuse",
        decision_reasons="已由其他渠道全额解决",
    )
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED


def test_it_keeps_the_reviewer_off_the_county_decision(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    case = apply(world)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    with pytest.raises((PermissionDenied, Http404)):
        complete(world, "reviewer", case, "county_decision", decision="approve")
