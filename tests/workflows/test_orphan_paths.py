"""Every path of the orphan processes: the application (orphan) and the follow-up at 18
(orphan_support), end to end through actions, engine and projections."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from assistance import actions
from assistance.models import Case, CaseStatus, RegionPolicy
from engine import runtime
from engine.clock import clock
from engine.forms import FormInvalid
from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, Timer
from tests.fixtures import SHANGHAI, deploy_only
from tests.workflows.dibao import complete, open_tasks, task
from tests.workflows.orphan import (
    application,
    apply,
    approve,
    confirm,
    instance,
    resident_id,
    schooling,
    verify,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed_orphan")]


@pytest.fixture
def deployed_orphan(world):
    # Only the two orphan processes (and the stages they call): deploying every process in
    # workflows/ for each test would make this suite several times slower.
    deploy_only("orphan.bpmn", "orphan_support.bpmn", actor=world["policy"])


@pytest.fixture(autouse=True)
def english_messages():
    # The refusals below are matched on their English source messages.
    with translation.override("en"):
        yield


OBJECTION = {"objector": "村民甲", "reason": "不应纳入", "received_on": "2026-03-02"}


def timers(case: Case) -> list[tuple[str, str]]:
    rows = Timer.objects.filter(instance__case=case).order_by("pk")
    return [(row.instance.definition.key, row.due_at.isoformat()) for row in rows]


@pytest.mark.reaches("orphan", "end_approved")
def test_it_approves_an_orphan_from_the_next_month(world):
    case = apply(world, born=date(2015, 5, 1))
    assert case.number.startswith("GE2026")
    assert open_tasks(case) == ["verify_orphan"]
    # 15 working days from Monday 2 March 2026 (no holiday in March).
    assert task(case, "verify_orphan").due_date == date(2026, 3, 23)
    clock.advance(timedelta(days=3))
    verify(world, case)
    assert open_tasks(case) == ["county_confirm"]
    # Verified on Thursday 5 March: 15 working days later is Thursday 26 March.
    assert task(case, "county_confirm").due_date == date(2026, 3, 26)
    clock.advance(timedelta(days=4))
    confirm(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("1500.00")
    assert case.decided_on == date(2026, 3, 9)
    assert case.start_month == date(2026, 4, 1)
    assert instance(case, "orphan").status == "completed"
    # Born 1 May 2015: the 18th birthday starts at midnight, 1 May 2033, China time.
    assert timers(case) == [("orphan_support", "2033-04-30T16:00:00+00:00")]
    assert instance(case, "orphan_support").status == "running"


@pytest.mark.parametrize(
    ("category", "township_override", "verify_task", "amount"),
    [
        ("orphan", None, "verify_orphan", "1500.00"),
        ("unattended", None, "verify_unattended", "1200.00"),
        ("unattended", {"unattended_allowance_monthly": "1350"}, "verify_unattended", "1350.00"),
        ("orphan", {"unattended_allowance_monthly": "1350"}, "verify_orphan", "1500.00"),
    ],
)
@pytest.mark.reaches("orphan", "end_approved")
def test_it_pays_the_allowance_of_the_childs_category(
    world, category, township_override, verify_task, amount
):
    if township_override:
        RegionPolicy.objects.create(
            region=world.township_a, effective_from=date(2026, 1, 1), values=township_override
        )
    case = apply(world, category=category)
    assert open_tasks(case) == [verify_task]
    verify(world, case)
    confirm(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal(amount)


def test_it_keeps_the_guardians_id_number_out_of_the_process_data(world):
    case = apply(world)
    number = case.details["guardian_resident_id"]
    assert len(number) == 18
    data = runtime.instance_data(instance(case, "orphan"))
    assert data["details"]["guardian_resident_id"] == "*" * 14 + number[-4:]
    assert data["details"]["guardian_name"] == "王奶奶"
    assert data["turns_18_on"] == "2033-05-01"


@pytest.mark.reaches("orphan", "end_refused")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_when_the_data_comparison_does_not_verify(world):
    case = apply(world, category="unattended")
    verify(world, case, verified=False, reasons="经比对，母亲未服刑在押，亦无重残、重病情形")
    assert open_tasks(case) == ["refusal_notice"]
    data = runtime.instance_data(instance(case, "orphan"))
    assert "行政复议" in data["remedies"]
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-03", delivery_method="post"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "经比对，母亲未服刑在押，亦无重残、重病情形"
    assert case.monthly_amount is None
    assert not ProcessInstance.objects.filter(case=case, definition__key="orphan_support").exists()


def test_it_requires_reasons_for_a_failed_verification(world):
    case = apply(world)
    with pytest.raises(FormInvalid, match="verification_reasons"):
        verify(world, case, verified=False)
    assert open_tasks(case) == ["verify_orphan"]


@pytest.mark.reaches("orphan", "end_refused")
def test_it_refuses_at_county_confirmation_with_reasons(world):
    case = apply(world)
    verify(world, case)
    confirm(world, case, approve=False, reasons="父母一方户籍仍为正常状态")
    assert open_tasks(case) == ["refusal_notice"]
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-04", delivery_method="village"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "父母一方户籍仍为正常状态"
    assert not Timer.objects.filter(instance__case=case).exists()


def test_it_never_posts_a_public_notice(world):
    case = apply(world, category="unattended")
    for stage in ("verification", "confirmation", "support"):
        # No timer runs before the birthday timer of an approved case: no notice period.
        expected = [("orphan_support", "2033-04-30T16:00:00+00:00")] if stage == "support" else []
        assert timers(case) == expected, stage
        with pytest.raises(runtime.NoSuchMessage):
            runtime.send_message(case.pk, "objection", OBJECTION, actor=world["clerk"])
        with pytest.raises(runtime.NoSuchMessage):
            actions.do_record_objection(
                case, actor=world["clerk"], objector="村民甲", reason="不应纳入"
            )
        if stage == "verification":
            verify(world, case)
        elif stage == "confirmation":
            confirm(world, case)
            case.refresh_from_db()
            assert case.status == CaseStatus.ACTIVE
    assert not AuditEvent.objects.filter(case=case, action="message.received").exists()
    # The diagram cannot even call the notice stage: it is not part of the deployed bundle.
    sources = ProcessDefinition.objects.get(key="orphan").sources
    assert "shared_public_notice.bpmn" not in sources
    assert "shared_written_notice.bpmn" in sources


@pytest.mark.parametrize(
    ("born", "refused"),
    [
        (date(2008, 3, 2), True),  # 18 today
        (date(1999, 12, 31), True),
        (date(2008, 3, 3), False),  # 18 tomorrow: still a child on the application day
    ],
)
def test_it_refuses_an_applicant_of_18_or_older_on_the_spot(world, born, refused):
    if refused:
        with pytest.raises(actions.ActionError, match="18 or older"):
            apply(world, born=born)
        assert not Case.objects.exists()
    else:
        case = apply(world, born=born)
        assert open_tasks(case) == ["verify_orphan"]


def test_it_refuses_a_guardian_who_is_a_minor(world):
    with pytest.raises(actions.ActionError, match="adult"):
        apply(world, guardian_resident_id=resident_id(date(2010, 1, 1)))
    assert not Case.objects.exists()


def birthday_case(world):
    """A child born 28 April 2008: 17 when applying, 18 at midnight on 28 April 2026."""
    case = approve(world, born=date(2008, 4, 28))
    assert case.status == CaseStatus.ACTIVE
    return case


BIRTHDAY_MIDNIGHT = datetime(2026, 4, 28, 0, 0, tzinfo=SHANGHAI)


def test_it_asks_for_schooling_proof_only_from_midnight_of_the_18th_birthday(world):
    case = birthday_case(world)
    assert timers(case) == [("orphan_support", "2026-04-27T16:00:00+00:00")]
    clock.set(BIRTHDAY_MIDNIGHT - timedelta(seconds=1))
    assert runtime.fire_due_timers() == 0
    assert open_tasks(case) == []
    clock.set(BIRTHDAY_MIDNIGHT + timedelta(seconds=1))
    assert runtime.fire_due_timers() == 1
    assert open_tasks(case) == ["schooling_check"]
    # 10 working days from 28 April, across the May Day holiday (1-5 May) and the working
    # Saturday 9 May: 29, 30 April, 6, 7, 8, 9, 11, 12, 13, 14 May.
    assert task(case, "schooling_check").due_date == date(2026, 5, 14)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.stage == "核查在校就读情况"
    assert runtime.fire_due_timers() == 0


@pytest.mark.reaches("orphan_support", "end_closed")
def test_it_closes_the_case_of_an_18_year_old_out_of_school(world):
    case = birthday_case(world)
    clock.set(BIRTHDAY_MIDNIGHT + timedelta(days=1, hours=9))
    runtime.fire_due_timers()
    schooling(world, case, in_school=False)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.ended_on == date(2026, 4, 29)
    assert case.end_reason == "age_18"
    # The approval stays on the record.
    assert case.decided_on == date(2026, 3, 2)
    assert case.monthly_amount == Decimal("1500.00")
    assert instance(case, "orphan_support").status == "completed"
    assert not Timer.objects.filter(instance__case=case).exists()


@pytest.mark.reaches("orphan_support", "end_closed")
def test_it_keeps_paying_a_student_and_rechecks_every_year(world):
    case = birthday_case(world)
    clock.set(BIRTHDAY_MIDNIGHT + timedelta(hours=9))
    runtime.fire_due_timers()
    with pytest.raises(FormInvalid, match="school_name"):
        schooling(world, case, in_school=True)
    schooling(world, case, in_school=True, school="永州市第一中学")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.ended_on is None
    assert open_tasks(case) == []
    # The re-check comes 12 months (the policy interval) after the 18th birthday.
    assert timers(case) == [("orphan_support", "2027-04-27T16:00:00+00:00")]
    clock.set(datetime(2027, 4, 28, 0, 0, 1, tzinfo=SHANGHAI))
    assert runtime.fire_due_timers() == 1
    assert open_tasks(case) == ["schooling_check"]
    schooling(world, case, in_school=True, school="湖南科技学院")
    assert timers(case) == [("orphan_support", "2028-04-27T16:00:00+00:00")]
    clock.set(datetime(2028, 4, 28, 10, 0, tzinfo=SHANGHAI))
    runtime.fire_due_timers()
    schooling(world, case, in_school=False)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.ended_on == date(2028, 4, 28)
    assert case.end_reason == "schooling_ended"


def test_it_asks_at_once_when_the_child_came_of_age_before_approval(world):
    # 17 on the application day, 18 on 4 March, approved on 6 March.
    case = apply(world, born=date(2008, 3, 4))
    verify(world, case)
    clock.advance(timedelta(days=4))
    confirm(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.start_month == date(2026, 4, 1)
    # The birthday timer is already past when it starts, so the check is asked for at once.
    assert timers(case) == []
    assert open_tasks(case) == ["schooling_check"]
    assert task(case, "schooling_check").due_date == date(2026, 3, 20)


def test_it_lets_only_one_open_case_per_child(world):
    first = application(world)
    case = actions.do_apply(first, actor=world["clerk"])
    with pytest.raises(
        actions.ActionError, match=f"already has an open case of this type: {case.number}"
    ):
        actions.do_apply(first, actor=world["clerk"])
