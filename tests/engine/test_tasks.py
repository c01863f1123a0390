"""The Celery timer tasks: the sweep only sends each instance with a due timer to a task of
its own, once; that task fires it, once, however often it is delivered. Run over the
machine's Redis broker, with a real worker where something must be drained."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from assistance.models import Case, Household
from engine import runtime, tasks
from engine.clock import clock
from engine.models import AuditEvent, Incident, IncidentKind, ProcessInstance, Timer
from portal.celery import app
from tests.celery_worker import queued_tasks
from tests.engine.samples import timed_bpmn
from tests.workflows.dibao import apply, open_tasks, to_notice

FIRE = tasks.fire_instance_timers.name


def timed_instances(world, count: int, *, parts: int = 1) -> list[int]:
    """Instances of a one-hour time limit, each on a case of its own; parts=0 breaks the
    step after the limit (a division by zero)."""
    runtime.deploy({"timed.bpmn": timed_bpmn()}, "timed.bpmn", actor=world["policy"])
    household = Household.objects.create(region=world.village_a1, address="东村", hukou="rural")
    started = []
    for _ in range(count):
        case = Case.objects.create(
            number=f"T-{Case.objects.count() + 1}",
            assistance_type="dibao",
            household=household,
            region=world.village_a1,
        )
        instance = runtime.start(
            "timed",
            case_id=case.pk,
            region_id=world.village_a1.pk,
            actor=None,
            data={"parts": parts},
        )
        started.append(instance.pk)
    return started


def fired_events(instance_id: int) -> int:
    return AuditEvent.objects.filter(instance_id=instance_id, action="timer.fired").count()


def drained(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while Timer.objects.exists():
        assert time.monotonic() < deadline, "timers still waiting"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_sends_each_instance_with_a_due_timer_once(world, redis_queue, monkeypatch):
    due = timed_instances(world, 5)
    held = timed_instances(world, 1, parts=0)[0]
    clock.advance(timedelta(hours=2))
    later = timed_instances(world, 1)[0]
    with pytest.raises(runtime.ProcessFailed):
        runtime.fire_instance_timers(held)
    # Slices smaller than the burst: every instance is still sent, and only once.
    monkeypatch.setattr(tasks, "SWEEP_BATCH", 2)

    assert tasks.fire_due_timers.apply().get() == 5
    assert queued_tasks(redis_queue) == [(FIRE, [pk]) for pk in due]
    assert Timer.objects.filter(instance_id__in=due, enqueued_at=clock.now()).count() == 5
    assert not Timer.objects.filter(instance_id__in=[held, later], enqueued_at__isnull=False)

    # While the tasks wait in the queue, later sweeps send nothing again.
    clock.advance(timedelta(minutes=29))
    assert tasks.fire_due_timers.apply().get() == 0
    assert len(queued_tasks(redis_queue)) == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_sends_an_instance_again_once_its_task_is_taken_for_lost(world, redis_queue, settings):
    settings.TIMER_REQUEUE_MINUTES = 30
    [instance_id] = timed_instances(world, 1)
    clock.advance(timedelta(hours=2))
    assert tasks.fire_due_timers.apply().get() == 1
    clock.advance(timedelta(minutes=30))
    assert tasks.fire_due_timers.apply().get() == 0
    clock.advance(timedelta(seconds=1))
    assert tasks.fire_due_timers.apply().get() == 1
    assert queued_tasks(redis_queue) == [(FIRE, [instance_id])] * 2


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_fires_an_instance_once_however_often_it_is_delivered(world):
    [instance_id] = timed_instances(world, 1)
    clock.advance(timedelta(hours=2))
    assert tasks.fire_instance_timers.apply(args=(instance_id,)).get() == 1
    assert tasks.fire_instance_timers.apply(args=(instance_id,)).get() == 0
    assert fired_events(instance_id) == 1
    assert ProcessInstance.objects.get(pk=instance_id).status == "completed"
    assert not Timer.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_fires_nothing_before_the_timer_is_due(world):
    [instance_id] = timed_instances(world, 1)
    clock.advance(timedelta(minutes=59))
    assert tasks.fire_instance_timers.apply(args=(instance_id,)).get() == 0
    assert ProcessInstance.objects.get(pk=instance_id).revision == 1
    assert fired_events(instance_id) == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_leaves_a_held_instance_to_policy_staff(world):
    [instance_id] = timed_instances(world, 1, parts=0)
    clock.advance(timedelta(hours=2))
    assert tasks.fire_instance_timers.apply(args=(instance_id,)).get() == 0
    assert Incident.objects.get().attempts == 1
    # A delivery after the failure leaves the held instance alone: no second attempt.
    assert tasks.fire_instance_timers.apply(args=(instance_id,)).get() == 0
    assert Incident.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_leaves_an_instance_another_transaction_holds_to_the_next_sweep(world, redis_queue):
    [instance_id] = timed_instances(world, 1)
    clock.advance(timedelta(hours=2))
    assert tasks.fire_due_timers.apply().get() == 1
    results = []

    def deliver() -> None:
        try:
            results.append(tasks.fire_instance_timers.apply(args=(instance_id,)).get())
        finally:
            connection.close()

    with transaction.atomic():
        runtime.lock_instance(instance_id)
        worker = threading.Thread(target=deliver)
        worker.start()
        worker.join(timeout=20)
    # It did not wait for the lock, and the next sweep sends the instance again.
    assert results == [0] and fired_events(instance_id) == 0
    assert tasks.fire_due_timers.apply().get() == 1
    assert queued_tasks(redis_queue) == [(FIRE, [instance_id])] * 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_drains_a_burst_on_a_worker(world, redis_worker):
    burst = timed_instances(world, 12)
    clock.advance(timedelta(hours=2))
    assert tasks.fire_due_timers.delay().get(timeout=20) == 12
    drained()
    assert [fired_events(pk) for pk in burst] == [1] * 12
    assert set(ProcessInstance.objects.values_list("status", flat=True)) == {"completed"}
    assert tasks.fire_due_timers.delay().get(timeout=20) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_fires_due_timers_from_a_worker(world, redis_worker):
    case = apply(world)
    to_notice(world, case)
    assert tasks.fire_due_timers.delay().get(timeout=20) == 0
    clock.advance(timedelta(days=8))
    assert tasks.fire_due_timers.delay().get(timeout=20) == 1
    drained()
    assert open_tasks(case) == ["county_confirm"]
    # Redelivery of the same work finds nothing left to fire.
    instance_id = case.instances.get().pk
    assert tasks.fire_instance_timers.delay(instance_id).get(timeout=20) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_leaves_an_incident_when_a_timer_fails_on_the_worker(world, redis_worker):
    [instance_id] = timed_instances(world, 1, parts=0)
    clock.advance(timedelta(hours=2))
    assert tasks.fire_due_timers.delay().get(timeout=20) == 1
    deadline = time.monotonic() + 20
    while not Incident.objects.exists():
        assert time.monotonic() < deadline, "no incident"
        time.sleep(0.05)
    incident = Incident.objects.get()
    assert (incident.instance_id, incident.kind, incident.element) == (
        instance_id,
        IncidentKind.TIMER,
        "split",
    )
    instance = ProcessInstance.objects.get(pk=instance_id)
    assert (instance.status, instance.revision) == ("running", 1)
    # The held time limit waits for policy staff: the next sweeps leave it alone.
    assert tasks.fire_due_timers.delay().get(timeout=20) == 0
    assert Incident.objects.get().attempts == 1


def test_it_runs_the_worker_on_a_queue_of_this_run_only(redis_worker):
    consumed = [queue.name for queue in redis_worker.consumer.task_consumer.queues]
    assert consumed == [app.conf.task_default_queue]
    assert consumed[0] != "celery" and str(os.getpid()) in consumed[0]
    assert app.amqp.router.route({}, tasks.fire_due_timers.name)["queue"].name == consumed[0]


def test_it_schedules_the_timer_task_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["fire-due-timers"]
    assert entry["task"] == tasks.fire_due_timers.name
    assert entry["schedule"] == 60.0
