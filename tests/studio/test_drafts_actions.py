"""The draft actions: make a draft from a deployed version, save its files, submit, approve
(another officer: four eyes), send back, discard. Each is audited; each refuses plainly."""

from __future__ import annotations

import hashlib

import pytest
from django.http import Http404

from assistance.actions import ActionError
from engine.models import AuditEvent, ProcessDefinition
from studio.actions import (
    MAX_FILE_BYTES,
    StaleDraft,
    do_approve_draft,
    do_create_draft,
    do_discard_draft,
    do_return_draft,
    do_save_draft_file,
    do_submit_draft,
)
from studio.checks import draft_problems
from studio.models import Draft, DraftStatus
from tests.fixtures import World, make_user
from tests.studio.conftest import FORM, broken, changed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def save(draft: Draft, text: str, world: World, path: str = FORM) -> Draft:
    return do_save_draft_file(draft.pk, path, text, actor=world["policy"], revision=draft.revision)


def submitted(draft: Draft, world: World) -> Draft:
    draft = save(draft, changed(draft), world)
    return do_submit_draft(draft.pk, actor=world["policy"], note="理由上限改为1000字")


def test_it_copies_a_version_into_a_draft_of_its_scope(world, dibao):
    draft = do_create_draft(dibao.pk, actor=world["policy"])
    assert draft.sources == dibao.sources and draft.main == "dibao.bpmn"
    assert (draft.key, draft.name, draft.region, draft.base, draft.author) == (
        "dibao",
        dibao.name,
        None,
        dibao,
        world["policy"],
    )
    assert (draft.status, draft.revision) == (DraftStatus.EDITING, 0)
    [event] = events("draft.created")
    assert event.actor == world["policy"] and event.payload["draft"] == draft.pk
    assert event.payload["scope"] == "province" and event.payload["base_version"] == 1


def test_it_makes_a_countys_own_draft_from_a_province_version(world, dibao, county_policy):
    draft = do_create_draft(dibao.pk, actor=county_policy, region_id=world.county.pk)
    assert draft.region == world.county
    assert events("draft.created")[0].region_id == world.county.pk


def test_it_refuses_a_scope_outside_the_jurisdiction_or_not_a_county(world, dibao, county_policy):
    with pytest.raises(ActionError, match="管辖范围不包括全省"):
        do_create_draft(dibao.pk, actor=county_policy)
    with pytest.raises(ActionError, match="需要选择一个县"):
        do_create_draft(dibao.pk, actor=world["policy"], region_id=world.township_a.pk)
    with pytest.raises(Http404):
        do_create_draft(dibao.pk, actor=world["clerk"])
    assert not Draft.objects.exists()


def test_it_keeps_a_countys_version_in_its_county(world, dibao):
    county_draft = do_create_draft(dibao.pk, actor=world["policy"], region_id=world.county.pk)
    county_draft = save(county_draft, changed(county_draft), world)
    do_submit_draft(county_draft.pk, actor=world["policy"], note="县版本")
    county_version = do_approve_draft(county_draft.pk, actor=world["policy2"])
    assert county_version.region == world.county and county_version.version == 1
    with pytest.raises(ActionError, match="只能为该县编辑"):
        do_create_draft(county_version.pk, actor=world["policy"], region_id=world.province.pk)


def test_it_saves_a_file_and_audits_it_with_its_sha256(world, draft):
    text = changed(draft)
    draft = save(draft, text, world)
    assert draft.sources[FORM] == text and draft.revision == 1
    [event] = events("draft.saved")
    assert event.payload["path"] == FORM
    assert event.payload["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert event.payload["revision"] == 1 and event.actor == world["policy"]
    # Every save is audited, the same text saved again too.
    save(draft, text, world)
    assert len(events("draft.saved")) == 2


def test_it_stores_line_ends_as_newlines(world, draft):
    draft = save(draft, changed(draft).replace("\n", "\r\n"), world)
    assert "\r" not in draft.sources[FORM]


def test_it_refuses_a_stale_revision_and_saves_nothing(world, draft):
    first = save(draft, changed(draft), world)
    with pytest.raises(StaleDraft, match="已在别处") as refused:
        do_save_draft_file(draft.pk, FORM, "{}", actor=world["policy"], revision=0)
    assert refused.value.current_revision == 1
    draft.refresh_from_db()
    assert draft.sources[FORM] == first.sources[FORM] and draft.revision == 1


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        ("other.bpmn", "<x/>", "不是此草稿中的文件"),
        ("forms/../dibao.bpmn", "{}", "不是此草稿中的文件"),
        ("forms/a/b.json", "{}", "不是此草稿中的文件"),
        (FORM, "a\x00b", "NUL"),
        (FORM, "x" * (MAX_FILE_BYTES + 1), "最多 2048 KiB"),
    ],
)
def test_it_refuses_bad_files(world, draft, path, text, message):
    with pytest.raises(ActionError, match=message):
        do_save_draft_file(draft.pk, path, text, actor=world["policy"], revision=0)
    draft.refresh_from_db()
    assert draft.revision == 0 and not events("draft.saved")


def test_it_adds_a_new_form_file_but_not_twice(world, draft):
    draft = do_save_draft_file(
        draft.pk, "forms/extra.json", "{}", actor=world["policy"], revision=0, create=True
    )
    assert draft.sources["forms/extra.json"] == "{}"
    assert events("draft.saved")[0].payload["added"] is True
    with pytest.raises(ActionError, match="已有文件"):
        do_save_draft_file(
            draft.pk, "forms/extra.json", "{}", actor=world["policy"], revision=1, create=True
        )


def test_it_lets_only_the_author_edit_submit_and_discard(world, draft):
    for call in (
        lambda: do_save_draft_file(
            draft.pk, FORM, changed(draft), actor=world["policy2"], revision=0
        ),
        lambda: do_submit_draft(draft.pk, actor=world["policy2"], note="x"),
        lambda: do_discard_draft(draft.pk, actor=world["policy2"]),
    ):
        with pytest.raises(ActionError, match="只有草稿作者"):
            call()


def test_it_refuses_to_submit_with_problems_an_unchanged_draft_or_no_note(world, draft):
    with pytest.raises(ActionError, match="没有可部署的改动"):
        do_submit_draft(draft.pk, actor=world["policy"], note="没改")
    draft = save(draft, broken(draft), world)
    problems = draft_problems(draft)
    assert [problem.file for problem in problems] == ["dibao.bpmn"]
    assert problems[0].element == "opinion" and "dibao_opinion.json" in problems[0].message
    with pytest.raises(ActionError, match="部署检查发现此草稿有 1 个问题"):
        do_submit_draft(draft.pk, actor=world["policy"], note="改了表单")
    draft = save(draft, changed(Draft.objects.get(pk=draft.pk)).replace("objekt", "object"), world)
    with pytest.raises(ActionError, match="请填写说明"):
        do_submit_draft(draft.pk, actor=world["policy"], note="  ")
    assert draft_problems(draft) == []
    draft = do_submit_draft(draft.pk, actor=world["policy"], note="理由上限改为1000字")
    assert draft.status == DraftStatus.SUBMITTED and draft.submit_note == "理由上限改为1000字"
    assert events("draft.submitted")[0].payload["note"] == "理由上限改为1000字"


def test_it_refuses_to_edit_a_submitted_draft(world, draft):
    draft = submitted(draft, world)
    with pytest.raises(ActionError, match="已提交审核"):
        save(draft, "{}", world)


def test_it_deploys_when_another_officer_approves_naming_both(world, draft, dibao):
    draft = submitted(draft, world)
    with pytest.raises(ActionError, match="四眼原则"):
        do_approve_draft(draft.pk, actor=world["policy"])
    definition = do_approve_draft(draft.pk, actor=world["policy2"], note="同意")
    assert (definition.key, definition.version, definition.region) == ("dibao", 2, None)
    assert definition.deployed_by == world["policy"] and definition.reviewed_by == world["policy2"]
    assert definition.sources[FORM] == changed(dibao)
    draft.refresh_from_db()
    assert (draft.status, draft.deployed, draft.reviewer) == (
        DraftStatus.DEPLOYED,
        definition,
        world["policy2"],
    )
    [deployed] = events("definition.deployed")[-1:]
    assert deployed.actor == world["policy2"] and deployed.payload["author"] == world["policy"].pk
    [approved] = events("draft.approved")
    assert approved.actor == world["policy2"] and approved.payload["version"] == 2
    with pytest.raises(ActionError, match="不在等待审核"):
        do_approve_draft(draft.pk, actor=world["policy2"])


def test_it_hides_the_draft_from_reviewers_outside_its_scope(world, draft, county_policy):
    draft = submitted(draft, world)
    with pytest.raises(Http404):
        do_approve_draft(draft.pk, actor=county_policy)
    with pytest.raises(Http404):
        do_approve_draft(draft.pk, actor=make_user("nobody", None, world.province))


def test_it_refuses_an_approval_of_an_older_revision(world, draft):
    draft = submitted(draft, world)
    with pytest.raises(StaleDraft):
        do_approve_draft(draft.pk, actor=world["policy2"], revision=draft.revision - 1)
    assert ProcessDefinition.objects.filter(key="dibao").count() == 1


def test_it_refuses_to_approve_files_a_version_of_the_scope_already_has(world, draft, dibao):
    draft = submitted(draft, world)
    second = do_create_draft(dibao.pk, actor=world["policy2"])
    second = do_save_draft_file(
        second.pk, FORM, changed(second), actor=world["policy2"], revision=0
    )
    do_submit_draft(second.pk, actor=world["policy2"], note="同样的改动")
    do_approve_draft(draft.pk, actor=world["policy2"])
    with pytest.raises(ActionError, match="没有可部署的内容"):
        do_approve_draft(second.pk, actor=world["policy"])
    second.refresh_from_db()
    assert second.status == DraftStatus.SUBMITTED


def test_it_sends_the_draft_back_with_the_reviewers_note(world, draft):
    draft = submitted(draft, world)
    with pytest.raises(ActionError, match="请填写说明"):
        do_return_draft(draft.pk, actor=world["policy2"], note="")
    with pytest.raises(ActionError, match="四眼原则"):
        do_return_draft(draft.pk, actor=world["policy"], note="自己退回")
    draft = do_return_draft(draft.pk, actor=world["policy2"], note="请说明依据")
    assert (draft.status, draft.review_note, draft.reviewer) == (
        DraftStatus.EDITING,
        "请说明依据",
        world["policy2"],
    )
    assert events("draft.returned")[0].payload["note"] == "请说明依据"
    # Back with the author: editable again, and submitted again clears the old note.
    draft = save(draft, draft.sources[FORM].replace("1000", "1500"), world)
    draft = do_submit_draft(draft.pk, actor=world["policy"], note="已补充依据")
    assert draft.review_note == "" and draft.reviewer is None


def test_it_lets_the_author_discard_a_draft(world, draft):
    draft = do_discard_draft(draft.pk, actor=world["policy"])
    assert draft.status == DraftStatus.DISCARDED
    assert events("draft.discarded")[0].actor == world["policy"]
    with pytest.raises(ActionError, match="已放弃"):
        do_discard_draft(draft.pk, actor=world["policy"])
