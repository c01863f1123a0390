from __future__ import annotations

from datetime import timedelta

import pytest

from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, ProcessInstance, Task
from public import actions, queries
from public.models import NoticePeriod, ObjectionStatus, PageKind, PublicObjection, PublicPage
from tests.public.world import build
from tests.workflows.dibao import complete, investigate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def submit(notice: NoticePeriod, **overrides: str) -> PublicObjection:
    data = {
        "objector_name": "邻居李四",
        "phone": "13800138000",
        "reason": "他家开了小卖部，有经营收入",
    }
    return actions.do_submit_objection(notice.pk, actor=None, **{**data, **overrides})


@pytest.mark.reaches("public_notice", "end_objected")
def test_it_makes_the_objection_the_cases_and_the_township_reinvestigates(world):
    public = build(world)
    case = public.adult_in_notice
    notice = NoticePeriod.objects.get(case=case)
    clock.advance(timedelta(days=2))
    objection = submit(notice)
    assert objection.status == ObjectionStatus.REINVESTIGATING
    assert objection.receipt.startswith("YY20260304") and len(objection.receipt) == 18
    # The township's re-investigation task is open, as after a clerk's objection.
    task = Task.objects.get(case=case)
    assert task.spec_name == "investigate"
    assert task.lane_role == "township_investigator"
    assert task.region == case.region
    # The notice no longer runs; the process holds the objection without the phone number.
    assert queries.notice_row(notice.pk) is None
    data = runtime.instance_data(ProcessInstance.objects.get(case=case))
    assert data["objections"][0]["objector"] == "邻居李四"
    assert data["objections"][0]["receipt"] == objection.receipt
    received = AuditEvent.objects.get(
        case=case, action="message.received", payload__message="objection"
    )
    assert received.role == "public" and received.actor is None
    assert "13800138000" not in str(received.payload)
    event = AuditEvent.objects.get(case=case, action="public.objection_received")
    assert event.payload == {"receipt": objection.receipt, "notice_round": 1}
    # A new opinion posts a second round: the objection is concluded.
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.CONCLUDED
    assert NoticePeriod.objects.filter(case=case).count() == 2
    assert [row.round for row in queries.running_notices(world.village_a1)] == [2]


def test_it_refuses_an_objection_once_the_period_has_ended(world):
    public = build(world)
    notice = NoticePeriod.objects.get(case=public.adult_in_notice)
    # Past the end, though no timer has fired yet: the period is over all the same.
    clock.set(notice.notice_until + timedelta(seconds=1))
    with pytest.raises(actions.ActionError, match="不再受理网上异议"):
        submit(notice)
    assert not PublicObjection.objects.exists()
    assert not AuditEvent.objects.filter(action="public.objection_received").exists()
    runtime.fire_due_timers()
    with pytest.raises(actions.ActionError, match="不再受理网上异议"):
        submit(notice)


def test_it_refuses_a_short_reason_and_keeps_nothing(world):
    public = build(world)
    notice = NoticePeriod.objects.get(case=public.adult_in_notice)
    with pytest.raises(actions.ActionError):
        submit(notice, reason="不")
    assert not PublicObjection.objects.exists()
    assert Task.objects.filter(case=public.adult_in_notice).count() == 0


def test_it_finds_an_objection_only_with_its_phone(world):
    public = build(world)
    objection = submit(NoticePeriod.objects.get(case=public.adult_in_notice))
    assert actions.find_objection(objection.receipt, "13800138000") == objection
    assert actions.find_objection(objection.receipt, "13900139000") is None
    assert actions.find_objection("YY20260302AAAAAAAA", "13800138000") is None


def test_it_saves_pages_audited_within_the_officers_scope(world):
    page = actions.do_save_page(
        actor=world["policy"],
        page=None,
        kind=PageKind.HOTLINE,
        region=world.county,
        title="热线",
        body="0746-1234567",
    )
    event = AuditEvent.objects.get(action="public.page_saved")
    assert event.payload["page"] == page.pk and event.payload["created"] is True
    actions.do_save_page(
        actor=world["policy"],
        page=page,
        kind=PageKind.HOTLINE,
        region=None,
        title="全省热线",
        body="12345",
    )
    page.refresh_from_db()
    assert page.region is None and page.title == "全省热线"
    assert AuditEvent.objects.filter(action="public.page_saved").count() == 2


def test_it_refuses_pages_to_anyone_but_policy_staff(world):
    from django.http import Http404

    for user in ("clerk", "auditor", "approver"):
        with pytest.raises(Http404):
            actions.do_save_page(
                actor=world[user], page=None, kind=PageKind.GUIDE, region=None, title="x", body="y"
            )
    assert not PublicPage.objects.exists()


def test_it_refuses_a_second_objection_once_the_first_stopped_the_notice(world):
    public = build(world)
    notice = NoticePeriod.objects.get(case=public.adult_in_notice)
    submit(notice)
    with pytest.raises(actions.ActionError, match="不再受理网上异议"):
        submit(notice, phone="13900139000")
    assert PublicObjection.objects.count() == 1
