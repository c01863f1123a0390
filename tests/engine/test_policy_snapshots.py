"""The policy a process starts with is stored once (PolicySnapshot) and referred to by the
state; scripts, pages and old instances see it as before."""

from __future__ import annotations

import json

import pytest
from SpiffWorkflow.bpmn.serializer.workflow import VERSION

from assistance.policy import policy_for
from engine import runtime
from engine.clock import clock
from engine.models import PolicySnapshot, ProcessInstance
from engine.serialization import SERIALIZER
from tests.fixtures import World
from tests.workflows.dibao import accept, apply, check, investigate, open_tasks

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed"),
]


def instance_of(case: object) -> ProcessInstance:
    return ProcessInstance.objects.get(case=case, definition__key="dibao")


def test_it_stores_the_policy_once_for_the_cases_that_share_it(world: World) -> None:
    first, second = instance_of(apply(world)), instance_of(apply(world))
    policy = policy_for(world.village_a1, clock.today())

    [snapshot] = PolicySnapshot.objects.all()
    assert first.policy_snapshot_id == second.policy_snapshot_id == snapshot.sha256
    assert snapshot.values == json.loads(json.dumps(policy))
    state = json.dumps(first.state, ensure_ascii=False)
    assert '"employment_cost_cap"' not in state and '"$shared"' in state
    # What the pages read (the case's process variables, its copy of the policy) has it.
    assert runtime.instance_data(first)["policy"] == snapshot.values


def test_it_runs_the_scripts_that_read_the_policy(world: World) -> None:
    case = apply(world)
    accept(world, case)
    check(world, case)
    investigate(world, case)  # the amount is calculated from policy[...] after the stage

    data = runtime.instance_data(instance_of(case))
    assert data["standard"] == data["policy"]["dibao_standard_rural"]
    assert open_tasks(case) == ["opinion"]


def test_it_runs_and_snapshots_an_instance_saved_with_its_policy_inside(world: World) -> None:
    case = apply(world)
    instance = instance_of(case)
    # As instances were saved before snapshots: the library's document, policy and all.
    workflow = runtime._load(instance)
    whole = SERIALIZER.to_dict(workflow)
    del whole["spec"], whole["subprocess_specs"]
    whole[SERIALIZER.VERSION_KEY] = VERSION
    ProcessInstance.objects.filter(pk=instance.pk).update(
        state=json.loads(json.dumps(whole)), policy_snapshot=None
    )
    PolicySnapshot.objects.all().delete()
    instance.refresh_from_db()
    assert runtime.instance_data(instance)["policy"]["notice_days"] == 7

    accept(world, case)
    check(world, case)

    instance.refresh_from_db()
    snapshot = PolicySnapshot.objects.get()
    assert instance.policy_snapshot_id == snapshot.sha256
    assert '"$shared"' in json.dumps(instance.state)
    assert runtime.instance_data(instance)["policy"] == snapshot.values
    assert open_tasks(case) == ["investigate"]
