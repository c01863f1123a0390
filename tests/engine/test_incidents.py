"""Incidents: a diagram step that fails holds its case, and the failure outlives the rollback."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistance import actions
from assistance.models import Case, DeathRecord, Household
from assistance.processes.exit import do_report_death
from engine import audit, incidents, runtime
from engine.clock import clock
from engine.models import AuditEvent, Incident, IncidentKind, ProcessInstance, Timer, Wait
from tests.engine.samples import checked_bpmn, timed_bpmn, tiny_sources
from tests.workflows.exit import active_case

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


# ---------------------------------------------------------------- messages

REPORT = {"result": "eligible", "report_no": "HD-1", "reasons": ""}


def _waiting_for(world, case: Case, message: str = "check_result") -> ProcessInstance:
    """The checked process, waiting for `message`; its script after it divides by 0."""
    runtime.deploy(
        {"checked.bpmn": checked_bpmn(message=message)}, "checked.bpmn", actor=world["policy"]
    )
    return runtime.start(
        "checked", case_id=case.pk, region_id=case.region_id, actor=None, data={"parts": 0}
    )


@pytest.fixture
def checking(world, tiny_case) -> ProcessInstance:
    return _waiting_for(world, tiny_case)


@pytest.mark.django_db
def test_it_keeps_a_check_result_that_fails_on_its_incident(world, checking):
    case = checking.case
    with pytest.raises(runtime.ProcessFailed) as failed:
        actions.do_record_check_result(
            case, actor=world["checker"], eligible=True, report_no="HD-1"
        )
    incident = Incident.objects.get()
    assert failed.value.incident == incident
    assert (incident.kind, incident.element, incident.element_title) == (
        IncidentKind.MESSAGE,
        "split",
        "分摊",
    )
    assert "division by zero" in incident.error
    assert (incident.message, incident.submitted, incident.submitted_by) == (
        "check_result",
        REPORT,
        world["checker"],
    )
    assert incident.submitted_role == "county_checker" and incident.keeps_message
    # The step and everything of the action rolled back: the case still waits for the report.
    checking.refresh_from_db()
    assert (checking.revision, checking.status) == (1, "running")
    assert runtime.waiting_messages(checking) == ["check_result"]
    assert Wait.objects.filter(instance=checking).exists()
    assert not AuditEvent.objects.filter(action="message.received").exists()
    raised = AuditEvent.objects.get(action="incident.raised")
    assert raised.payload["message"] == "check_result" and raised.case_id == case.pk
    assert incidents.held_message(case.pk) == incident


@pytest.mark.django_db
def test_it_keeps_an_objection_that_fails_too(world, tiny_case):
    instance = _waiting_for(world, tiny_case, "objection")
    with pytest.raises(runtime.ProcessFailed):
        actions.do_record_objection(
            tiny_case, actor=world["clerk"], objector="李四", reason="家里有车"
        )
    incident = Incident.objects.get()
    assert (incident.instance, incident.message, incident.submitted_by) == (
        instance,
        "objection",
        world["clerk"],
    )
    assert incident.submitted["objector"] == "李四" and incident.submitted_role == "township_clerk"


@pytest.mark.django_db
def test_it_takes_no_other_message_while_one_is_held(world, checking):
    with pytest.raises(runtime.ProcessFailed):
        actions.do_record_check_result(
            checking.case, actor=world["checker"], eligible=True, report_no="HD-1"
        )
    with pytest.raises(runtime.MessageHeld):
        actions.do_record_check_result(
            checking.case, actor=world["checker"], eligible=False, report_no="HD-2", reasons="有车"
        )
    incident = Incident.objects.get()
    assert incident.attempts == 1 and incident.submitted["report_no"] == "HD-1"


@pytest.mark.django_db
def test_it_delivers_the_kept_message_again_after_the_fix(world, checking):
    with pytest.raises(runtime.ProcessFailed):
        actions.do_record_check_result(
            checking.case, actor=world["checker"], eligible=True, report_no="HD-1"
        )
    incident = Incident.objects.get()
    runtime.set_variables(checking.case_id, {"parts": 2}, actor=world["policy"])
    runtime.send_message(
        checking.case_id,
        incident.message,
        incident.submitted,
        actor=incident.submitted_by,
        role=incident.submitted_role,
        instance_id=checking.pk,
        retried_by=world["policy"],
    )
    incident.refresh_from_db()
    assert not incident.is_open and incident.resolved_by == world["policy"]
    checking.refresh_from_db()
    assert checking.status == "completed"
    data = runtime.instance_data(checking)
    assert (data["share"], data["verdict"]) == (5, "eligible")
    received = AuditEvent.objects.get(action="message.received")
    assert received.actor == world["checker"] and received.role == "county_checker"
    assert received.payload["payload"] == REPORT


def _noted(case: Case) -> None:
    audit.record("case.procedure_extended", actor=None, role="system", case_id=case.pk, payload={})


@incidents.atomic_with_incidents
def _note_then_send(case: Case, *, catch: bool = False) -> None:
    """An action writing a record of its own before a message whose process fails."""
    _noted(case)
    try:
        runtime.send_message(case.pk, "check_result", REPORT, actor=None, role="system")
    except runtime.ProcessFailed:
        if not catch:
            raise


@incidents.atomic_with_incidents
def _outer(case: Case) -> None:
    _noted(case)
    _note_then_send(case)


@pytest.mark.django_db
def test_it_rolls_the_whole_action_back_and_records_the_incident_after(world, checking):
    with pytest.raises(runtime.ProcessFailed) as failed:
        _note_then_send(checking.case)
    assert not AuditEvent.objects.filter(action="case.procedure_extended").exists()
    assert failed.value.incident == Incident.objects.get()
    assert Incident.objects.get().submitted_role == "system"


@pytest.mark.django_db
def test_it_records_a_nested_action_s_failure_once_after_the_outer_one(world, checking):
    with pytest.raises(runtime.ProcessFailed) as failed:
        _outer(checking.case)
    assert not AuditEvent.objects.filter(action="case.procedure_extended").exists()
    assert failed.value.incident == Incident.objects.get()
    assert AuditEvent.objects.filter(action="incident.raised").count() == 1


@pytest.mark.django_db
def test_it_records_a_failure_the_action_caught_after_it_commits(world, checking):
    _note_then_send(checking.case, catch=True)
    assert AuditEvent.objects.filter(action="case.procedure_extended").count() == 1
    assert Incident.objects.get().message == "check_result"
    checking.refresh_from_db()
    assert checking.revision == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_keeps_the_death_and_holds_the_exit_that_failed_on_it(world):
    case = active_case(world, "tekun")
    instance = _waiting_for(world, case, "death_record")
    subject = case.household.members.get()
    report = do_report_death(subject.resident_id, date(2026, 3, 1), actor=None, source="公安")
    assert report.held == [case] and report.delivered == []
    assert DeathRecord.objects.filter(resident_id=subject.resident_id).exists()
    assert AuditEvent.objects.filter(action="death.recorded").count() == 1
    incident = Incident.objects.get()
    assert (incident.instance, incident.message, incident.submitted_by) == (
        instance,
        "death_record",
        None,
    )
    assert incident.submitted["member"] == subject.pk and incident.submitted_role == "system"
    instance.refresh_from_db()
    assert (
        instance.revision == 1 and not AuditEvent.objects.filter(action="message.received").exists()
    )
