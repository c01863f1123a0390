"""A draft file's page: a plain textarea editor that works without JavaScript (save, stale
revision, refusals in Chinese with the text kept, a form's preview), the mount point and
data for the graphical editors, and adding a new form file."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from engine.models import AuditEvent
from studio.actions import do_save_draft_file, do_submit_draft
from studio.models import Draft
from tests.fixtures import World
from tests.studio.conftest import FORM, broken, changed, draft_url, file_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def textarea(html: str) -> str:
    found = re.search(
        r'<textarea id="draft-source" name="text"[^>]*>\n(.*?)</textarea>', html, re.S
    )
    assert found, "no textarea"
    return found.group(1)


def json_script(html: str, element_id: str) -> object:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert found, element_id
    return json.loads(found.group(1))


def test_it_shows_the_file_in_a_textarea_with_the_editor_mount(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    response = client.get(file_url(draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form id="draft-file-form" method="post"' in html
    assert 'name="revision" value="0"' in html
    assert "&quot;maxLength&quot;: 2000" in textarea(html)
    mount = html[html.index('<div id="draft-editor"') :]
    mount = mount[: mount.index(">")]
    assert 'data-kind="form"' in mount and f'data-file="{FORM}"' in mount
    assert f'data-check-url="{draft_url(draft, "studio:draft-check")}"' in mount
    assert f'data-preview-url="{draft_url(draft, "studio:draft-form-preview")}"' in mount
    roles = json_script(html, "studio-roles")
    assert {"code": "township_reviewer", "label": "乡镇审核"} in roles  # type: ignore[operator]
    assert "policy_staff" not in {role["code"] for role in roles}  # type: ignore[union-attr]
    assert "dibao_opinion.json" in json_script(html, "studio-forms")  # type: ignore[operator]
    evidence = json_script(html, "studio-evidence")
    assert {"code": "hukou", "label": "户口簿"} in evidence  # type: ignore[operator]
    assert 'value="preview"' in html and 'value="save"' in html


def test_it_marks_a_diagram_as_bpmn(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    html = client.get(file_url(draft, "dibao.bpmn")).content.decode()
    assert 'data-kind="bpmn"' in html and 'value="preview"' not in html


def test_it_saves_and_comes_back_with_the_problems(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    response = client.post(file_url(draft), {"text": broken(draft), "revision": "0"})
    assert response.status_code == 302 and response["Location"] == file_url(draft)
    draft.refresh_from_db()
    assert draft.revision == 1 and '"objekt"' in draft.sources[FORM]
    event = AuditEvent.objects.get(action="draft.saved")
    assert event.payload["path"] == FORM and len(event.payload["sha256"]) == 64
    html = client.get(response["Location"]).content.decode()
    assert f"已保存 {FORM}" in html
    assert 'name="revision" value="1"' in html
    # The checks locate the bad form at the diagram's task that names it: shown here too.
    checks = html[html.index('id="draft-file-checks"') : html.index('id="draft-editor"')]
    assert 'data-element="opinion"' in checks and "其他文件中" not in checks
    page = client.get(draft_url(draft)).content.decode()
    assert "dibao_opinion.json 不是有效的 JSON Schema" in page


def test_it_refuses_a_stale_revision_and_keeps_the_text(
    client: Client, world: World, draft: Draft
) -> None:
    do_save_draft_file(draft.pk, FORM, changed(draft), actor=world["policy"], revision=0)
    client.force_login(world["policy"])
    mine = changed(draft).replace("1000", "1234")
    response = client.post(file_url(draft), {"text": mine, "revision": "0"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "此草稿已在别处（另一个标签页或窗口）保存过" in html
    assert "1234" in textarea(html)
    assert 'name="revision" value="1"' in html
    assert "期间已保存的内容" in html
    draft.refresh_from_db()
    assert '"maxLength": 1000' in draft.sources[FORM] and draft.revision == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "a\x00b", "revision": "0"}, "NUL"),
        ({"text": "x" * (2 * 1024 * 1024 + 1), "revision": "0"}, "每个文件最多 2048 KiB"),
        ({"text": "{}"}, "页面没有提交版本号"),
    ],
)
def test_it_refuses_bad_input_in_chinese_and_keeps_the_text(
    client: Client, world: World, draft: Draft, data: dict[str, str], message: str
) -> None:
    client.force_login(world["policy"])
    response = client.post(file_url(draft), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.revision == 0


def test_it_lets_only_the_author_save(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy2"])
    html = client.get(file_url(draft)).content.decode()
    assert "readonly" in html and 'value="save"' not in html
    response = client.post(file_url(draft), {"text": changed(draft), "revision": "0"})
    assert response.status_code == 400
    assert "只有草稿作者 policy 可以修改它" in response.content.decode()


def test_it_keeps_a_submitted_draft_read_only(client: Client, world: World, draft: Draft) -> None:
    draft = do_save_draft_file(draft.pk, FORM, changed(draft), actor=world["policy"], revision=0)
    do_submit_draft(draft.pk, actor=world["policy"], note="改上限")
    client.force_login(world["policy"])
    response = client.post(file_url(draft), {"text": "{}", "revision": "1"})
    assert (
        response.status_code == 400 and "此草稿已提交审核，不能再修改" in response.content.decode()
    )


def test_it_previews_a_form_without_javascript_and_saves_nothing(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    text = changed(draft).replace('"审核意见"', '"审核结论"')
    response = client.post(file_url(draft), {"text": text, "revision": "0", "action": "preview"})
    assert response.status_code == 200
    html = response.content.decode()
    preview = html[html.index('id="form-preview"') :]
    assert "审核结论" in preview and 'name="preview-opinion"' in preview
    assert "同意，提交公示" in preview
    assert "审核结论" in textarea(html)
    draft.refresh_from_db()
    assert draft.revision == 0 and not AuditEvent.objects.filter(action="draft.saved").exists()


def test_it_says_in_the_preview_why_a_form_cannot_be_drawn(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    response = client.post(file_url(draft), {"text": "{", "revision": "0", "action": "preview"})
    assert "不是有效的 JSON" in response.content.decode()


def test_it_adds_a_new_form_file(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    url = draft_url(draft, "studio:draft-add-form")
    response = client.post(url, {"name": "extra_check", "revision": "0"})
    assert response["Location"] == file_url(draft, "forms/extra_check.json")
    draft.refresh_from_db()
    assert json.loads(draft.sources["forms/extra_check.json"])["type"] == "object"
    for name, message in (("extra_check", "草稿中已有文件"), ("../x", "不是此草稿中的文件")):
        response = client.post(url, {"name": name, "revision": "1"}, follow=True)
        assert message in response.content.decode()
    assert client.get(url).status_code == 405


def test_it_answers_404_for_a_file_not_in_the_draft(
    client: Client, world: World, draft: Draft
) -> None:
    client.force_login(world["policy"])
    assert client.get(file_url(draft, "forms/nothing.json")).status_code == 404
    response = client.post(file_url(draft, "forms/nothing.json"), {"text": "{}", "revision": "0"})
    assert response.status_code == 404


def test_it_refuses_other_methods(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy"])
    assert client.put(file_url(draft)).status_code == 405
    assert client.delete(file_url(draft)).status_code == 405


def test_it_does_not_exist_for_outsiders(
    client: Client, world: World, draft: Draft, county_policy
) -> None:
    for user in (world["clerk"], world["outsider"], world["auditor"], county_policy):
        client.force_login(user)
        assert client.get(file_url(draft)).status_code == 404
        response = client.post(file_url(draft), {"text": "{}", "revision": "0"})
        assert response.status_code == 404
        add = client.post(draft_url(draft, "studio:draft-add-form"), {"name": "x"})
        assert add.status_code == 404
    draft.refresh_from_db()
    assert draft.revision == 0


def test_it_links_each_problem_to_its_file(client: Client, world: World, draft: Draft) -> None:
    do_save_draft_file(draft.pk, FORM, broken(draft), actor=world["policy"], revision=0)
    client.force_login(world["policy"])
    html = client.get(file_url(draft, "dibao.bpmn")).content.decode()
    checks = html[html.index('id="draft-file-checks"') : html.index('id="draft-editor"')]
    assert 'data-element="opinion"' in checks
    assert reverse("studio:draft-file", args=[draft.pk, "dibao.bpmn"]) in checks
    other = client.get(file_url(draft, "forms/cosign.json")).content.decode()
    assert "此文件没有问题。" in other and "其他文件中还有 1 个问题" in other
