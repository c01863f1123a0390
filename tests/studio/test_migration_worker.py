"""A bulk migration run by a real Celery worker over Redis: progress reaches the total, a
case that cannot move is listed, a paused job is resumed."""

from __future__ import annotations

import json
import time

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from engine.models import AuditEvent
from studio.actions_migration import do_pause_migration, do_resume_migration, do_start_migration
from studio.models import MigrationJob, MigrationStatus
from tests.fixtures import World
from tests.studio.migration_world import Running, running_cases

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fixed_clock", "deployed"),
]


def settled(job: MigrationJob, timeout: float = 30) -> MigrationJob:
    """The job once no worker has it (done, failed or paused)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not job.active:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job still {job.status} after {timeout}s")


def test_it_runs_a_job_to_the_end_on_a_worker(
    client: Client, world: World, redis_worker: object
) -> None:
    running: Running = running_cases(world, movable=12)
    cases = [running.blocked, *running.movable]
    ids = [running.instance(case).pk for case in cases]

    job = do_start_migration(running.v2.pk, ids, actor=world["policy"])

    job = settled(job)
    assert job.status == MigrationStatus.DONE
    assert (job.total, job.done, job.processed) == (13, 12, 13)
    assert [(entry["case"], entry["problems"][0]["step"]) for entry in job.failed] == [
        (running.blocked.pk, "等待核对报告")
    ]
    assert all(running.instance(case).definition_id == running.v2.pk for case in running.movable)
    assert AuditEvent.objects.filter(action="instance.migrated").count() == 12
    client.force_login(world["policy"])
    progress = json.loads(client.get(reverse("studio:migration-progress", args=[job.pk])).content)
    assert (progress["processed"], progress["total"], progress["active"]) == (13, 13, False)
    html = client.get(reverse("studio:migration", args=[job.pk])).content.decode()
    assert running.blocked.number in html[html.index("未迁移的案件") :]


def test_it_resumes_a_paused_job_on_a_worker(world: World, redis_worker: object) -> None:
    running = running_cases(world, movable=3)
    with transaction.atomic():
        job = do_start_migration(running.v2.pk, None, actor=world["policy"])
        # Paused before the worker is told: the pass it is given finds nothing to do.
        do_pause_migration(job.pk, actor=world["policy"])
    time.sleep(1)
    job.refresh_from_db()
    assert (job.status, job.done) == (MigrationStatus.PAUSED, 0)

    do_resume_migration(job.pk, actor=world["policy2"])

    job = settled(job)
    assert (job.status, job.done, job.failed) == (MigrationStatus.DONE, 3, [])
    events = AuditEvent.objects.filter(action="instance.migrated")
    assert {event.actor for event in events} == {world["policy2"]}
