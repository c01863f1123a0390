"""The form preview: a JSON Schema posted by the editor comes back as the HTML fragment the
portal's own renderer draws (the same as on a task page), or a Chinese message why not."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from studio.models import Draft
from studio.views_drafts import MAX_PREVIEW_BYTES
from tests.fixtures import World
from tests.studio.conftest import FORM, draft_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def preview(client: Client, draft: Draft, schema: str, **extra: str):
    return client.post(draft_url(draft, "studio:draft-form-preview"), {"schema": schema, **extra})


def test_it_draws_the_form_as_the_task_page_does(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    response = preview(client, draft, draft.sources[FORM], ui="{}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'data-state="ready"' in html
    assert 'type="radio" name="preview-opinion" value="approve"' in html
    assert "同意，提交公示" in html and "理由" in html


def test_it_draws_labels_in_english_when_english_is_chosen(
    client: Client, world: World, draft: Draft
) -> None:
    from tests.portal.test_english import english

    client = english(client, world, "policy")
    html = preview(client, draft, draft.sources[FORM]).content.decode()
    assert "Reasons" in html and "理由" not in html


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("{", "不是有效的 JSON：Expecting property name enclosed in double quotes（第 1 行"),
        ("[1, 2]", "表单必须是一个 JSON 对象"),
        ('{"type": "objekt"}', "不是有效的 JSON Schema（位置 type）"),
        ('{"type": "object", "properties": {"a": true}}', "系统无法显示此表单"),
        (
            json.dumps({"properties": {f"f{i}": {"type": "string"} for i in range(301)}}),
            "预览最多显示 300 个",
        ),
        ('{"title": "' + "x" * MAX_PREVIEW_BYTES + '"}', "表单超过 256 KiB"),
        ("[" * 100000 + "]" * 100000, "嵌套层数太多"),
    ],
)
def test_it_says_in_chinese_why_a_form_cannot_be_drawn(
    client: Client, world: World, draft: Draft, schema: str, message: str
) -> None:
    client.force_login(world["policy"])
    response = preview(client, draft, schema)
    assert response.status_code == 400
    html = response.content.decode()
    assert "无法预览表单：" in html and message in html


def test_it_refuses_a_ui_schema_that_is_not_an_object(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    response = preview(client, draft, draft.sources[FORM], ui="[]")
    assert response.status_code == 400 and "JSON 对象" in response.content.decode()


def test_it_refuses_get(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    assert client.get(draft_url(draft, "studio:draft-form-preview")).status_code == 405


def test_it_does_not_exist_for_outsiders(
    client: Client, world: World, draft: Draft, county_policy
) -> None:
    for user in (world["clerk"], world["auditor"], county_policy):
        client.force_login(user)
        assert preview(client, draft, "{}").status_code == 404


def test_it_shows_the_schemas_texts_as_text_not_html(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    schema = {
        "type": "object",
        "description": "<b>whole</b>",
        "properties": {"a": {"type": "string", "title": "<i>t</i>", "description": "<img src=x>"}},
    }
    html = preview(client, draft, json.dumps(schema)).content.decode()
    assert "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;img src=x&gt;" in html
