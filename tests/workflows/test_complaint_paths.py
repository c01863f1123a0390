"""Every path of the complaint process (信访举报, S19), through the window's actions and the
engine: acceptance, investigation, reply, escalation to the county by timer, review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistance import access
from assistance.models import CaseRecusal, CaseStatus
from engine import runtime
from engine.clock import clock
from engine.models import Timer
from tests.fixtures import deploy_only
from tests.onewindow.helpers import complain, complete, open_tasks, profile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "complaint_deployed")]

FOUND = {"substantiated": "partly", "findings": "该户有货车未申报。"}
REPLY = {"replied_how": "letter", "reply_text": "已启动复核。"}


@pytest.fixture
def complaint_deployed(world):
    deploy_only("complaint.bpmn", actor=world["policy"])


@pytest.mark.reaches("complaint", "end_not_accepted")
def test_it_closes_a_complaint_it_does_not_accept(world):
    case = complain(world)
    assert case.number.startswith("XF2026")
    task = case.tasks.get()
    # Acceptance is told within 15 days of registration.
    assert (task.spec_name, task.lane_role, task.due_date) == (
        "accept",
        "township_reviewer",
        date(2026, 3, 17),
    )
    complete(
        world, "reviewer", case, "accept", acceptance="not_accept", acceptance_reasons="属法院"
    )
    case.refresh_from_db()
    assert (case.status, case.outcome_reasons) == (CaseStatus.CLOSED, "属法院")


@pytest.mark.reaches("complaint", "end_closed")
def test_it_investigates_replies_and_closes_when_the_complainant_is_satisfied(world):
    case = complain(world)
    complete(world, "reviewer", case, "accept", acceptance="accept")
    investigate = case.tasks.get()
    # Handled within 60 days of acceptance.
    assert investigate.due_date == date(2026, 5, 1)
    complete(world, "investigator", case, "investigate", **FOUND)
    complete(world, "reviewer", case, "reply", **REPLY)
    assert open_tasks(case) == ["feedback"]
    complete(world, "clerk", case, "feedback", feedback="satisfied")
    case.refresh_from_db()
    assert (case.status, case.outcome_reasons) == (CaseStatus.CLOSED, "已启动复核。")


def test_it_closes_an_anonymous_complaint_once_the_reply_is_filed(world):
    case = complain(world, anonymous=True)
    complete(world, "reviewer", case, "accept", acceptance="accept")
    complete(world, "investigator", case, "investigate", **FOUND)
    complete(world, "reviewer", case, "reply", replied_how="filed", reply_text="存档")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.household.members.count() == 0


def test_it_refuses_the_investigator_as_the_one_who_replies(world):
    world["investigator"].groups.add(world["reviewer"].groups.get())
    case = complain(world)
    complete(world, "reviewer", case, "accept", acceptance="accept")
    complete(world, "investigator", case, "investigate", **FOUND)
    with pytest.raises(runtime.SeparationOfDuties):
        complete(world, "investigator", case, "reply", **REPLY)


@pytest.mark.reaches("complaint", "end_reviewed")
def test_it_escalates_an_overdue_complaint_to_the_county_and_reviews_it(world):
    case = complain(world)
    complete(world, "reviewer", case, "accept", acceptance="accept")
    assert Timer.objects.get(instance__case=case).due_at.isoformat() == "2026-05-01T16:00:00+00:00"
    # Not yet on the last day, Friday 1 May; overdue from midnight after it.
    clock.set(clock.now() + timedelta(days=60))
    assert runtime.fire_due_timers() == 0
    clock.set(clock.now() + timedelta(days=1))
    assert runtime.fire_due_timers() == 1
    county = case.tasks.get()
    assert (county.spec_name, county.lane_role) == ("county_handle", "county_approver")
    assert county in access.inbox(world["approver"])
    complete(world, "approver", case, "county_handle", **FOUND, **REPLY)
    complete(world, "clerk", case, "feedback", feedback="review")
    review = case.tasks.get()
    assert review.spec_name == "county_review"
    # Who handled the complaint does not review it.
    with pytest.raises(runtime.SeparationOfDuties):
        complete(
            world, "approver", case, "county_review", review_result="upheld", review_reply="维持"
        )
    world["county_investigator"].groups.add(world["approver"].groups.get())
    complete(
        world,
        "county_investigator",
        case,
        "county_review",
        review_result="upheld",
        review_reply="维持",
    )
    case.refresh_from_db()
    assert (case.status, case.outcome_reasons) == (CaseStatus.CLOSED, "维持")


def test_it_recuses_the_staff_member_the_complaint_is_about(world):
    accused = profile(world["investigator"], world.township_a, "张调查")
    case = complain(world, about=accused)
    assert CaseRecusal.objects.filter(case=case, user=accused).exists()
    complete(world, "reviewer", case, "accept", acceptance="accept")
    # The accused investigator neither sees the case nor its investigation task.
    assert not access.cases_for_user(accused).filter(pk=case.pk).exists()
    assert not access.inbox(accused).filter(case=case).exists()
    assert access.inbox(world["investigator2"]).filter(case=case).exists()
