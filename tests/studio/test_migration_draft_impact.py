"""The impact report of a draft, before it is deployed: the running cases by version and
step, and whether each could move to the draft; nothing is deployed by asking."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from engine.models import ProcessDefinition
from studio.models import Draft
from tests.fixtures import World, make_user
from tests.studio.conftest import broken, draft_url
from tests.studio.migration_world import LONGER_CHECK
from tests.studio.test_library import row
from tests.workflows.dibao import accept, apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def impact_url(draft: Draft) -> str:
    return reverse("studio:draft-impact", args=[draft.pk])


def test_it_reports_the_running_cases_before_the_draft_is_deployed(
    client: Client, world: World, draft: Draft
) -> None:
    apply(world)
    checking = apply(world)
    accept(world, checking)
    path = "shared_economic_check.bpmn"
    Draft.objects.filter(pk=draft.pk).update(
        sources={**draft.sources, path: draft.sources[path].replace(*LONGER_CHECK)}
    )
    client.force_login(world["policy2"])
    assert impact_url(draft) in client.get(draft_url(draft)).content.decode()
    response = client.get(impact_url(draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<strong class="total">2</strong>' in html and '<strong class="movable">1</strong>' in html
    )
    assert "有改动" in row(html, 'data-node="check_wait"')
    # No dry run before the deploy, and nothing was deployed by asking.
    assert 'href="/studio/processes/' not in html[html.index("impact-version") :]
    assert ProcessDefinition.objects.filter(key="dibao").count() == 1


def test_it_says_why_a_broken_draft_has_no_report(
    client: Client, world: World, draft: Draft
) -> None:
    Draft.objects.filter(pk=draft.pk).update(
        sources={**draft.sources, "forms/dibao_opinion.json": broken(draft)}
    )
    client.force_login(world["policy"])
    html = client.get(impact_url(draft)).content.decode()
    assert "草稿尚未通过部署检查" in html and "dibao_opinion.json" in html


def test_it_refuses_post(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    assert client.post(impact_url(draft)).status_code == 405


@pytest.mark.parametrize("username", ["clerk", "approver", "auditor"])
def test_it_does_not_exist_for_other_roles(
    client: Client, world: World, draft: Draft, username: str
) -> None:
    client.force_login(world[username])
    assert client.get(impact_url(draft)).status_code == 404


def test_it_404s_a_draft_the_reader_may_not_see(client: Client, world: World, draft: Draft) -> None:
    client.force_login(make_user("policy_b", "policy_staff", world.township_b))
    assert client.get(impact_url(draft)).status_code == 404
    client.force_login(world["policy"])
    assert client.get(reverse("studio:draft-impact", args=[999999])).status_code == 404
