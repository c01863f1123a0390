"""Building blocks: a process written as steps and flows, dressed as one modeler exports it.

A `Graph` is modeler-neutral; `render` writes it with the namespaces, prefixes, id styles and
extension elements of one tool, so the same graph comes out as Camunda, Signavio, Bizagi,
ARIS, bpmn.io or Spiff Arena would save it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM = json.dumps(
    {
        "type": "object",
        "required": ["answer"],
        "properties": {"answer": {"type": "string"}},
    }
)


@dataclass
class Node:
    id: str
    tag: str
    name: str = ""
    body: str = ""  # inner XML (scripts, event definitions, loop characteristics…)
    attrs: dict[str, str] = field(default_factory=dict)
    lane: str = ""
    ext: str = ""  # extension elements, which the schema wants first


@dataclass
class Graph:
    key: str
    name: str = "流程"
    nodes: list[Node] = field(default_factory=list)
    flows: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, src, dst, cond
    extra: str = ""  # XML inside <process> after the flows
    top: str = ""  # XML inside <definitions> before the process

    def add(self, node_id: str, tag: str, name: str = "", body: str = "", **attrs: str) -> Node:
        node = Node(node_id, tag, name, body, dict(attrs))
        self.nodes.append(node)
        return node

    def flow(self, src: str, dst: str, condition: str = "", flow_id: str = "") -> None:
        self.flows.append((flow_id or f"f{len(self.flows) + 1}_{src}_{dst}", src, dst, condition))

    def chain(self, *ids: str) -> None:
        for src, dst in itertools.pairwise(ids):
            self.flow(src, dst)


@dataclass(frozen=True)
class Tool:
    name: str
    prefix: str  # "bpmn:", "semantic:", "" (default namespace)
    exporter: str
    extra_ns: str = ""
    executable: bool = True
    user_task_ext: str = ""  # extension XML for user tasks ({form} is the form file)
    definitions_attrs: str = ""


TOOLS = {
    "bpmnio": Tool("bpmnio", "bpmn:", "bpmn-js (https://demo.bpmn.io)"),
    "camunda": Tool(
        "camunda",
        "bpmn:",
        "Camunda Modeler",
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:modeler="http://camunda.org/schema/modeler/1.0"',
        user_task_ext='<camunda:formData><camunda:formField id="answer" type="string" />'
        "</camunda:formData>",
        definitions_attrs='modeler:executionPlatform="Camunda Platform" '
        'modeler:executionPlatformVersion="7.19.0"',
    ),
    "signavio": Tool(
        "signavio",
        "",
        "Signavio Process Editor, http://www.signavio.com",
        'xmlns:signavio="http://www.signavio.com"',
        executable=False,
        user_task_ext='<signavio:signavioMetaData metaKey="bgcolor" metaValue="#ffffcc"/>',
    ),
    # Signavio saves isExecutable="false" unless told otherwise; both ways.
    "signavio_exec": Tool(
        "signavio_exec",
        "",
        "Signavio Process Editor, http://www.signavio.com",
        'xmlns:signavio="http://www.signavio.com"',
        user_task_ext='<signavio:signavioMetaData metaKey="bgcolor" metaValue="#ffffcc"/>',
    ),
    "bizagi": Tool(
        "bizagi",
        "",
        "Bizagi Modeler",
        'xmlns:bizagi="http://www.bizagi.com/bpmn20"',
        user_task_ext="<bizagi:BizagiExtensions><bizagi:BizagiProperties>"
        '<bizagi:BizagiProperty name="bgColor" value="#ECEFFF" /></bizagi:BizagiProperties>'
        "</bizagi:BizagiExtensions>",
    ),
    "aris": Tool(
        "aris",
        "semantic:",
        "ARIS Architect",
        'xmlns:aris="http://www.softwareag.com/aris/bpmn2"',
    ),
    "spiff": Tool(
        "spiff",
        "bpmn:",
        "SpiffWorkflow Arena",
        f'xmlns:spiffworkflow="{SPIFF}"',
        user_task_ext="<spiffworkflow:properties>"
        '<spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />'
        "</spiffworkflow:properties>"
        "<spiffworkflow:instructionsForEndUser>请填写</spiffworkflow:instructionsForEndUser>",
    ),
}


def render(graph: Graph, tool: Tool, *, form: str = "answer.json", encoding: str = "UTF-8") -> str:
    p = tool.prefix
    ns = f'xmlns:{p[:-1]}="{BPMN}"' if p else f'xmlns="{BPMN}"'
    lanes = sorted({node.lane for node in graph.nodes if node.lane})
    lane_xml = ""
    if lanes:
        lane_xml = f'<{p}laneSet id="LaneSet_{graph.key[:40]}">'
        for index, lane in enumerate(lanes):
            refs = "".join(
                f"<{p}flowNodeRef>{node.id}</{p}flowNodeRef>"
                for node in graph.nodes
                if node.lane == lane
            )
            lane_xml += f'<{p}lane id="Lane_{index}" name={quoteattr(lane)}>{refs}</{p}lane>'
        lane_xml += f"</{p}laneSet>"
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow_id, src, dst, _cond in graph.flows:
        outgoing.setdefault(src, []).append(flow_id)
        incoming.setdefault(dst, []).append(flow_id)
    parts = []
    for node in graph.nodes:
        attrs = "".join(f" {key}={quoteattr(value)}" for key, value in node.attrs.items())
        name = f" name={quoteattr(node.name)}" if node.name else ""
        ext = node.ext
        if node.tag == "userTask" and tool.user_task_ext:
            ext += tool.user_task_ext.format(form=form)
        ext = f"<{p}extensionElements>{ext}</{p}extensionElements>" if ext else ""
        body = node.body.replace("{p}", p)
        links = "".join(f"<{p}incoming>{f}</{p}incoming>" for f in incoming.get(node.id, []))
        links += "".join(f"<{p}outgoing>{f}</{p}outgoing>" for f in outgoing.get(node.id, []))
        parts.append(
            f'<{p}{node.tag} id="{node.id}"{name}{attrs}>{ext}{links}{body}</{p}{node.tag}>'
        )
    for flow_id, src, dst, cond in graph.flows:
        condition = (
            f'<{p}conditionExpression xsi:type="{p}tFormalExpression">{cond}</{p}conditionExpression>'
            if cond
            else ""
        )
        parts.append(
            f'<{p}sequenceFlow id="{flow_id}" sourceRef="{src}" targetRef="{dst}">{condition}</{p}sequenceFlow>'
        )
    executable = "true" if tool.executable else "false"
    shapes = "".join(
        f'<bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}">'
        f'<dc:Bounds x="{100 + 150 * index}" y="{100 + (index % 3) * 80}" width="100" height="80" />'
        "</bpmndi:BPMNShape>"
        for index, node in enumerate(graph.nodes[:400])
    )
    return f"""<?xml version="1.0" encoding="{encoding}"?>
<{p}definitions {ns} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" {tool.extra_ns}
  id="Definitions_{graph.key[:60]}" targetNamespace="http://bpmn.io/schema/bpmn"
  exporter={quoteattr(tool.exporter)} exporterVersion="5.0" {tool.definitions_attrs}>
  {graph.top.replace("{p}", p)}
  <{p}process id="{graph.key}" name={quoteattr(graph.name)} isExecutable="{executable}">
    {lane_xml}
    {"".join(parts)}
    {graph.extra.replace("{p}", p)}
  </{p}process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{graph.key}">{shapes}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</{p}definitions>
"""


def script(source: str) -> str:
    return f"<{{p}}script>{source}</{{p}}script>"


def message_catch(message_ref: str) -> str:
    return f'<{{p}}messageEventDefinition id="Def_{message_ref}" messageRef="{message_ref}" />'
