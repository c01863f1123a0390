"""Bulk migration jobs: starting one from the impact report, its page and progress, cases
that could not move, pause and resume, migrating back. The job runs eagerly here, when the
transaction that started it commits (a real worker runs it in test_migration_worker.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from assistance.actions import ActionError
from engine.clock import clock
from engine.models import AuditEvent
from studio import actions_migration
from studio.actions_migration import (
    do_pause_migration,
    do_resume_migration,
    do_start_migration,
    run_migration,
)
from studio.models import MigrationJob, MigrationStatus
from tests.fixtures import World, make_user
from tests.portal.test_english import assert_english, english
from tests.studio.migration_world import Running, running_cases

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def running(world: World) -> Running:
    return running_cases(world, movable=3)


def sent(callbacks: list) -> list:
    """The callbacks that send Celery work (not the runtime keeping saved workflows)."""
    return [c for c in callbacks if "_keep_workflow" not in getattr(c, "__qualname__", "")]


def job_url(job: MigrationJob, name: str = "studio:migration") -> str:
    return reverse(name, args=[job.pk])


def start_url(running: Running) -> str:
    return reverse("studio:start-migration", args=[running.v2.pk])


def on(running: Running, version: object) -> list[int]:
    return sorted(
        case.pk
        for case in [*running.movable, running.blocked]
        if running.instance(case).definition_id == version.pk  # type: ignore[attr-defined]
    )


def test_it_starts_a_job_for_the_cases_that_can_move(
    client: Client, world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    client.force_login(world["policy"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(start_url(running))
    job = MigrationJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assert len(sent(queued)) == 1
    assert (job.target, job.created_by, job.total, job.sources) == (
        running.v2,
        world["policy"],
        3,
        [running.v1.pk],
    )
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (MigrationStatus.DONE, 3, [])
    assert job.started_at is not None and job.finished_at is not None
    assert on(running, running.v2) == sorted(case.pk for case in running.movable)
    started = AuditEvent.objects.get(action="migration.started")
    assert (started.stream, started.actor, started.payload["total"]) == (
        "system",
        world["policy"],
        3,
    )
    moved = AuditEvent.objects.filter(action="instance.migrated")
    assert sorted(moved.values_list("case_id", flat=True)) == on(running, running.v2)
    assert {event.payload["job"] for event in moved} == {job.pk}
    assert {event.actor for event in moved} == {world["policy"]}


def test_it_shows_the_job_and_its_progress(
    client: Client, world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = do_start_migration(running.v2.pk, None, actor=world["policy"])
    client.force_login(world["policy"])
    html = client.get(job_url(job)).content.decode()
    assert '<progress max="3" value="3"' in html and "已完成" in html
    assert f'data-progress-url="{job_url(job, "studio:migration-progress")}"' in html
    assert 'src="/static/studio/migration.js"' in html and "<script>" not in html
    progress = json.loads(client.get(job_url(job, "studio:migration-progress")).content)
    assert progress == {
        "status": "done",
        "status_label": "已完成",
        "active": False,
        "total": 3,
        "done": 3,
        "failed": 0,
        "processed": 3,
    }
    impact = client.get(reverse("studio:impact", args=[running.v2.pk])).content.decode()
    assert f'data-job="{job.pk}"' in impact and job_url(job) in impact


def test_it_lists_a_case_that_could_not_move(
    client: Client, world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    ids = [running.instance(case).pk for case in [running.blocked, *running.movable]]
    with django_capture_on_commit_callbacks(execute=True):
        job = do_start_migration(running.v2.pk, ids, actor=world["policy"])
    job.refresh_from_db()
    assert (job.status, job.done, len(job.failed)) == (MigrationStatus.DONE, 3, 1)
    assert job.failed[0]["case"] == running.blocked.pk
    client.force_login(world["policy"])
    html = client.get(job_url(job)).content.decode()
    failures = html[html.index("未迁移的案件") :]
    assert running.blocked.number in failures
    assert "案件所在的“等待核对报告”在目标版本中有改动" in failures
    assert '<progress max="4" value="4"' in html
    # A job with failures may be run again (they fail again: nothing has changed).
    assert job_url(job, "studio:migration-resume") in html
    assert running.instance(running.blocked).definition_id == running.v1.pk


def test_it_pauses_and_resumes_a_job(
    world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = do_start_migration(running.v2.pk, None, actor=world["policy"])
    do_pause_migration(job.pk, actor=world["policy2"])
    # The queued pass finds its job paused and does nothing.
    queued[0]()
    job.refresh_from_db()
    assert (job.status, job.done) == (MigrationStatus.PAUSED, 0)
    assert on(running, running.v2) == []
    with django_capture_on_commit_callbacks(execute=True):
        do_resume_migration(job.pk, actor=world["policy2"])
    job.refresh_from_db()
    assert (job.status, job.done, job.run_by) == (MigrationStatus.DONE, 3, world["policy2"])
    actions = list(
        AuditEvent.objects.filter(action__startswith="migration.")
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions == [
        ("migration.started", world["policy"].pk),
        ("migration.paused", world["policy2"].pk),
        ("migration.resumed", world["policy2"].pk),
    ]
    with pytest.raises(ActionError):
        do_resume_migration(job.pk, actor=world["policy"])
    with pytest.raises(ActionError):
        do_pause_migration(job.pk, actor=world["policy"])


def test_it_stops_a_pass_at_the_next_batch_and_resumes_where_it_matters(
    world: World,
    running: Running,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> None:
    monkeypatch.setattr(actions_migration, "BATCH_SIZE", 1)
    moved = actions_migration._move

    def move_then_pause(instance_id: int, job: MigrationJob) -> object:
        result = moved(instance_id, job)
        MigrationJob.objects.filter(pk=job.pk).update(status=MigrationStatus.PAUSED)
        return result

    with django_capture_on_commit_callbacks(execute=False):
        job = do_start_migration(running.v2.pk, None, actor=world["policy"])
    monkeypatch.setattr(actions_migration, "_move", move_then_pause)
    assert run_migration(job.pk, str(job.token)) == "stopped"
    job.refresh_from_db()
    assert (job.status, job.done) == (MigrationStatus.PAUSED, 1)
    monkeypatch.setattr(actions_migration, "_move", moved)
    with django_capture_on_commit_callbacks(execute=False):
        do_resume_migration(job.pk, actor=world["policy"])
    job.refresh_from_db()
    old_token = "00000000-0000-0000-0000-000000000000"
    # A pass of an older token (a redelivered task) does nothing.
    assert run_migration(job.pk, old_token) == "skipped"
    assert run_migration(job.pk, str(job.token)) == MigrationStatus.DONE
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (MigrationStatus.DONE, 3, [])
    # The case moved before the pause was not moved twice.
    assert AuditEvent.objects.filter(action="instance.migrated").count() == 3
    # Running the finished pass again is a no-op.
    assert run_migration(job.pk, str(job.token)) == "skipped"


def test_it_lets_a_lost_running_job_be_resumed(world: World, running: Running) -> None:
    job = do_start_migration(running.v2.pk, None, actor=world["policy"])
    MigrationJob.objects.filter(pk=job.pk).update(status=MigrationStatus.RUNNING)
    job.refresh_from_db()
    assert not actions_migration.may_resume(job)
    clock.advance(timedelta(minutes=11))
    assert actions_migration.may_resume(job)


def test_it_moves_the_cases_back(
    client: Client, world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = do_start_migration(running.v2.pk, None, actor=world["policy"])
    client.force_login(world["policy"])
    html = client.get(job_url(job)).content.decode()
    assert job_url(job, "studio:migration-back") in html and "迁回 v1" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(job_url(job, "studio:migration-back"), {"to": running.v1.pk})
    back = MigrationJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == job_url(back)
    back.refresh_from_db()
    assert (back.target, back.status, back.done) == (running.v1, MigrationStatus.DONE, 3)
    assert on(running, running.v2) == []
    events = AuditEvent.objects.filter(action="instance.migrated", case=running.movable[0])
    assert [e.payload["to_version"] for e in events.order_by("seq")] == [2, 1]


def test_it_refuses_to_move_back_to_a_version_the_cases_did_not_come_from(
    client: Client, world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = do_start_migration(running.v2.pk, None, actor=world["policy"])
    client.force_login(world["policy"])
    response = client.post(
        job_url(job, "studio:migration-back"), {"to": running.v2.pk}, follow=True
    )
    assert "这些案件并非来自该版本" in response.content.decode()
    response = client.post(job_url(job, "studio:migration-back"), {"to": "x"}, follow=True)
    assert "请选择要迁回的版本" in response.content.decode()
    assert MigrationJob.objects.count() == 1


def test_it_refuses_a_job_with_nothing_to_move(client: Client, world: World) -> None:
    running = running_cases(world, movable=0)
    client.force_login(world["policy"])
    response = client.post(start_url(running), follow=True)
    assert "没有可以迁移到此版本的案件" in response.content.decode()
    assert not MigrationJob.objects.exists()


def test_it_refuses_cases_outside_the_jurisdiction(world: World, running: Running) -> None:
    elsewhere = make_user("policy_b", "policy_staff", world.township_b)
    ids = [running.instance(case).pk for case in running.movable]
    with pytest.raises(ActionError):
        do_start_migration(running.v2.pk, ids, actor=elsewhere)
    with pytest.raises(ActionError):
        do_start_migration(running.v2.pk, None, actor=elsewhere)
    assert not MigrationJob.objects.exists()


def test_it_hides_failures_outside_the_readers_jurisdiction(
    client: Client, world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    ids = [running.instance(running.blocked).pk]
    with django_capture_on_commit_callbacks(execute=True):
        job = do_start_migration(running.v2.pk, ids, actor=world["policy"])
    client.force_login(make_user("policy_b", "policy_staff", world.township_b))
    html = client.get(job_url(job)).content.decode()
    assert running.blocked.number not in html and "另有 1 件在您辖区之外" in html


def test_it_takes_actions_by_post_only(
    client: Client, world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        job = do_start_migration(running.v2.pk, None, actor=world["policy"])
    client.force_login(world["policy"])
    for name in ("studio:migration-pause", "studio:migration-resume", "studio:migration-back"):
        assert client.get(job_url(job, name)).status_code == 405, name
    assert client.get(start_url(running)).status_code == 405
    for name in ("studio:migration", "studio:migration-progress"):
        assert client.post(job_url(job, name)).status_code == 405, name


@pytest.mark.parametrize("username", ["clerk", "approver", "auditor", "outsider"])
def test_it_does_not_exist_for_other_roles(
    client: Client,
    world: World,
    running: Running,
    username: str,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        job = do_start_migration(running.v2.pk, None, actor=world["policy"])
    client.force_login(world[username])
    for name in ("studio:migration", "studio:migration-progress"):
        assert client.get(job_url(job, name)).status_code == 404, name
    for name in ("studio:migration-pause", "studio:migration-resume", "studio:migration-back"):
        assert client.post(job_url(job, name), {"to": running.v1.pk}).status_code == 404, name
    assert client.post(start_url(running)).status_code == 404
    job.refresh_from_db()
    assert job.status == MigrationStatus.QUEUED and MigrationJob.objects.count() == 1


def test_it_404s_a_missing_job(client: Client, world: World) -> None:
    client.force_login(world["policy"])
    assert client.get(reverse("studio:migration", args=[999999])).status_code == 404


def test_it_shows_the_job_in_english(
    client: Client, world: World, running: Running, django_capture_on_commit_callbacks
) -> None:
    ids = [running.instance(case).pk for case in [running.blocked, *running.movable]]
    with django_capture_on_commit_callbacks(execute=True):
        job = do_start_migration(running.v2.pk, ids, actor=world["policy"])
    client = english(client, world, "policy")
    html = assert_english(client, job_url(job))
    assert "Cases that did not move" in html and "which the target version changes" in html
