"""SpiffWorkflow state <-> JSON, with the spec kept apart and shared values referred to.

About half of a serialized workflow is its spec, identical for every instance of one
definition version; it is stored once on the definition and re-attached on load. The
serializer passes objects it does not recognise through unchanged, so the restored spec
objects (cached per definition) go straight back into the document.

Of the rest, most was copies: the policy in the start data is kept by the workflow, its
first task and, as called stages copy their caller's data, by each stage's workflow and
first task (seven copies of 1.6 KB by the public notice). Values the caller stores once
elsewhere (`shared`, by name: the runtime's policy snapshot) are written as a reference
wherever the data holds them unchanged, and put back on load. Called stages that have
ended, whose data their call has taken back, are not written at all: nothing in the
engine reads them again (the diagram marks come from the main process's own tasks; a
migration sees the call, not the steps inside it). A stage's first data and each workflow's
data are written as changes against the data they were copied from, and a step not reached
yet as holding nothing. The library's document is rebuilt before it reads it, so states
written whole (before this) load as they are. bench/state_size.py measures the result.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

Specs = tuple[Any, dict[str, Any]]


def dump_spec(workflow: BpmnWorkflow) -> dict[str, Any]:
    document = SERIALIZER.to_dict(workflow)
    return {"spec": document["spec"], "subprocess_specs": document["subprocess_specs"]}


def restore_specs(stored: dict[str, Any]) -> Specs:
    stored = copy.deepcopy(stored)
    spec = SERIALIZER.from_dict(stored["spec"])
    subprocess_specs = {
        name: SERIALIZER.from_dict(sub) for name, sub in stored["subprocess_specs"].items()
    }
    return spec, subprocess_specs


# Stands for a shared value in stored data: {"$shared": "<name>"}.
REFERENCE = "$shared"
# In a stage's document: its first task's data as changes against its call's data.
START_DELTA = "start_delta"
# In a workflow's document: its data as changes against its first task's data.
DATA_DELTA = "data_delta"


def dump_state(workflow: BpmnWorkflow, shared: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The workflow's state without its spec, ended stages or copies of `shared` values.

    `shared`: name -> value as stored (JSON), replaced by a reference in any data that
    holds it unchanged; load_state needs the same values back. The workflow is not changed.
    """
    state: dict[str, Any] = SERIALIZER.to_dict(workflow)
    del state["spec"], state["subprocess_specs"]
    _drop_ended_stages(state, workflow)
    _start_deltas(state, workflow)
    _empty_deltas(state, workflow)
    if shared:
        _refer(state, shared)
    state[SERIALIZER.VERSION_KEY] = VERSION
    return state


def _drop_ended_stages(state: dict[str, Any], workflow: BpmnWorkflow) -> None:
    """Leave out called stages whose call is over: their data went back to the call when
    they ended (or they were cancelled with it), and only a running call looks its stage up.
    A stage called from a stage left out goes too."""
    stages: dict[str, Any] = state.get("subprocesses") or {}
    over = TaskState.COMPLETED | TaskState.CANCELLED
    dropped: set[str] = set()
    for key, stage in stages.items():
        call = workflow.get_task_from_id(UUID(key))
        if call is None:
            continue
        if call.has_state(TaskState.CANCELLED) or (stage["completed"] and call.has_state(over)):
            dropped.add(key)
    grew = bool(dropped)
    while grew:
        inner = {
            key
            for key in stages
            if key not in dropped and any(key in stages[outer]["tasks"] for outer in dropped)
        }
        dropped |= inner
        grew = bool(inner)
    if dropped:
        state["subprocesses"] = {key: stage for key, stage in stages.items() if key not in dropped}


def _delta(base: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "updates": DeepMerge.get_updated_keys(base, data),
        "deletions": DeepMerge.get_deleted_keys(base, data),
    }


def _apply(base: Mapping[str, Any], delta: Mapping[str, Any]) -> dict[str, Any]:
    data = {**base, **delta.get("updates", {})}
    for key in delta.get("deletions", []):
        data.pop(key, None)
    return data


def _start_deltas(state: dict[str, Any], workflow: BpmnWorkflow) -> None:
    """A stage's first task holds a copy of its call's data, and a workflow's data is mostly
    its first task's: store them as changes against the data they came from.

    Kept under START_DELTA and DATA_DELTA in the workflow's document, with the first task's
    data and the workflow's left empty; load_state rebuilds them before the library reads
    them. A workflow's data is kept as it is when empty (a stage under way) or when the
    changes would be no smaller."""
    stages = {key: dict(stage) for key, stage in (state.get("subprocesses") or {}).items()}
    state["subprocesses"] = stages
    parts: list[tuple[dict[str, Any], Any]] = [(state, workflow)]
    for key, stage in stages.items():
        call = workflow.get_task_from_id(UUID(key))
        root = stage["tasks"].get(stage["root"])
        if call is None or root is None:
            continue
        stage[START_DELTA] = _delta(call.data, root["data"])
        stage["tasks"] = {**stage["tasks"], stage["root"]: {**root, "data": {}}}
        parts.append((stage, workflow.subprocesses[UUID(key)]))
    for part, part_workflow in parts:
        data = part.get("data") or {}
        changes = _delta(part_workflow.task_tree.data, data)
        if data and len(changes["updates"]) + len(changes["deletions"]) < len(data):
            part[DATA_DELTA] = changes
            part["data"] = {}


def _empty_deltas(state: dict[str, Any], workflow: BpmnWorkflow) -> None:
    """A task with no data of its own (one predicted, not reached) is stored as such, not as
    the deletion of every name its parent holds."""
    stages = state.get("subprocesses") or {}
    parts = [(state, workflow)]
    parts += [(stage, workflow.subprocesses[UUID(key)]) for key, stage in stages.items()]
    for part, part_workflow in parts:
        tasks = part["tasks"]
        for task in part_workflow.tasks.values():
            stored = tasks.get(str(task.id))
            if task.parent is not None and not task.data and stored and stored.get("delta"):
                tasks[str(task.id)] = {**stored, "data": {}, "delta": {}}


def _task_data(tasks: Mapping[str, Any], task_id: str) -> dict[str, Any]:
    """A stored task's data, as the library's TaskConverter.from_dict rebuilds it."""
    chain = []
    current: str | None = task_id
    while current is not None:
        chain.append(tasks[current])
        current = tasks[current]["parent"]
    data: dict[str, Any] = {}
    for task in reversed(chain):
        delta = task.get("delta")
        if delta and task["parent"] is not None:
            data = _apply(data, delta)
        else:
            data = dict(task.get("data") or {})
    return data


def _rebuild_starts(document: dict[str, Any]) -> None:
    """Undo _start_deltas: callers before the stages they call."""
    if DATA_DELTA in document:
        first = _task_data(document["tasks"], document["root"])
        document["data"] = copy.deepcopy(_apply(first, document.pop(DATA_DELTA)))
    stages = document.get("subprocesses") or {}
    pending = {key for key, stage in stages.items() if START_DELTA in stage}
    while pending:
        ready = []
        for key in pending:
            if key in document["tasks"]:
                ready.append((key, document))
                continue
            holder = next((stage for stage in stages.values() if key in stage["tasks"]), None)
            if holder is None:
                raise KeyError(f"no task calls the stored stage {key}")
            if not any(holder is stages[other] for other in pending):
                ready.append((key, holder))
        if not ready:
            raise ValueError("the stored stages call each other in a circle")
        for key, holder in ready:
            stage = stages[key]
            call = _task_data(holder["tasks"], key)
            root = stage["tasks"][stage["root"]]
            first = copy.deepcopy(_apply(call, stage.pop(START_DELTA)))
            stage["tasks"] = {**stage["tasks"], stage["root"]: {**root, "data": first}}
            if DATA_DELTA in stage:
                stage["data"] = copy.deepcopy(_apply(first, stage.pop(DATA_DELTA)))
            pending.discard(key)


def _parts(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The main workflow's document and each stage's."""
    return [document, *(document.get("subprocesses") or {}).values()]


def _refer(state: dict[str, Any], shared: Mapping[str, Any]) -> None:
    """Replace the shared values in the data of every workflow and task by references.

    New dicts throughout: the serializer hands out the live data of first tasks."""

    def referred(data: dict[str, Any]) -> dict[str, Any]:
        names = [name for name, value in shared.items() if name in data and data[name] == value]
        if not names:
            return data
        return {**data, **{name: {REFERENCE: name} for name in names}}

    stages = state.get("subprocesses") or {}
    if stages:
        state["subprocesses"] = {key: dict(stage) for key, stage in stages.items()}
    for part in _parts(state):
        part["data"] = referred(part.get("data") or {})
        tasks = dict(part["tasks"])
        for task_id, task in tasks.items():
            data, delta = task.get("data"), task.get("delta")
            if data:
                tasks[task_id] = task = {**task, "data": referred(data)}
            if delta and delta.get("updates"):
                tasks[task_id] = {**task, "delta": {**delta, "updates": referred(delta["updates"])}}
        part["tasks"] = tasks


def _resolve(document: dict[str, Any], shared: Mapping[str, Any]) -> None:
    """Put a fresh copy of each shared value where the stored data refers to it."""

    def resolved(data: dict[str, Any]) -> dict[str, Any]:
        names = [
            name
            for name, value in data.items()
            if isinstance(value, dict) and len(value) == 1 and REFERENCE in value
        ]
        if not names:
            return data
        values = {}
        for name in names:
            referred = data[name][REFERENCE]
            if referred not in shared:
                raise KeyError(f"the state refers to a shared value it was not given: {referred}")
            values[name] = copy.deepcopy(shared[referred])
        return {**data, **values}

    for part in _parts(document):
        if "data" in part:
            part["data"] = resolved(part["data"] or {})
        tasks = part["tasks"]
        for task_id, task in tasks.items():
            data, delta = task.get("data"), task.get("delta")
            if data:
                tasks[task_id] = task = {**task, "data": resolved(data)}
            if delta and delta.get("updates"):
                tasks[task_id] = {**task, "delta": {**delta, "updates": resolved(delta["updates"])}}


def _tree_order(tasks: dict[str, Any], root: str) -> dict[str, Any]:
    """Tasks with every parent before its children.

    Task data is stored as a delta against the parent task, so a parent must be restored
    first; PostgreSQL's jsonb does not keep object key order, so the order is rebuilt here.
    """
    ordered: dict[str, Any] = {}
    pending = [root]
    while pending:
        task_id = pending.pop()
        task = tasks.get(task_id)
        if task is None or task_id in ordered:
            continue
        ordered[task_id] = task
        pending.extend(reversed(task["children"]))
    for task_id, task in tasks.items():  # anything unreachable keeps its place at the end
        ordered.setdefault(task_id, task)
    return ordered


def load_state(
    state: dict[str, Any], specs: Specs, shared: Mapping[str, Any] | None = None
) -> BpmnWorkflow:
    """`shared`: the values dump_state was given (states written before references, or
    without shared values, need none)."""
    # from_dict pops top-level keys and subprocess entries; restored task data is new objects.
    document = dict(state)
    document["tasks"] = _tree_order(document["tasks"], document["root"])
    document["subprocesses"] = {
        key: {**sub, "tasks": _tree_order(sub["tasks"], sub["root"])}
        for key, sub in document.get("subprocesses", {}).items()
    }
    _resolve(document, shared or {})
    _rebuild_starts(document)
    document["spec"], document["subprocess_specs"] = specs[0], dict(specs[1])
    SERIALIZER.migrate(document)
    workflow: BpmnWorkflow = SERIALIZER.from_dict(document)
    return workflow
