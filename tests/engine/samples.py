"""A tiny process for engine tests, with hooks to break it in one place at a time."""

from __future__ import annotations

import json

FORM = json.dumps(
    {
        "type": "object",
        "required": ["answer", "count"],
        "properties": {
            "answer": {"type": "string", "minLength": 2},
            "count": {"type": "integer", "minimum": 1},
        },
        "additionalProperties": False,
    }
)


def start_event(start_data: str = "") -> str:
    """The start event, declaring the start data a test gives (`startData`) if any."""
    if not start_data:
        return '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
    return (
        '<bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="startData" value="{start_data}" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>"
    )


def tiny_bpmn(
    *,
    key: str = "tiny",
    start_data: str = "",
    lane: str = "township_clerk",
    form: str = "tiny.json",
    script: str = "doubled = count * 2",
    condition: str = "doubled > 0",
    timer: str = "'PT1H'",
    title: str = "填写",
) -> str:
    lane_xml = (
        f'<bpmn:laneSet id="ls"><bpmn:lane id="lane1" name="{lane}">'
        "<bpmn:flowNodeRef>ask</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        if lane
        else ""
    )
    form_xml = (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        if form
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="defs" targetNamespace="http://doudi.example/test">
  <bpmn:process id="{key}" name="Tiny" isExecutable="true">
    {lane_xml}
    {start_event(start_data)}
    <bpmn:userTask id="ask" name="{title}">{form_xml}
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:scriptTask id="calc" name="calc"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f5"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:intermediateCatchEvent id="wait" name="wait"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{timer}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="done" name="done"><bpmn:incoming>f5</bpmn:incoming><bpmn:incoming>f6</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing>
      <bpmn:script>outcome = 'closed'</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask" />
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="calc" />
    <bpmn:sequenceFlow id="f3" sourceRef="calc" targetRef="gw" />
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="wait"><bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="done" />
    <bpmn:sequenceFlow id="f6" sourceRef="wait" targetRef="done" />
    <bpmn:sequenceFlow id="f7" sourceRef="done" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def tiny_sources(**changes: str) -> dict[str, str]:
    return {"tiny.bpmn": tiny_bpmn(**changes), "forms/tiny.json": FORM}


def timed_bpmn(script: str = "share = 10 / parts\noutcome = 'closed'") -> str:
    """Start (given `parts`), wait an hour, then a script: a time limit whose next step can fail."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="defs" targetNamespace="http://doudi.example/test">
  <bpmn:process id="timed" name="Timed" isExecutable="true">
    {start_event("parts")}
    <bpmn:intermediateCatchEvent id="wait" name="等一小时"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'PT1H'</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="split" name="分摊"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="split" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def checked_bpmn(
    script: str = "share = 10 / parts\nverdict = check['result']\noutcome = 'closed'",
    message: str = "check_result",
) -> str:
    """Start (given `parts`), wait for a message (the check centre's report, recorded by the
    county checker, unless named otherwise) into `check`, then a script: a message whose
    next step can fail."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs" targetNamespace="http://doudi.example/test">
  <bpmn:message id="m_check" name="{message}" />
  <bpmn:process id="checked" name="Checked" isExecutable="true">
    {start_event("parts")}
    <bpmn:intermediateCatchEvent id="check_wait" name="等待核对报告">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="waitRole" value="county_checker" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:messageEventDefinition id="med" messageRef="m_check">
        <bpmn:extensionElements><spiffworkflow:messageVariable>check</spiffworkflow:messageVariable></bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="split" name="分摊"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check_wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="check_wait" targetRef="split" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
