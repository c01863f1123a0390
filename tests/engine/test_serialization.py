"""The stored state: shared values referred to, ended stages left out, copies stored as
changes; whatever is left out, the workflow loads and runs as the one that was dumped."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.scripting import script_engine
from engine.serialization import REFERENCE, SERIALIZER, Specs, dump_state, load_state

POLICY = {"rate": 3, "note": "各地标准" * 40}
SHARED = {"policy": POLICY}
NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="defs" targetNamespace="http://doudi.example/test"'
)


def process(key: str, body: str, flows: list[tuple[str, str]]) -> str:
    arrows = "".join(
        f'<bpmn:sequenceFlow id="{key}_f{index}" sourceRef="{source}" targetRef="{target}" />'
        for index, (source, target) in enumerate(flows)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS}>'
        f'<bpmn:process id="{key}" isExecutable="true">{body}{arrows}</bpmn:process>'
        "</bpmn:definitions>"
    )


def node(kind: str, element: str, extra: str = "", attributes: str = "") -> str:
    return f'<bpmn:{kind} id="{element}" {attributes}>{extra}</bpmn:{kind}>'


# main: a script, the outer stage (which calls the inner one), a person's step, the end.
MAIN = process(
    "main",
    node("startEvent", "m_start")
    + node("scriptTask", "m_script", "<bpmn:script>x = policy['rate'] + 1</bpmn:script>")
    + node("callActivity", "m_call", attributes='calledElement="outer"')
    + node("userTask", "after")
    + node("endEvent", "m_end"),
    [("m_start", "m_script"), ("m_script", "m_call"), ("m_call", "after"), ("after", "m_end")],
)
OUTER = process(
    "outer",
    node("startEvent", "o_start")
    + node("scriptTask", "o_script", "<bpmn:script>y = x * policy['rate']</bpmn:script>")
    + node("callActivity", "o_call", attributes='calledElement="inner"')
    + node("endEvent", "o_end"),
    [("o_start", "o_script"), ("o_script", "o_call"), ("o_call", "o_end")],
)
INNER = process(
    "inner",
    node("startEvent", "i_start")
    + node("userTask", "inside")
    + node("scriptTask", "i_script", "<bpmn:script>z = y + answer</bpmn:script>")
    + node("endEvent", "i_end"),
    [("i_start", "inside"), ("inside", "i_script"), ("i_script", "i_end")],
)


def specs() -> Specs:
    parser = SpiffBpmnParser()
    for name, text in (("main.bpmn", MAIN), ("outer.bpmn", OUTER), ("inner.bpmn", INNER)):
        parser.add_bpmn_xml(etree.fromstring(text.encode()), filename=name)
    return parser.get_spec("main"), parser.get_subprocess_specs("main")


def started(parts: Specs) -> BpmnWorkflow:
    workflow = BpmnWorkflow(parts[0], parts[1], script_engine=script_engine())
    data = {"policy": json.loads(json.dumps(POLICY)), "n": 1}
    workflow.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    workflow.do_engine_steps()
    return workflow


def stored(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The state as the database gives it back."""
    result: dict[str, Any] = json.loads(json.dumps(dump_state(workflow, SHARED)))
    return result


def reload(workflow: BpmnWorkflow, parts: Specs) -> BpmnWorkflow:
    again = load_state(stored(workflow), parts, SHARED)
    again.script_engine = script_engine()
    return again


def run(workflow: BpmnWorkflow, spec_name: str, **data: Any) -> None:
    [task] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.name == spec_name]
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def snapshot(workflow: BpmnWorkflow) -> dict[str, Any]:
    """Every task's state and data, and every workflow's data, by id."""
    return {
        "tasks": {
            str(task.id): (task.task_spec.name, task.state, task.data)
            for task in workflow.get_tasks()
        },
        "data": workflow.data,
        "stages": {str(key): stage.data for key, stage in workflow.subprocesses.items()},
    }


def test_it_loads_stages_under_way_as_they_were_dumped() -> None:
    parts = specs()
    workflow = started(parts)
    assert len(workflow.subprocesses) == 2  # the inner stage waits on a person

    again = reload(workflow, parts)

    assert snapshot(again) == snapshot(workflow)
    assert stored(again) == stored(workflow)


def test_it_stores_the_policy_once_as_a_reference() -> None:
    parts = specs()
    workflow = started(parts)

    text = json.dumps(stored(workflow), ensure_ascii=False)

    assert POLICY["note"] not in text
    # The start data is kept by the main workflow and its first task, and copied into both
    # stages: the stages' copies are stored as changes against their calls'.
    assert text.count(REFERENCE) == 1
    assert reload(workflow, parts).get_tasks(state=TaskState.READY)[0].data["policy"] == POLICY


def test_it_stores_the_copies_a_stage_starts_with_as_changes() -> None:
    parts = specs()
    workflow = started(parts)
    state = stored(workflow)

    for stage in state["subprocesses"].values():
        assert stage["tasks"][stage["root"]]["data"] == {}
        assert stage["start_delta"]["deletions"] == []
    # A step not reached holds no data of its own, not the deletion of each name.
    assert all(
        task["delta"] in ({}, None) or task["delta"]["updates"]
        for part in [state, *state["subprocesses"].values()]
        for task in part["tasks"].values()
        if task["state"] in (TaskState.FUTURE, TaskState.LIKELY, TaskState.MAYBE)
    )


def test_it_leaves_out_stages_that_have_ended() -> None:
    parts = specs()
    workflow = reload(started(parts), parts)
    run(workflow, "inside", answer=10)
    assert len(workflow.subprocesses) == 2  # still there in memory

    state = stored(workflow)
    again = reload(workflow, parts)

    assert state["subprocesses"] == {} and again.subprocesses == {}
    [after] = again.get_tasks(state=TaskState.READY)
    assert after.data["z"] == (3 + 1) * 3 + 10
    assert after.data["policy"] == POLICY
    run(again, "after")
    assert again.completed and again.data["z"] == 22 and again.data["policy"] == POLICY
    finished = reload(again, parts)
    assert finished.completed and finished.data == again.data


def test_it_loads_a_state_stored_whole() -> None:
    """Instances saved before references: the library's own document, policy and all."""
    parts = specs()
    workflow = started(parts)
    whole = SERIALIZER.to_dict(workflow)
    del whole["spec"], whole["subprocess_specs"]
    whole[SERIALIZER.VERSION_KEY] = VERSION
    whole = json.loads(json.dumps(whole))

    again = load_state(whole, parts)
    again.script_engine = script_engine()

    assert snapshot(again) == snapshot(workflow)
    run(again, "inside", answer=1)
    run(again, "after")
    assert again.completed and again.data["z"] == 13


def test_it_refuses_a_reference_it_was_not_given() -> None:
    parts = specs()
    state = stored(started(parts))

    try:
        load_state(state, parts)
    except KeyError as exc:
        assert "policy" in str(exc)
    else:
        raise AssertionError("loaded a state without the values it refers to")
