"""SpiffWorkflow state <-> JSON, with the spec kept apart.

About half of a serialized workflow is its spec, identical for every instance of one
definition version; it is stored once on the definition and re-attached on load. The
serializer passes objects it does not recognise through unchanged, so the restored spec
objects (cached per definition) go straight back into the document.
"""

from __future__ import annotations

import copy
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

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


def dump_state(workflow: BpmnWorkflow) -> dict[str, Any]:
    state: dict[str, Any] = SERIALIZER.to_dict(workflow)
    del state["spec"], state["subprocess_specs"]
    state[SERIALIZER.VERSION_KEY] = VERSION
    return state


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


def load_state(state: dict[str, Any], specs: Specs) -> BpmnWorkflow:
    # from_dict pops top-level keys and subprocess entries; restored task data is new objects.
    document = dict(state)
    document["tasks"] = _tree_order(document["tasks"], document["root"])
    document["subprocesses"] = {
        key: {**sub, "tasks": _tree_order(sub["tasks"], sub["root"])}
        for key, sub in document.get("subprocesses", {}).items()
    }
    document["spec"], document["subprocess_specs"] = specs[0], dict(specs[1])
    SERIALIZER.migrate(document)
    workflow: BpmnWorkflow = SERIALIZER.from_dict(document)
    return workflow
