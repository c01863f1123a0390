"""Moving running instances between versions of their process (engine.migration): the
impact report, the dry run, the migration itself, migrating back, idempotence."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

import pytest

from engine import migration, runtime
from engine.clock import clock
from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, Task, Timer, Wait
from tests.engine.samples import tiny_bpmn, tiny_sources
from tests.fixtures import World
from tests.workflows.dibao import accept, apply, check, complete, investigate, open_tasks, to_notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

NEW_OPINION_TITLE = "乡镇审核意见（新）"
RENAME_OPINION = ('name="乡镇审核意见"', f'name="{NEW_OPINION_TITLE}"')
LONGER_NOTICE = (
    "notice_end(notice_from, notice_length,",
    "notice_end(notice_from, notice_length + 3,",
)


def dibao_version(world: World, **changes: tuple[str, str]) -> ProcessDefinition:
    """A new province-wide dibao version: each keyword a file (dots as underscores), each
    value a text to replace and its replacement."""
    current = ProcessDefinition.objects.filter(key="dibao", region__isnull=True).latest("version")
    sources = dict(current.sources)
    for name, (old, new) in changes.items():
        path = name.replace("_bpmn", ".bpmn")
        assert old in sources[path], (path, old)
        sources[path] = sources[path].replace(old, new)
    definition, created = runtime.deploy(sources, "dibao.bpmn", actor=world["policy"])
    assert created
    return definition


def texts(items: Iterable[object]) -> list[str]:
    return [str(item) for item in items]


def instance_of(case: object) -> ProcessInstance:
    return ProcessInstance.objects.get(case=case)


# ---------------------------------------------------------------- the tiny process


def without_ask(xml: str) -> str:
    """The tiny process with its user task taken out: start goes straight to the script."""
    xml = re.sub(r"<bpmn:laneSet.*?</bpmn:laneSet>", "", xml, flags=re.S)
    xml = re.sub(r'<bpmn:userTask id="ask".*?</bpmn:userTask>', "", xml, flags=re.S)
    xml = xml.replace('<bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="calc" />', "")
    xml = xml.replace('targetRef="ask"', 'targetRef="calc"')
    return xml.replace("<bpmn:incoming>f2</bpmn:incoming>", "<bpmn:incoming>f1</bpmn:incoming>")


def with_review(xml: str) -> str:
    """The tiny process with a second user task (复核) between the first and the script."""
    review = (
        '<bpmn:userTask id="review" name="复核"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formJsonSchemaFilename" value="tiny.json" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f2b</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="f2b" sourceRef="review" targetRef="calc" />'
    )
    xml = xml.replace(
        "<bpmn:flowNodeRef>ask</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>ask</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>",
    )
    xml = xml.replace('sourceRef="ask" targetRef="calc"', 'sourceRef="ask" targetRef="review"')
    xml = xml.replace(
        '<bpmn:scriptTask id="calc" name="calc"><bpmn:incoming>f2</bpmn:incoming>',
        review + '<bpmn:scriptTask id="calc" name="calc"><bpmn:incoming>f2b</bpmn:incoming>',
    )
    return xml


def deploy_tiny(world: World, xml: str) -> ProcessDefinition:
    sources = {**tiny_sources(), "tiny.bpmn": xml}
    definition, _created = runtime.deploy(sources, "tiny.bpmn", actor=world["policy"])
    return definition


def start_tiny(world: World, case: object) -> ProcessInstance:
    return runtime.start(
        "tiny",
        case_id=case.pk,
        region_id=world.village_a1.pk,
        actor=None,
        data={},  # type: ignore[attr-defined]
    )


ANSWER = {"answer": "好的", "count": 2}


# ---------------------------------------------------------------- impact


@pytest.mark.usefixtures("deployed")
def test_it_groups_running_cases_by_version_and_step(world: World) -> None:
    at_acceptance = [apply(world), apply(world)]
    checking = apply(world)
    accept(world, checking)
    v2 = dibao_version(world, dibao_bpmn=RENAME_OPINION)
    on_v2 = apply(world)
    v3 = dibao_version(world, shared_public_notice_bpmn=LONGER_NOTICE)

    report = migration.impact(v3.pk)

    assert report.target.version == 3 and not report.target.is_draft
    assert [version.version for version in report.versions] == [2, 1]
    newest, oldest = report.versions
    assert [instance.case_id for instance in newest.instances] == [on_v2.pk]
    nodes = {node.spec_name: node for node in oldest.nodes}
    assert set(nodes) == {"acceptance", "check_wait"}
    assert sorted(i.case_id for i in nodes["acceptance"].instances) == sorted(
        case.pk for case in at_acceptance
    )
    assert (nodes["acceptance"].title, nodes["acceptance"].movable) == ("受理审查", 2)
    assert [i.case_id for i in nodes["check_wait"].instances] == [checking.pk]
    assert (report.total, report.movable) == (4, 4)
    assert sorted(report.movable_ids()) == sorted(
        instance_of(case).pk for case in [*at_acceptance, checking, on_v2]
    )
    # Only the regions asked for; the other versions of the target's scope only.
    assert migration.impact(v3.pk, region_paths=[world.township_b.path]).total == 0
    assert migration.impact(v3.pk, region_paths=[world.township_a.path]).total == 4
    back = migration.impact(v2.pk)
    assert [version.version for version in back.versions] == [1]
    assert back.total == 3


@pytest.mark.usefixtures("deployed")
def test_it_reports_a_draft_before_it_is_deployed(world: World) -> None:
    apply(world)
    current = ProcessDefinition.objects.get(key="dibao")
    sources = dict(current.sources)
    sources["dibao.bpmn"] = sources["dibao.bpmn"].replace(*RENAME_OPINION)
    target = migration.target_for_sources(sources, "dibao.bpmn", region_id=None)

    report = migration.impact(target)

    assert target.is_draft and target.version is None
    assert (report.total, report.movable) == (1, 1)
    assert [version.version for version in report.versions] == [1]
    assert ProcessDefinition.objects.filter(key="dibao").count() == 1


@pytest.mark.usefixtures("deployed")
def test_it_refuses_a_case_whose_current_step_changes_inside_a_stage(world: World) -> None:
    checking = apply(world)
    accept(world, checking)
    at_acceptance = apply(world)
    v2 = dibao_version(
        world,
        shared_economic_check_bpmn=(
            "policy['investigation_working_days'])",
            "policy['investigation_working_days'] + 5)",
        ),
    )
    report = migration.impact(v2.pk)
    by_case = {i.case_id: i for i in report.versions[0].instances}
    assert by_case[at_acceptance.pk].can_migrate
    blocked = by_case[checking.pk]
    assert not blocked.can_migrate
    assert texts(blocked.problems) == [
        "案件所在的“等待核对报告”在目标版本中有改动：属性（表单、期限、材料…）。"
    ]
    nodes = {node.spec_name: node for node in report.versions[0].nodes}
    assert (nodes["check_wait"].blocked, nodes["acceptance"].reasons) == (1, [])
    with pytest.raises(migration.MigrationRefused) as refused:
        migration.migrate(instance_of(checking).pk, v2.pk, actor=world["policy"])
    assert refused.value.problems == blocked.problems


# ---------------------------------------------------------------- compatible changes


@pytest.mark.usefixtures("deployed")
@pytest.mark.reaches("dibao", "end_approved")
def test_it_moves_a_case_and_the_case_follows_the_new_version(world: World) -> None:
    case = apply(world)
    instance = instance_of(case)
    v2 = dibao_version(world, dibao_bpmn=RENAME_OPINION, shared_public_notice_bpmn=LONGER_NOTICE)

    assert migration.migrate(instance.pk, v2.pk, actor=world["policy"]) is True

    instance.refresh_from_db()
    assert (instance.definition_id, instance.revision) == (v2.pk, 2)
    event = AuditEvent.objects.get(case=case, action="instance.migrated")
    assert event.stream == f"case:{case.pk}" and event.actor == world["policy"]
    assert {key: event.payload[key] for key in ("from_version", "to_version", "key")} == {
        "from_version": 1,
        "to_version": 2,
        "key": "dibao",
    }
    # The open task is the same row, still at acceptance.
    assert open_tasks(case) == ["acceptance"]
    accept(world, case)
    check(world, case)
    investigate(world, case)
    assert Task.objects.get(case=case, spec_name="opinion").title == NEW_OPINION_TITLE
    complete(world, "reviewer", case, "opinion", opinion="approve")
    # The new version's notice: ten days from Monday 2 March instead of seven.
    assert Timer.objects.get(instance=instance).due_at.isoformat() == "2026-03-12T16:00:00+00:00"
    clock.advance(timedelta(days=11))
    assert runtime.fire_due_timers() == 1
    complete(world, "approver", case, "county_confirm", decision="approve")
    instance.refresh_from_db()
    assert instance.status == "completed"


def noted_after_check(world: World) -> ProcessDefinition:
    """A dibao version with a script step between the economic check stage and its gateway."""
    noted = (
        '<bpmn:scriptTask id="check_noted" name="登记核对结果">'
        "<bpmn:incoming>f_checked</bpmn:incoming><bpmn:outgoing>f_noted</bpmn:outgoing>"
        "<bpmn:script>check_noted = True</bpmn:script></bpmn:scriptTask>"
        '<bpmn:sequenceFlow id="f_noted" sourceRef="check_noted" targetRef="gw_check" />'
    )
    gateway = '<bpmn:exclusiveGateway id="gw_check" name="核对是否符合" default="f_check_no">'
    current = ProcessDefinition.objects.filter(key="dibao").latest("version")
    sources = dict(current.sources)
    xml = sources["dibao.bpmn"]
    xml = xml.replace(
        'sourceRef="economic_check" targetRef="gw_check"',
        'sourceRef="economic_check" targetRef="check_noted"',
    )
    xml = xml.replace(
        gateway + "\n      <bpmn:incoming>f_checked</bpmn:incoming>",
        noted + gateway + "\n      <bpmn:incoming>f_noted</bpmn:incoming>",
    )
    assert "check_noted" in xml and "f_noted</bpmn:incoming>" in xml
    sources["dibao.bpmn"] = xml
    definition, _created = runtime.deploy(sources, "dibao.bpmn", actor=world["policy"])
    return definition


@pytest.mark.usefixtures("deployed")
def test_it_moves_a_case_inside_a_stage_onto_a_new_step_after_it(world: World) -> None:
    case = apply(world)
    accept(world, case)
    instance = instance_of(case)
    v2 = noted_after_check(world)

    result = migration.dry_run(instance.pk, v2.pk)
    assert result.can_migrate and result.added == ["登记核对结果"]
    assert migration.migrate(instance.pk, v2.pk, actor=world["policy"])

    # The stage under way ends into the new step, then the case goes on as before.
    check(world, case)
    assert runtime.instance_data(instance_of(case))["check_noted"] is True
    assert open_tasks(case) == ["investigate"]


@pytest.mark.usefixtures("deployed")
def test_it_keeps_the_time_limit_of_a_case_waiting_for_it(world: World) -> None:
    case = apply(world)
    to_notice(world, case)
    instance = instance_of(case)
    timer = Timer.objects.get(instance=instance)
    wait = Wait.objects.get(instance=instance)
    clock.advance(timedelta(days=3))
    v2 = dibao_version(world, dibao_bpmn=RENAME_OPINION)

    assert migration.migrate(instance.pk, v2.pk, actor=world["policy"])

    # Still due when the notice posted before the move ends, not seven days from now.
    moved = Timer.objects.get(instance=instance)
    assert (moved.spiff_id, moved.due_at) == (timer.spiff_id, timer.due_at)
    assert Wait.objects.get(instance=instance).pk == wait.pk
    # What the instance remembers projecting still names the rows it kept.
    instance.refresh_from_db()
    assert instance.projected == {
        "tasks": [],
        "timers": [str(timer.spiff_id)],
        "waits": [str(wait.spiff_id)],
    }
    clock.set(timer.due_at + timedelta(seconds=1))
    assert runtime.fire_due_timers() == 1
    assert open_tasks(case) == ["county_confirm"]


@pytest.mark.usefixtures("deployed")
def test_it_keeps_an_open_task_its_claim_and_gives_it_the_new_title(world: World) -> None:
    case = apply(world)
    accept(world, case)
    check(world, case)
    investigate(world, case)
    task = Task.objects.get(case=case, spec_name="opinion")
    runtime.claim(task.pk, actor=world["reviewer"])
    v2 = dibao_version(world, dibao_bpmn=RENAME_OPINION)

    assert migration.migrate(instance_of(case).pk, v2.pk, actor=world["policy"])

    moved = Task.objects.get(case=case)
    assert (moved.pk, moved.claimed_by, moved.title) == (
        task.pk,
        world["reviewer"],
        NEW_OPINION_TITLE,
    )
    assert moved.due_date == task.due_date
    assert instance_of(case).projected["tasks"] == [str(task.spiff_id)]
    complete(world, "reviewer", case, "opinion", opinion="approve")
    assert Timer.objects.filter(instance__case=case).count() == 1


def test_it_reports_a_dry_run_without_writing(world: World, tiny_case: object) -> None:
    deploy_tiny(world, tiny_bpmn())
    instance = start_tiny(world, tiny_case)
    v2 = deploy_tiny(world, with_review(tiny_bpmn(title="填写申请")))

    result = migration.dry_run(instance.pk, v2.pk)

    assert result.can_migrate and result.problems == []
    assert (result.from_version, result.to_version) == (1, 2)
    assert [step.title for step in result.steps_before] == ["填写"]
    assert [step.title for step in result.steps_after] == ["填写申请"]
    assert result.added == ["复核"]
    assert texts(result.updated) == ["填写 (后续流向、名称)"]
    instance.refresh_from_db()
    assert (instance.definition_id, instance.revision) != (v2.pk, 2)
    assert not AuditEvent.objects.filter(action="instance.migrated").exists()


# ---------------------------------------------------------------- refusals


def test_it_refuses_a_case_at_a_step_the_target_removed(world: World, tiny_case: object) -> None:
    v1 = deploy_tiny(world, tiny_bpmn())
    instance = start_tiny(world, tiny_case)
    v2 = deploy_tiny(world, without_ask(tiny_bpmn(script="doubled = 4")))

    report = migration.impact(v2.pk)
    [checked] = report.versions[0].instances
    reason = "案件所在的“填写”在目标版本中已不存在。"
    assert not checked.can_migrate and texts(checked.problems) == [reason]
    assert texts(report.versions[0].nodes[0].reasons) == [reason]
    assert report.movable == 0
    assert texts(migration.dry_run(instance.pk, v2.pk).problems) == [reason]
    with pytest.raises(migration.MigrationRefused) as refused:
        migration.migrate(instance.pk, v2.pk, actor=world["policy"])
    assert texts(refused.value.problems) == [reason]
    instance.refresh_from_db()
    assert (instance.definition_id, instance.revision) == (v1.pk, 1)
    assert not AuditEvent.objects.filter(action="instance.migrated").exists()


def test_it_refuses_a_case_that_went_through_a_removed_step(
    world: World, tiny_case: object
) -> None:
    deploy_tiny(world, tiny_bpmn())
    instance = start_tiny(world, tiny_case)
    runtime.complete(instance.tasks.get().pk, actor=world["clerk"], data=ANSWER)
    v2 = deploy_tiny(world, without_ask(tiny_bpmn(script="doubled = 4")))

    result = migration.dry_run(instance.pk, v2.pk)

    assert texts(result.problems) == ["案件已经过的“填写”在目标版本中已不存在。"]


# ---------------------------------------------------------------- back and again


@pytest.mark.usefixtures("deployed")
def test_it_migrates_back_to_the_older_version(world: World) -> None:
    case = apply(world)
    instance = instance_of(case)
    v1 = instance.definition
    v2 = dibao_version(world, dibao_bpmn=RENAME_OPINION)
    assert migration.migrate(instance.pk, v2.pk, actor=world["policy"])

    assert migration.migrate(instance.pk, v1.pk, actor=world["policy2"])

    instance.refresh_from_db()
    assert instance.definition_id == v1.pk
    events = AuditEvent.objects.filter(case=case, action="instance.migrated").order_by("seq")
    assert [(e.payload["from_version"], e.payload["to_version"], e.actor) for e in events] == [
        (1, 2, world["policy"]),
        (2, 1, world["policy2"]),
    ]
    accept(world, case)
    check(world, case)
    investigate(world, case)
    assert Task.objects.get(case=case).title == "乡镇审核意见"


def test_it_cannot_move_back_a_case_at_a_step_the_older_version_lacks(
    world: World, tiny_case: object
) -> None:
    v1 = deploy_tiny(world, tiny_bpmn())
    instance = start_tiny(world, tiny_case)
    v2 = deploy_tiny(world, with_review(tiny_bpmn()))
    assert migration.migrate(instance.pk, v2.pk, actor=world["policy"])
    runtime.complete(instance.tasks.get().pk, actor=world["clerk"], data=ANSWER)
    assert instance.tasks.get().spec_name == "review"

    with pytest.raises(migration.MigrationRefused) as refused:
        migration.migrate(instance.pk, v1.pk, actor=world["policy"])

    assert texts(refused.value.problems) == ["案件所在的“复核”在目标版本中已不存在。"]


@pytest.mark.usefixtures("deployed")
def test_it_is_idempotent(world: World) -> None:
    case = apply(world)
    instance = instance_of(case)
    v2 = dibao_version(world, dibao_bpmn=RENAME_OPINION)

    assert migration.migrate(instance.pk, v2.pk, actor=world["policy"]) is True
    assert migration.migrate(instance.pk, v2.pk, actor=world["policy"]) is False

    instance.refresh_from_db()
    assert instance.revision == 2
    assert AuditEvent.objects.filter(case=case, action="instance.migrated").count() == 1
    assert migration.dry_run(instance.pk, v2.pk).already


@pytest.mark.usefixtures("deployed")
def test_it_refuses_another_process_or_a_finished_case(world: World, tiny_case: object) -> None:
    case = apply(world)
    tiny = deploy_tiny(world, tiny_bpmn())
    result = migration.dry_run(instance_of(case).pk, tiny.pk)
    assert texts(result.problems) == ["目标是另一个流程或另一适用范围，与案件所用的不同。"]
    v2 = dibao_version(world, dibao_bpmn=RENAME_OPINION)
    ProcessInstance.objects.filter(case=case).update(status="completed")
    with pytest.raises(migration.MigrationRefused):
        migration.migrate(instance_of(case).pk, v2.pk, actor=world["policy"])
