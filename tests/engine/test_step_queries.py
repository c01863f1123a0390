"""What a step costs the database: the runtime writes what changed and reads nothing back.

bench/lifecycle.py holds the per-step cost within 3x the bare engine; most of Doudi's share
is round trips to the database, so the number of queries a step makes is pinned here.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.models import CalendarDay
from engine import runtime
from engine.models import ProcessInstance, Task, Timer
from tests.engine.samples import tiny_sources
from tests.fixtures import World, projection_drift
from tests.workflows.dibao import accept, apply, check

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

ANSWER = {"answer": "好的", "count": 2}


@pytest.fixture
def tiny(world: World, tiny_case: object) -> ProcessInstance:
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    return runtime.start(
        "tiny",
        case_id=tiny_case.pk,  # type: ignore[attr-defined]
        region_id=world.village_a1.pk,
        actor=None,
        data={},
    )


def test_it_completes_a_step_in_eleven_queries(
    world: World, tiny: ProcessInstance, django_assert_num_queries
) -> None:
    task = tiny.tasks.get()
    runtime.definition_sources(tiny.pk)  # the process keeps a definition's forms once read
    # The savepoint (a transaction outside tests); the instance locked through the task; the
    # task read again under the lock, with whether an incident holds it; the audit chain's
    # head, the event, the head moved on; the instance with what it projects; the task row
    # gone and the timer row added; the case's stage; the savepoint released.
    with django_assert_num_queries(11):
        runtime.complete(task.pk, actor=world["clerk"], data=ANSWER)

    tiny.refresh_from_db()
    timer = Timer.objects.get(instance=tiny)
    assert not Task.objects.filter(instance=tiny).exists()
    assert tiny.projected == {"tasks": [], "timers": [str(timer.spiff_id)], "waits": []}


def test_it_remembers_the_rows_it_projects_from_the_start(tiny: ProcessInstance) -> None:
    task = tiny.tasks.get()
    tiny.refresh_from_db()
    assert tiny.projected == {"tasks": [str(task.spiff_id)], "timers": [], "waits": []}


def test_it_asks_the_tables_when_the_instance_remembers_nothing(
    world: World, tiny: ProcessInstance
) -> None:
    # An instance from before the field, or one whose rows were made by hand.
    ProcessInstance.objects.filter(pk=tiny.pk).update(projected=None)
    task = tiny.tasks.get()

    with CaptureQueriesContext(connection) as queries:
        runtime.complete(task.pk, actor=world["clerk"], data=ANSWER)

    read_back = [q["sql"] for q in queries if '"spiff_id" FROM' in q["sql"]]
    assert len(read_back) == 3  # tasks, timers, waits, once
    assert not Task.objects.filter(instance=tiny).exists()
    assert Timer.objects.filter(instance=tiny).count() == 1
    assert projection_drift() == {}


def test_it_starts_a_process_with_one_query_for_its_version(
    world: World, tiny_case: object
) -> None:
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"], region_id=world.county.pk)

    with CaptureQueriesContext(connection) as queries:
        instance = runtime.start(
            "tiny",
            case_id=tiny_case.pk,  # type: ignore[attr-defined]
            region_id=world.village_a1.pk,
            actor=None,
            data={},
        )

    assert instance.definition.region_id == world.county.pk
    versions = [q for q in queries if '"engine_processdefinition"."key" = \'tiny\'' in q["sql"]]
    assert len(versions) == 1


@pytest.mark.usefixtures("deployed")
def test_it_dates_a_step_without_reading_the_calendar_each_time(world: World) -> None:
    case = apply(world)
    accept(world, case)
    check(world, case)
    task = Task.objects.get(case=case, spec_name="investigate")
    data = {
        "visited_on": "2026-03-02",
        "findings": "家中困难，与申报一致",
        "matches_declaration": True,
    }

    with CaptureQueriesContext(connection) as queries:
        runtime.complete(task.pk, actor=world["investigator"], data=data)

    cosign = Task.objects.get(case=case, spec_name="cosign")
    assert cosign.due_date is not None
    assert not [q for q in queries if "assistance_calendarday" in q["sql"]]
    assert len(queries) == 11


@pytest.mark.usefixtures("deployed")
def test_it_dates_the_next_step_by_a_day_corrected_just_now(world: World) -> None:
    case = apply(world)
    accept(world, case)
    check(world, case)
    plain = Task.objects.get(case=case, spec_name="investigate").due_date
    assert plain is not None
    # The next working day after today becomes a holiday: every limit moves a day on.
    CalendarDay.objects.create(day=date(2026, 3, 3), is_working_day=False, note="临时调整")
    other = apply(world)
    accept(world, other)
    check(world, other)

    later = Task.objects.get(case=other, spec_name="investigate").due_date
    assert later is not None and (later - plain).days >= 1
