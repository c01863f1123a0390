"""The impact report of a version on running cases: by older version and step, whether each
case can move and why not; case numbers only, in the reader's jurisdiction."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.fixtures import World, make_user
from tests.portal.test_english import assert_english, english
from tests.studio.migration_world import Running, running_cases
from tests.studio.test_library import process_url, row
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def running(world: World) -> Running:
    return running_cases(world)


def impact_url(running: Running) -> str:
    return reverse("studio:impact", args=[running.v2.pk])


def test_it_reports_the_running_cases_by_version_and_step(
    client: Client, world: World, running: Running
) -> None:
    client.force_login(world["policy"])
    response = client.get(impact_url(running))
    assert response.status_code == 200
    html = response.content.decode()
    assert "对运行中案件的影响" in html and "最低生活保障审批 v2" in html
    assert (
        '<strong class="total">3</strong>' in html and '<strong class="movable">2</strong>' in html
    )
    v1 = html[html.index('data-version="1"') :]
    acceptance = row(v1, 'data-node="acceptance"')
    assert 'class="count">2<' in acceptance and 'class="movable">2<' in acceptance
    check = row(v1, 'data-node="check_wait"')
    assert 'class="blocked">1<' in check and "属于“家庭经济状况核对”环节" in check
    assert "案件所在的“等待核对报告”在目标版本中有改动：属性（表单、期限、材料…）。" in check
    for case in running.movable:
        case_row = row(v1, f'data-case="{case.number}"')
        assert '<span class="can">是</span>' in case_row
        dry_run = reverse("studio:dry-run", args=[running.v2.pk, running.instance(case).pk])
        assert dry_run in case_row
    assert '<span class="cannot">否</span>' in row(v1, f'data-case="{running.blocked.number}"')
    # The bulk migration is offered for the two that can move.
    assert reverse("studio:start-migration", args=[running.v2.pk]) in html
    assert "批量迁移" in html
    # No household is named: case numbers only.
    assert "成员0" not in html and "东村1组" not in html


def test_it_is_linked_from_the_version_page(client: Client, world: World, running: Running) -> None:
    client.force_login(world["policy"])
    html = client.get(process_url(running.v2)).content.decode()
    assert impact_url(running) in html and "对运行中案件的影响" in html


def test_it_offers_no_bulk_migration_when_no_case_can_move(client: Client, world: World) -> None:
    running = running_cases(world, movable=0)
    client.force_login(world["policy"])
    html = client.get(impact_url(running)).content.decode()
    assert '<strong class="movable">0</strong>' in html
    assert reverse("studio:start-migration", args=[running.v2.pk]) not in html


def test_it_reports_moving_back_from_a_newer_version(
    client: Client, world: World, running: Running
) -> None:
    apply(world)  # starts on v2
    client.force_login(world["policy"])
    html = client.get(reverse("studio:impact", args=[running.v1.pk])).content.decode()
    assert 'data-version="2"' in html and "较新版本：迁回" in html


def test_it_shows_only_cases_in_the_readers_jurisdiction(
    client: Client, world: World, running: Running
) -> None:
    elsewhere = make_user("policy_b", "policy_staff", world.township_b)
    client.force_login(elsewhere)
    html = client.get(impact_url(running)).content.decode()
    assert running.blocked.number not in html
    assert "您辖区内没有在本流程其他版本上运行的案件" in html


def test_it_refuses_post(client: Client, world: World, running: Running) -> None:
    client.force_login(world["policy"])
    assert client.post(impact_url(running)).status_code == 405


@pytest.mark.parametrize("username", ["clerk", "approver", "auditor", "outsider"])
def test_it_does_not_exist_for_other_roles(
    client: Client, world: World, running: Running, username: str
) -> None:
    client.force_login(world[username])
    assert client.get(impact_url(running)).status_code == 404


def test_it_404s_a_missing_version(client: Client, world: World) -> None:
    client.force_login(world["policy"])
    assert client.get(reverse("studio:impact", args=[999999])).status_code == 404


def test_it_shows_the_report_in_english(client: Client, world: World, running: Running) -> None:
    client = english(client, world, "policy")
    html = assert_english(client, impact_url(running))
    assert "Impact on running cases" in html and "Acceptance review" in html
    assert "which the target version changes" in html


def test_it_keeps_queries_flat_with_more_cases(
    client: Client, world: World, running: Running
) -> None:
    # The report of v1 lists the cases of v2 (moving back): add some between two counts.
    apply(world)
    client.force_login(world["policy"])
    url = reverse("studio:impact", args=[running.v1.pk])
    client.get(url)  # warm the per-definition caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(5):
        apply(world)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("data-instance=") == 6
    assert len(many.captured_queries) == len(few.captured_queries)
