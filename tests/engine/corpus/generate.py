"""Hundreds of diagrams: each template in the dress of each modeler, plus hostile files.

`entries()` yields what a person might upload: file names and raw bytes (not text: the
encoding is part of what is tested), the main file, and — where the outcome is certain —
whether it must run or be refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from tests.engine.corpus.shapes import (
    FORM,
    SPIFF,
    TOOLS,
    Graph,
    Tool,
    message_catch,
    render,
    script,
)

ROLE = "township_clerk"


@dataclass
class Entry:
    name: str
    files: dict[str, bytes]
    main: str = "main.bpmn"
    expect: str = ""  # "run", "refuse" or "" (either, as long as it is clear)


def _bundle(graph: Graph, tool: Tool, **extra: bytes) -> dict[str, bytes]:
    files = {"main.bpmn": render(graph, tool).encode()}
    if tool.name == "spiff":
        files["forms/answer.json"] = FORM.encode()
    files.update({name.replace("__", "/"): data for name, data in extra.items()})
    return files


# ---------------------------------------------------------------- templates


def straight(key: str, length: int) -> Graph:
    graph = Graph(key, "直通流程")
    graph.add("StartEvent_1", "startEvent", "开始")
    ids = []
    for index in range(length):
        ids.append(f"Activity_{index:04d}")
        graph.add(
            ids[-1],
            "scriptTask",
            f"计算{index}",
            script(f"x{index} = {index} + 1"),
            scriptFormat="python",
        )
    graph.add("EndEvent_1", "endEvent", "结束")
    graph.chain("StartEvent_1", *ids, "EndEvent_1")
    return graph


def approval(key: str, lane: str) -> Graph:
    graph = Graph(key, "审批")
    graph.add("StartEvent_1", "startEvent", "申请")
    graph.add("Activity_review", "userTask", "审核").lane = lane
    graph.add("Gateway_ok", "exclusiveGateway", "通过？", default="Flow_no")
    graph.add("Activity_note", "scriptTask", "记录", script("approved = True"))
    graph.add("EndEvent_yes", "endEvent", "批准")
    graph.add("EndEvent_no", "endEvent", "不批准")
    for node in graph.nodes:
        node.lane = lane
    graph.chain("StartEvent_1", "Activity_review", "Gateway_ok")
    graph.flow("Gateway_ok", "Activity_note", "answer == 'yes'")
    graph.flow("Gateway_ok", "EndEvent_no", flow_id="Flow_no")
    graph.chain("Activity_note", "EndEvent_yes")
    return graph


def camunda_approval(key: str) -> Graph:
    graph = approval(key, "Sachbearbeiter")
    graph.flows[2] = (graph.flows[2][0], "Gateway_ok", "Activity_note", "${approved == true}")
    return graph


def single(key: str, tag: str, body: str = "", **attrs: str) -> Graph:
    graph = Graph(key, f"单步 {tag}")
    graph.add("StartEvent_1", "startEvent")
    graph.add("Step_1", tag, f"步骤 {tag}", body, **attrs)
    graph.add("EndEvent_1", "endEvent")
    graph.chain("StartEvent_1", "Step_1", "EndEvent_1")
    return graph


def parallel(key: str, branches: int, split: str = "parallelGateway") -> Graph:
    graph = Graph(key, f"{branches} 路并行")
    graph.add("StartEvent_1", "startEvent")
    graph.add("Gateway_split", split)
    graph.add("Gateway_join", split)
    graph.add("EndEvent_1", "endEvent")
    graph.flow("StartEvent_1", "Gateway_split")
    for index in range(branches):
        task = f"Activity_b{index}"
        graph.add(task, "scriptTask", f"分支{index}", script(f"b{index} = 1"))
        condition = "True" if split == "inclusiveGateway" else ""
        graph.flow("Gateway_split", task, condition)
        graph.flow(task, "Gateway_join")
    graph.flow("Gateway_join", "EndEvent_1")
    return graph


def blocks(key: str, count: int, branches: int) -> Graph:
    """Parallel blocks one after another: many steps, each split within the limit."""
    graph = Graph(key, f"{count} 段并行")
    graph.add("StartEvent_1", "startEvent")
    previous = "StartEvent_1"
    for block in range(count):
        split, join = f"Split_{block}", f"Join_{block}"
        graph.add(split, "parallelGateway")
        graph.add(join, "parallelGateway")
        graph.flow(previous, split)
        for index in range(branches):
            task = f"Task_{block}_{index}"
            graph.add(task, "scriptTask", "", script(f"v{index} = {block}"))
            graph.flow(split, task)
            graph.flow(task, join)
        previous = join
    graph.add("EndEvent_1", "endEvent")
    graph.flow(previous, "EndEvent_1")
    return graph


def nested(key: str, depth: int) -> Graph:
    graph = Graph(key, f"{depth} 层子流程")
    graph.add("StartEvent_1", "startEvent")
    body = (
        '<{p}startEvent id="S_in"/><{p}endEvent id="E_in"/>'
        '<{p}sequenceFlow id="F_in" sourceRef="S_in" targetRef="E_in"/>'
    )
    for level in range(depth, 0, -1):
        inner = (
            body
            if level == depth
            else (
                f'<{{p}}startEvent id="S{level}"/><{{p}}subProcess id="Sub{level + 1}">{body}</{{p}}subProcess>'
                f'<{{p}}endEvent id="E{level}"/>'
                f'<{{p}}sequenceFlow id="FA{level}" sourceRef="S{level}" targetRef="Sub{level + 1}"/>'
                f'<{{p}}sequenceFlow id="FB{level}" sourceRef="Sub{level + 1}" targetRef="E{level}"/>'
            )
        )
        body = inner
    graph.add("Sub1", "subProcess", "子流程", body)
    graph.add("EndEvent_1", "endEvent")
    graph.chain("StartEvent_1", "Sub1", "EndEvent_1")
    return graph


def with_catch(key: str, definition: str, top: str = "") -> Graph:
    graph = single(key, "intermediateCatchEvent", definition)
    graph.top = top
    return graph


TIMER_IDS = itertools.count(1)


def timer(kind: str, value: str) -> str:
    return (
        f'<{{p}}timerEventDefinition id="Timer_{next(TIMER_IDS)}"><{{p}}{kind} xsi:type="{{p}}tFormalExpression">'
        f"{value}</{{p}}{kind}></{{p}}timerEventDefinition>"
    )


def caller(key: str, called: str) -> Graph:
    return single(key, "callActivity", calledElement=called)


def rule_task(key: str) -> Graph:
    return single(
        key,
        "businessRuleTask",
        "",
    )


MI = (
    '<{p}multiInstanceLoopCharacteristics isSequential="{seq}">{inner}'
    "</{p}multiInstanceLoopCharacteristics>"
)


def multi(key: str, inner: str, sequential: bool = False) -> Graph:
    body = MI.replace("{seq}", str(sequential).lower()).replace("{inner}", inner) + script(
        "item_done = True"
    )
    graph = single(key, "scriptTask", body)
    graph.nodes.insert(
        1, graph.nodes[0].__class__("Prepare", "scriptTask", "准备", script("items = [1, 2, 3]"))
    )
    graph.flows = []
    graph.chain("StartEvent_1", "Prepare", "Step_1", "EndEvent_1")
    return graph


def two_way_gateway(key: str, tag: str) -> Graph:
    graph = Graph(key, tag)
    graph.add("StartEvent_1", "startEvent")
    graph.add("Gateway_1", tag)
    graph.add("A", "scriptTask", "甲", script("a = 1"))
    graph.add("B", "scriptTask", "乙", script("b = 1"))
    graph.add("End_A", "endEvent")
    graph.add("End_B", "endEvent")
    graph.flow("StartEvent_1", "Gateway_1")
    graph.flow("Gateway_1", "A", "True")
    graph.flow("Gateway_1", "B", "False" if tag == "exclusiveGateway" else "True")
    graph.chain("A", "End_A")
    graph.chain("B", "End_B")
    return graph


def event_gateway(key: str) -> Graph:
    graph = Graph(key, "事件网关")
    graph.top = '<{p}message id="Msg_ok" name="ok" />'
    graph.add("StartEvent_1", "startEvent")
    graph.add("Gateway_1", "eventBasedGateway")
    graph.add("Wait_msg", "intermediateCatchEvent", "等回复", message_catch("Msg_ok"))
    graph.add("Wait_time", "intermediateCatchEvent", "超时", timer("timeDuration", "'P10D'"))
    graph.add("End_msg", "endEvent")
    graph.add("End_time", "endEvent")
    graph.chain("StartEvent_1", "Gateway_1")
    graph.chain("Gateway_1", "Wait_msg", "End_msg")
    graph.chain("Gateway_1", "Wait_time", "End_time")
    return graph


def boundary(key: str, lane: str, cycle: bool = False) -> Graph:
    graph = approval(key, lane)
    if cycle:
        reminder = graph.add(
            "Reminder",
            "boundaryEvent",
            "催办",
            timer("timeCycle", "'R2/P1D'"),
            attachedToRef="Activity_review",
            cancelActivity="false",
        )
        reminder.lane = lane
        graph.add("Remind", "scriptTask", "记录催办", script("reminded = True")).lane = lane
        graph.add("End_reminded", "endEvent").lane = lane
        graph.chain("Reminder", "Remind", "End_reminded")
    graph.add(
        "Timeout",
        "boundaryEvent",
        "超期",
        timer("timeDuration", "'P5D'"),
        attachedToRef="Activity_review",
    ).lane = lane
    graph.add("End_late", "endEvent", "超期结束").lane = lane
    graph.chain("Timeout", "End_late")
    return graph


def error_path(key: str) -> Graph:
    graph = Graph(key, "错误")
    graph.top = '<{p}error id="Err_1" name="bad" errorCode="E1" />'
    graph.add("StartEvent_1", "startEvent")
    graph.add(
        "Sub",
        "subProcess",
        "子流程",
        '<{p}startEvent id="S_in"/><{p}endEvent id="E_err"><{p}errorEventDefinition '
        'id="ED1" errorRef="Err_1"/></{p}endEvent>'
        '<{p}sequenceFlow id="F_in" sourceRef="S_in" targetRef="E_err"/>',
    )
    graph.add(
        "Catch",
        "boundaryEvent",
        "捕获",
        '<{p}errorEventDefinition id="ED2" errorRef="Err_1"/>',
        attachedToRef="Sub",
    )
    graph.add("End_ok", "endEvent")
    graph.add("End_err", "endEvent")
    graph.chain("StartEvent_1", "Sub", "End_ok")
    graph.chain("Catch", "End_err")
    return graph


def link_events(key: str, paired: bool) -> Graph:
    graph = Graph(key, "链接")
    graph.add("StartEvent_1", "startEvent")
    graph.add(
        "Throw", "intermediateThrowEvent", "跳", '<{p}linkEventDefinition id="L1" name="go" />'
    )
    graph.add(
        "Catch",
        "intermediateCatchEvent",
        "落",
        f'<{{p}}linkEventDefinition id="L2" name="{"go" if paired else "elsewhere"}" />',
    )
    graph.add("End", "endEvent")
    graph.chain("StartEvent_1", "Throw")
    graph.chain("Catch", "End")
    return graph


def terminate(key: str) -> Graph:
    graph = parallel(key, 2)
    graph.nodes[3].body = '<{p}terminateEventDefinition id="T1"/>'
    return graph


FEEL_CELLS = {
    "feel_range": ("[80..120]", '"high"'),
    "feel_list": ('"a","b"', '"high"'),
    "feel_not": ('not("a")', '"high"'),
    "feel_date": ('date("2020-01-01")', '"high"'),
    "python_in": ("in (80, 85, 90)", '"high"'),
    "python_question": ("80 <= ? <= 89", '"high"'),
    "empty_output": (">= 80", ""),
    "output_expression": (">= 80", "age * 2"),
}


def dmn_cells(cell: str, output: str, hit_policy: str = "FIRST", aggregation: str = "") -> bytes:
    """A Camunda-style table: one rule with the given cells, FEEL or Python."""
    aggregate = f' aggregation="{aggregation}"' if aggregation else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:camunda="http://camunda.org/schema/1.0/dmn" id="dmn_feel" name="表" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="bands" name="档次" camunda:historyTimeToLive="30">
    <decisionTable id="Table_bands" hitPolicy="{hit_policy}"{aggregate}>
      <input id="In1" label="年龄" camunda:inputVariable="age"><inputExpression id="IE1" typeRef="integer"><text>age</text></inputExpression></input>
      <output id="Out1" name="band" typeRef="string" />
      <rule id="R1"><inputEntry id="C1"><text>{escape(cell)}</text></inputEntry><outputEntry id="O1"><text>{escape(output)}</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>""".encode()


def dmn(namespace: str, decision: str = "bands") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{namespace}" id="dmn_{decision}" name="表" namespace="http://x">
  <decision id="{decision}" name="档次">
    <decisionTable id="Table_{decision}" hitPolicy="FIRST">
      <input id="In1" label="年龄"><inputExpression id="IE1" typeRef="integer"><text>age</text></inputExpression></input>
      <output id="Out1" name="band" typeRef="string" />
      <rule id="R1"><inputEntry id="C1"><text>&gt;= 80</text></inputEntry><outputEntry id="O1"><text>"high"</text></outputEntry></rule>
      <rule id="R2"><inputEntry id="C2"><text>-</text></inputEntry><outputEntry id="O2"><text>"low"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>""".encode()


DMN_NAMESPACES = {
    "dmn11": "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "dmn12": "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "dmn13": "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmn13http": "http://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmn14": "https://www.omg.org/spec/DMN/20211108/MODEL/",
}


def rule_graph(key: str, decision: str) -> Graph:
    graph = Graph(key, "规则")
    graph.add("StartEvent_1", "startEvent")
    graph.add("Age", "scriptTask", "年龄", script("age = 85"))
    band = graph.add("Band", "businessRuleTask", "定档")
    band.ext = f"<spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>"
    graph.add("EndEvent_1", "endEvent")
    graph.chain("StartEvent_1", "Age", "Band", "EndEvent_1")
    return graph


# ---------------------------------------------------------------- vendor corpus


def _vendor_templates(key: str, tool: Tool) -> Iterator[tuple[str, Graph, str]]:
    """(label, graph, expectation) for one modeler."""
    runs = "run" if tool.executable else ""
    for length in (1, 3, 10, 40):
        yield f"straight{length}", straight(key, length), runs
    yield "approval_known_role", approval(key, ROLE), "run" if tool.name == "spiff" else "refuse"
    yield "approval_unknown_role", approval(key, "Clerk 办事员"), "refuse"
    yield "approval_no_lane", approval(key, ""), "refuse"
    yield "approval_camunda_juel", camunda_approval(key), "refuse"
    yield (
        "boundary_cycle",
        boundary(key, ROLE, cycle=True),
        "run" if tool.name == "spiff" else "refuse",
    )
    yield "boundary_timer", boundary(key, ROLE), "run" if tool.name == "spiff" else "refuse"
    for tag in ("task", "manualTask", "serviceTask", "sendTask"):
        yield f"single_{tag}", single(key, tag), "refuse"
    yield "receive_no_message", single(key, "receiveTask"), "refuse"
    yield (
        "script_groovy",
        single(key, "scriptTask", script("def x = 1"), scriptFormat="groovy"),
        "refuse",
    )
    yield (
        "script_javascript",
        single(
            key, "scriptTask", script("execution.setVariable('x', 1)"), scriptFormat="javascript"
        ),
        "refuse",
    )
    yield "script_empty", single(key, "scriptTask"), "refuse"
    # Python reading a variable nothing provides (JavaScript without its scriptFormat reads
    # `execution`): refused at deploy, naming the step and the variable.
    yield "script_undefined_name", single(key, "scriptTask", script("total = base * 2")), "refuse"
    yield (
        "script_untyped_js",
        single(key, "scriptTask", script("execution.setVariable('x', 1)")),
        "refuse",
    )
    for branches in (2, 5, 50, 201):
        yield f"parallel{branches}", parallel(key, branches), "refuse" if branches > 200 else runs
    yield "inclusive5", parallel(key, 5, "inclusiveGateway"), runs
    yield "complex_gateway", parallel(key, 2, "complexGateway"), "refuse"
    for tag in ("exclusiveGateway", "inclusiveGateway"):
        yield f"two_way_{tag}", two_way_gateway(key, tag), runs
    yield "event_gateway", event_gateway(key), runs
    for depth in (1, 3, 8, 12):
        yield f"nested{depth}", nested(key, depth), "refuse" if depth > 9 else runs
    yield "timer_duration", with_catch(key, timer("timeDuration", "'P3D'")), runs
    yield "timer_date", with_catch(key, timer("timeDate", "'2026-04-01T09:00:00+08:00'")), runs
    yield "timer_cycle", with_catch(key, timer("timeCycle", "'R3/PT1H'")), "refuse"
    yield "timer_bad", with_catch(key, timer("timeDuration", "'three days'")), "refuse"
    yield "timer_camunda_el", with_catch(key, timer("timeDuration", "${dueIn}")), "refuse"
    yield (
        "message_catch",
        with_catch(key, message_catch("Msg_1"), '<{p}message id="Msg_1" name="arrived" />'),
        runs,
    )
    yield "message_unnamed", with_catch(key, '<{p}messageEventDefinition id="MD"/>'), "refuse"
    yield (
        "signal_unsent",
        with_catch(
            key,
            '<{p}signalEventDefinition id="SD" signalRef="Sig_1"/>',
            '<{p}signal id="Sig_1" name="go"/>',
        ),
        "refuse",
    )
    yield (
        "conditional",
        with_catch(
            key,
            '<{p}conditionalEventDefinition id="CD"><{p}condition '
            'xsi:type="{p}tFormalExpression">x &gt; 1</{p}condition>'
            "</{p}conditionalEventDefinition>",
        ),
        "refuse",
    )
    yield "catch_nothing", with_catch(key, ""), "refuse"
    yield "error_boundary", error_path(key), runs
    yield "link_paired", link_events(key, True), "refuse"
    yield "link_unpaired", link_events(key, False), "refuse"
    yield "terminate", terminate(key), runs
    yield "mi_cardinality", multi(key, "<{p}loopCardinality>3</{p}loopCardinality>"), runs
    yield "mi_sequential", multi(key, "<{p}loopCardinality>2</{p}loopCardinality>", True), runs
    yield "mi_no_input", multi(key, ""), "refuse"
    yield "mi_huge", multi(key, "<{p}loopCardinality>100000</{p}loopCardinality>"), "refuse"
    yield (
        "mi_collection",
        multi(
            key,
            "<{p}loopDataInputRef>items</{p}loopDataInputRef>"
            '<{p}inputDataItem id="item" name="item"/>',
        ),
        "",
    )
    yield (
        "loop_unbounded",
        single(key, "scriptTask", "<{p}standardLoopCharacteristics/>" + script("n = 1")),
        "refuse",
    )
    yield (
        "loop_bounded",
        single(
            key, "scriptTask", '<{p}standardLoopCharacteristics loopMaximum="3"/>' + script("n = 1")
        ),
        "",
    )
    start_only = Graph(key, "只有开始")
    start_only.add("StartEvent_1", "startEvent")
    yield "start_nowhere", start_only, "refuse"
    yield "no_start", _without(straight(key, 2), "StartEvent_1"), "refuse"
    broken = straight(key, 2)
    broken.flows[-1] = ("Flow_broken", "Activity_0001", "Activity_gone", "")
    yield "flow_to_nowhere", broken, "refuse"
    from_nowhere = straight(key, 2)
    from_nowhere.flows.append(("Flow_orphan", "Ghost", "EndEvent_1", ""))
    yield "flow_from_nowhere", from_nowhere, "refuse"
    long_id = straight(key, 1)
    long_id.nodes[1].id = "Activity_" + "x" * 120
    long_id.flows = []
    long_id.chain("StartEvent_1", long_id.nodes[1].id, "EndEvent_1")
    yield "id_too_long", long_id, "refuse"
    long_name = straight(key, 1)
    long_name.nodes[1].name = "很长的名字" * 50
    yield "name_too_long", long_name, "refuse"
    store = straight(key, 1)
    store.extra = '<{p}dataStoreReference id="Store_1" name="数据库" />'
    yield "data_store", store, "refuse"
    correlated = with_catch(
        key,
        message_catch("Msg_1"),
        '<{p}message id="Msg_1" name="arrived" />'
        '<{p}correlationProperty id="CP_1" name="case_no" />',
    )
    yield "correlation", correlated, "refuse"
    tx = single(
        key,
        "transaction",
        '<{p}startEvent id="S_in"/><{p}endEvent id="E_in"/>'
        '<{p}sequenceFlow id="F_in" sourceRef="S_in" targetRef="E_in"/>',
    )
    yield "transaction", tx, "refuse"


def _without(graph: Graph, node_id: str) -> Graph:
    graph.nodes = [node for node in graph.nodes if node.id != node_id]
    graph.flows = [flow for flow in graph.flows if node_id not in flow[1:3]]
    return graph


def vendor_entries() -> Iterator[Entry]:
    for tool in TOOLS.values():
        for label, graph, expect in _vendor_templates("KEY", tool):
            key = f"{tool.name}_{label}"
            graph.key = key if graph.key == "KEY" else graph.key
            yield Entry(f"{tool.name}/{label}", _bundle(graph, tool), expect=expect)


# ---------------------------------------------------------------- calls and decisions


def call_entries() -> Iterator[Entry]:
    tool = TOOLS["spiff"]
    yield Entry("calls/self", _bundle(caller("selfcall", "selfcall"), tool), expect="refuse")
    a, b = caller("cycle_a", "cycle_b"), caller("cycle_b", "cycle_a")
    yield Entry(
        "calls/two_cycle",
        {"main.bpmn": render(a, tool).encode(), "other.bpmn": render(b, tool).encode()},
        expect="refuse",
    )
    c1, c2, c3 = caller("tri_a", "tri_b"), caller("tri_b", "tri_c"), caller("tri_c", "tri_a")
    yield Entry(
        "calls/three_cycle",
        {
            "main.bpmn": render(c1, tool).encode(),
            "b.bpmn": render(c2, tool).encode(),
            "c.bpmn": render(c3, tool).encode(),
        },
        expect="refuse",
    )
    yield Entry("calls/missing", _bundle(caller("calls_missing", "nowhere"), tool), expect="refuse")
    yield Entry("calls/empty", _bundle(caller("calls_empty", ""), tool), expect="refuse")
    callee = straight("callee_ok", 2)
    callee_tool = Tool("spiff", "bpmn:", "x", f'xmlns:spiffworkflow="{SPIFF}"')
    lazy_tool = Tool("signavio", "bpmn:", "Signavio", executable=False)
    yield Entry(
        "calls/callee_not_executable",
        {
            "main.bpmn": render(caller("calls_lazy", "callee_lazy"), tool).encode(),
            "callee.bpmn": render(straight("callee_lazy", 1), lazy_tool).encode(),
        },
        expect="refuse",
    )
    yield Entry(
        "calls/ok",
        {
            "main.bpmn": render(caller("calls_ok", "callee_ok"), tool).encode(),
            "callee.bpmn": render(callee, callee_tool).encode(),
        },
        expect="run",
    )
    chain = [caller(f"chain{index}", f"chain{index + 1}") for index in range(6)]
    files = {f"p{index}.bpmn": render(graph, tool).encode() for index, graph in enumerate(chain)}
    files["p6.bpmn"] = render(straight("chain6", 1), callee_tool).encode()
    yield Entry("calls/chain6", files, main="p0.bpmn", expect="run")
    for version, namespace in DMN_NAMESPACES.items():
        files = {
            "main.bpmn": render(rule_graph(f"rules_{version}", "bands"), tool).encode(),
            "bands.dmn": dmn(namespace),
        }
        yield Entry(f"dmn/{version}", files, expect="run" if version != "dmn14" else "")
    main = render(rule_graph("rules_feel", "bands"), tool).encode()
    for label, (cell, output) in FEEL_CELLS.items():
        yield Entry(f"dmn/{label}", {"main.bpmn": main, "bands.dmn": dmn_cells(cell, output)})
    for policy, aggregation in (("COLLECT", ""), ("COLLECT", "SUM"), ("UNIQUE", ""), ("ANY", "")):
        yield Entry(
            f"dmn/hit_{policy}_{aggregation or 'list'}",
            {"main.bpmn": main, "bands.dmn": dmn_cells(">= 80", '"high"', policy, aggregation)},
        )
    no_rules = dmn_cells(">= 80", '"high"').replace(
        b'<rule id="R1"><inputEntry id="C1"><text>&gt;= 80</text></inputEntry><outputEntry id="O1">'
        b"<text>&quot;high&quot;</text></outputEntry></rule>",
        b"",
    )
    yield Entry("dmn/no_rules", {"main.bpmn": main, "bands.dmn": no_rules})
    no_table = b"""<?xml version="1.0"?><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
      id="d" name="d" namespace="x"><decision id="bands" name="b"/></definitions>"""
    yield Entry("dmn/no_table", {"main.bpmn": main, "bands.dmn": no_table})
    yield Entry(
        "dmn/missing_table",
        {"main.bpmn": render(rule_graph("rules_gone", "absent"), tool).encode()},
        expect="refuse",
    )
    yield Entry(
        "dmn/garbage",
        {
            "main.bpmn": render(rule_graph("rules_junk", "bands"), tool).encode(),
            "bands.dmn": b"<definitions><decision id='bands'/></definitions>",
        },
        expect="refuse",
    )


# ---------------------------------------------------------------- hostile files


def _simple(key: str) -> str:
    return render(straight(key, 2), TOOLS["bpmnio"])


def hostile_entries() -> Iterator[Entry]:
    chinese = render(approval("enc", ROLE), TOOLS["spiff"])
    form = FORM.encode()
    for codec in ("utf-16", "utf-16-le", "utf-16-be", "gbk", "gb18030", "big5", "latin-1"):
        text = chinese if codec != "latin-1" else _simple("enc").replace("直通", "Ärger")
        data = text.replace('encoding="UTF-8"', f'encoding="{codec}"').encode(
            codec, errors="replace"
        )
        yield Entry(
            f"encoding/{codec}", {"main.bpmn": data, "forms/answer.json": form}, expect="refuse"
        )
    yield Entry(
        "encoding/utf-8-bom",
        {"main.bpmn": b"\xef\xbb\xbf" + chinese.encode(), "forms/answer.json": form},
        expect="run",
    )
    yield Entry(
        "encoding/declared-gbk-is-utf8",
        {
            "main.bpmn": chinese.replace('encoding="UTF-8"', 'encoding="GBK"').encode(),
            "forms/answer.json": form,
        },
        expect="run",
    )
    yield Entry(
        "encoding/form-gbk",
        {"main.bpmn": chinese.encode(), "forms/answer.json": '{"title": "表单"}'.encode("gbk")},
        expect="refuse",
    )
    yield Entry(
        "encoding/nul-bytes",
        {"main.bpmn": b"\x00" * 100 + _simple("nul").encode()},
        expect="refuse",
    )
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + ']><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</definitions>'
    )
    yield Entry("entities/billion_laughs", {"main.bpmn": laughs.encode()}, expect="refuse")
    external = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</definitions>'
    )
    yield Entry("entities/external", {"main.bpmn": external.encode()}, expect="refuse")
    parameter = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x">%p;]>'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'
    )
    yield Entry("entities/parameter", {"main.bpmn": parameter.encode()}, expect="refuse")
    doctype_only = _simple("doctype").replace("?>", "?><!DOCTYPE definitions>", 1)
    yield Entry("entities/doctype_only", {"main.bpmn": doctype_only.encode()}, expect="refuse")
    xinclude = _simple("xinc").replace(
        "<bpmn:process",
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/><bpmn:process',
        1,
    )
    yield Entry("entities/xinclude", {"main.bpmn": xinclude.encode()}, expect="")
    big_doc = _simple("bigdoc").replace(
        "<bpmn:startEvent",
        "<bpmn:documentation>" + "说明" * 1_200_000 + "</bpmn:documentation><bpmn:startEvent",
        1,
    )
    yield Entry("huge/documentation_7mb", {"main.bpmn": big_doc.encode()}, expect="refuse")
    yield Entry(
        "huge/elements_2500",
        {"main.bpmn": render(parallel("wide2500", 2500), TOOLS["bpmnio"]).encode()},
        expect="refuse",
    )
    yield Entry(
        "huge/chain_150",
        {"main.bpmn": render(straight("chain150", 150), TOOLS["bpmnio"]).encode()},
        expect="",
    )
    yield Entry(
        "huge/chain_1900",
        {"main.bpmn": render(straight("chain1900", 1900), TOOLS["bpmnio"]).encode()},
        expect="",
    )
    for count, branches in ((10, 190), (3, 30), (2, 20), (4, 4)):
        expect = "refuse" if branches**count > 400 else "run"
        yield Entry(
            f"wide/blocks_{count}x{branches}",
            {
                "main.bpmn": render(
                    blocks(f"blocks{count}", count, branches), TOOLS["bpmnio"]
                ).encode()
            },
            expect=expect,
        )
    yield Entry(
        "wide/parallel_2000",
        {"main.bpmn": render(parallel("wide2000", 2000), TOOLS["bpmnio"]).encode()},
        expect="refuse",
    )
    yield Entry(
        "wide/parallel_200",
        {"main.bpmn": render(parallel("wide200", 200), TOOLS["bpmnio"]).encode()},
        expect="",
    )
    deep_xml = _simple("deepxml").replace(
        "<bpmn:startEvent",
        "<bpmn:extensionElements>"
        + "<a>" * 5000
        + "</a>" * 5000
        + "</bpmn:extensionElements><bpmn:startEvent",
        1,
    )
    yield Entry("deep/xml_5000", {"main.bpmn": deep_xml.encode()}, expect="refuse")
    yield Entry(
        "deep/subprocess_40",
        {"main.bpmn": render(nested("deep40", 40), TOOLS["bpmnio"]).encode()},
        expect="refuse",
    )
    deep_form = (
        '{"type": "object", "properties": {"a": ' + '{"items": ' * 3000 + "{}" + "}" * 3000 + "}}"
    )
    yield Entry(
        "deep/form_json",
        {
            "main.bpmn": render(approval("deepform", ROLE), TOOLS["spiff"]).encode(),
            "forms/answer.json": deep_form.encode(),
        },
        expect="",
    )
    for label, data in {
        "empty": b"",
        "whitespace": b"   \n",
        "binary": bytes(range(256)) * 4,
        "json": b'{"process": "no"}',
        "html": b"<html><body>not bpmn</body></html>",
        "truncated": _simple("trunc").encode()[:700],
        "wrong_namespace": _simple("ns").replace("20100524/MODEL", "20100501/MODEL", 1).encode(),
        "bpmn1_namespace": _simple("v1")
        .replace(
            "http://www.omg.org/spec/BPMN/20100524/MODEL", "http://schema.omg.org/spec/BPMN/1.1"
        )
        .encode(),
        "no_process": b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>',
        "process_no_id": _simple("noid").replace('process id="noid"', "process").encode(),
        "two_processes": _simple("first")
        .replace(
            "</bpmn:definitions>",
            _simple("second")
            .split("?>", 1)[1]
            .split("<bpmn:process", 1)[1]
            .join(["<bpmn:process", ""])
            .split("<bpmndi:")[0]
            + "</bpmn:definitions>",
        )
        .encode(),
        "duplicate_ids": _simple("dup")
        .replace('id="Activity_0001"', 'id="Activity_0000"')
        .encode(),
        "not_executable": render(straight("lazy", 1), TOOLS["signavio"]).encode(),
    }.items():
        yield Entry(
            f"garbage/{label}",
            {"main.bpmn": data},
            expect="" if label in ("not_executable", "two_processes") else "refuse",
        )
    yield Entry("garbage/main_missing", {"other.bpmn": _simple("other").encode()}, expect="refuse")


HANDMADE = Path(__file__).resolve().parent / "handmade"
HANDMADE_EXPECT = {
    "camunda7_leave_request.bpmn": "refuse",  # a service task, JUEL conditions, no lanes
    "signavio_complaint.bpmn": "refuse",  # not executable, a plain task
    "bizagi_benefit.bpmn": "refuse",  # a manual task, a signal nothing sends, a data store
    "bpmnio_straight_through.bpmn": "run",
}


def handmade_entries() -> Iterator[Entry]:
    """Files written by hand the way the modelers save them, byte for byte."""
    for path in sorted(HANDMADE.glob("*.bpmn")):
        yield Entry(
            f"handmade/{path.stem}",
            {"main.bpmn": path.read_bytes()},
            expect=HANDMADE_EXPECT[path.name],
        )


def entries() -> list[Entry]:
    sources: list[Callable[[], Iterator[Entry]]] = [
        vendor_entries,
        call_entries,
        hostile_entries,
        handmade_entries,
    ]
    return [entry for source in sources for entry in source()]
