"""Every path of the referral process (转介, R12), through the window's actions and the engine."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistance.models import Case, CaseStatus
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, Timer
from onewindow.models import Disposition, HelpRequest
from tests.fixtures import deploy_only
from tests.onewindow.helpers import complete, open_tasks, refer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "referral_deployed")]

SEND = {"sent_how": "letter", "referral_note": "请协助办理失业登记。"}


@pytest.fixture
def referral_deployed(world):
    deploy_only("referral.bpmn", actor=world["policy"])


@pytest.mark.reaches("referral", "end_helped")
def test_it_tracks_a_referral_answered_in_time_and_closes_it(world):
    case = refer(world)
    assert case.number.startswith("ZJ2026")
    assert case.assistance_type == "referral"
    assert HelpRequest.objects.get(case=case).disposition == Disposition.REFERRED
    assert open_tasks(case) == ["send_referral"]
    complete(world, "clerk", case, "send_referral", **SEND)
    # 10 working days from Monday 2 March: Monday 16 March; the timer at midnight after it.
    reply = case.tasks.get()
    assert (reply.spec_name, reply.due_date) == ("record_reply", date(2026, 3, 16))
    assert Timer.objects.get(instance__case=case).due_at.isoformat() == "2026-03-16T16:00:00+00:00"
    complete(
        world,
        "clerk",
        case,
        "record_reply",
        department_result="helped",
        reply_summary="已办理失业登记。",
    )
    assert not Timer.objects.filter(instance__case=case).exists()
    complete(world, "clerk", case, "inform_person", informed_how="phone")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.outcome_reasons == "已办理失业登记。"
    assert case.decided_on == date(2026, 3, 2)


@pytest.mark.reaches("referral", "end_declined")
def test_it_escalates_an_overdue_referral_to_the_township_reviewer(world):
    case = refer(world)
    complete(world, "clerk", case, "send_referral", **SEND)
    # Not yet: the deadline is the end of Monday 16 March.
    clock.set(clock.now() + timedelta(days=14))
    assert runtime.fire_due_timers() == 0
    assert open_tasks(case) == ["record_reply"]
    clock.set(clock.now() + timedelta(days=1))
    assert runtime.fire_due_timers() == 1
    assert open_tasks(case) == ["chase_reply"]
    chase = case.tasks.get()
    assert chase.lane_role == "township_reviewer"
    # 5 working days to chase, from Tuesday 17 March.
    assert chase.due_date == date(2026, 3, 24)
    assert AuditEvent.objects.filter(case=case, action="timer.fired").count() == 1
    complete(
        world,
        "reviewer",
        case,
        "chase_reply",
        department_result="declined",
        reply_summary="不符合条件。",
    )
    complete(world, "clerk", case, "inform_person", informed_how="in_person")
    case.refresh_from_db()
    assert (case.status, case.outcome_reasons) == (CaseStatus.CLOSED, "不符合条件。")


def test_it_keeps_the_referral_out_of_other_townships(world):
    case = refer(world)
    from assistance import access

    assert not access.cases_for_user(world["outsider"]).filter(pk=case.pk).exists()
    assert Case.objects.filter(pk=case.pk, region=world.village_a1).exists()
