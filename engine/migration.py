"""Moving running instances to another version of their process, with SpiffWorkflow's diff.

`SpecDiff` aligns the task specs of two versions (by id, else by position in the flow);
`WorkflowDiff` tells which tasks of one instance have a changed or removed spec, and
`migrate_workflow` swaps the specs and re-predicts the branches from the tasks the case is
at. Deciding *whether* an instance may move is Doudi's rule, stricter than the library's:

- a step the case is at (a READY or WAITING task, or a called stage under way) must exist in
  the target and be unchanged, apart from its name and the flows that leave it (those are
  predicted again from the target);
- a step the case has been through must still exist (the saved state names every task's
  step; a step missing in the target could not be loaded again), and so must every called
  stage it has entered;
- the instance carried over must load again from its saved state with the target's specs.

Steps ahead of the case may change freely: that is what a new version is for. Migrating back
to an older version is the same operation with an older target.

`impact` reports this for every running instance of the other versions of a process in one
scope, before or after the target is deployed (a `Target` is made from a definition or from a
draft's sources); `dry_run` does the migration of one instance without saving it; `migrate`
does it under the instance's lock, re-projects tasks, waits and timers as the runtime does and
records "instance.migrated" in the case's audit trail, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine import audit, runtime
from engine.bundle import EVIDENCE_PROPERTY, FORM_SCHEMA_PROPERTY
from engine.models import InstanceStatus, ProcessDefinition, ProcessInstance, Task, Timer, Wait
from engine.serialization import SERIALIZER, Specs, dump_state, load_state, restore_specs

# Where a case is: the tasks that migrate_workflow resets (READY, WAITING), and called
# stages under way (their call activity is STARTED while the stage runs).
AT = TaskState.READY | TaskState.WAITING
UNDER_WAY = TaskState.STARTED
# Attributes that may differ at the step a case is at: labels, and the flows that leave it,
# which are predicted again from the target. A join's incoming flows do matter (it would wait
# for a branch the case never started), so `inputs` is harmless only elsewhere.
HARMLESS = frozenset(
    {"bpmn_name", "description", "documentation", "outputs", "cond_task_specs", "default_task_spec"}
)
HARMLESS_UNLESS_JOIN = frozenset({"inputs"})


def _attribute_labels() -> dict[str, str]:
    return {
        "bpmn_name": _("name"),
        "typename": _("element type"),
        "lane": _("role (lane)"),
        "extensions": _("properties (form, due date, evidence…)"),
        "event_definition": _("event (time limit or message)"),
        "script": _("script"),
        "spec": _("called process"),
        "inputs": _("incoming flows"),
        "outputs": _("outgoing flows"),
        "cond_task_specs": _("outgoing flows"),
        "default_task_spec": _("outgoing flows"),
        "manual": _("element type"),
        "prescript": _("script"),
        "postscript": _("script"),
        "data_input_associations": _("data"),
        "data_output_associations": _("data"),
        "io_specification": _("data"),
        "cancel_activity": _("boundary event"),
    }


def _what(changes: Sequence[str]) -> str:
    labels = _attribute_labels()
    return pgettext("list separator", ", ").join(
        dict.fromkeys(str(labels.get(name, name)) for name in changes)
    )


def _same(text: str) -> str:
    return text


# Kinds of problem.
AT_REMOVED = "at_removed"
AT_CHANGED = "at_changed"
THROUGH_REMOVED = "through_removed"
STAGE_REMOVED = "stage_removed"
OTHER_PROCESS = "other_process"
ENDED = "ended"
ENGINE = "engine"


@dataclass(frozen=True)
class Problem:
    """Why an instance cannot move. `step` is a title as drawn (a workflow text, translated
    by whoever shows it: `message(translate)`); `changes` the spec attributes that differ."""

    kind: str
    step: str = ""
    changes: tuple[str, ...] = ()
    detail: str = ""

    def message(self, translate: Callable[[str], str] = _same) -> str:
        step = translate(self.step)
        if self.kind == AT_REMOVED:
            return _("The case is at “%(step)s”, which the target version does not have.") % {
                "step": step
            }
        if self.kind == AT_CHANGED:
            return _("The case is at “%(step)s”, which the target version changes: %(what)s.") % {
                "step": step,
                "what": _what(self.changes),
            }
        if self.kind == THROUGH_REMOVED:
            return _(
                "The case has been through “%(step)s”, which the target version does not have."
            ) % {"step": step}
        if self.kind == STAGE_REMOVED:
            return _(
                "The case has entered the stage “%(stage)s”, "
                "which the target version does not have."
            ) % {"stage": step}
        if self.kind == OTHER_PROCESS:
            return _("The target is another process or scope than the one the case runs.")
        if self.kind == ENDED:
            return _("The case's process has ended; there is nothing to move.")
        return _("The engine could not carry the case over: %(error)s") % {"error": self.detail}

    def __str__(self) -> str:
        return self.message()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "step": self.step,
            "changes": list(self.changes),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Problem:
        return cls(
            kind=str(data.get("kind", ENGINE)),
            step=str(data.get("step", "")),
            changes=tuple(data.get("changes", ())),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True)
class Change:
    """A step of the case (done, or where it is) whose spec differs in the target."""

    step: str
    changes: tuple[str, ...]

    def message(self, translate: Callable[[str], str] = _same) -> str:
        what = _what(self.changes)
        return f"{translate(self.step)} ({what})" if what else translate(self.step)

    def __str__(self) -> str:
        return self.message()


class MigrationRefused(runtime.EngineError):
    """The instance cannot move to the target; `problems` says why, step by step."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


# ---------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """The version instances would move to: a deployed definition, or a draft's sources."""

    key: str
    region_id: int | None
    specs: Specs
    definition_id: int | None = None
    version: int | None = None

    @property
    def is_draft(self) -> bool:
        return self.definition_id is None


def target_for_definition(definition_id: int) -> Target:
    definition = (
        ProcessDefinition.objects.only("key", "region_id", "version")
        .filter(pk=definition_id)
        .first()
    )
    if definition is None:
        raise runtime.NotFound(_("No such process version."))
    return Target(
        key=definition.key,
        region_id=definition.region_id,
        specs=runtime._spec_objects(definition.pk),
        definition_id=definition.pk,
        version=definition.version,
    )


def target_for_sources(sources: Mapping[str, str], main: str, *, region_id: int | None) -> Target:
    """A bundle not deployed yet (a draft): parsed and checked as a deploy would, so a
    refused bundle raises engine.checks.DeploymentError here too."""
    bundle = runtime._parsed_bundle(sources, main)
    return Target(key=bundle.key, region_id=region_id, specs=restore_specs(bundle.spec))


def _as_target(target: Target | int) -> Target:
    return target if isinstance(target, Target) else target_for_definition(target)


# ---------------------------------------------------------------- the check


@dataclass
class Step:
    """A step an instance is at: its spec name (the BPMN id) and title."""

    spec_name: str
    title: str


@dataclass
class _Diffs:
    """SpecDiffs of one source version against the target: the main process, the stages."""

    main: SpecDiff
    stages: dict[str, SpecDiff | None]


def _spec_diffs(source: Specs, target: Specs) -> _Diffs:
    spec, stages = source
    new_spec, new_stages = target
    return _Diffs(
        main=SpecDiff(SERIALIZER.registry, spec, new_spec),
        stages={
            name: SpecDiff(SERIALIZER.registry, stage, new_stages[name])
            if name in new_stages
            else None
            for name, stage in stages.items()
        },
    )


def _title(task: SpiffTask) -> str:
    spec = task.task_spec
    return str(getattr(spec, "bpmn_name", None) or spec.name)


def _workflows(workflow: BpmnWorkflow) -> list[tuple[Any, Any]]:
    """(workflow or called stage, its spec name), main process first."""
    found: list[tuple[Any, Any]] = [(workflow, None)]
    found += [(stage, stage.spec.name) for stage in workflow.subprocesses.values()]
    return found


def _workflow_diffs(workflow: BpmnWorkflow, diffs: _Diffs) -> list[tuple[Any, WorkflowDiff | None]]:
    result: list[tuple[Any, WorkflowDiff | None]] = []
    for part, stage_name in _workflows(workflow):
        spec_diff = diffs.main if stage_name is None else diffs.stages.get(stage_name)
        result.append((part, None if spec_diff is None else WorkflowDiff(part, spec_diff)))
    return result


def where(workflow: BpmnWorkflow) -> list[Step]:
    """The modelled steps the instance is at: READY and WAITING tasks, stages included."""
    steps: dict[str, Step] = {}
    for task in workflow.get_tasks(state=AT):
        if getattr(task.task_spec, "bpmn_id", None):
            steps.setdefault(task.task_spec.name, Step(task.task_spec.name, _title(task)))
    return list(steps.values())


def _problems(workflow: BpmnWorkflow, diffs: _Diffs) -> list[Problem]:
    problems: list[Problem] = []
    for part, diff in _workflow_diffs(workflow, diffs):
        if diff is None:
            problems.append(Problem(STAGE_REMOVED, part.spec.description or part.spec.name))
            continue
        spec_diff = diffs.main if part is workflow else diffs.stages[part.spec.name]
        assert spec_diff is not None
        removed = {id(task) for task in diff.removed}
        for task in diff.removed:
            if task.has_state(AT | UNDER_WAY):
                problems.append(Problem(AT_REMOVED, _title(task)))
            elif task.has_state(TaskState.FINISHED_MASK):
                problems.append(Problem(THROUGH_REMOVED, _title(task)))
        for task in diff.changed:
            if id(task) in removed or not task.has_state(AT | UNDER_WAY):
                continue
            harmless = (
                HARMLESS if isinstance(task.task_spec, Join) else HARMLESS | HARMLESS_UNLESS_JOIN
            )
            changed = [name for name in spec_diff.changed[task.task_spec] if name not in harmless]
            if changed:
                problems.append(Problem(AT_CHANGED, _title(task), tuple(changed)))
    return list(dict.fromkeys(problems))


# ---------------------------------------------------------------- impact


@dataclass
class InstanceImpact:
    instance_id: int
    case_id: int
    definition_id: int
    version: int
    steps: list[Step]
    problems: list[Problem] = field(default_factory=list)

    @property
    def can_migrate(self) -> bool:
        return not self.problems


@dataclass
class NodeImpact:
    """The instances of one version at one step."""

    spec_name: str
    title: str
    instances: list[InstanceImpact] = field(default_factory=list)

    @property
    def movable(self) -> int:
        return sum(1 for instance in self.instances if instance.can_migrate)

    @property
    def blocked(self) -> int:
        return len(self.instances) - self.movable

    @property
    def reasons(self) -> list[Problem]:
        return list(
            dict.fromkeys(problem for instance in self.instances for problem in instance.problems)
        )


@dataclass
class VersionImpact:
    definition_id: int
    version: int
    instances: list[InstanceImpact] = field(default_factory=list)
    nodes: list[NodeImpact] = field(default_factory=list)

    @property
    def movable(self) -> int:
        return sum(1 for instance in self.instances if instance.can_migrate)


@dataclass
class Impact:
    target: Target
    versions: list[VersionImpact] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(version.instances) for version in self.versions)

    @property
    def movable(self) -> int:
        return sum(version.movable for version in self.versions)

    def movable_ids(self) -> list[int]:
        return [
            instance.instance_id
            for version in self.versions
            for instance in version.instances
            if instance.can_migrate
        ]


def _in_scope(target: Target) -> Q:
    scope = Q(region_id=target.region_id) if target.region_id else Q(region__isnull=True)
    return scope & Q(key=target.key)


def _running(
    target: Target, region_paths: Sequence[str] | None, instance_ids: Sequence[int] | None
) -> Any:
    """Running instances of the target's other versions in its scope (and the given regions)."""
    versions = ProcessDefinition.objects.filter(_in_scope(target))
    if target.definition_id is not None:
        versions = versions.exclude(pk=target.definition_id)
    instances = ProcessInstance.objects.filter(
        definition__in=versions.values("pk"), status=InstanceStatus.RUNNING
    )
    if region_paths is not None:
        condition = Q(pk__in=[])
        for path in region_paths:
            condition |= Q(region__path__startswith=path)
        instances = instances.filter(condition)
    if instance_ids is not None:
        instances = instances.filter(pk__in=list(instance_ids))
    return instances


def impact(
    target: Target | int,
    *,
    region_paths: Sequence[str] | None = None,
    instance_ids: Sequence[int] | None = None,
) -> Impact:
    """Every running instance of the other versions in the target's scope: by version (newest
    first) and step, each with whether it can move to the target and why not.

    `target` is a definition id or a Target (a draft's sources: `target_for_sources`);
    `region_paths` keeps only the instances in those regions (a user's jurisdiction),
    `instance_ids` only those instances.
    """
    target = _as_target(target)
    report = Impact(target)
    instances = (
        _running(target, region_paths, instance_ids)
        .select_related("definition")
        .only(
            "pk", "case_id", "definition_id", "definition__version", "state", "policy_snapshot_id"
        )
        .order_by("-definition__version", "pk")
    )
    diffs: dict[int, _Diffs] = {}
    by_version: dict[int, VersionImpact] = {}
    for instance in instances.iterator(chunk_size=200):
        definition_id = instance.definition_id
        if definition_id not in diffs:
            diffs[definition_id] = _spec_diffs(runtime._spec_objects(definition_id), target.specs)
        workflow = load_state(
            instance.state, runtime._spec_objects(definition_id), runtime._shared(instance)
        )
        checked = InstanceImpact(
            instance_id=instance.pk,
            case_id=instance.case_id,
            definition_id=definition_id,
            version=instance.definition.version,
            steps=where(workflow),
            problems=_problems(workflow, diffs[definition_id]),
        )
        version = by_version.get(definition_id)
        if version is None:
            version = by_version[definition_id] = VersionImpact(definition_id, checked.version)
            report.versions.append(version)
        version.instances.append(checked)
    for version in report.versions:
        nodes: dict[str, NodeImpact] = {}
        for checked in version.instances:
            for step in checked.steps or [Step("", "")]:
                node = nodes.setdefault(step.spec_name, NodeImpact(step.spec_name, step.title))
                node.instances.append(checked)
        version.nodes = sorted(nodes.values(), key=lambda node: (-len(node.instances), node.title))
    return report


# ---------------------------------------------------------------- carrying one instance over


@dataclass
class DryRun:
    instance_id: int
    case_id: int
    from_definition_id: int
    from_version: int
    to_definition_id: int | None
    to_version: int | None
    already: bool = False
    # Steps of the case (done or current) whose spec changes, with what changes.
    updated: list[Change] = field(default_factory=list)
    # Steps ahead of the case whose spec changes (what a fix changes, typically).
    changed_ahead: list[Change] = field(default_factory=list)
    # Steps that were ahead of the case and are not in the target.
    removed: list[str] = field(default_factory=list)
    # Steps now ahead of the case that the source did not have.
    added: list[str] = field(default_factory=list)
    steps_before: list[Step] = field(default_factory=list)
    steps_after: list[Step] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def can_migrate(self) -> bool:
        return not self.problems and not self.already


@dataclass
class _Carried:
    report: DryRun
    workflow: BpmnWorkflow | None = None


def _carry(instance: ProcessInstance, target: Target) -> _Carried:
    """Migrate the instance's workflow in memory; nothing is saved."""
    source_version = ProcessDefinition.objects.values_list("version", flat=True).get(
        pk=instance.definition_id
    )
    report = DryRun(
        instance_id=instance.pk,
        case_id=instance.case_id,
        from_definition_id=instance.definition_id,
        from_version=source_version,
        to_definition_id=target.definition_id,
        to_version=target.version,
    )
    if target.definition_id is not None and instance.definition_id == target.definition_id:
        report.already = True
        return _Carried(report)
    source = ProcessDefinition.objects.only("key", "region_id").get(pk=instance.definition_id)
    if source.key != target.key or source.region_id != target.region_id:
        report.problems.append(Problem(OTHER_PROCESS))
        return _Carried(report)
    if instance.status != InstanceStatus.RUNNING:
        report.problems.append(Problem(ENDED))
        return _Carried(report)
    workflow = runtime._load(instance)
    report.steps_before = where(workflow)
    diffs = _spec_diffs(runtime._spec_objects(instance.definition_id), target.specs)
    report.problems = _problems(workflow, diffs)
    if report.problems:
        return _Carried(report)
    for part, diff in _workflow_diffs(workflow, diffs):
        assert diff is not None
        spec_diff = diffs.main if part is workflow else diffs.stages[part.spec.name]
        assert spec_diff is not None
        for task in diff.changed:
            if getattr(task.task_spec, "bpmn_id", None) and task.has_state(
                TaskState.FINISHED_MASK | AT | UNDER_WAY
            ):
                change = Change(_title(task), tuple(spec_diff.changed[task.task_spec]))
                if change not in report.updated:
                    report.updated.append(change)
            elif getattr(task.task_spec, "bpmn_id", None):
                change = Change(_title(task), tuple(spec_diff.changed[task.task_spec]))
                if change not in report.changed_ahead:
                    report.changed_ahead.append(change)
    carried = _Carried(report, workflow)
    try:
        ahead_before = _ahead(workflow)
        _migrate_in_memory(workflow, diffs, target)
        ahead_after = _ahead(workflow)
        _check_loads(workflow, target)
    except Exception as exc:  # the library's failure is reported, not raised
        report.problems.append(Problem(ENGINE, detail=str(exc)))
        carried.workflow = None
        return carried
    report.removed = [title for name, title in ahead_before.items() if name not in ahead_after]
    report.added = [title for name, title in ahead_after.items() if name not in ahead_before]
    report.steps_after = where(workflow)
    return carried


def _ahead(workflow: BpmnWorkflow) -> dict[str, str]:
    """Modelled steps predicted ahead of the case (not reached yet), by spec name."""
    ahead: dict[str, str] = {}
    for task in workflow.get_tasks(state=TaskState.PREDICTED_MASK | TaskState.FUTURE):
        if getattr(task.task_spec, "bpmn_id", None):
            ahead.setdefault(task.task_spec.name, _title(task))
    return ahead


def _migrate_in_memory(workflow: BpmnWorkflow, diffs: _Diffs, target: Target) -> None:
    """The library's migrate_workflow on the main process and each stage entered, keeping
    what the reset of the current steps would lose: their data and their internal data
    (a time limit's due time, which a reset would otherwise count again from now)."""
    new_spec, new_stages = target.specs
    kept: dict[Any, tuple[dict[str, Any], dict[str, Any]]] = {
        task.id: (task.data, task.internal_data) for task in workflow.get_tasks(state=AT)
    }
    for part, diff in _workflow_diffs(workflow, diffs):
        assert diff is not None
        spec = new_spec if part is workflow else new_stages[part.spec.name]
        migrate_workflow(diff, part, spec)
        _predict_under_way(part)
    workflow.subprocess_specs = dict(new_stages)
    for task in workflow.get_tasks(state=AT):
        if task.id in kept:
            task.data, task.internal_data = kept[task.id]


def _predict_under_way(part: Any) -> None:
    """Steps under way (a called stage running) keep their predicted branch from the source
    after migrate_workflow, which resets READY and WAITING tasks only: predict it again."""
    for task in list(part.get_tasks(state=UNDER_WAY, skip_subprocesses=True)):
        if task.id not in part.tasks:
            continue
        task._drop_children()
        task._sync_children(task.task_spec.outputs, TaskState.FUTURE)
        for child in task.children:
            child.task_spec._predict(child, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)


def _check_loads(workflow: BpmnWorkflow, target: Target) -> None:
    """Every task now belongs to the target, and the state loads again with its specs."""
    new_spec, new_stages = target.specs
    for part, stage_name in _workflows(workflow):
        spec = new_spec if stage_name is None else new_stages.get(stage_name)
        specs = set(map(id, spec.task_specs.values())) if spec is not None else set()
        for task in part.tasks.values():
            if id(task.task_spec) not in specs:
                raise MigrationRefused(
                    _("the step “%(step)s” is not in the target version") % {"step": _title(task)}
                )
    load_state(dump_state(workflow), target.specs)


def dry_run(instance_id: int, target: Target | int) -> DryRun:
    """What migrating the instance to the target would do; nothing is written."""
    target = _as_target(target)
    instance = ProcessInstance.objects.filter(pk=instance_id).first()
    if instance is None:
        raise runtime.NotFound(_("No such process instance."))
    return _carry(instance, target).report


@transaction.atomic
def migrate(
    instance_id: int,
    target_definition_id: int,
    *,
    actor: User | None,
    role: str = "policy_staff",
    job_id: int | None = None,
) -> bool:
    """Move the instance to the target version; False if it is on it already.

    Raises MigrationRefused (with the problems) when it cannot move. Tasks keep their rows
    (and claims) when the case stays at the same step; time limits keep their due time.
    """
    target = target_for_definition(target_definition_id)
    instance = ProcessInstance.objects.select_for_update().filter(pk=instance_id).first()
    if instance is None:
        raise runtime.NotFound(_("No such process instance."))
    carried = _carry(instance, target)
    report = carried.report
    if report.already:
        return False
    if report.problems or carried.workflow is None:
        raise MigrationRefused(
            _("Case cannot move to version %(version)s: %(problems)s")
            % {
                "version": target.version,
                "problems": pgettext("list separator", ", ").join(map(str, report.problems)),
            },
            report.problems,
        )
    workflow = carried.workflow
    instance.definition_id = target_definition_id
    instance.save(update_fields=["definition"])
    audit.record(
        "instance.migrated",
        actor=actor,
        role=role,
        region_id=instance.region_id,
        case_id=instance.case_id,
        instance_id=instance.pk,
        payload={
            "key": target.key,
            "from_definition": report.from_definition_id,
            "from_version": report.from_version,
            "to_definition": target_definition_id,
            "to_version": target.version,
            "job": job_id,
            "updated": [str(change) for change in report.updated],
            "removed": report.removed,
            "added": report.added,
            "elements": runtime.diagram_marks(workflow),
        },
    )
    # Rows of the steps the case stays at keep their pk, claim and due date; they take the
    # title (and spec name, if aligned by position) of the target's step. The rest is
    # projected as after any change.
    _relabel(instance, workflow)
    runtime._save(instance, workflow)
    return True


def _relabel(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    at = {task.id: task.task_spec for task in workflow.get_tasks(state=AT)}
    for row in Task.objects.filter(instance=instance):
        spec = at.get(row.spiff_id)
        if spec is None or not isinstance(spec, UserTaskMixin):
            continue
        properties = (spec.extensions or {}).get("properties", {})
        values = {
            "spec_name": spec.name,
            "title": spec.bpmn_name or spec.name,
            "lane_role": spec.lane or "",
            "form": properties.get(FORM_SCHEMA_PROPERTY, ""),
            "evidence_required": properties.get(EVIDENCE_PROPERTY, ""),
        }
        _update_row(row, values)
    for wait in Wait.objects.filter(instance=instance):
        spec = at.get(wait.spiff_id)
        if spec is not None:
            _update_row(wait, {"spec_name": spec.name, "title": spec.bpmn_name or spec.name})
    for timer in Timer.objects.filter(instance=instance):
        spec = at.get(timer.spiff_id)
        if spec is not None:
            _update_row(timer, {"spec_name": spec.bpmn_name or spec.name})


def _update_row(row: Any, values: Mapping[str, Any]) -> None:
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.save(update_fields=changed)


def newer_version(instance: ProcessInstance) -> ProcessDefinition | None:
    """The newest version in the instance's scope when it is newer than the instance's own."""
    source = instance.definition
    scope = Q(region_id=source.region_id) if source.region_id else Q(region__isnull=True)
    newest = (
        ProcessDefinition.objects.filter(scope, key=source.key)
        .defer("sources", "spec")
        .order_by("-version")
        .first()
    )
    if newest is None or newest.version <= source.version:
        return None
    return newest
