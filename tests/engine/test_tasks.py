"""The Celery timer task, run by a real worker over the machine's Redis broker."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from engine import runtime, tasks
from engine.clock import clock
from engine.models import Incident, IncidentKind
from portal.celery import app
from tests.engine.samples import timed_bpmn
from tests.workflows.dibao import apply, open_tasks, to_notice


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_fires_due_timers_from_a_worker(world, redis_worker):
    case = apply(world)
    to_notice(world, case)
    assert tasks.fire_due_timers.delay().get(timeout=20) == 0
    clock.advance(timedelta(days=8))
    assert tasks.fire_due_timers.delay().get(timeout=20) == 1
    assert open_tasks(case) == ["county_confirm"]
    # Redelivery of the same work finds nothing left to fire.
    instance_id = case.instances.get().pk
    assert tasks.fire_instance_timers.delay(instance_id).get(timeout=20) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_leaves_an_incident_when_a_timer_fails_on_the_worker(world, tiny_case, redis_worker):
    runtime.deploy({"timed.bpmn": timed_bpmn()}, "timed.bpmn", actor=world["policy"])
    instance = runtime.start(
        "timed", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={"parts": 0}
    )
    clock.advance(timedelta(hours=2))
    assert tasks.fire_due_timers.delay().get(timeout=20) == 0
    incident = Incident.objects.get()
    assert (incident.instance_id, incident.kind, incident.element) == (
        instance.pk,
        IncidentKind.TIMER,
        "split",
    )
    instance.refresh_from_db()
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
