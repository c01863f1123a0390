"""Deploy checks: each refusal names the file, the element and its line, in Chinese by default."""

from __future__ import annotations

import pytest
from django.utils import translation

from engine import runtime
from engine.bundle import DeploymentError, load_bundle
from engine.files import bundle_sources
from engine.models import InstanceStatus, ProcessDefinition
from tests.engine.corpus.generate import (
    DMN_NAMESPACES,
    approval,
    blocks,
    caller,
    dmn,
    dmn_cells,
    multi,
    parallel,
    rule_graph,
    single,
    straight,
    timer,
    with_catch,
)
from tests.engine.corpus.shapes import TOOLS, Graph, render, script
from tests.engine.samples import FORM, tiny_bpmn

pytestmark = pytest.mark.django_db


def refusal(files: dict[str, str], main: str = "main.bpmn") -> DeploymentError:
    with translation.override("en"), pytest.raises(DeploymentError) as refused:
        load_bundle(files, main)
    return refused.value


def bpmnio(graph: Graph) -> dict[str, str]:
    return {"main.bpmn": render(graph, TOOLS["bpmnio"])}


def stored(key: str) -> Graph:
    graph = straight(key, 1)
    graph.extra = '<{p}dataStoreReference id="Store_1" name="数据库" />'
    return graph


def test_it_names_the_broken_flow_not_a_form_with_the_same_id(world):
    graph = straight("broken", 2)
    graph.flows[-1] = ("Flow_broken", "Activity_0001", "Activity_gone", "")
    error = refusal(bpmnio(graph))
    (problem,) = error.details
    assert (problem.file, problem.element) == ("main.bpmn", "Flow_broken")
    assert problem.line is not None and problem.line > 1
    assert "leads to 'Activity_gone', which is not a step of this process" in problem.message
    assert "same ID" not in str(error)


def test_it_keeps_the_element_and_line_the_library_reports(world):
    files = {"tiny.bpmn": tiny_bpmn().replace('isExecutable="true"', 'isExecutable="false"')}
    files["tiny.bpmn"] = files["tiny.bpmn"].replace("<bpmn:script>", "<bpmn:script><bpmn:x/>", 1)
    error = refusal({**files, "forms/tiny.json": FORM}, "tiny.bpmn")
    problem = error.details[0]
    assert problem.file == "tiny.bpmn" and problem.element and problem.line


@pytest.mark.parametrize(
    ("graph", "element", "words"),
    [
        (single("plain", "task"), "Step_1", "no one can complete a task"),
        (single("manual", "manualTask"), "Step_1", "no one can complete a manualTask"),
        (single("service", "serviceTask"), "Step_1", "serviceTask is not supported"),
        (parallel("wide", 201), "Gateway_split", "201 branches meet here"),
        (blocks("blocks", 3, 8), "blocks", "one after another make 512 paths; at most 400"),
        (multi("mi", ""), "Step_1", "neither a cardinality nor an input collection"),
        (caller("selfcall", "selfcall"), "Step_1", "calls itself (selfcall → selfcall)"),
        (single("empty", "scriptTask"), "Step_1", "has no script"),
        (
            with_catch("cycle", timer("timeCycle", "'R3/PT1H'")),
            "Step_1",
            "timeCycle) is only allowed on a boundary event",
        ),
        (
            single("groovy", "scriptTask", script("x = 1"), scriptFormat="groovy"),
            "Step_1",
            "written in groovy; Doudi runs Python only",
        ),
        (
            with_catch(
                "unsent",
                '<{p}signalEventDefinition id="SD" signalRef="Sig_1"/>',
                '<{p}signal id="Sig_1" name="go"/>',
            ),
            "Step_1",
            "waits for a signal that nothing in the bundle sends",
        ),
        (with_catch("idle", ""), "Step_1", "the catch event waits for nothing"),
        (single("receive", "receiveTask"), "Step_1", "names no message, so nothing can reach it"),
        (
            multi("mi_huge", "<{p}loopCardinality>100000</{p}loopCardinality>"),
            "Step_1",
            "runs 100000 times; at most 200 are allowed",
        ),
        (
            single("spin", "scriptTask", "<{p}standardLoopCharacteristics/>" + script("n = 1")),
            "Step_1",
            "a loop needs a loopMaximum of at most 200",
        ),
        (stored("store"), "Store_1", "dataStoreReference is not supported by Doudi"),
    ],
)
def test_it_refuses_a_step_that_cannot_run_naming_it(world, graph, element, words):
    error = refusal(bpmnio(graph))
    assert any(p.element == element and words in p.message for p in error.details), error.problems


def test_it_refuses_a_start_event_that_leads_nowhere(world):
    graph = Graph("stuck")
    graph.add("StartEvent_1", "startEvent", "开始")
    (problem,) = refusal(bpmnio(graph)).details
    assert (problem.element, problem.name) == ("StartEvent_1", "开始")
    assert "leads nowhere" in problem.message


def test_it_refuses_a_cycle_of_calls_across_files(world):
    files = {
        "main.bpmn": render(caller("cycle_a", "cycle_b"), TOOLS["bpmnio"]),
        "other.bpmn": render(caller("cycle_b", "cycle_a"), TOOLS["bpmnio"]),
    }
    error = refusal(files)
    assert any("cycle_a → cycle_b → cycle_a" in p.message for p in error.details), error.problems


def test_it_refuses_ids_and_names_longer_than_stored(world):
    graph = straight("lengths", 1)
    graph.nodes[1].name = "名" * 201
    graph.nodes[2].id = "End_" + "x" * 100
    graph.flows = []
    graph.chain("StartEvent_1", "Activity_0000", graph.nodes[2].id)
    messages = [p.message for p in refusal(bpmnio(graph)).details]
    assert any("the name is 201 characters long; at most 200" in m for m in messages)
    assert any("the id is 104 characters long; at most 100" in m for m in messages)


def test_it_refuses_a_file_that_is_not_utf8_naming_it(world, tmp_path):
    (tmp_path / "main.bpmn").write_bytes(
        render(approval("gbk", "x"), TOOLS["bpmnio"]).encode("gbk")
    )
    with translation.override("en"), pytest.raises(DeploymentError) as refused:
        bundle_sources(tmp_path, tmp_path / "main.bpmn")
    (problem,) = refused.value.details
    assert problem.file == "main.bpmn" and "not UTF-8" in problem.message


def test_it_says_it_in_chinese_by_default(world):
    graph = single("plain", "task")
    with translation.override("zh-hans"), pytest.raises(DeploymentError) as refused:
        runtime.deploy(bpmnio(graph), "main.bpmn", actor=world["policy"])
    (message,) = refused.value.problems
    assert message.startswith("main.bpmn，第 ") and "Step_1" in message
    assert "无人能完成" in message
    assert not ProcessDefinition.objects.exists()


def test_it_records_a_process_that_ends_inside_start_as_completed(world, tiny_case, fixed_clock):
    runtime.deploy(bpmnio(straight("through", 3)), "main.bpmn", actor=world["policy"])
    instance = runtime.start(
        "through",
        case_id=tiny_case.pk,
        region_id=world.village_a1.pk,
        actor=None,
        data={"outcome": "closed"},
    )
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.completed_at == instance.created_at
    assert not instance.tasks.exists()
    tiny_case.refresh_from_db()
    assert tiny_case.status == "closed"


def test_it_names_the_dmn_cell_that_runs_into_its_input(world):
    files = {
        "main.bpmn": render(rule_graph("rules_in", "bands"), TOOLS["spiff"]),
        "bands.dmn": dmn_cells("in (80, 85, 90)", '"high"').decode(),
    }
    (problem,) = refusal(files).details
    assert (problem.file, problem.element) == ("bands.dmn", "C1") and problem.line
    assert "runs into the input 'age'" in problem.message


def test_it_reads_dmn_1_2_tables(world):
    files = {
        "main.bpmn": render(rule_graph("rules_12", "bands"), TOOLS["spiff"]),
        "bands.dmn": dmn(DMN_NAMESPACES["dmn12"]).decode(),
    }
    assert load_bundle(files, "main.bpmn").key == "rules_12"
