"""Four eyes: the author submits a draft with a note; another policy officer approves it
(it deploys, naming both) or sends it back with a note the author reads; the author may
discard it. The author never approves their own draft."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from engine.models import AuditEvent, ProcessDefinition
from studio.actions import do_save_draft_file, do_submit_draft
from studio.models import Draft, DraftStatus
from tests.fixtures import World
from tests.studio.conftest import FORM, broken, changed, draft_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

ACTIONS = [
    "studio:draft-submit",
    "studio:draft-approve",
    "studio:draft-return",
    "studio:draft-discard",
]


@pytest.fixture
def edited(world: World, draft: Draft) -> Draft:
    return do_save_draft_file(draft.pk, FORM, changed(draft), actor=world["policy"], revision=0)


@pytest.fixture
def submitted(world: World, edited: Draft) -> Draft:
    return do_submit_draft(edited.pk, actor=world["policy"], note="理由上限改为1000字")


def test_it_lets_the_author_submit_with_a_note(client: Client, world: World, edited: Draft) -> None:
    client.force_login(world["policy"])
    response = client.post(
        draft_url(edited, "studio:draft-submit"), {"note": "理由上限改为1000字", "revision": "1"}
    )
    assert response.status_code == 302
    edited.refresh_from_db()
    assert edited.status == DraftStatus.SUBMITTED
    html = client.get(draft_url(edited)).content.decode()
    assert "已提交审核。" in html and "等待另一位政策工作人员审核。" in html
    assert "理由上限改为1000字" in html and "readonly" not in html


def test_it_refuses_to_submit_while_checks_find_problems_and_keeps_the_note(
    client: Client, world: World, draft: Draft
) -> None:
    draft = do_save_draft_file(draft.pk, FORM, broken(draft), actor=world["policy"], revision=0)
    client.force_login(world["policy"])
    response = client.post(
        draft_url(draft, "studio:draft-submit"), {"note": "我的说明", "revision": "1"}
    )
    html = response.content.decode()
    assert "部署检查发现此草稿有 1 个问题" in html and ">我的说明</textarea>" in html
    draft.refresh_from_db()
    assert draft.status == DraftStatus.EDITING


def test_it_needs_a_note_to_submit(client: Client, world: World, edited: Draft) -> None:
    client.force_login(world["policy"])
    response = client.post(draft_url(edited, "studio:draft-submit"), {"note": "", "revision": "1"})
    assert "请填写说明。" in response.content.decode()


def test_it_refuses_the_author_approving_their_own_draft(
    client: Client, world: World, submitted: Draft
) -> None:
    client.force_login(world["policy"])
    assert (
        draft_url(submitted, "studio:draft-approve")
        not in client.get(draft_url(submitted)).content.decode()
    )
    response = client.post(draft_url(submitted, "studio:draft-approve"), {"revision": "1"})
    assert "此草稿由您编写：须由另一位政策工作人员审核（四眼原则）。" in response.content.decode()
    assert ProcessDefinition.objects.filter(key="dibao").count() == 1


def test_it_deploys_when_another_officer_approves(
    client: Client, world: World, submitted: Draft
) -> None:
    client.force_login(world["policy2"])
    html = client.get(draft_url(submitted)).content.decode()
    assert "policy 请您审核此草稿" in html and "批准并部署" in html
    response = client.post(
        draft_url(submitted, "studio:draft-approve"), {"note": "同意", "revision": "1"}
    )
    assert response.status_code == 302
    new = ProcessDefinition.objects.get(key="dibao", version=2)
    assert (new.deployed_by, new.reviewed_by) == (world["policy"], world["policy2"])
    html = client.get(draft_url(submitted)).content.decode()
    assert "已批准，并部署为第 2 版。" in html and 'id="draft-deployed">v2<' in html
    assert '<dd id="draft-reviewer">policy2' in html
    library = client.get(reverse("studio:library")).content.decode()
    row = library[library.index('data-version="2"') :]
    row = row[: row.index("</tr>")]
    assert 'class="deployed-by">policy<' in row and 'class="reviewer">policy2<' in row
    deployed = AuditEvent.objects.get(action="definition.deployed", payload__version=2)
    assert deployed.actor == world["policy2"] and deployed.payload["author_name"] == "policy"
    history = html[html.index('id="draft-history"') :]
    actions = [part.split('"', 1)[0] for part in history.split('data-action="')[1:]]
    assert actions == [
        "draft.created",
        "draft.saved",
        "draft.submitted",
        "definition.deployed",
        "draft.approved",
    ]
    assert "v2，编写人 policy" in history


def test_it_refuses_an_approval_of_a_changed_revision(
    client: Client, world: World, submitted: Draft
) -> None:
    client.force_login(world["policy2"])
    response = client.post(draft_url(submitted, "studio:draft-approve"), {"revision": "0"})
    assert "打开此页面后草稿又保存过" in response.content.decode()
    assert not ProcessDefinition.objects.filter(version=2).exists()


def test_it_sends_it_back_with_a_note_the_author_reads(
    client: Client, world: World, submitted: Draft
) -> None:
    client.force_login(world["policy2"])
    url = draft_url(submitted, "studio:draft-return")
    response = client.post(url, {"note": "", "revision": "1"})
    assert "请填写说明。" in response.content.decode()
    response = client.post(url, {"note": "请附上政策依据", "revision": "1"})
    assert response.status_code == 302
    client.force_login(world["policy"])
    html = client.get(draft_url(submitted)).content.decode()
    assert "审核人退回意见" in html and "请附上政策依据" in html and "编辑中" in html
    assert draft_url(submitted, "studio:draft-submit") in html


def test_it_lets_the_author_discard(client: Client, world: World, draft: Draft) -> None:
    client.force_login(world["policy2"])
    response = client.post(draft_url(draft, "studio:draft-discard"), follow=True)
    assert "只有草稿作者 policy 可以修改它" in response.content.decode()
    client.force_login(world["policy"])
    response = client.post(draft_url(draft, "studio:draft-discard"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("studio:library")
    assert "草稿已放弃。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DraftStatus.DISCARDED


@pytest.mark.parametrize("name", ACTIONS)
def test_it_refuses_get(client: Client, world: World, draft: Draft, name: str) -> None:
    client.force_login(world["policy"])
    assert client.get(draft_url(draft, name)).status_code == 405


@pytest.mark.parametrize("name", ACTIONS)
def test_it_does_not_exist_for_outsiders(
    client: Client, world: World, submitted: Draft, county_policy, name: str
) -> None:
    for user in (world["clerk"], world["approver"], world["auditor"], county_policy):
        client.force_login(user)
        response = client.post(draft_url(submitted, name), {"note": "x", "revision": "1"})
        assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == DraftStatus.SUBMITTED
