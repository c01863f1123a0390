"""Incidents: a diagram step that fails holds its case, and the failure outlives the rollback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistance.models import Case, Household
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, Incident, IncidentKind, ProcessInstance, Timer
from tests.engine.samples import timed_bpmn, tiny_sources

ANSWER = {"answer": "好的", "count": 4}


@pytest.fixture
def failing(world, tiny_case) -> ProcessInstance:
    """The tiny process whose script divides by a variable the case started with as 0."""
    runtime.deploy(
        tiny_sources(script="doubled = count / divisor", start_data="divisor"),
        "tiny.bpmn",
        actor=world["policy"],
    )
    return runtime.start(
        "tiny",
        case_id=tiny_case.pk,
        region_id=world.village_a1.pk,
        actor=None,
        data={"divisor": 0},
    )


def _case(world, number: str) -> Case:
    household = Household.objects.create(region=world.village_a1, address="东村", hukou="rural")
    return Case.objects.create(
        number=number, assistance_type="dibao", household=household, region=world.village_a1
    )


@pytest.mark.django_db
def test_it_opens_an_incident_and_leaves_the_case_as_it_was(world, failing):
    task = failing.tasks.get()
    with pytest.raises(runtime.ProcessFailed) as failed:
        runtime.complete(task.pk, actor=world["clerk"], data=ANSWER)
    failing.refresh_from_db()
    assert failing.revision == 1
    assert failing.tasks.get().pk == task.pk
    assert not AuditEvent.objects.filter(action="task.completed").exists()
    incident = Incident.objects.get()
    assert failed.value.incident == incident
    assert incident.is_open
    assert (incident.instance_id, incident.case_id) == (failing.pk, failing.case_id)
    assert (incident.kind, incident.element, incident.element_title) == ("task", "calc", "calc")
    assert "division by zero" in incident.error
    assert incident.attempts == 1
    assert (incident.task_id, incident.submitted_by, incident.submitted) == (
        task.pk,
        world["clerk"],
        ANSWER,
    )
    raised = AuditEvent.objects.get(action="incident.raised")
    assert raised.case_id == failing.case_id
    assert raised.payload["element"] == "calc"


@pytest.mark.django_db
def test_it_counts_a_repeat_failure_on_the_same_incident(world, failing):
    task = failing.tasks.get()
    for _ in range(3):
        with pytest.raises(runtime.ProcessFailed):
            runtime.complete(task.pk, actor=world["clerk"], data=ANSWER)
    incident = Incident.objects.get()
    assert incident.attempts == 3
    assert incident.is_open
    assert AuditEvent.objects.filter(action="incident.raised").count() == 3
    failing.refresh_from_db()
    assert failing.revision == 1


@pytest.mark.django_db
def test_it_resolves_the_incident_when_the_step_goes_through_after_a_fix(world, failing):
    task = failing.tasks.get()
    with pytest.raises(runtime.ProcessFailed):
        runtime.complete(task.pk, actor=world["clerk"], data=ANSWER)
    runtime.set_variables(failing.case_id, {"divisor": 2}, actor=world["policy"])
    runtime.complete(task.pk, actor=world["clerk"], data=ANSWER)
    incident = Incident.objects.get()
    assert not incident.is_open
    assert incident.resolved_by == world["clerk"]
    failing.refresh_from_db()
    assert failing.revision == 3  # the fix, then the step
    assert runtime.instance_data(failing)["doubled"] == 2
    assert AuditEvent.objects.filter(action="incident.resolved").count() == 1


@pytest.mark.django_db
def test_it_holds_a_failing_timer_and_still_fires_the_others(world, tiny_case, fixed_clock):
    runtime.deploy({"timed.bpmn": timed_bpmn()}, "timed.bpmn", actor=world["policy"])
    broken = runtime.start(
        "timed", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={"parts": 0}
    )
    sound = runtime.start(
        "timed",
        case_id=_case(world, "T-2").pk,
        region_id=world.village_a1.pk,
        actor=None,
        data={"parts": 2},
    )
    clock.advance(timedelta(hours=2))
    assert runtime.fire_due_timers() == 1
    sound.refresh_from_db()
    broken.refresh_from_db()
    assert sound.status == "completed"
    assert (broken.status, broken.revision) == ("running", 1)
    assert Timer.objects.filter(instance=broken).count() == 1
    incident = Incident.objects.get()
    assert (incident.instance_id, incident.kind, incident.element) == (
        broken.pk,
        IncidentKind.TIMER,
        "split",
    )
    assert incident.element_title == "分摊"
    # The next sweeps leave the held instance alone until policy staff retry it.
    assert runtime.fire_due_timers() == 0
    assert Incident.objects.get().attempts == 1
    assert AuditEvent.objects.filter(action="incident.raised").count() == 1
    # Fired on its own (a retry), the same failure counts a second attempt on the same incident.
    with pytest.raises(runtime.ProcessFailed):
        runtime.fire_instance_timers(broken.pk)
    assert Incident.objects.get().attempts == 2
