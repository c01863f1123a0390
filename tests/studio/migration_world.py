"""Running dibao cases on an older version and a newer one deployed beside them, for the
studio's migration tests."""

from __future__ import annotations

from dataclasses import dataclass

from assistance.models import Case
from engine.models import ProcessDefinition, ProcessInstance
from tests.engine.test_migration import RENAME_OPINION, dibao_version
from tests.fixtures import World
from tests.workflows.dibao import accept, apply

# v2 gives the economic check's wait a longer due date: a case waiting there cannot move.
LONGER_CHECK = (
    "policy['investigation_working_days'])",
    "policy['investigation_working_days'] + 5)",
)


@dataclass
class Running:
    v1: ProcessDefinition
    v2: ProcessDefinition
    # On v1: two at acceptance (they can move), one waiting for its check (it cannot).
    movable: list[Case]
    blocked: Case

    def instance(self, case: Case) -> ProcessInstance:
        return ProcessInstance.objects.get(case=case)


def running_cases(world: World, *, movable: int = 2) -> Running:
    cases = [apply(world) for _ in range(movable)]
    blocked = apply(world)
    accept(world, blocked)
    v1 = ProcessDefinition.objects.get(key="dibao", region__isnull=True, version=1)
    v2 = dibao_version(world, dibao_bpmn=RENAME_OPINION, shared_economic_check_bpmn=LONGER_CHECK)
    return Running(v1, v2, cases, blocked)
