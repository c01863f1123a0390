"""Deploying definitions: versioning, pinning, and refusing broken bundles whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from engine import runtime
from engine.bundle import DeploymentError
from engine.clock import clock
from engine.models import AuditEvent, ProcessDefinition
from tests.engine.samples import FORM, tiny_bpmn, tiny_sources

pytestmark = pytest.mark.django_db


def test_it_deploys_identical_sources_once(world):
    first, created = runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    again, created_again = runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert ProcessDefinition.objects.filter(key="tiny").count() == 1
    assert AuditEvent.objects.filter(action="definition.deployed").count() == 1


def test_it_makes_version_two_from_changed_sources(world):
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    second, created = runtime.deploy(
        tiny_sources(title="填写（新）"), "tiny.bpmn", actor=world["policy"]
    )
    assert created and second.version == 2
    assert runtime.definition_for("tiny", []).version == 2


def test_it_prefers_a_county_version_over_the_province_one(world):
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    county, _ = runtime.deploy(
        tiny_sources(title="县版本"), "tiny.bpmn", actor=world["policy"], region_id=world.county.pk
    )
    assert county.version == 1
    assert runtime.definition_for("tiny", world.village_a1.ancestor_ids()).pk == county.pk
    other_province = runtime.definition_for("tiny", [world.province.pk])
    assert other_province.region_id is None


def test_it_stores_the_spec_once_per_version_not_per_instance(world, tiny_case):
    definition, _ = runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    instance = runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )
    assert "spec" not in instance.state and "subprocess_specs" not in instance.state
    assert definition.spec["spec"]["name"] == "tiny"


BROKEN = {
    "not XML": {"tiny.bpmn": "this is not <xml", "forms/tiny.json": FORM},
    "not BPMN": {"tiny.bpmn": "<?xml version='1.0'?><html><body/></html>", "forms/tiny.json": FORM},
    "entity expansion": {
        "tiny.bpmn": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        "forms/tiny.json": FORM,
    },
    "no lane": tiny_sources(lane=""),
    "unknown role": tiny_sources(lane="janitor"),
    "missing form file": {"tiny.bpmn": tiny_bpmn(form="absent.json"), "forms/tiny.json": FORM},
    "no form named": tiny_sources(form=""),
    "form not a schema": {"tiny.bpmn": tiny_bpmn(), "forms/tiny.json": '{"type": 12}'},
    "unparsable timer": tiny_sources(timer="'every other tuesday'"),
    "empty timer": tiny_sources(timer=""),
}

EXPECTED = {
    "not XML": "not well-formed XML",
    "not BPMN": "not a BPMN 2.0 document",
    "entity expansion": "DOCTYPE",
    "no lane": "lies in no lane",
    "unknown role": "'janitor' is not a known role",
    "missing form file": "absent.json is missing",
    "no form named": "names no form",
    "form not a schema": "not a valid JSON Schema",
    "unparsable timer": "not a valid ISO 8601 value",
    "empty timer": "timer",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_it_refuses_a_broken_deployment_whole(world, name):
    with translation.override("en"), pytest.raises(DeploymentError) as refused:
        runtime.deploy(BROKEN[name], "tiny.bpmn", actor=world["policy"])
    assert EXPECTED[name] in str(refused.value)
    assert not ProcessDefinition.objects.exists()
    assert not AuditEvent.objects.filter(action="definition.deployed").exists()


def test_it_finishes_a_running_v1_instance_on_v1(world, tiny_case, fixed_clock):
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    instance = runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )
    runtime.deploy(
        tiny_sources(title="第二版", script="doubled = count * 3"), "tiny.bpmn", actor=None
    )
    task = instance.tasks.get()
    assert task.title == "填写"
    runtime.complete(task.pk, actor=world["clerk"], data={"answer": "好的", "count": 1})
    clock.advance(timedelta(hours=2))
    assert runtime.fire_due_timers() == 1
    instance.refresh_from_db()
    assert instance.definition.version == 1
    assert instance.status == "completed"
    assert runtime.instance_data(instance)["doubled"] == 2
    tiny_case.refresh_from_db()
    assert tiny_case.status == "closed"
    # A new instance starts on the newest version.
    other = runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )
    assert other.definition.version == 2
