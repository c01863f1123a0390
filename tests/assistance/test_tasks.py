"""The daily review start: beat's task only sends each due case to a task of its own, which
starts its review once however often it is delivered. Over the machine's Redis broker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from assistance import tasks
from assistance.models import CaseStatus
from engine.clock import clock
from engine.models import AuditEvent, ProcessInstance
from tests.celery_worker import queued_tasks
from tests.workflows.review import active_case, deploy_review

START = tasks.start_case_review.name


def reviews_of(case) -> int:
    return ProcessInstance.objects.filter(case=case, definition__key="review").count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_sends_each_case_due_for_review_once(world, redis_queue, monkeypatch):
    due = [active_case(world, review_class="A", due_today=True) for _ in range(3)]
    overdue = active_case(world, review_class="A", due_today=True)
    overdue.next_review_on = clock.today() - timedelta(days=40)
    overdue.save()
    tomorrow = active_case(world, review_class="A")
    tomorrow.next_review_on = clock.today() + timedelta(days=1)
    tomorrow.save()
    ended = active_case(world, review_class="A", due_today=True)
    ended.status = CaseStatus.CLOSED
    ended.save()
    # Batches smaller than the day's cases: each is still sent, once.
    monkeypatch.setattr(tasks, "REVIEW_BATCH", 2)

    assert tasks.start_due_reviews.apply().get() == 4
    today = clock.today().isoformat()
    assert queued_tasks(redis_queue) == [(START, [case.pk, today]) for case in [*due, overdue]]
    # Sending starts nothing: the workers do.
    assert not ProcessInstance.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_starts_a_review_once_however_often_it_is_delivered(world):
    deploy_review(world)
    case = active_case(world, review_class="A", due_today=True)
    today = clock.today().isoformat()
    assert tasks.start_case_review.apply(args=(case.pk, today)).get() == 1
    assert tasks.start_case_review.apply(args=(case.pk, today)).get() == 0
    assert reviews_of(case) == 1
    assert AuditEvent.objects.filter(action="case.review_due", case=case).count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_leaves_a_case_whose_review_cannot_start_due_for_the_next_run(world):
    # No review process deployed: this case stays due, and the task does not fail.
    case = active_case(world, review_class="A", due_today=True)
    assert tasks.start_case_review.apply(args=(case.pk, clock.today().isoformat())).get() == 0
    case.refresh_from_db()
    assert case.next_review_on == clock.today()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_starts_the_day_s_reviews_on_a_worker(world, redis_worker):
    deploy_review(world)
    cases = [active_case(world, review_class="A", due_today=True) for _ in range(3)]
    assert tasks.start_due_reviews.delay().get(timeout=20) == 3
    deadline = time.monotonic() + 30
    while ProcessInstance.objects.count() < 3:
        assert time.monotonic() < deadline, "reviews not started"
        time.sleep(0.05)
    assert [reviews_of(case) for case in cases] == [1, 1, 1]
    assert tasks.start_due_reviews.delay().get(timeout=20) == 0


def test_it_schedules_the_review_start_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["start-due-reviews"]
    assert entry["task"] == tasks.start_due_reviews.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({1}, {0})
