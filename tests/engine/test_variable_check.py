"""A variable read that nothing provides on some path into the reader is refused at deploy.

The renamed form field of issue 8 deployed quietly and stopped the next case at the gateway
that read the old name; now the deploy names the gateway and the variable.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import translation

from engine import runtime
from engine.bundle import DeploymentError, check_bundle
from engine.checks import Problem
from engine.files import bundle_sources
from engine.models import ProcessDefinition
from tests.engine.corpus.generate import dmn, dmn_cells
from tests.engine.corpus.shapes import FORM, SPIFF, Graph, Tool, render, script

pytestmark = pytest.mark.django_db

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
# Spiff Arena's dress without its user-task extension: each user task here writes its own.
TOOL = Tool("spiff", "bpmn:", "SpiffWorkflow Arena", f'xmlns:spiffworkflow="{SPIFF}"')
ROLE = "township_clerk"
PROPERTIES = "<spiffworkflow:properties>{}</spiffworkflow:properties>"


def prop(name: str, value: str) -> str:
    return f'<spiffworkflow:property name="{name}" value="{value}" />'


def graph(key: str = "vars", start_data: str = "") -> Graph:
    found = Graph(key, "变量")
    start = found.add("StartEvent_1", "startEvent", "开始")
    if start_data:
        start.ext = PROPERTIES.format(prop("startData", start_data))
    return found


def files(*graphs: Graph, **extra: str) -> dict[str, str]:
    found = {"main.bpmn": render(graphs[0], TOOL), "forms/answer.json": FORM}
    for index, other in enumerate(graphs[1:]):
        found[f"other{index}.bpmn"] = render(other, TOOL)
    found.update({name.replace("__", "/"): text for name, text in extra.items()})
    return found


def problems(sources: dict[str, str], main: str = "main.bpmn") -> list[Problem]:
    with translation.override("en"):
        return [p for p in check_bundle(sources, main) if "reads the variable" in p.message]


def user_task(found: Graph, node_id: str, name: str, *properties: str) -> None:
    task = found.add(node_id, "userTask", name)
    task.ext = PROPERTIES.format(
        prop("formJsonSchemaFilename", "answer.json") + "".join(properties)
    )
    for node in found.nodes:
        node.lane = ROLE


def step(found: Graph, node_id: str, source: str, name: str = "") -> None:
    found.add(node_id, "scriptTask", name or node_id, script(source))


# ---------------------------------------------------------------- the renamed field


def renamed_dibao() -> dict[str, str]:
    sources = bundle_sources(WORKFLOWS, WORKFLOWS / "dibao.bpmn")
    form = json.loads(sources["forms/dibao_opinion.json"])
    form["properties"]["opinion2"] = form["properties"].pop("opinion")
    form["required"] = ["opinion2"]
    form["if"] = {"properties": {"opinion2": {"const": "refuse"}}, "required": ["opinion2"]}
    sources["forms/dibao_opinion.json"] = json.dumps(form, ensure_ascii=False)
    return sources


def test_it_refuses_the_renamed_field_naming_the_gateway_and_the_variable(world):
    with translation.override("en"), pytest.raises(DeploymentError) as refused:
        runtime.deploy(renamed_dibao(), "dibao.bpmn", actor=world["policy"])
    gateway = next(p for p in refused.value.details if p.element == "gw_opinion")
    assert (gateway.file, gateway.name) == ("dibao.bpmn", "审核意见")
    assert gateway.line is not None and gateway.line > 1
    assert "reads the variable opinion," in gateway.message
    assert "“审核意见” (gw_opinion)" in str(gateway)
    assert not ProcessDefinition.objects.exists()


def test_it_says_so_in_chinese_by_default(world):
    with translation.override("zh-hans"), pytest.raises(DeploymentError) as refused:
        runtime.deploy(renamed_dibao(), "dibao.bpmn", actor=world["policy"])
    message = next(m for m in refused.value.problems if "gw_opinion" in m)
    assert message.startswith("dibao.bpmn，第 ")
    assert "审核意见" in message and "变量 opinion" in message
    assert "没有" in message and "提供" in message


def test_it_deploys_every_shipped_process(world):
    from engine.files import main_files

    for main in main_files(WORKFLOWS):
        assert check_bundle(bundle_sources(WORKFLOWS, main), main.name) == [], main.name


# ---------------------------------------------------------------- what reads


def test_it_refuses_a_script_reading_what_nothing_provides():
    found = graph()
    step(found, "Total", "total = base * 2", "合计")
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Total", "End")
    (problem,) = problems(files(found))
    assert (problem.element, problem.name) == ("Total", "合计")
    assert problem.message.startswith("the script reads the variable base,")


def test_it_takes_start_data_the_start_event_declares():
    found = graph(start_data="base, rate")
    step(found, "Total", "total = base * rate")
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Total", "End")
    assert problems(files(found)) == []


def test_it_refuses_a_decision_table_input_nothing_provides():
    found = graph()
    band = found.add("Band", "businessRuleTask", "定档")
    band.ext = "<spiffworkflow:calledDecisionId>bands</spiffworkflow:calledDecisionId>"
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Band", "End")
    sources = files(
        found, **{"bands.dmn": dmn("https://www.omg.org/spec/DMN/20191111/MODEL/").decode()}
    )
    (problem,) = problems(sources)
    assert problem.element == "Band"
    assert "decision table input “年龄” reads the variable age" in problem.message
    found.nodes.insert(1, found.nodes[0].__class__("Age", "scriptTask", "年龄", script("age = 85")))
    found.flows = []
    found.chain("StartEvent_1", "Age", "Band", "End")
    assert problems(files(found, **{"bands.dmn": sources["bands.dmn"]})) == []


def test_it_refuses_a_decision_table_cell_reading_what_nothing_provides():
    found = graph(start_data="age")
    band = found.add("Band", "businessRuleTask", "定档")
    band.ext = "<spiffworkflow:calledDecisionId>bands</spiffworkflow:calledDecisionId>"
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Band", "End")
    (problem,) = problems(files(found, **{"bands.dmn": dmn_cells(">= limit", '"high"').decode()}))
    assert problem.element == "Band"
    assert problem.message.startswith("a decision table cell reads the variable limit,")
    assert problems(files(found, **{"bands.dmn": dmn_cells(">= 80", "age * 2").decode()})) == []


def test_it_refuses_a_due_date_expression_nothing_provides():
    found = graph()
    user_task(found, "Ask", "填写", prop("dueDate", "add_working_days(today(), deadline_days)"))
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Ask", "End")
    (problem,) = problems(files(found))
    assert problem.element == "Ask"
    assert problem.message.startswith("the due date (dueDate) reads the variable deadline_days,")


def test_it_counts_form_fields_helpers_builtins_and_local_names_as_no_reads():
    found = graph(start_data="members")
    user_task(found, "Ask", "填写")
    found.add(
        "Use",
        "scriptTask",
        "用",
        script(
            "names = [m['name'] for m in members if m]\n"
            "size = len(names) + max(1, 2)\n"
            "due = add_working_days(today(), 3)\n"
            "note = answer.strip() if size else ''"
        ),
    )
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Ask", "Use", "End")
    assert problems(files(found)) == []


# ---------------------------------------------------------------- paths


def branching(both: bool) -> Graph:
    found = graph(start_data="kind")
    found.add("Gateway_kind", "exclusiveGateway", "类别？", default="Flow_other")
    step(found, "Plain", "limit = 100", "普通")
    step(found, "Other", "limit = 200" if both else "note = 'other'", "其他")
    found.add("Gateway_join", "exclusiveGateway")
    step(found, "Use", "share = limit / 2", "分摊")
    found.add("End", "endEvent")
    found.flow("StartEvent_1", "Gateway_kind")
    found.flow("Gateway_kind", "Plain", "kind == 'plain'")
    found.flow("Gateway_kind", "Other", flow_id="Flow_other")
    found.chain("Plain", "Gateway_join")
    found.chain("Other", "Gateway_join", "Use", "End")
    return found


def test_it_refuses_a_read_that_only_one_branch_provides_naming_the_other():
    (problem,) = problems(files(branching(both=False)))
    assert (problem.element, problem.name) == ("Use", "分摊")
    assert "reads the variable limit, but on a path into it (through" in problem.message
    assert "“其他”" in problem.message and "“普通”" not in problem.message


def test_it_accepts_a_read_both_branches_provide():
    assert problems(files(branching(both=True))) == []


def test_it_accepts_a_read_after_a_parallel_join_that_one_branch_provides():
    found = graph()
    found.add("Split", "parallelGateway")
    step(found, "A", "a = 1")
    step(found, "B", "b = 2")
    found.add("Join", "parallelGateway")
    step(found, "Use", "c = a + b")
    found.add("End", "endEvent")
    found.flow("StartEvent_1", "Split")
    found.chain("Split", "A", "Join")
    found.chain("Split", "B", "Join", "Use", "End")
    assert problems(files(found)) == []


def looping(provided_before: bool) -> Graph:
    found = graph()
    step(found, "Init", "total = 0" if provided_before else "count = 0", "起始")
    step(found, "Add", "total = total + 1", "累加")
    found.add("Again", "exclusiveGateway", "再来？", default="Flow_back")
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Init", "Add", "Again")
    found.flow("Again", "End", "total > 3")
    found.flow("Again", "Add", flow_id="Flow_back")
    return found


def test_it_refuses_a_loop_whose_first_round_reads_what_a_later_step_provides():
    (problem,) = problems(files(looping(provided_before=False)))
    assert (problem.element, problem.name) == ("Add", "累加")
    assert "reads the variable total, but on a path into it (through" in problem.message
    assert "“起始”" in problem.message


def test_it_accepts_a_loop_given_the_variable_before_it():
    assert problems(files(looping(provided_before=True))) == []


def test_it_follows_a_variable_set_with_the_value_a_gateway_tests():
    """exit.bpmn's shape: `amount` exists exactly when `action` was set to 'recalculate'."""
    found = graph(start_data="died")
    step(found, "Prepare", "action = 'terminate'")
    found.add("Gateway_died", "exclusiveGateway", default="Flow_alive")
    step(found, "Recalc", "amount = 10\naction = 'recalculate' if amount else 'terminate'")
    found.add("Gateway_merge", "exclusiveGateway")
    found.add("Gateway_action", "exclusiveGateway", default="Flow_stop")
    step(found, "Adjust", "new_amount = amount")
    step(found, "Stop", "stopped = True")
    found.add("End_a", "endEvent")
    found.add("End_b", "endEvent")
    found.chain("StartEvent_1", "Prepare", "Gateway_died")
    found.flow("Gateway_died", "Recalc", "died")
    found.flow("Gateway_died", "Gateway_merge", flow_id="Flow_alive")
    found.chain("Recalc", "Gateway_merge", "Gateway_action")
    found.flow("Gateway_action", "Adjust", "action == 'recalculate'")
    found.flow("Gateway_action", "Stop", flow_id="Flow_stop")
    found.chain("Adjust", "End_a")
    found.chain("Stop", "End_b")
    assert problems(files(found)) == []
    # Without the constant the gateway tests, the path that skipped Recalc reaches Adjust.
    found.nodes[1].body = script("action = str(died)")
    (problem,) = problems(files(found))
    assert problem.element == "Adjust" and "reads the variable amount" in problem.message


def test_it_asks_a_guarded_read_only_for_some_path():
    found = graph(start_data="flag")
    found.add("Gateway_1", "exclusiveGateway", default="Flow_skip")
    step(found, "Set", "extra = 5")
    found.add("Gateway_2", "exclusiveGateway")
    step(found, "Use", "total = extra if flag else 0")
    found.add("End", "endEvent")
    found.flow("StartEvent_1", "Gateway_1")
    found.flow("Gateway_1", "Set", "flag")
    found.flow("Gateway_1", "Gateway_2", flow_id="Flow_skip")
    found.chain("Set", "Gateway_2", "Use", "End")
    assert problems(files(found)) == []
    found.nodes[2].body = script("other = 5")
    (problem,) = problems(files(found))
    assert "reads the variable extra, but no form field, start data or earlier step" in (
        problem.message
    )


def test_it_takes_the_message_variable_as_provided():
    found = graph()
    found.top = '<{p}message id="Msg_1" name="arrived" />'
    found.add(
        "Wait",
        "intermediateCatchEvent",
        "等回复",
        '<{p}messageEventDefinition id="MD_1" messageRef="Msg_1"><{p}extensionElements>'
        "<spiffworkflow:messageVariable>reply</spiffworkflow:messageVariable>"
        "</{p}extensionElements></{p}messageEventDefinition>",
    )
    step(found, "Use", "answer_text = reply['text']")
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Wait", "Use", "End")
    assert problems(files(found)) == []
    found.nodes[1].body = '<{p}messageEventDefinition id="MD_1" messageRef="Msg_1" />'
    (problem,) = problems(files(found))
    assert problem.element == "Use" and "reads the variable reply" in problem.message


# ---------------------------------------------------------------- called processes


def callee(reads: str) -> Graph:
    found = Graph("callee", "被调用")
    found.add("Start_in", "startEvent")
    step(found, "Inner", f"result = {reads} + 1", "内部")
    found.add("End_in", "endEvent")
    found.chain("Start_in", "Inner", "End_in")
    return found


def caller(provides: bool) -> Graph:
    found = graph()
    step(found, "Give", "given = 1" if provides else "other = 1", "准备")
    found.add("Call", "callActivity", "调用", calledElement="callee")
    step(found, "After", "final = result * 2", "之后")
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Give", "Call", "After", "End")
    return found


def test_it_accepts_a_called_process_reading_what_the_caller_provides():
    assert problems(files(caller(provides=True), callee("given"))) == []


def test_it_refuses_a_called_process_reading_what_the_caller_does_not_provide():
    (problem,) = problems(files(caller(provides=False), callee("given")))
    assert (problem.file, problem.element, problem.name) == ("other0.bpmn", "Inner", "内部")
    assert "reads the variable given" in problem.message
    assert "when called from “调用” (Call) in main.bpmn" in problem.message


# ---------------------------------------------------------------- start data


def test_it_refuses_a_start_without_the_declared_start_data(world, tiny_case):
    found = graph(key="declared", start_data="base")
    step(found, "Total", "total = base * 2")
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Total", "End")
    runtime.deploy(files(found), "main.bpmn", actor=world["policy"])
    with pytest.raises(runtime.StartDataMissing, match="base"):
        runtime.start(
            "declared", case_id=tiny_case.pk, region_id=tiny_case.region_id, actor=None, data={}
        )
    runtime.start(
        "declared",
        case_id=tiny_case.pk,
        region_id=tiny_case.region_id,
        actor=None,
        data={"base": 2, "outcome": "closed"},
    )


def test_it_refuses_a_start_data_name_that_is_not_a_variable():
    found = graph(start_data="base, 2x")
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "End")
    with translation.override("en"):
        (problem,) = check_bundle(files(found), "main.bpmn")
    assert problem.element == "StartEvent_1"
    assert "startData names '2x', which is not a variable name" in problem.message


def test_it_checks_a_draft_without_raising():
    found = graph()
    step(found, "Total", "total = base * 2")
    found.add("End", "endEvent")
    found.chain("StartEvent_1", "Total", "End")
    with translation.override("en"):
        (problem,) = check_bundle(files(found), "main.bpmn")
    assert (problem.file, problem.element, problem.name) == ("main.bpmn", "Total", "Total")
    assert problem.line and "base" in problem.message


def test_it_turns_a_crash_of_the_checks_into_a_problem(monkeypatch):
    def crash(sources: object, main: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("engine.bundle._load_bundle", crash)
    with translation.override("en"):
        (problem,) = check_bundle({"main.bpmn": ""}, "main.bpmn")
    assert problem.file == "main.bpmn"
    assert problem.message == "the checks could not run (RuntimeError: boom)"
