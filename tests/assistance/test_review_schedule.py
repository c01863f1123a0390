"""When reviews fall due (classes A/B/C, region policy) and how the daily job starts them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance import tasks
from assistance.actions import ActionError
from assistance.models import CaseRecusal, CaseStatus, RegionLevel, RegionPolicy
from assistance.policy import PolicyError, clean_values
from assistance.processes import review
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, ProcessInstance
from tests.fixtures import SHANGHAI, make_region
from tests.workflows.dibao import apply, complete, to_notice
from tests.workflows.review import active_case, deploy_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture
def review_deployed(world):
    deploy_review(world)


def set_day(day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI))


def reviews_of(case) -> int:
    return ProcessInstance.objects.filter(case=case, definition__key="review").count()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 2), 12, date(2027, 3, 2)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 10, 15), 3, date(2027, 1, 15)),
    ],
)
def test_it_adds_months_clamped_to_the_month_end(day, months, expected):
    assert review.add_months(day, months) == expected


@pytest.mark.usefixtures("review_deployed")
@pytest.mark.parametrize(
    ("review_class", "hukou", "first_due", "second_due"),
    [
        ("A", "rural", date(2027, 3, 2), date(2028, 3, 2)),
        ("B", "urban", date(2027, 3, 2), date(2028, 3, 2)),
        ("C", "urban", date(2026, 6, 2), date(2026, 9, 2)),
        ("C", "rural", date(2026, 9, 2), date(2027, 3, 2)),
    ],
)
def test_it_fires_each_class_at_its_cycle(world, review_class, hukou, first_due, second_due):
    case = active_case(world, hukou=hukou)
    review.do_classify(case, actor=world["reviewer"], review_class=review_class)
    case.refresh_from_db()
    assert case.next_review_on == first_due
    set_day(first_due - timedelta(days=1))
    assert review.start_due_reviews(clock.today()) == 0
    set_day(first_due)
    assert review.start_due_reviews(clock.today()) == 1
    case.refresh_from_db()
    assert case.next_review_on == second_due
    assert reviews_of(case) == 1
    assert case.stage == "家庭经济状况核对中"


@pytest.mark.usefixtures("review_deployed")
def test_it_starts_nothing_twice_the_same_day(world):
    cases = [active_case(world, review_class="A", due_today=True) for _ in range(2)]
    assert review.start_due_reviews(clock.today()) == 2
    assert review.start_due_reviews(clock.today()) == 0
    assert [reviews_of(case) for case in cases] == [1, 1]
    assert AuditEvent.objects.filter(action="case.review_due").count() == 2
    event = AuditEvent.objects.filter(action="case.review_due", case=cases[0]).get()
    assert event.payload == {
        "review_class": "A",
        "due_on": "2026-03-02",
        "next_review_on": "2027-03-02",
    }


@pytest.mark.usefixtures("review_deployed")
def test_it_waits_while_a_review_still_runs(world):
    case = active_case(world, review_class="C", hukou="urban", due_today=True)
    assert review.start_due_reviews(clock.today()) == 1
    # The quarter passes with the first review still waiting for the check centre.
    set_day(date(2026, 6, 2))
    assert review.start_due_reviews(clock.today()) == 0
    case.refresh_from_db()
    assert case.next_review_on == date(2026, 6, 2)
    assert reviews_of(case) == 1


@pytest.mark.usefixtures("review_deployed")
def test_it_restarts_the_rhythm_when_reviews_were_missed_for_a_cycle(world):
    case = active_case(world, review_class="C", hukou="urban", due_today=True)
    set_day(date(2026, 7, 10))
    assert review.start_due_reviews(clock.today()) == 1
    case.refresh_from_db()
    # Due 2 March; 2 June has passed too, so the next one counts from today.
    assert case.next_review_on == date(2026, 10, 10)


@pytest.mark.usefixtures("review_deployed")
def test_it_leaves_closed_and_unscheduled_cases_alone(world):
    closed = active_case(world, review_class="A", due_today=True)
    closed.status = CaseStatus.CLOSED
    closed.save(update_fields=["status"])
    active_case(world, review_class="A")  # never classified with a date
    assert review.start_due_reviews(clock.today()) == 0
    assert not ProcessInstance.objects.exists()


@pytest.mark.usefixtures("review_deployed")
def test_it_applies_a_cycle_change_to_reviews_scheduled_after_its_effective_date(world):
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 6, 1),
        values={"review_cycle_months_c_rural": 3},
    )
    case = active_case(world, hukou="rural")
    review.do_classify(case, actor=world["reviewer"], review_class="C")
    case.refresh_from_db()
    # Scheduled on 2 March, under the six-month cycle then in force.
    assert case.next_review_on == date(2026, 9, 2)
    assert review.next_review_date(case, date(2026, 5, 31)) == date(2026, 11, 30)
    assert review.next_review_date(case, date(2026, 6, 1)) == date(2026, 9, 1)
    set_day(date(2026, 9, 2))
    assert review.start_due_reviews(clock.today()) == 1
    case.refresh_from_db()
    # Scheduled on 2 September, after the change: three months.
    assert case.next_review_on == date(2026, 12, 2)
    # Township B keeps the county's six months.
    west = active_case(world, hukou="rural", review_class="C", village=world.village_b1)
    assert review.next_review_date(west, date(2026, 9, 2)) == date(2027, 3, 2)


def test_it_classifies_only_by_a_township_reviewer_in_jurisdiction(world):
    case = active_case(world)
    with pytest.raises(PermissionDenied):
        review.do_classify(case, actor=world["clerk"], review_class="A")
    with pytest.raises(Http404):
        review.do_classify(case, actor=world["outsider"], review_class="A")
    with pytest.raises(ActionError, match=r"Choose review class A, B or C\."):
        review.do_classify(case, actor=world["reviewer"], review_class="D")
    case.refresh_from_db()
    assert (case.review_class, case.next_review_on) == ("", None)
    review.do_classify(case, actor=world["reviewer"], review_class="B")
    event = AuditEvent.objects.get(case=case, action="case.classified")
    assert event.actor_name == "reviewer"
    assert event.payload == {
        "review_class": "B",
        "previous_class": "",
        "next_review_on": "2027-03-02",
    }


def test_it_keeps_a_recused_reviewer_out_of_the_classification(world):
    case = active_case(world)
    CaseRecusal.objects.create(case=case, user=world["reviewer"], reason="near relative: 配偶")
    with pytest.raises(Http404):
        review.do_classify(case, actor=world["reviewer"], review_class="A")
    review.do_classify(case, actor=world["reviewer2"], review_class="A")


@pytest.mark.usefixtures("review_deployed")
def test_it_starts_the_other_reviews_when_one_case_cannot_start(world):
    # A county with no policy at all: its case cannot be scheduled, and stays due.
    county = make_region("431200", "无政策县", RegionLevel.COUNTY, world.province)
    township = make_region("431200001", "北镇", RegionLevel.TOWNSHIP, county)
    village = make_region("431200001001", "北村", RegionLevel.VILLAGE, township)
    stuck = active_case(world, review_class="A", due_today=True, village=village)
    fine = active_case(world, review_class="A", due_today=True)
    assert review.start_due_reviews(clock.today()) == 1
    assert (reviews_of(stuck), reviews_of(fine)) == (0, 1)
    stuck.refresh_from_db()
    assert stuck.next_review_on == date(2026, 3, 2)


def test_it_refuses_to_classify_a_closed_case(world):
    case = active_case(world)
    case.status = CaseStatus.CLOSED
    case.save(update_fields=["status"])
    with pytest.raises(ActionError, match="Only an open case"):
        review.do_classify(case, actor=world["reviewer"], review_class="A")


@pytest.mark.parametrize("value", [0, 61, True, "12", 1.5])
def test_it_refuses_a_cycle_that_is_not_a_whole_number_of_months(value):
    with pytest.raises(PolicyError):
        clean_values({"review_cycle_months_a": value})


@pytest.mark.parametrize(
    ("decision", "current", "proposed", "entered", "result", "amount", "problem"),
    [
        ("continue", "900.00", "900.00", None, "continue", "900.00", ""),
        # Continuing keeps the amount paid, whatever the recalculation says.
        ("continue", "900.00", "600.00", None, "continue", "900.00", ""),
        ("increase", "900.00", "1200.00", None, "increase", "1200.00", ""),
        ("increase", "900.00", "600.00", None, "invalid", "900.00", "not_an_increase"),
        ("increase", "900.00", "600.00", 950, "increase", "950.00", ""),
        ("decrease", "900.00", "600.00", None, "decrease", "600.00", ""),
        ("decrease", "900.00", "600.00", 700.5, "decrease", "700.50", ""),
        ("decrease", "900.00", "900.00", None, "invalid", "900.00", "not_a_decrease"),
        ("decrease", "900.00", "600.00", 0, "invalid", "900.00", "not_a_decrease"),
        ("continue", "900.00", "0.00", None, "invalid", "900.00", "recalculated_amount_is_zero"),
        ("exit", "900.00", "0.00", None, "exit", "0.00", ""),
        ("exit", "900.00", "900.00", None, "exit", "0.00", ""),
        ("raise", "900.00", "1200.00", None, "invalid", "900.00", "unknown_decision"),
    ],
)
def test_it_settles_a_review_decision(
    decision, current, proposed, entered, result, amount, problem
):
    settled = review.review_settlement(decision, current, proposed, entered)
    assert settled == {"result": result, "monthly_amount": amount, "problem": problem}


@pytest.mark.usefixtures("review_deployed")
def test_it_starts_due_reviews_from_the_celery_task(world):
    case = active_case(world, review_class="A", due_today=True)
    assert tasks.start_due_reviews.apply().get() == 1
    assert tasks.start_due_reviews.name == "assistance.tasks.start_due_reviews"
    assert reviews_of(case) == 1


@pytest.mark.usefixtures("deployed")
def test_it_reviews_a_case_the_dibao_process_approved(world):
    case = apply(world, wage="900.00", members=3)
    to_notice(world, case)
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert (case.status, case.monthly_amount) == (CaseStatus.ACTIVE, Decimal("900.00"))
    review.do_classify(case, actor=world["reviewer"], review_class="C")
    case.refresh_from_db()
    # Classified on Tuesday 10 March 2026, rural class C: half a year later.
    assert case.next_review_on == date(2026, 9, 10)
    set_day(date(2026, 9, 10))
    assert review.start_due_reviews(clock.today()) == 1
    assert reviews_of(case) == 1
    assert runtime.waiting_messages(ProcessInstance.objects.get(case=case, status="running")) == [
        "check_result"
    ]
