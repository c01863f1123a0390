"""The runtime API: deploy, start, claim, complete, fire timers, deliver messages.

Every call is one short transaction that locks the instance row, loads the workflow,
advances it, stores it with `revision + 1`, and rewrites the projections and the audit
trail before committing. Callers (the `do_*` actions) check jurisdiction; the engine
checks what the diagram itself says: lanes, forms and separation of duties.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine import audit, incidents, registry
from engine.bundle import (
    DUE_PROPERTY,
    EVIDENCE_PROPERTY,
    EVIDENCE_WHEN_PROPERTY,
    EXCLUDE_PROPERTY,
    FORM_SCHEMA_PROPERTY,
    WAIT_ROLE_PROPERTY,
    Bundle,
    evidence_kinds,
    form_schema,
    load_bundle,
    sources_sha256,
)
from engine.clock import clock
from engine.forms import validate_submission
from engine.models import (
    AuditChain,
    Incident,
    IncidentKind,
    InstanceStatus,
    PolicySnapshot,
    ProcessDefinition,
    ProcessInstance,
    Task,
    Timer,
    Wait,
)
from engine.scripting import (
    SandboxLimitExceeded,
    ScriptFailed,
    ScriptRejected,
    evaluate_standalone,
    script_engine,
)
from engine.serialization import Specs, dump_state, load_state, restore_specs
from engine.variables import start_data
from engine.writes import Writes

# Sent inside the transaction after every change, for the domain to update its records.
instance_changed = Signal()


class EngineError(Exception):
    """A refusal the person acting should read; the message is meant for them."""


class NotFound(EngineError):
    pass


class TaskConflict(EngineError):
    pass


class SeparationOfDuties(EngineError):
    pass


class NoSuchMessage(EngineError):
    pass


class StartDataMissing(EngineError):
    """The starter left out a name the diagram's start event declares (startData)."""


class EvidenceMissing(EngineError):
    """The step claims an outcome the diagram allows only with these kinds of evidence on file."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


class MessageHeld(EngineError):
    """A message to this case failed in its process and waits for policy staff to retry it."""


class ProcessFailed(EngineError):
    """The diagram itself failed (a script error, a timeout): nothing was saved.

    `element` and `title` name the step that failed; the runtime's outer calls fill in
    `failure` and record it as an incident once the failed transaction has rolled back.
    """

    def __init__(self, message: str, *, element: str = "", title: str = "") -> None:
        super().__init__(message)
        self.element = element
        self.title = title
        self.failure: incidents.Failure | None = None
        self.incident: Incident | None = None


# Engine tasks (gateways, scripts, events…) one runtime call may run: a diagram that loops
# without a person in between, or fans out without end, stops here instead of holding the
# instance row for ever. The shipped processes take a few dozen.
MAX_ENGINE_STEPS = 2000


def _engine_steps(workflow: BpmnWorkflow, limit: int | None = None) -> None:
    bound = MAX_ENGINE_STEPS if limit is None else limit
    count = 0

    def counted(task: SpiffTask) -> None:
        nonlocal count
        count += 1
        if count > bound:
            raise SandboxLimitExceeded(
                _("The process ran more than %(steps)d steps in one go and was stopped.")
                % {"steps": bound}
            )

    workflow.do_engine_steps(will_complete_task=counted)


def _advance(*steps: Callable[[], Any]) -> None:
    try:
        for step in steps:
            step()
    except (WorkflowException, ScriptFailed, ScriptRejected) as exc:
        where = getattr(getattr(exc, "task", None), "task_spec", None)
        element = getattr(where, "name", None) or "?"
        step_name = getattr(where, "bpmn_name", None) or element
        raise ProcessFailed(
            _("The process could not continue at %(step)s: %(error)s")
            % {"step": step_name, "error": exc},
            element=element,
            title=step_name,
        ) from exc


P = ParamSpec("P")
R = TypeVar("R")


def _raising_incident(call: Callable[P, R]) -> Callable[P, R]:
    """Record the failure of a runtime call as an incident, after its transaction rolled back.

    The wrapped call is atomic on its own; by the time its ProcessFailed reaches here its
    changes are gone, so the incident is written in a transaction of its own and the error
    goes on to the caller (who shows it, or, for timers, moves on to the next instance).
    Inside an action that rolls back with it (`incidents.atomic_with_incidents`), the
    incident is left to the action, which writes it once its own transaction has ended.
    """

    @functools.wraps(call)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return call(*args, **kwargs)
        except ProcessFailed as exc:
            if exc.failure is not None and not incidents.defer(exc):
                exc.incident = incidents.open_incident(exc.failure)
            raise

    return wrapper


def _failure(exc: ProcessFailed, instance: ProcessInstance, kind: str, **extra: Any) -> None:
    exc.failure = incidents.Failure(
        instance_id=instance.pk,
        case_id=instance.case_id,
        kind=kind,
        element=exc.element or "?",
        element_title=exc.title or exc.element or "?",
        error=str(exc),
        **extra,
    )


# ---------------------------------------------------------------- definitions


@transaction.atomic
def deploy(
    sources: Mapping[str, str],
    main: str,
    *,
    actor: User | None,
    region_id: int | None = None,
    reviewer: User | None = None,
) -> tuple[ProcessDefinition, bool]:
    """Store a new version, or return the current one when the sources are identical.

    `actor` wrote the change; `reviewer`, when the change went through four-eyes review,
    approved it. Both are on the definition and in the audit event.
    """
    bundle = _parsed_bundle(sources, main)
    in_scope = Q(region_id=region_id) if region_id is not None else Q(region__isnull=True)
    scope = ProcessDefinition.objects.select_for_update().filter(in_scope, key=bundle.key)
    latest = scope.order_by("-version").first()
    if latest is not None and latest.sha256 == bundle.sha256:
        return latest, False
    version = (scope.aggregate(top=Max("version"))["top"] or 0) + 1
    definition = ProcessDefinition.objects.create(
        key=bundle.key,
        version=version,
        name=bundle.name,
        region_id=region_id,
        sources=bundle.sources,
        sha256=bundle.sha256,
        spec=bundle.spec,
        deployed_by=actor,
        reviewed_by=reviewer,
        deployed_at=clock.now(),
    )
    payload: dict[str, Any] = {"key": bundle.key, "version": version, "sha256": bundle.sha256}
    if reviewer is not None:
        payload["reviewer"] = reviewer.pk
        payload["reviewer_name"] = reviewer.get_full_name() or reviewer.username
    audit.record(
        "definition.deployed",
        actor=reviewer or actor,
        role="policy_staff",
        region_id=region_id,
        payload={
            **payload,
            "author": actor.pk if actor else None,
            "author_name": (actor.get_full_name() or actor.username) if actor else "",
        },
    )
    return definition, True


_BUNDLES: dict[tuple[str, str], Bundle] = {}


def _parsed_bundle(sources: Mapping[str, str], main: str) -> Bundle:
    """Parsing and checking a bundle takes most of a second; identical sources give an
    identical result (nothing in it is mutated), so each is parsed once per process."""
    key = (main, sources_sha256(sources))
    if key not in _BUNDLES:
        if len(_BUNDLES) >= 256:
            _BUNDLES.clear()
        _BUNDLES[key] = load_bundle(sources, main)
    return _BUNDLES[key]


def definition_for(key: str, region_ids: list[int]) -> ProcessDefinition:
    """The newest version for the nearest region in scope, else the province-wide one."""
    # One query for every scope in the lineage (a key has a handful of versions per scope).
    newest: dict[int | None, ProcessDefinition] = {}
    for definition in (
        ProcessDefinition.objects.filter(key=key)
        .filter(Q(region_id__in=region_ids) | Q(region__isnull=True))
        .defer("sources", "spec")
        .order_by("-version")
    ):
        newest.setdefault(definition.region_id, definition)
    for region_id in [*reversed(region_ids), None]:
        if region_id in newest:
            return newest[region_id]
    raise NotFound(_("No process %(key)s has been deployed.") % {"key": key})


@functools.lru_cache(maxsize=64)
def _spec(definition_id: int) -> dict[str, Any]:
    # Definitions are immutable, so their spec can be cached for the life of the process.
    spec: dict[str, Any] = ProcessDefinition.objects.values_list("spec", flat=True).get(
        pk=definition_id
    )
    return spec


@functools.lru_cache(maxsize=256)
def definition_key(definition_id: int) -> str:
    """The key of a definition (immutable): receivers of `instance_changed` ask it per step."""
    key: str = ProcessDefinition.objects.values_list("key", flat=True).get(pk=definition_id)
    return key


@functools.lru_cache(maxsize=64)
def _sources(definition_id: int) -> dict[str, str]:
    sources: dict[str, str] = ProcessDefinition.objects.values_list("sources", flat=True).get(
        pk=definition_id
    )
    return sources


# ---------------------------------------------------------------- instances


@functools.lru_cache(maxsize=64)
def _spec_objects(definition_id: int) -> Specs:
    return restore_specs(_spec(definition_id))


# The start data's policy (design.md: processes copy the policy in force the day they
# start) is stored once per distinct set of values, and referred to by the state.
POLICY = "policy"


# Snapshots never change (their key is their content's hash), so they are kept once read or
# written: a page or step that loads an instance started in this process asks no query.
_policies: dict[str, Any] = {}


def _policy_values(sha256: str) -> Any:
    if sha256 not in _policies:
        _remember_policy(
            sha256, PolicySnapshot.objects.values_list("values", flat=True).get(pk=sha256)
        )
    return _policies[sha256]


def _remember_policy(sha256: str, values: Any) -> None:
    if len(_policies) >= 256:  # policies are few; a bound all the same
        _policies.clear()
    _policies[sha256] = values


def _shared(instance: ProcessInstance) -> dict[str, Any]:
    """The values the instance's state refers to, for load_state and dump_state."""
    if instance.policy_snapshot_id is None:
        return {}
    return {POLICY: _policy_values(instance.policy_snapshot_id)}


def _snapshot(values: Any) -> tuple[str, Any]:
    """Store a policy once; (its key, the values as stored, which the data then holds)."""
    text = json.dumps(values, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    stored = json.loads(text)
    sha256 = hashlib.sha256(text.encode()).hexdigest()
    PolicySnapshot.objects.bulk_create(
        [PolicySnapshot(sha256=sha256, values=stored, created_at=clock.now())],
        ignore_conflicts=True,
    )
    _remember_policy(sha256, stored)
    return sha256, stored


def _adopt_policy(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    """An instance saved before snapshots kept its policy whole in the state: snapshot it
    at its next save, so that from then on it refers to it like any other."""
    if instance.policy_snapshot_id is not None:
        return
    values = workflow.data.get(POLICY)
    if isinstance(values, Mapping) and values:
        instance.policy_snapshot_id, _stored = _snapshot(values)


def _load(instance: ProcessInstance) -> BpmnWorkflow:
    workflow = load_state(instance.state, _spec_objects(instance.definition_id), _shared(instance))
    workflow.script_engine = script_engine()
    return workflow


# ---------------------------------------------------------------- the rows a step locks


@dataclass
class _Locked:
    """An instance locked for a step, with what the same statement read and locked with it.

    `head`: the head of the case's audit chain, locked too (every step appends to it), so
    the step's events are made without reading it again; None when the chain has no head
    yet, or when someone else appended since (then `audit.record` locks it as usual).
    `state`: the stored state as the database's text, parsed only when the workflow is not
    kept in memory (`_step_workflow`). `held`: whether an open incident of the step's kind
    holds the instance (for a task: that task), so a step that goes through looks for
    incidents to resolve only when there are some.
    """

    instance: ProcessInstance
    head: AuditChain | None
    state: str | dict[str, Any]
    held: bool
    task: Task | None = None
    timers_due: bool = True


# The case chain's stream, as audit.stream_for() names it, built in SQL from the case id.
_CASE_STREAM_SQL = "('case:' || i.\"case_id\")"


def _lock(
    where: str,
    params: list[Any],
    *,
    held_kind: str,
    task: bool = False,
    order: str = "",
    timers_due_by: datetime | None = None,
    skip_locked: bool = True,
) -> list[_Locked]:
    """Lock the instances matched (alias i; with `task`, the task t too) and the head of their
    case's audit chain, in one statement, and read what the step needs of them.

    With `skip_locked` (a step on one instance), rows another transaction holds are not
    waited for but left out, and the caller falls back to locking as it did before: under
    READ COMMITTED a statement that waited for a lock reads the rows it locked again, but
    not what else it read (whether an incident holds the instance, opened by the very
    transaction it waited for). Without a wait, all it read is as of one moment, just
    before the locks. An instance whose chain has no head yet is not matched either.
    """
    connection = transaction.get_connection()
    instance_fields = _fields(ProcessInstance, skip="state")
    columns = [f'i."{field.column}"' for field in instance_fields]
    columns += ['i."state"', 'c."last_hash"', 'c."length"']
    select_params: list[Any] = []
    tables = [
        f'"{ProcessInstance._meta.db_table}" i',
        f'INNER JOIN "{AuditChain._meta.db_table}" c ON c."stream" = {_CASE_STREAM_SQL}',
    ]
    held = (
        f'EXISTS (SELECT 1 FROM "{Incident._meta.db_table}" n WHERE n."instance_id" = i."id" '  # noqa: S608
        'AND n."resolved_at" IS NULL AND n."kind" = %s'
    )
    select_params.append(held_kind)
    task_fields = _fields(Task) if task else []
    if task:
        columns += [f't."{field.column}"' for field in task_fields]
        tables.append(f'INNER JOIN "{Task._meta.db_table}" t ON t."instance_id" = i."id"')
        held += ' AND n."task_id" = t."id"'
    columns.append(held + ")")
    if timers_due_by is not None:
        columns.append(
            f'EXISTS (SELECT 1 FROM "{Timer._meta.db_table}" m WHERE m."instance_id" = i."id" '  # noqa: S608
            'AND m."due_at" <= %s)'
        )
        select_params.append(timers_due_by)
    sql = f"SELECT {', '.join(columns)} FROM {' '.join(tables)} WHERE {where}"  # noqa: S608
    if order:
        sql += f" ORDER BY {order}"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE OF i, t, c" if task else " FOR UPDATE OF i, c"
        if skip_locked:
            sql += " SKIP LOCKED"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *params])
        rows = cursor.fetchall()
    heads: dict[str, AuditChain] = {}
    locked = []
    width = len(instance_fields)
    for row in rows:
        instance = _from_row(connection, ProcessInstance, instance_fields, row[:width])
        state, last_hash, length = row[width : width + 3]
        stream = audit.stream_for(instance.case_id)
        head = heads.setdefault(
            stream, AuditChain(stream=stream, last_hash=last_hash, length=length)
        )
        rest = row[width + 3 :]
        found = _Locked(instance, head, state, held=bool(rest[len(task_fields)]))
        if task:
            found.task = _from_row(connection, Task, task_fields, rest[: len(task_fields)])
        if timers_due_by is not None:
            found.timers_due = bool(rest[-1])
        locked.append(found)
    return locked


def _fields(model: type[Any], skip: str = "") -> list[Any]:
    return [field for field in model._meta.concrete_fields if field.attname != skip]


def _from_row(connection: Any, model: type[Any], fields: list[Any], values: Sequence[Any]) -> Any:
    """A model instance from raw column values, converted as the ORM converts them."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        expression = field.get_col(model._meta.db_table)
        for converter in [
            *connection.ops.get_db_converters(expression),
            *field.get_db_converters(connection),
        ]:
            value = converter(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def _unlocked(instance: ProcessInstance, held: bool = True, task: Task | None = None) -> _Locked:
    """The fallback when `_lock` matched nothing: the instance locked by the ORM, its chain
    left to `audit.record`."""
    return _Locked(instance, None, instance.state, held=held, task=task)


# Workflows as the last step of this process saved them, by database, instance and revision:
# a step on the same instance finds it here instead of parsing the stored state again.
# Kept once the step's transaction has committed (a rolled-back step's workflow was never
# stored), and taken out while a step works on it (a step that fails leaves it changed).
MAX_KEPT_WORKFLOWS = 256
_WORKFLOWS: OrderedDict[tuple[str, int], tuple[int, int, BpmnWorkflow]] = OrderedDict()
_WORKFLOWS_LOCK = threading.Lock()


def _workflow_key(instance: ProcessInstance) -> tuple[str, int]:
    connection = transaction.get_connection()
    return (str(connection.settings_dict.get("NAME")), instance.pk)


def _step_workflow(locked: _Locked) -> BpmnWorkflow:
    """The locked instance's workflow, from memory when the stored revision is the one kept."""
    instance = locked.instance
    with _WORKFLOWS_LOCK:
        kept = _WORKFLOWS.pop(_workflow_key(instance), None)
    if kept is not None and kept[:2] == (instance.definition_id, instance.revision):
        return kept[2]
    state = locked.state
    workflow = load_state(
        json.loads(state) if isinstance(state, str | bytes) else state,
        _spec_objects(instance.definition_id),
        _shared(instance),
    )
    workflow.script_engine = script_engine()
    return workflow


def _keep_workflow(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    key = _workflow_key(instance)
    entry = (instance.definition_id, instance.revision, workflow)

    def keep() -> None:
        with _WORKFLOWS_LOCK:
            _WORKFLOWS[key] = entry
            _WORKFLOWS.move_to_end(key)
            while len(_WORKFLOWS) > MAX_KEPT_WORKFLOWS:
                _WORKFLOWS.popitem(last=False)

    transaction.on_commit(keep)


def forget_workflows() -> None:
    """Drop the workflows kept in memory (tests that commit, then reset the database)."""
    with _WORKFLOWS_LOCK:
        _WORKFLOWS.clear()


def _record(locked: _Locked, writes: Writes, action: str, **fields: Any) -> None:
    """Append a step's audit event: queued with its writes onto the chain head locked with
    the instance, else through `audit.record`, which locks the chain itself."""
    head = locked.head
    if head is None or head.stream != audit.stream_for(fields.get("case_id")):
        writes.flush()
        audit.record(action, **fields)
        return
    audit.append(writes, head, audit.next_event(head, action, **fields))


@transaction.atomic
def start(
    key: str,
    *,
    case_id: int,
    region_id: int,
    actor: User | None,
    data: Mapping[str, Any],
    role: str = "",
) -> ProcessInstance:
    """Start the definition in scope for the case's region (nearest county version first).

    `data["policy"]` (a mapping: the policy in force) is stored once as a PolicySnapshot
    shared by every instance started with the same values; the state refers to it.
    """
    definition = _definition_in_scope(key, region_id)
    spec, subprocess_specs = _spec_objects(definition.pk)
    missing = [name for name in start_data(spec) if name not in data]
    if missing:
        raise StartDataMissing(
            _("The process %(key)s expects start data it was not given: %(names)s.")
            % {"key": key, "names": ", ".join(missing)}
        )
    snapshot: str | None = None
    shared: dict[str, Any] = {}
    if isinstance(data.get(POLICY), Mapping) and data[POLICY]:
        snapshot, shared[POLICY] = _snapshot(data[POLICY])
        # A copy: scripts may change the data's, never the snapshot's.
        data = {**data, POLICY: copy.deepcopy(shared[POLICY])}
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine())
    workflow.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    now = clock.now()
    instance = ProcessInstance(
        definition=definition,
        case_id=case_id,
        region_id=region_id,
        state={},
        policy_snapshot_id=snapshot,
        created_at=now,
        updated_at=now,
        revision=0,
    )
    _advance(functools.partial(_engine_steps, workflow))
    instance.state = dump_state(workflow, shared)
    instance.revision = 1
    if workflow.completed:
        # Straight through to an end event: nothing is left to move it, so it is done now.
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = now
    projection = _projection(workflow)
    instance.projected = projection.ids()
    writes = Writes()
    instance.pk, head = _new_instance_id_and_head(audit.stream_for(case_id))
    if instance.pk is None:
        instance.save(force_insert=True)
    else:
        writes.insert([instance])
        instance._state.adding, instance._state.db = False, transaction.get_connection().alias
    if head is None:
        # A case's chain begins in the transaction that creates the case, so no one races us.
        head = AuditChain.objects.create(
            stream=audit.stream_for(case_id), last_hash=audit.GENESIS, length=0
        )
    locked = _Locked(instance, head, {}, held=False)
    _record(
        locked,
        writes,
        "instance.started",
        actor=actor,
        role=role,
        region_id=region_id,
        case_id=case_id,
        instance_id=instance.pk,
        payload={
            "key": definition.key,
            "version": definition.version,
            "elements": diagram_marks(workflow),
        },
    )
    _project(instance, workflow, projection, NOTHING_PROJECTED, writes)
    _keep_workflow(instance, workflow)
    return instance


def _new_instance_id_and_head(stream: str) -> tuple[int | None, AuditChain | None]:
    """On PostgreSQL, the new instance's id (so its row goes with the step's other writes)
    and the head of the case's chain, locked, in one statement; elsewhere no id, and the
    head locked as `audit.record` locks it. No head: the chain has none yet."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return None, AuditChain.objects.select_for_update().filter(stream=stream).first()
    table, chain = ProcessInstance._meta.db_table, AuditChain._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')), h.\"last_hash\", "  # noqa: S608
            f'h."length" FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT c."last_hash", '
            f'c."length" FROM "{chain}" c WHERE c."stream" = %s FOR UPDATE) AS h ON TRUE',
            [stream],
        )
        instance_id, last_hash, length = cursor.fetchone()
    if last_hash is None:
        return instance_id, None
    return instance_id, AuditChain(stream=stream, last_hash=last_hash, length=length)


def _definition_in_scope(key: str, region_id: int) -> ProcessDefinition:
    """`definition_for` the region's lineage, in one query: the region's own path names its
    ancestors ("/1/5/23/"), so a definition is in scope when its region's path begins it."""
    regions = ProcessDefinition._meta.get_field("region").related_model._default_manager
    target = Subquery(regions.filter(pk=region_id).values("path")[:1])
    definition = (
        ProcessDefinition.objects.filter(key=key)
        .alias(target=target)
        .filter(Q(region__isnull=True) | Q(target__startswith=F("region__path")))
        .defer("sources", "spec")
        .order_by(F("region__path").desc(nulls_last=True), "-version")
        .first()
    )
    if definition is None:
        raise NotFound(_("No process %(key)s has been deployed.") % {"key": key})
    return definition


def _locked_task(task_pk: int) -> _Locked:
    """Lock the task, its instance and the case's audit chain; the task as it is under the lock."""
    found = _lock('t."id" = %s', [task_pk], held_kind=IncidentKind.TASK, task=True)
    if found:
        return found[0]
    instance, task = _locked_instance_for_task(task_pk)
    return _unlocked(instance, held=bool(getattr(task, "held", True)), task=task)


def _locked_instance_for_task(task_pk: int) -> tuple[ProcessInstance, Task]:
    """Lock the task's instance, then read the task as it is under the lock (the fallback
    when `_lock` matched nothing: a row held by another transaction, the task gone, or a
    case chain with no head).

    The task carries `held`: whether an open incident holds it (a failed completion).
    """
    instance = (
        ProcessInstance.objects.select_for_update(of=("self",)).filter(tasks__pk=task_pk).first()
    )
    if instance is None:
        raise TaskConflict(_("This task has already been completed or no longer exists."))
    # Re-read under the lock, in a statement of its own: the join above saw the task as it
    # was before any wait for the lock, and another transaction may have completed it (or
    # claimed it) meanwhile.
    task = _tasks_with_hold().filter(pk=task_pk).first()
    if task is None:
        raise TaskConflict(_("This task has already been completed by someone else."))
    return instance, task


@functools.cache
def _tasks_with_hold() -> QuerySet[Task]:
    """Tasks with `held`; built once, as the Exists() costs more to build than to run.
    Only ever filtered (which copies it), never evaluated itself."""
    held = Incident.objects.open().filter(
        instance_id=OuterRef("instance_id"), kind=IncidentKind.TASK, task_id=OuterRef("pk")
    )
    return Task.objects.annotate(held=Exists(held))


@transaction.atomic
def claim(task_pk: int, *, actor: User) -> Task:
    locked = _locked_task(task_pk)
    instance, task = locked.instance, _the_task(locked)
    if task.claimed_by_id is not None and task.claimed_by_id != actor.pk:
        raise TaskConflict(_("This task is already claimed by a colleague."))
    _check_separation(instance, task.spec_name, actor, _exclusions(instance, task))
    _set_claim(locked, task, actor, actor, "task.claimed")
    return task


@transaction.atomic
def unclaim(task_pk: int, *, actor: User, assign_to: User | None = None) -> Task:
    locked = _locked_task(task_pk)
    task = _the_task(locked)
    payload = {"assigned_to": assign_to.pk} if assign_to else {}
    action = "task.assigned" if assign_to else "task.unclaimed"
    _set_claim(locked, task, assign_to, actor, action, payload)
    return task


def _the_task(locked: _Locked) -> Task:
    assert locked.task is not None
    return locked.task


def _set_claim(
    locked: _Locked,
    task: Task,
    claimant: User | None,
    actor: User,
    action: str,
    payload: dict[str, Any] | None = None,
) -> None:
    task.claimed_by = claimant
    task.claimed_at = clock.now() if claimant else None
    writes = Writes()
    writes.update(
        Task.objects.filter(pk=task.pk),
        {"claimed_by": claimant, "claimed_at": task.claimed_at},
        rows=1,
    )
    _record_task_event(action, locked, writes, task, actor, payload)
    writes.flush()


@_raising_incident
@transaction.atomic
def complete(
    task_pk: int,
    *,
    actor: User,
    data: Mapping[str, Any],
    expected_revision: int | None = None,
    retried_by: User | None = None,
) -> ProcessInstance:
    """`retried_by`: policy staff carrying a held submission through (they resolve its incident)."""
    locked = _locked_task(task_pk)
    instance, task = locked.instance, _the_task(locked)
    if expected_revision is not None and instance.revision != expected_revision:
        raise TaskConflict(_("The case changed while you were working on it; reload and check."))
    if task.claimed_by_id is not None and task.claimed_by_id != actor.pk:
        raise TaskConflict(_("This task is claimed by a colleague."))
    if task.form:
        validate_submission(form_schema(_sources(instance.definition_id), task.form), dict(data))
    workflow = _step_workflow(locked)
    spiff_task = workflow.get_task_from_id(task.spiff_id)
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise TaskConflict(_("This task has already been completed by someone else."))
    _check_separation(instance, task.spec_name, actor, _exclusions(instance, task))
    try:
        _check_evidence(instance, spiff_task, data)
        spiff_task.data.update(data)
        _advance(spiff_task.run, functools.partial(_engine_steps, workflow))
    except ProcessFailed as exc:
        kind = IncidentKind.TASK
        _failure(exc, instance, kind, task_id=task.pk, submitted_by=actor, submitted=data)
        raise
    if locked.held:
        _close_incidents(locked, retried_by or actor, IncidentKind.TASK, task_id=task.pk)
    actors = dict(instance.actors)
    actors[task.spec_name] = sorted({*actors.get(task.spec_name, []), actor.pk})
    instance.actors = actors
    writes = Writes()
    _record_task_event(
        "task.completed",
        locked,
        writes,
        task,
        actor,
        {"data": dict(data), "elements": diagram_marks(workflow)},
    )
    _save(instance, workflow, writes)
    return instance


def _close_incidents(
    locked: _Locked, actor: User | None, kind: str, task_id: int | None = None
) -> None:
    incidents.close_incidents(locked.instance, actor=actor, kind=kind, task_id=task_id)
    # Their resolutions went onto the chain through audit.record: the head read is stale.
    locked.head = None


def _exclusions(instance: ProcessInstance, task: Task) -> list[str]:
    spec, subprocess_specs = _spec_objects(instance.definition_id)
    for process in [spec, *subprocess_specs.values()]:
        task_spec = process.task_specs.get(task.spec_name)
        if task_spec is not None:
            raw = (
                (getattr(task_spec, "extensions", None) or {})
                .get("properties", {})
                .get(EXCLUDE_PROPERTY, "")
            )
            return [name.strip() for name in raw.split(",") if name.strip()]
    return []


def _check_separation(
    instance: ProcessInstance, spec_name: str, actor: User, exclusions: list[str]
) -> None:
    for other in exclusions:
        if actor.pk in instance.actors.get(other, []):
            raise SeparationOfDuties(
                _("You took part in an earlier step of this case; someone else must do this one.")
            )


def _check_evidence(
    instance: ProcessInstance, spiff_task: SpiffTask, data: Mapping[str, Any]
) -> None:
    """Refuse an outcome the diagram ties to evidence while a required kind is not on file."""
    properties = (spiff_task.task_spec.extensions or {}).get("properties", {})
    condition = properties.get(EVIDENCE_WHEN_PROPERTY)
    required = evidence_kinds(properties)
    if not condition or not required:
        return
    try:
        applies = evaluate_standalone(condition, {**spiff_task.data, **data})
    except (ScriptFailed, ScriptRejected, NameError, KeyError, TypeError) as exc:
        name = spiff_task.task_spec.bpmn_name or spiff_task.task_spec.name
        raise ProcessFailed(
            _("The process could not continue at %(step)s: %(error)s")
            % {"step": name, "error": exc},
            element=spiff_task.task_spec.name,
            title=name,
        ) from exc
    if not applies:
        return
    on_file = registry.evidence_on_file(instance.case_id)
    missing = [kind for kind in required if kind not in on_file]
    if missing:
        names = pgettext("list separator", ", ").join(
            registry.evidence_label(kind) for kind in missing
        )
        raise EvidenceMissing(
            _("Upload the missing evidence before this step can be completed: %(items)s.")
            % {"items": names},
            missing,
        )


def _record_task_event(
    action: str,
    locked: _Locked,
    writes: Writes,
    task: Task,
    actor: User,
    payload: dict[str, Any] | None = None,
) -> None:
    instance = locked.instance
    _record(
        locked,
        writes,
        action,
        actor=actor,
        role=task.lane_role,
        region_id=task.region_id,
        case_id=instance.case_id,
        instance_id=instance.pk,
        payload={
            "task": task.spec_name,
            "task_id": task.pk,
            "title": task.title,
            **(payload or {}),
        },
    )


def _save(instance: ProcessInstance, workflow: BpmnWorkflow, writes: Writes | None = None) -> None:
    """Store the advanced state and rewrite the projections; the caller holds the row lock.

    `writes`: the step's writes so far (its audit events), sent with these."""
    writes = writes if writes is not None else Writes()
    now = clock.now()
    _adopt_policy(instance, workflow)
    instance.state = dump_state(workflow, _shared(instance))
    instance.revision += 1
    instance.updated_at = now
    fields = ["state", "revision", "updated_at", "actors", "status", "completed_at", "projected"]
    fields.append("policy_snapshot_id")  # set by _adopt_policy on instances saved before it
    if workflow.completed and instance.status == InstanceStatus.RUNNING:
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = now
    projection = _projection(workflow)
    previous = instance.projected
    instance.projected = projection.ids()
    writes.update(
        ProcessInstance.objects.filter(pk=instance.pk),
        {name: getattr(instance, name) for name in fields},
        rows=1,
    )
    _project(instance, workflow, projection, previous, writes)
    _keep_workflow(instance, workflow)


# ---------------------------------------------------------------- timers and messages


def fire_due_timers(now: datetime | None = None) -> int:
    """Wake every instance with a timer due by `now`, one after the other in this process,
    each in its own transaction (the demo's ticker, `run_timers`, tests). Beat instead sends
    each instance to a worker of its own (`claim_due_timers`, `fire_queued_timers`)."""
    moment = now or clock.now()
    due = (
        Timer.objects.filter(due_at__lte=moment)
        .exclude(instance_id__in=_held_by_timers())
        .values_list("instance_id", flat=True)
        .distinct()
    )
    fired = 0
    for instance_id in list(due):
        try:
            fired += fire_instance_timers(instance_id, moment)
        except ProcessFailed:
            # Recorded as an incident; one broken case must not stop the others' time limits.
            continue
    return fired


def _held_by_timers() -> QuerySet[Incident, int]:
    # An instance held by a failed time limit waits for policy staff to retry it, instead of
    # failing again (and adding to its trail) at every sweep.
    return (
        Incident.objects.open()
        .filter(kind=IncidentKind.TIMER)
        .values_list("instance_id", flat=True)
    )


@transaction.atomic
def claim_due_timers(
    now: datetime, *, requeue_before: datetime, after: int = 0, limit: int = 1000
) -> list[int]:
    """Mark as sent the due timers of the next instances (by id, after `after`) and return
    those instances, for the caller to send to workers once its transaction commits.

    At most `limit` timers are read, so a burst of due timers is claimed batch by batch until
    none are left (an empty list). A timer marked at or after `requeue_before` is left alone:
    its instance waits in the queue. One marked before was lost and is claimed again. Rows
    another sweep is claiming are skipped rather than waited for.
    """
    rows = list(
        Timer.objects.select_for_update(skip_locked=True)
        .filter(due_at__lte=now, instance_id__gt=after)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue_before))
        .exclude(instance_id__in=_held_by_timers())
        .order_by("instance_id")
        .values_list("instance_id", flat=True)[:limit]
    )
    claimed = sorted(set(rows))
    if claimed:
        Timer.objects.filter(instance_id__in=claimed, due_at__lte=now).update(enqueued_at=now)
    return claimed


@_raising_incident
@transaction.atomic
def fire_queued_timers(instance_id: int, now: datetime | None = None) -> int:
    """What a worker runs for an instance the sweep sent; idempotent like
    `fire_instance_timers`, and it waits for no lock.

    An instance another transaction holds (a person's step, another delivery of this task)
    is left: its marks are cleared so the next sweep sends it again if a timer is still due.
    """
    moment = now or clock.now()
    found = _lock('i."id" = %s', [instance_id], held_kind=IncidentKind.TIMER, timers_due_by=moment)
    if found:
        locked = found[0]
    else:
        # Held by another transaction, or its case's audit chain has no head yet: the ORM's
        # lock tells which, still without waiting.
        instance = (
            ProcessInstance.objects.select_for_update(skip_locked=True)
            .filter(pk=instance_id)
            .first()
        )
        if instance is None:
            Timer.objects.filter(instance_id=instance_id, enqueued_at__isnull=False).update(
                enqueued_at=None
            )
            return 0
        locked = _unlocked(
            instance, held=_held_by_timers().filter(instance_id=instance_id).exists()
        )
    if locked.held:
        return 0
    return _fire_due(locked, moment, retried_by=None)


@_raising_incident
@transaction.atomic
def fire_instance_timers(
    instance_id: int, now: datetime | None = None, *, retried_by: User | None = None
) -> int:
    """Idempotent: a second call for the same due timers finds none left and does nothing."""
    moment = now or clock.now()
    found = _lock('i."id" = %s', [instance_id], held_kind=IncidentKind.TIMER, timers_due_by=moment)
    if found:
        locked = found[0]
    else:
        instance = ProcessInstance.objects.select_for_update().filter(pk=instance_id).first()
        if instance is None:
            return 0
        locked = _unlocked(instance)
    return _fire_due(locked, moment, retried_by=retried_by)


def _fire_due(locked: _Locked, moment: datetime, *, retried_by: User | None) -> int:
    """Fire the due timers of the instance the caller locked."""
    instance = locked.instance
    if instance.status != InstanceStatus.RUNNING or not locked.timers_due:
        return 0
    workflow = _step_workflow(locked)
    # The timers due as the workflow holds them, which its Timer rows were written from.
    due = [
        (name, due_at) for name, due_at in _projection(workflow).timers.values() if due_at <= moment
    ]
    if not due:
        return 0
    try:
        _advance(workflow.refresh_timers, functools.partial(_engine_steps, workflow))
    except ProcessFailed as exc:
        _failure(exc, instance, IncidentKind.TIMER)
        raise
    if locked.held:
        _close_incidents(locked, retried_by, IncidentKind.TIMER)
    marks = diagram_marks(workflow)
    writes = Writes()
    for name, due_at in due:
        _record(
            locked,
            writes,
            "timer.fired",
            actor=None,
            role="system",
            case_id=instance.case_id,
            instance_id=instance.pk,
            payload={"timer": name, "due_at": due_at.isoformat(), "elements": marks},
        )
    _save(instance, workflow, writes)
    return len(due)


@_raising_incident
@transaction.atomic
def send_message(
    case_id: int,
    name: str,
    payload: Mapping[str, Any],
    *,
    actor: User | None,
    role: str = "",
    instance_id: int | None = None,
    retried_by: User | None = None,
) -> ProcessInstance:
    """Deliver a message to the running instance of one case: never broadcast.

    A message that fails in the process is kept on its incident; until policy staff retry it
    (`retried_by`, to the instance it failed in) the case takes no other message, which the
    held one would otherwise be overtaken or overwritten by.
    """
    # The newest running instance as the statement starts; left out if another transaction
    # holds it (or it stopped running meanwhile), never swapped for an older one.
    table = ProcessInstance._meta.db_table
    newest = (
        f'i."id" = (SELECT max(n."id") FROM "{table}" n '  # noqa: S608
        'WHERE n."case_id" = %s AND n."status" = %s'
    )
    params: list[Any] = [case_id, InstanceStatus.RUNNING]
    if instance_id is not None:
        newest, params = f'{newest} AND n."id" = %s', [*params, instance_id]
    found = _lock(
        f'{newest}) AND i."status" = %s',
        [*params, InstanceStatus.RUNNING],
        held_kind=IncidentKind.MESSAGE,
    )
    if found:
        locked = found[0]
    else:
        running = ProcessInstance.objects.select_for_update().filter(
            case_id=case_id, status=InstanceStatus.RUNNING
        )
        if instance_id is not None:
            running = running.filter(pk=instance_id)
        instance = running.order_by("-pk").first()
        if instance is None:
            raise NoSuchMessage(_("This case has no running process to receive the message."))
        locked = _unlocked(instance)
    instance = locked.instance
    if (
        retried_by is None
        and locked.held
        and incidents.held_message(case_id, instance.pk) is not None
    ):
        raise MessageHeld(
            _(
                "This case is held: a message recorded earlier could not be carried through "
                "its process. Policy staff have been told; once they have retried it, this "
                "can be recorded."
            )
        )
    workflow = _step_workflow(locked)
    if name not in _waiting_message_names(workflow):
        raise NoSuchMessage(_("The case is not at a stage where this can be received."))
    try:
        workflow.send_event(BpmnEvent(MessageEventDefinition(name), dict(payload)))
    except WorkflowException as exc:
        raise NoSuchMessage(str(exc)) from exc
    try:
        _advance(functools.partial(_engine_steps, workflow))
    except ProcessFailed as exc:
        _failure(
            exc,
            instance,
            IncidentKind.MESSAGE,
            message=name,
            submitted=dict(payload),
            submitted_by=actor,
            role=role,
        )
        raise
    if locked.held:
        _close_incidents(locked, retried_by or actor, IncidentKind.MESSAGE)
    writes = Writes()
    _record(
        locked,
        writes,
        "message.received",
        actor=actor,
        role=role,
        case_id=case_id,
        instance_id=instance.pk,
        payload={
            "message": name,
            "payload": dict(payload),
            "elements": diagram_marks(workflow),
        },
    )
    _save(instance, workflow, writes)
    return instance


@transaction.atomic
def set_variables(
    case_id: int, values: Mapping[str, Any], *, actor: User | None, role: str = ""
) -> list[ProcessInstance]:
    """Tell the running processes of a case a fact learned outside them (a near relative
    declared after the application, R7). Steps not yet reached read the new values; steps
    already done keep what they saw."""
    where, params = 'i."case_id" = %s AND i."status" = %s', [case_id, InstanceStatus.RUNNING]
    # Every running instance, waiting for those held (no incident is looked at here).
    steps = _lock(where, params, held_kind=IncidentKind.MESSAGE, order='i."id"', skip_locked=False)
    if not steps:
        steps = [
            _unlocked(instance)
            for instance in ProcessInstance.objects.select_for_update()
            .filter(case_id=case_id, status=InstanceStatus.RUNNING)
            .order_by("pk")
        ]
    instances = [locked.instance for locked in steps]
    # One chain for all: the first step's receivers may append to it after its writes.
    for later in steps[1:]:
        later.head = None
    for locked in steps:
        instance = locked.instance
        workflow = _step_workflow(locked)
        live = TaskState.READY | TaskState.WAITING | TaskState.STARTED
        for task in workflow.get_tasks(state=live):
            task.data.update(values)
            # A waiting event copies its parent's data again when it fires, over its own.
            if task.parent is not None:
                task.parent.data.update(values)
        writes = Writes()
        _record(
            locked,
            writes,
            "process.variables_set",
            actor=actor,
            role=role,
            case_id=case_id,
            instance_id=instance.pk,
            payload={"values": dict(values)},
        )
        _save(instance, workflow, writes)
    return instances


def lock_instance(instance_id: int) -> None:
    """Lock an instance's row ahead of writing rows its steps also write (the case's audit
    chain, projections). Every step locks its instance first and those rows after; a caller
    writing them before a step of its own (or beside other people's steps) locks in the same
    order, or the two transactions can wait on each other."""
    list(ProcessInstance.objects.select_for_update().filter(pk=instance_id).values_list("pk"))


def waiting_messages(instance: ProcessInstance) -> list[str]:
    return sorted(_waiting_message_names(_load(instance)))


def _waiting_message_names(workflow: BpmnWorkflow) -> set[str]:
    names: set[str] = set()
    for task in workflow.get_tasks(state=TaskState.WAITING):
        names.update(_message_names(task))
    return names


def _message_names(task: SpiffTask) -> list[str]:
    event = getattr(task.task_spec, "event_definition", None)
    inner = event.event_definitions if isinstance(event, MultipleEventDefinition) else [event]
    return sorted(item.name for item in inner if isinstance(item, MessageEventDefinition))


def instance_data(instance: ProcessInstance) -> dict[str, Any]:
    """The data of the most recent task, for showing a case's process variables."""
    return _latest_data(_load(instance))


# ---------------------------------------------------------------- projections


@dataclass
class _Projection:
    """What an instance's projection rows should be after a change, keyed by spiff id."""

    tasks: dict[UUID, SpiffTask]
    timers: dict[UUID, tuple[str, datetime]]
    waits: dict[UUID, tuple[SpiffTask, list[str], str, dict[str, str]]]

    def ids(self) -> dict[str, list[str]]:
        """The value kept in `ProcessInstance.projected` once these rows are written."""
        return {
            kind: sorted(str(spiff_id) for spiff_id in getattr(self, kind))
            for kind in PROJECTED_KINDS
        }


PROJECTED_KINDS = ("tasks", "timers", "waits")
NOTHING_PROJECTED: dict[str, list[str]] = {kind: [] for kind in PROJECTED_KINDS}


def _projection(workflow: BpmnWorkflow) -> _Projection:
    tasks = {
        task.id: task
        for task in workflow.get_tasks(state=TaskState.READY)
        if isinstance(task.task_spec, UserTaskMixin)
    }
    timers: dict[UUID, tuple[str, datetime]] = {}
    waits: dict[UUID, tuple[SpiffTask, list[str], str, dict[str, str]]] = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if _waits_on_timer(getattr(task.task_spec, "event_definition", None)):
            due_at = _timer_due(task)
            if due_at is not None:
                timers[task.id] = (task.task_spec.bpmn_name or task.task_spec.name, due_at)
        # Messages a role must record, as the diagram's waitRole says.
        names = _message_names(task)
        properties = _wait_properties(task)
        role = properties.get(WAIT_ROLE_PROPERTY)
        if names and role:
            waits[task.id] = (task, names, role, properties)
    return _Projection(tasks, timers, waits)


def _project(
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    projection: _Projection,
    previous: Mapping[str, list[str]] | None,
    writes: Writes | None = None,
) -> None:
    """Rewrite the Task, Timer and Wait rows from `previous` (the ids the instance had
    projected, None to ask the tables) to `projection`, which the instance row records.

    Sends `writes` with the rows' changes, then tells the receivers, who may read them."""
    writes = writes if writes is not None else Writes()
    titles = _project_tasks(instance, projection, _known(Task, instance, previous, "tasks"), writes)
    _project_timers(instance, projection, _known(Timer, instance, previous, "timers"), writes)
    _project_waits(instance, projection, _known(Wait, instance, previous, "waits"), writes)
    writes.flush()
    instance_changed.send(
        sender=ProcessInstance,
        instance=instance,
        data=_latest_data(workflow),
        completed=workflow.completed,
        task_titles=titles,
        # The waits projected before this change (None: not known), so a receiver keeping
        # records of waits can tell that nothing about them changed without a query.
        previous_waits=None if previous is None else list(previous.get("waits") or []),
        # Likewise the tasks (ready user tasks) projected before: a receiver that keeps what
        # the tasks say (the case's stage) can tell that none came or went.
        previous_tasks=None if previous is None else previous.get("tasks"),
        # A callable: walking the task tree for end events costs, and only tests ask.
        reached_ends=lambda: _reached_ends(workflow),
    )


def _known(
    model: type[Task | Timer | Wait],
    instance: ProcessInstance,
    previous: Mapping[str, list[str]] | None,
    kind: str,
) -> set[UUID]:
    if previous is not None and kind in previous:
        return {UUID(spiff_id) for spiff_id in previous[kind]}
    return set(model._default_manager.filter(instance=instance).values_list("spiff_id", flat=True))


def _reached_ends(workflow: BpmnWorkflow) -> list[tuple[str, str]]:
    """(process id, end event id) of every end event passed so far, called stages included."""
    return sorted(
        {
            (task.workflow.spec.name, task.task_spec.bpmn_id)
            for task in workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(task.task_spec, EndEvent)
        }
    )


def _latest_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The data of the task that changed last, looking inside called subprocesses too."""
    data: dict[str, Any] = dict(workflow.data)
    # Only modelled steps: the library's own joins (after a boundary event, say) carry stale data.
    modelled = (task for task in workflow.get_tasks() if getattr(task.task_spec, "bpmn_id", None))
    latest = max(modelled, key=lambda task: task.last_state_change, default=None)
    if latest is not None:
        data.update(latest.data)
    return data


def _project_tasks(
    instance: ProcessInstance, projection: _Projection, known: set[UUID], writes: Writes
) -> list[str]:
    """Rewrite the instance's Task rows; return the titles of its ready tasks."""
    ready = projection.tasks
    gone = known - set(ready)
    if gone:
        # Nothing references a Task row (incidents keep its id only): no cascade to collect.
        writes.delete(Task.objects.filter(instance=instance, spiff_id__in=gone))
    now = clock.now()
    new = [
        _task_row(instance, spiff_task, now)
        for spiff_id, spiff_task in ready.items()
        if spiff_id not in known
    ]
    writes.insert(new)
    return [task.task_spec.bpmn_name or task.task_spec.name for task in ready.values()]


def _task_row(instance: ProcessInstance, spiff_task: SpiffTask, now: datetime) -> Task:
    spec = spiff_task.task_spec
    properties = (spec.extensions or {}).get("properties", {})
    return Task(
        instance=instance,
        case_id=instance.case_id,
        region_id=instance.region_id,
        region_path=Task.path_of_region(instance.region_id),
        spiff_id=spiff_task.id,
        spec_name=spec.name,
        title=spec.bpmn_name or spec.name,
        lane_role=spec.lane or "",
        form=properties.get(FORM_SCHEMA_PROPERTY, ""),
        evidence_required=properties.get(EVIDENCE_PROPERTY, ""),
        created_at=now,
        due_date=_due_date(properties.get(DUE_PROPERTY), spiff_task),
    )


def _due_date(expression: str | None, spiff_task: SpiffTask) -> date | None:
    if not expression:
        return None
    value = evaluate_standalone(expression, spiff_task.data)
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _project_timers(
    instance: ProcessInstance, projection: _Projection, known: set[UUID], writes: Writes
) -> None:
    waiting = projection.timers
    gone = known - set(waiting)
    if gone:
        writes.delete(Timer.objects.filter(instance=instance, spiff_id__in=gone))
    new = [
        Timer(instance=instance, spiff_id=spiff_id, spec_name=name, due_at=due_at)
        for spiff_id, (name, due_at) in waiting.items()
        if spiff_id not in known
    ]
    writes.insert(new)


def _project_waits(
    instance: ProcessInstance, projection: _Projection, known: set[UUID], writes: Writes
) -> None:
    """Rewrite the Wait rows: messages a role must record, as the diagram's waitRole says."""
    waiting = projection.waits
    gone = known - set(waiting)
    if gone:
        writes.delete(Wait.objects.filter(instance=instance, spiff_id__in=gone))
    now = clock.now()
    new = [
        Wait(
            instance=instance,
            case_id=instance.case_id,
            region_id=instance.region_id,
            spiff_id=spiff_id,
            spec_name=task.task_spec.name,
            title=task.task_spec.bpmn_name or task.task_spec.name,
            messages=",".join(names),
            role=role,
            created_at=now,
            due_date=_due_date(properties.get(DUE_PROPERTY), task),
        )
        for spiff_id, (task, names, role, properties) in waiting.items()
        if spiff_id not in known
    ]
    writes.insert(new)


def _wait_properties(task: SpiffTask) -> dict[str, str]:
    """The catch event's properties; for an event gateway, those of the events after it."""
    specs = [task.task_spec]
    if isinstance(getattr(task.task_spec, "event_definition", None), MultipleEventDefinition):
        specs += list(task.task_spec.outputs)
    properties: dict[str, str] = {}
    for spec in specs:
        properties.update((getattr(spec, "extensions", None) or {}).get("properties", {}))
    return properties


def _waits_on_timer(event: Any) -> bool:
    # An event-based gateway waits on a MultipleEventDefinition holding its timers.
    if isinstance(event, MultipleEventDefinition):
        return any(isinstance(inner, TimerEventDefinition) for inner in event.event_definitions)
    return isinstance(event, TimerEventDefinition)


def _timer_due(task: SpiffTask) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not value:
        return None
    moment = TimerEventDefinition.get_datetime(str(value))
    return moment.astimezone(UTC)


def definition_sources(instance_id: int) -> dict[str, str]:
    definition_id = ProcessInstance.objects.values_list("definition_id", flat=True).get(
        pk=instance_id
    )
    return _sources(definition_id)


@functools.lru_cache(maxsize=64)
def task_forms(definition_id: int) -> dict[str, dict[str, Any]]:
    """Spec name -> JSON Schema of every user task of a definition, called stages included.

    Definitions are immutable, so pages that label what each step recorded ask once per
    definition and process, whatever the number of events they show.
    """
    spec, subprocess_specs = _spec_objects(definition_id)
    sources = _sources(definition_id)
    forms: dict[str, dict[str, Any]] = {}
    for process in [spec, *subprocess_specs.values()]:
        for name, task_spec in process.task_specs.items():
            if not isinstance(task_spec, UserTaskMixin):
                continue
            filename = (task_spec.extensions or {}).get("properties", {}).get(FORM_SCHEMA_PROPERTY)
            if filename:
                forms.setdefault(name, form_schema(sources, filename))
    return forms


def diagram(instance: ProcessInstance) -> dict[str, Any]:
    """The main diagram of the instance's definition, with the steps done and those under way."""
    marks = diagram_marks(_load(instance))
    main = definition_diagram(instance.definition_id)
    return {"xml": main, "completed": marks["done"], "active": marks["active"]}


def diagram_marks(workflow: BpmnWorkflow) -> dict[str, list[str]]:
    """Ids of the main diagram's elements done and under way, as the case viewer marks them.

    Written into the audit events of every change (start, step, time limit, message,
    migration), so an auditor can replay the path the case took, step by step.
    """
    done: set[str] = set()
    active: set[str] = set()
    # The viewer shows the main diagram: steps inside called stages light up their call box.
    for task in workflow.get_tasks(skip_subprocesses=True):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            done.add(bpmn_id)
        elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            active.add(bpmn_id)
    return {"done": sorted(done - active), "active": sorted(active)}


@functools.lru_cache(maxsize=64)
def main_diagram_elements(definition_id: int) -> dict[str, str]:
    """Task spec name -> id of the element on the main diagram that holds it.

    Steps of a called stage (stages called from stages too) sit behind their call box: the
    viewer shows the main diagram only, so a count at such a step lights up the box.
    """
    spec, subprocess_specs = _spec_objects(definition_id)
    found: dict[str, str] = {}
    queue: list[tuple[Any, str | None]] = [(spec, None)]
    seen: set[str] = set()
    while queue:
        process, holder = queue.pop(0)
        if process.name in seen:
            continue
        seen.add(process.name)
        for name, task_spec in process.task_specs.items():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            found.setdefault(name, holder or bpmn_id)
            called = subprocess_specs.get(getattr(task_spec, "spec", None) or "")
            if isinstance(task_spec, SubWorkflowTask) and called is not None:
                queue.append((called, holder or bpmn_id))
    return found


@functools.lru_cache(maxsize=64)
def main_diagram_names(definition_id: int) -> dict[str, str]:
    """Element id -> name of the named steps on a definition's main diagram."""
    spec, _subprocess_specs = _spec_objects(definition_id)
    names: dict[str, str] = {}
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        name = getattr(task_spec, "bpmn_name", None)
        if bpmn_id and name:
            names[bpmn_id] = name
    return names


@functools.lru_cache(maxsize=64)
def main_diagram_waits(definition_id: int) -> dict[str, str]:
    """What ends a wait, as the audit trail names it -> the element of the main diagram.

    A step ends with one of three events: `task.completed` (payload `task`: the spec name),
    `message.received` (payload `message`: the message name) or `timer.fired` (payload
    `timer`: the name the Timer row carries). Keys are "task:<spec name>",
    "message:<name>" and "timer:<name>"; steps of called stages map to their call box.
    """
    holders = main_diagram_elements(definition_id)
    spec, subprocess_specs = _spec_objects(definition_id)
    found: dict[str, str] = {}
    for process in [spec, *subprocess_specs.values()]:
        for name, task_spec in process.task_specs.items():
            holder = holders.get(name)
            if holder is None:
                continue
            if isinstance(task_spec, UserTaskMixin):
                found.setdefault(f"task:{name}", holder)
            event = getattr(task_spec, "event_definition", None)
            inner = [event]
            if isinstance(event, MultipleEventDefinition):
                inner = list(event.event_definitions)
            for definition in inner:
                if isinstance(definition, MessageEventDefinition):
                    found.setdefault(f"message:{definition.name}", holder)
            if _waits_on_timer(event):
                found.setdefault(f"timer:{task_spec.bpmn_name or name}", holder)
    return found


def definition_diagram(definition_id: int) -> str:
    """The BPMN source of a definition's main process (the stages it calls are in other files)."""
    definition = ProcessDefinition.objects.only("key", "sources").get(pk=definition_id)
    return next(
        text
        for path, text in sorted(definition.sources.items())
        if path.endswith(".bpmn") and f'id="{definition.key}"' in text
    )
