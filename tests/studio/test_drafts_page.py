"""A draft's page: its base version, scope, author and status, its files, the diagram of its
main file and the server's deploy checks; the checks also as JSON for the editor."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from studio.actions import do_create_draft, do_save_draft_file
from studio.models import Draft
from tests.fixtures import World
from tests.portal.test_english import assert_english, english
from tests.studio.conftest import FORM, broken, changed, draft_url, file_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def test_it_shows_the_draft_with_its_files_and_no_problem(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    response = client.get(draft_url(draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"草稿 #{draft.pk}" in html and "编辑中" in html
    assert reverse("studio:process-by-id", args=[draft.base_id]) in html
    assert '<dd id="draft-author">policy</dd>' in html
    assert "全省通用" in html
    for path in draft.sources:
        assert file_url(draft, path) in html
    assert html.index('data-file="dibao.bpmn"') < html.index(f'data-file="{FORM}"')
    assert "未发现问题：草稿可以部署。" in html
    assert 'data-source="' + draft_url(draft, "studio:draft-diagram") in html
    # The author may submit; there is nothing to approve for them.
    assert draft_url(draft, "studio:draft-submit") in html
    assert draft_url(draft, "studio:draft-approve") not in html


def test_it_lists_each_problem_with_file_element_and_line(
    client: Client, world: World, draft: Draft
) -> None:
    draft = do_save_draft_file(draft.pk, FORM, broken(draft), actor=world["policy"], revision=0)
    client.force_login(world["policy"])
    html = client.get(draft_url(draft)).content.decode()
    problems = html[html.index('id="draft-checks"') :]
    assert 'data-element="opinion"' in problems and "“乡镇审核意见”" in problems
    assert "dibao_opinion.json" in problems and "第 " in problems
    assert "下方的部署检查没有问题后，草稿才能提交审核。" in html
    row = html[html.index(f'data-file="{FORM}"') :]
    assert 'class="change">已修改<' in row[: row.index("</tr>")]


def test_it_gives_the_problems_as_json(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    data = json.loads(client.get(draft_url(draft, "studio:draft-check")).content)
    assert data == {"problems": [], "revision": 0}
    do_save_draft_file(draft.pk, FORM, broken(draft), actor=world["policy"], revision=0)
    data = json.loads(client.get(draft_url(draft, "studio:draft-check")).content)
    [problem] = data["problems"]
    assert set(problem) == {"file", "element", "name", "line", "message"}
    assert (problem["file"], problem["element"], problem["name"]) == (
        "dibao.bpmn",
        "opinion",
        "乡镇审核意见",
    )
    assert isinstance(problem["line"], int) and "不是有效的 JSON Schema" in problem["message"]


def test_it_gives_the_main_diagram_with_the_elements_that_have_problems(
    client: Client, world: World, draft: Draft
) -> None:
    do_save_draft_file(draft.pk, FORM, broken(draft), actor=world["policy"], revision=0)
    client.force_login(world["policy"])
    data = json.loads(client.get(draft_url(draft, "studio:draft-diagram")).content)
    assert 'id="dibao"' in data["xml"] and data["problems"] == ["opinion"]
    assert data["active"] == [] and data["completed"] == []


def test_it_shows_a_broken_main_file_without_failing(
    client: Client, world: World, draft: Draft
) -> None:
    do_save_draft_file(draft.pk, "dibao.bpmn", "<bpmn", actor=world["policy"], revision=0)
    client = english(client, world, "policy")
    assert client.get(draft_url(draft, "studio:draft-diagram")).status_code == 200
    html = client.get(draft_url(draft)).content.decode()
    assert "not well-formed XML" in html


def test_it_warns_when_the_scope_has_a_newer_version(
    client: Client, world: World, dibao, draft: Draft
) -> None:
    other = do_create_draft(dibao.pk, actor=world["policy2"])
    from engine import runtime

    sources = {**other.sources, FORM: changed(other)}
    runtime.deploy(sources, "dibao.bpmn", actor=world["policy2"], reviewer=world["policy"])
    client.force_login(world["policy"])
    html = client.get(draft_url(draft)).content.decode()
    assert "本范围的最新版本是 v2" in html


def test_it_is_in_english(client: Client, world: World, draft: Draft) -> None:
    client = english(client, world, "policy")
    html = assert_english(client, draft_url(draft))
    assert "Deploy checks" in html and "Submit for review" in html


@pytest.mark.parametrize("name", ["studio:draft", "studio:draft-check", "studio:draft-diagram"])
def test_it_refuses_post(client: Client, world: World, draft: Draft, name: str) -> None:
    client.force_login(world["policy"])
    assert client.post(draft_url(draft, name)).status_code == 405


@pytest.mark.parametrize("name", ["studio:draft", "studio:draft-check", "studio:draft-diagram"])
def test_it_does_not_exist_for_outsiders(
    client: Client, world: World, draft: Draft, county_policy, name: str
) -> None:
    for user in (world["clerk"], world["auditor"], world["approver"], county_policy):
        client.force_login(user)
        assert client.get(draft_url(draft, name)).status_code == 404, user
    client.force_login(world["policy"])
    assert client.get(reverse(name, args=[draft.pk + 1000])).status_code == 404


def test_it_shows_a_countys_draft_to_the_countys_officer(
    client: Client, world: World, dibao, county_policy
) -> None:
    county_draft = do_create_draft(dibao.pk, actor=world["policy"], region_id=world.county.pk)
    client.force_login(county_policy)
    html = client.get(draft_url(county_draft)).content.decode()
    assert "仅限示范县" in html
