"""A held case moved to the version that fixes its diagram, then retried, from the incident
list: offered only when a newer version of its process exists."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from engine import runtime
from engine.models import AuditEvent, Incident, ProcessDefinition, ProcessInstance
from tests.engine.samples import tiny_sources
from tests.fixtures import World, make_user

pytestmark = pytest.mark.django_db

ANSWER = {"answer": "好的", "count": "4"}
LIST = reverse("studio:incidents")


@pytest.fixture
def held(client: Client, world: World, tiny_case: object) -> Incident:
    """The tiny process's script divides by zero after the clerk submits its task."""
    runtime.deploy(
        tiny_sources(script="doubled = count / divisor", start_data="divisor"),
        "tiny.bpmn",
        actor=world["policy"],
    )
    instance = runtime.start(
        "tiny",
        case_id=tiny_case.pk,  # type: ignore[attr-defined]
        region_id=world.village_a1.pk,
        actor=None,
        data={"divisor": 0},
    )
    client.force_login(world["clerk"])
    client.post(reverse("task", args=[instance.tasks.get().pk]), ANSWER)
    client.logout()
    return Incident.objects.get()


@pytest.fixture
def fixed(world: World, held: Incident) -> ProcessDefinition:
    """v2 of the tiny process: the script no longer divides."""
    definition, _created = runtime.deploy(
        tiny_sources(script="doubled = count * 2"), "tiny.bpmn", actor=world["policy"]
    )
    return definition


def migrate_url(incident: Incident) -> str:
    return reverse("studio:incident-migrate", args=[incident.pk])


def test_it_offers_the_fixed_version_only_when_there_is_one(
    client: Client, world: World, held: Incident
) -> None:
    client.force_login(world["policy"])
    assert migrate_url(held) not in client.get(LIST).content.decode()
    runtime.deploy(tiny_sources(script="doubled = count * 2"), "tiny.bpmn", actor=world["policy"])
    html = client.get(LIST).content.decode()
    assert migrate_url(held) in html and "迁移到修复后的版本（v2）" in html


def test_it_shows_the_dry_run_first(
    client: Client, world: World, held: Incident, fixed: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    response = client.get(migrate_url(held))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"试迁移：案件 {held.case.number} 从 v1 到 v2" in html and "案件可以迁移。" in html
    assert '<dd class="changed-ahead">calc (脚本)</dd>' in html
    assert "迁移到 v2 并重试" in html
    held.instance.refresh_from_db()
    assert held.instance.definition_id != fixed.pk


def test_it_moves_the_case_and_retries_the_held_step(
    client: Client, world: World, held: Incident, fixed: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    response = client.post(migrate_url(held), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert f"案件 {held.case.number} 已迁移到 v2 并继续办理。" in response.content.decode()
    held.refresh_from_db()
    assert not held.is_open and held.resolved_by == world["policy"]
    instance = ProcessInstance.objects.get(pk=held.instance_id)
    assert instance.definition_id == fixed.pk
    assert runtime.instance_data(instance)["doubled"] == 8
    actions = list(
        AuditEvent.objects.filter(case=held.case).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "instance.migrated",
        "incident.retried",
        "incident.resolved",
        "task.completed",
    ]


def test_it_keeps_the_move_when_the_retry_fails_again(
    client: Client, world: World, held: Incident
) -> None:
    still_broken, _created = runtime.deploy(
        tiny_sources(script="doubled = count / (divisor * 1)", start_data="divisor"),
        "tiny.bpmn",
        actor=world["policy"],
    )
    client.force_login(world["policy"])
    response = client.post(migrate_url(held), follow=True)
    assert "但该环节再次出错" in response.content.decode()
    held.refresh_from_db()
    assert held.is_open and held.attempts == 2
    assert ProcessInstance.objects.get(pk=held.instance_id).definition_id == still_broken.pk


def test_it_says_so_when_there_is_no_newer_version(
    client: Client, world: World, held: Incident
) -> None:
    client.force_login(world["policy"])
    response = client.get(migrate_url(held), follow=True)
    assert "没有可迁往的更新版本" in response.content.decode()
    response = client.post(migrate_url(held), follow=True)
    assert "没有可迁往的更新版本" in response.content.decode()
    assert not AuditEvent.objects.filter(action="instance.migrated").exists()


@pytest.mark.parametrize("username", ["clerk", "auditor", "outsider"])
def test_it_does_not_exist_for_other_roles(
    client: Client, world: World, held: Incident, fixed: ProcessDefinition, username: str
) -> None:
    client.force_login(world[username])
    assert client.get(migrate_url(held)).status_code == 404
    assert client.post(migrate_url(held)).status_code == 404


def test_it_404s_a_held_case_outside_the_jurisdiction(
    client: Client, world: World, held: Incident, fixed: ProcessDefinition
) -> None:
    client.force_login(make_user("policy_b", "policy_staff", world.township_b))
    assert client.post(migrate_url(held)).status_code == 404
    held.refresh_from_db()
    assert held.is_open


def test_it_takes_only_get_and_post(
    client: Client, world: World, held: Incident, fixed: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    assert client.put(migrate_url(held)).status_code == 405
