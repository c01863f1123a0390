"""The Celery timer task, run by a real worker over the machine's Redis broker."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker

from engine import tasks
from engine.clock import clock
from portal.celery import app
from tests.workflows.dibao import apply, open_tasks, to_notice

REDIS_URL = os.environ.get("DOUDI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_worker():
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    # Celery caches the result backend per thread once any test touched it: build it anew.
    app._local.__dict__.pop("backend", None)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(saved)
        app._local.__dict__.pop("backend", None)


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


def test_it_schedules_the_timer_task_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["fire-due-timers"]
    assert entry["task"] == tasks.fire_due_timers.name
    assert entry["schedule"] == 60.0
