"""Making a draft from a version's page ("编辑（新建草稿）"): the draft keeps the version's
scope, or is a county's own version; the library lists the open drafts and those awaiting
my review."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from engine.models import ProcessDefinition
from studio.actions import do_save_draft_file, do_submit_draft
from studio.models import Draft
from tests.fixtures import World
from tests.studio.conftest import FORM, changed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def create_url(definition: ProcessDefinition) -> str:
    return reverse("studio:draft-create", args=[definition.pk])


def process_url(definition: ProcessDefinition) -> str:
    return reverse("studio:process-by-id", args=[definition.pk])


def test_it_offers_the_button_with_the_scopes_of_the_officer(
    client: Client, world: World, dibao: ProcessDefinition, county_policy
) -> None:
    client.force_login(world["policy"])
    html = client.get(process_url(dibao), follow=True).content.decode()
    assert "编辑（新建草稿）" in html and create_url(dibao) in html
    assert '<option value="province">全省通用</option>' in html
    assert f'<option value="{world.county.pk}">仅限示范县</option>' in html
    client.force_login(county_policy)
    html = client.get(process_url(dibao), follow=True).content.decode()
    assert 'value="province"' not in html
    assert f'type="hidden" name="scope" value="{world.county.pk}"' in html


def test_it_makes_a_draft_and_opens_it(
    client: Client, world: World, dibao: ProcessDefinition
) -> None:
    client.force_login(world["policy"])
    response = client.post(create_url(dibao), {"scope": "province"})
    draft = Draft.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "studio:draft", args=[draft.pk]
    )
    assert draft.region is None and draft.author == world["policy"]
    page = client.get(response["Location"]).content.decode()
    assert f"已从 v1 新建草稿 #{draft.pk}" in page


def test_it_makes_a_countys_own_draft(
    client: Client, world: World, dibao: ProcessDefinition, county_policy
) -> None:
    client.force_login(county_policy)
    response = client.post(create_url(dibao), {"scope": str(world.county.pk)})
    assert response.status_code == 302
    assert Draft.objects.get().region == world.county


@pytest.mark.parametrize(
    ("scope", "message"),
    [("township", "请从列表中选择草稿的适用范围"), ("province", "您的管辖范围不包括全省")],
)
def test_it_refuses_a_bad_scope_in_chinese(
    client: Client,
    world: World,
    dibao: ProcessDefinition,
    county_policy,
    scope: str,
    message: str,
) -> None:
    client.force_login(county_policy)
    response = client.post(create_url(dibao), {"scope": scope}, follow=True)
    assert message in response.content.decode()
    assert not Draft.objects.exists()


def test_it_refuses_get(client: Client, world: World, dibao: ProcessDefinition) -> None:
    client.force_login(world["policy"])
    assert client.get(create_url(dibao)).status_code == 405


@pytest.mark.parametrize("username", ["clerk", "approver", "auditor", "outsider"])
def test_it_does_not_exist_for_others(
    client: Client, world: World, dibao: ProcessDefinition, username: str
) -> None:
    client.force_login(world[username])
    assert client.post(create_url(dibao), {"scope": "province"}).status_code == 404
    assert not Draft.objects.exists()


def test_it_lists_open_drafts_and_those_awaiting_my_review_in_the_library(
    client: Client, world: World, dibao: ProcessDefinition, draft: Draft
) -> None:
    client.force_login(world["policy"])
    html = client.get(reverse("studio:library")).content.decode()
    assert "进行中的草稿" in html and f'data-draft="{draft.pk}"' in html
    assert "等待我审核的草稿" not in html
    draft = do_save_draft_file(draft.pk, FORM, changed(draft), actor=world["policy"], revision=0)
    do_submit_draft(draft.pk, actor=world["policy"], note="改理由上限")
    # Not for the author to review…
    html = client.get(reverse("studio:library")).content.decode()
    assert "等待我审核的草稿" not in html and "已提交审核" in html
    # …but for the colleague.
    client.force_login(world["policy2"])
    html = client.get(reverse("studio:library")).content.decode()
    awaiting = html[html.index('id="drafts-awaiting"') : html.index('id="drafts-open"')]
    assert f'data-draft="{draft.pk}"' in awaiting and "policy" in awaiting


def test_it_hides_drafts_outside_the_jurisdiction_from_the_library(
    client: Client, world: World, draft: Draft, county_policy
) -> None:
    client.force_login(county_policy)
    html = client.get(reverse("studio:library")).content.decode()
    assert f'data-draft="{draft.pk}"' not in html


def test_it_names_the_reviewer_of_each_version_in_the_library(
    client: Client, world: World, dibao: ProcessDefinition
) -> None:
    from engine import runtime

    sources = dict(dibao.sources)
    sources[FORM] = sources[FORM].replace('"maxLength": 2000', '"maxLength": 1000')
    runtime.deploy(sources, "dibao.bpmn", actor=world["policy"], reviewer=world["policy2"])
    client.force_login(world["policy"])
    html = client.get(reverse("studio:library")).content.decode()
    dibao_card = html[html.index('data-process="dibao"') :]
    v2 = dibao_card[dibao_card.index('data-version="2"') :]
    v2 = v2[: v2.index("</tr>")]
    assert 'class="deployed-by">policy<' in v2 and 'class="reviewer">policy2<' in v2
    v1 = dibao_card[dibao_card.index('data-version="1"') :]
    assert 'class="reviewer">—<' in v1[: v1.index("</tr>")]
