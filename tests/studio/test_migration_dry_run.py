"""A dry run of one case to a version, and moving that one case (POST)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from engine.models import AuditEvent, ProcessDefinition
from tests.engine.samples import tiny_sources
from tests.fixtures import World, make_user
from tests.portal.test_english import assert_english, english
from tests.studio.migration_world import Running, running_cases

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def running(world: World) -> Running:
    return running_cases(world, movable=1)


def dry_run_url(running: Running, case: object, target: ProcessDefinition | None = None) -> str:
    target = target or running.v2
    return reverse("studio:dry-run", args=[target.pk, running.instance(case).pk])  # type: ignore[arg-type]


def migrate_url(running: Running, case: object) -> str:
    return reverse("studio:migrate-instance", args=[running.v2.pk, running.instance(case).pk])  # type: ignore[arg-type]


def test_it_shows_what_moving_a_case_would_do(
    client: Client, world: World, running: Running
) -> None:
    [case] = running.movable
    client.force_login(world["policy"])
    response = client.get(dry_run_url(running, case))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"试迁移：案件 {case.number} 从 v1 到 v2" in html
    assert 'data-can-migrate="yes"' in html and "案件可以迁移。" in html
    assert '<dd class="before">受理审查</dd>' in html and '<dd class="after">受理审查</dd>' in html
    assert migrate_url(running, case) in html
    assert running.instance(case).definition_id == running.v1.pk
    assert not AuditEvent.objects.filter(action="instance.migrated").exists()


def test_it_shows_why_a_case_cannot_move_and_offers_no_button(
    client: Client, world: World, running: Running
) -> None:
    client.force_login(world["policy"])
    html = client.get(dry_run_url(running, running.blocked)).content.decode()
    assert 'data-can-migrate="no"' in html
    assert "案件所在的“等待核对报告”在目标版本中有改动" in html
    assert migrate_url(running, running.blocked) not in html


def test_it_moves_the_case(client: Client, world: World, running: Running) -> None:
    [case] = running.movable
    client.force_login(world["policy"])
    response = client.post(migrate_url(running, case), follow=True)
    assert response.redirect_chain[-1][0] == reverse("studio:impact", args=[running.v2.pk])
    assert f"案件 {case.number} 已迁移到 v2。" in response.content.decode()
    assert running.instance(case).definition_id == running.v2.pk
    event = AuditEvent.objects.get(action="instance.migrated")
    assert (event.case_id, event.actor) == (case.pk, world["policy"])
    # A second post finds it there already.
    response = client.post(migrate_url(running, case), follow=True)
    assert "已在此版本上" in response.content.decode()
    assert AuditEvent.objects.filter(action="instance.migrated").count() == 1


def test_it_refuses_to_move_a_case_that_cannot(
    client: Client, world: World, running: Running
) -> None:
    client.force_login(world["policy"])
    response = client.post(migrate_url(running, running.blocked), follow=True)
    assert response.redirect_chain[-1][0] == dry_run_url(running, running.blocked)
    assert "案件无法迁移到版本 2" in response.content.decode()
    assert running.instance(running.blocked).definition_id == running.v1.pk


def test_it_takes_the_move_by_post_only(client: Client, world: World, running: Running) -> None:
    [case] = running.movable
    client.force_login(world["policy"])
    assert client.get(migrate_url(running, case)).status_code == 405
    assert client.post(dry_run_url(running, case)).status_code == 405


@pytest.mark.parametrize("username", ["clerk", "approver", "auditor", "outsider"])
def test_it_does_not_exist_for_other_roles(
    client: Client, world: World, running: Running, username: str
) -> None:
    [case] = running.movable
    client.force_login(world[username])
    assert client.get(dry_run_url(running, case)).status_code == 404
    assert client.post(migrate_url(running, case)).status_code == 404
    assert running.instance(case).definition_id == running.v1.pk


def test_it_404s_a_case_outside_the_jurisdiction(
    client: Client, world: World, running: Running
) -> None:
    [case] = running.movable
    client.force_login(make_user("policy_b", "policy_staff", world.township_b))
    assert client.get(dry_run_url(running, case)).status_code == 404
    assert client.post(migrate_url(running, case)).status_code == 404


def test_it_404s_a_case_of_another_process(client: Client, world: World, running: Running) -> None:
    from engine import runtime

    tiny, _created = runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    [case] = running.movable
    client.force_login(world["policy"])
    assert client.get(dry_run_url(running, case, tiny)).status_code == 404


def test_it_shows_the_dry_run_in_english(client: Client, world: World, running: Running) -> None:
    client = english(client, world, "policy")
    html = assert_english(client, dry_run_url(running, running.blocked))
    assert "which the target version changes" in html and "Acceptance review" not in html
    [case] = running.movable
    assert "Acceptance review" in assert_english(client, dry_run_url(running, case))
