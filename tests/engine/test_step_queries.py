"""What a step costs the database: the runtime writes what changed and reads nothing back.

bench/lifecycle.py holds the per-step cost within 3x the bare engine; most of Doudi's share
is round trips to the database, so the number of queries a step makes is pinned here.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.models import CalendarDay
from engine import runtime
from engine.clock import clock
from engine.models import ProcessInstance, Task, Timer
from engine.serialization import dump_state
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


def test_it_completes_a_step_in_five_queries(
    world: World, tiny: ProcessInstance, django_assert_num_queries
) -> None:
    task = tiny.tasks.get()
    runtime.definition_sources(tiny.pk)  # the process keeps a definition's forms once read
    # The savepoint (a transaction outside tests); the task, its instance and the case's
    # audit chain head locked and read together, with whether an incident holds the task;
    # one statement for the event, the head moved on, the instance with what it projects,
    # the task row gone and the timer row added; the case's stage; the savepoint released.
    with django_assert_num_queries(5):
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
    assert len(queries) == 5


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


def _same(one: object, other: object) -> bool:
    """Whether two workflows serialize alike; the keys a task's data lost (`deletions`) are
    listed in no particular order."""

    def normal(value: object) -> object:
        if isinstance(value, dict):
            return {
                key: sorted(item) if key == "deletions" else normal(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [normal(item) for item in value]
        return value

    return normal(dump_state(one)) == normal(dump_state(other))


def test_it_keeps_the_workflow_it_saved_for_the_next_step(
    world: World, tiny: ProcessInstance, django_capture_on_commit_callbacks
) -> None:
    task = tiny.tasks.get()
    with django_capture_on_commit_callbacks(execute=True):
        runtime.complete(task.pk, actor=world["clerk"], data=ANSWER)
    key = runtime._workflow_key(tiny)
    definition_id, revision, kept = runtime._WORKFLOWS[key]
    stored = ProcessInstance.objects.get(pk=tiny.pk)
    assert (definition_id, revision) == (stored.definition_id, stored.revision)
    # What is kept is what was stored: parsing the stored state gives the same workflow.
    assert _same(kept, runtime._load(stored))

    clock.advance(timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert runtime.fire_instance_timers(tiny.pk) == 1

    assert runtime._WORKFLOWS[key][1:] == (revision + 1, kept)  # advanced, not parsed again
    stored.refresh_from_db()
    assert _same(kept, runtime._load(stored))


def test_it_parses_the_state_when_the_kept_revision_is_not_the_stored_one(
    world: World, tiny: ProcessInstance
) -> None:
    task = tiny.tasks.get()
    key = runtime._workflow_key(tiny)
    # Another process advanced the instance since this one kept it: never used (it would fail).
    runtime._WORKFLOWS[key] = (tiny.definition_id, tiny.revision - 1, object())

    runtime.complete(task.pk, actor=world["clerk"], data=ANSWER)

    assert Timer.objects.filter(instance=tiny).count() == 1
    # Not kept again until the step's transaction commits (this test's never does).
    assert key not in runtime._WORKFLOWS


def test_it_claims_a_task_in_four_queries(
    world: World, tiny: ProcessInstance, django_assert_num_queries
) -> None:
    task = tiny.tasks.get()
    # The savepoint; the task, instance and chain head locked; the claim with its event and
    # the head moved on, in one statement; the savepoint released.
    with django_assert_num_queries(4):
        runtime.claim(task.pk, actor=world["clerk"])

    task.refresh_from_db()
    assert task.claimed_by == world["clerk"]
