"""`assistance.projections`: the case follows its process, writing only what changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.models import Case
from engine import runtime
from tests.fixtures import World
from tests.workflows.dibao import accept, apply, check

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def test_it_leaves_the_stage_alone_when_the_same_tasks_wait(world: World) -> None:
    case = apply(world)
    accept(world, case)
    check(world, case)
    stage = Case.objects.get(pk=case.pk).stage
    assert stage

    with CaptureQueriesContext(connection) as queries:
        runtime.set_variables(case.pk, {"late_fact": 1}, actor=None, role="system")

    assert not [q for q in queries if 'UPDATE "assistance_case"' in q["sql"]]
    assert Case.objects.get(pk=case.pk).stage == stage


def test_it_writes_the_stage_of_the_tasks_that_came(world: World) -> None:
    case = apply(world)
    accept(world, case)
    Case.objects.filter(pk=case.pk).update(stage="旧")

    check(world, case)

    assert Case.objects.get(pk=case.pk).stage == "入户调查"
