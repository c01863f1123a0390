"""Decision tables are untrusted too: every cell is compiled in the sandbox at deploy time."""

from __future__ import annotations

import pytest

from engine import runtime
from engine.bundle import DeploymentError
from engine.models import ProcessDefinition
from tests.engine.samples import FORM

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="banded" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="startData" value="age" /></spiffworkflow:properties>
      </bpmn:extensionElements><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="band" name="band">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>bands</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="band" />
    <bpmn:sequenceFlow id="f2" sourceRef="band" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn" name="dmn" namespace="t">
  <decision id="bands" name="bands">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="i1" label="age"><inputExpression id="e1" typeRef="integer"><text>age</text></inputExpression></input>
      <output id="o1" name="amount" typeRef="string" />
      <rule id="r1"><inputEntry id="c1"><text>{cell}</text></inputEntry><outputEntry id="d1"><text>{output}</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def sources(cell: str, output: str = '"30.00"') -> dict[str, str]:
    return {
        "banded.bpmn": BPMN,
        "bands.dmn": DMN.format(cell=cell, output=output),
        "forms/tiny.json": FORM,
    }


@pytest.mark.django_db
def test_it_deploys_a_plain_table():
    definition, created = runtime.deploy(sources(">= 80"), "banded.bpmn", actor=None)
    assert created and definition.key == "banded"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "output"),
    [
        ("__import__('os').getpid()", '"30.00"'),
        (">= 80", "open('/etc/passwd').read()"),
        ("().__class__", '"30.00"'),
    ],
)
def test_it_refuses_a_table_with_an_escaping_cell(cell, output):
    with pytest.raises(DeploymentError):
        runtime.deploy(sources(cell, output), "banded.bpmn", actor=None)
    assert not ProcessDefinition.objects.exists()
