"""Check requests out and the centre's reports in (exchanges/checks.py): a request per wait,
a report completing the waiting step once, the same report again a duplicate, another one
refused, the recheck after an objection a new request, a case no longer waiting cancelling
its request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import Http404

from assistance import actions
from assistance.models import Region
from assistance.processes import review
from engine.clock import clock
from engine.models import AuditEvent, ProcessInstance
from exchanges import checks
from exchanges.access import System
from exchanges.models import CheckRequest, CheckStatus
from exchanges.outcomes import Conflict
from tests.exchanges.helpers import centre, request_of, waiting_case
from tests.fixtures import deploy_only
from tests.workflows.dibao import complete, open_tasks
from tests.workflows.review import data as review_data
from tests.workflows.review import deploy_review, start_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "dibao_deployed")]


@pytest.fixture
def dibao_deployed(world):
    deploy_only("dibao.bpmn", actor=world["policy"])


@pytest.fixture
def system_user(db):
    return User.objects.create_user("check-centre")


def receive(case, user, world, **kwargs):
    values = {"result": "eligible", "report_no": "HD-2026-001", "reasons": ""}
    values.update(kwargs)
    return checks.do_receive_check_result(
        request_of(case).number, actor=user, system=centre(world), **values
    )


def test_it_writes_one_request_when_the_case_starts_waiting(world):
    case = waiting_case(world)
    request = request_of(case)
    assert (request.status, request.round, request.process_key) == ("pending", 1, "dibao")
    assert request.number == f"{case.number}-C1"
    assert request.region_id == case.region_id
    wait = case.waits.get()
    assert request.wait_spiff_id == wait.spiff_id
    assert AuditEvent.objects.filter(case_id=case.pk, action="check_request.created").count() == 1


def test_it_completes_the_waiting_step_with_the_centres_report(world, system_user):
    case = waiting_case(world)
    outcome = receive(case, system_user, world)
    assert (outcome.status, outcome.ref) == ("recorded", request_of(case).number)
    assert open_tasks(case) == ["investigate"]
    request = request_of(case)
    assert (request.status, request.report_no, request.answered_role) == (
        "answered",
        "HD-2026-001",
        "system:check_centre",
    )
    event = AuditEvent.objects.get(case_id=case.pk, action="message.received")
    assert (event.actor, event.role) == (system_user, "system:check_centre")


def test_it_takes_the_same_report_twice_as_a_duplicate_that_changes_nothing(world, system_user):
    case = waiting_case(world)
    receive(case, system_user, world)
    revision = ProcessInstance.objects.get(case=case).revision
    events = AuditEvent.objects.count()
    assert receive(case, system_user, world).status == "duplicate"
    assert ProcessInstance.objects.get(case=case).revision == revision
    assert AuditEvent.objects.count() == events


def test_it_refuses_another_report_for_an_answered_request(world, system_user):
    case = waiting_case(world)
    receive(case, system_user, world)
    with pytest.raises(Conflict, match="answered already"):
        receive(case, system_user, world, result="ineligible", reasons="名下有车辆")
    with pytest.raises(Conflict):
        receive(case, system_user, world, report_no="HD-2026-002")
    assert request_of(case).result == "eligible"


def test_it_makes_a_new_request_for_the_recheck_after_an_objection(world, system_user):
    case = waiting_case(world)
    receive(case, system_user, world, result="ineligible", reasons="名下有车辆")
    assert open_tasks(case) == ["check_objection"]
    complete(
        world, "clerk", case, "check_objection", notified_on="2026-03-02", applicant_objects=True
    )
    second = request_of(case)
    assert (second.round, second.status, second.number) == (2, "pending", f"{case.number}-C2")
    assert receive(case, system_user, world, report_no="HD-2026-009").status == "recorded"
    assert open_tasks(case) == ["investigate"]


def test_it_cancels_the_request_when_a_checker_types_the_report_by_hand(world, system_user):
    case = waiting_case(world)
    actions.do_record_check_result(case, actor=world["checker"], eligible=True, report_no="H-1")
    assert request_of(case).status == CheckStatus.CANCELLED
    with pytest.raises(Conflict, match="no longer waits"):
        receive(case, system_user, world)


def test_it_hides_requests_outside_the_systems_region(world, system_user):
    case = waiting_case(world)
    elsewhere = Region.objects.create(
        code="431200", name="邻县", level="county", parent=world.province
    )
    with pytest.raises(Http404):
        checks.do_receive_check_result(
            request_of(case).number,
            result="eligible",
            report_no="X",
            actor=system_user,
            system=System("check_centre", elsewhere),
        )
    assert request_of(case).status == "pending"


def test_it_lets_a_checker_of_the_county_answer_and_hides_it_from_others(world):
    case = waiting_case(world)
    with pytest.raises(Http404):
        checks.do_receive_check_result(
            request_of(case).pk, result="eligible", report_no="X", actor=world["outsider"]
        )
    outcome = checks.do_receive_check_result(
        request_of(case).pk, result="eligible", report_no="X", actor=world["checker"]
    )
    assert outcome.status == "recorded" and request_of(case).answered_role == "county_checker"


def test_it_refuses_a_bad_report_and_changes_nothing(world, system_user):
    case = waiting_case(world)
    with pytest.raises(actions.ActionError):
        receive(case, system_user, world, result="maybe")
    with pytest.raises(actions.ActionError):
        receive(case, system_user, world, report_no=" ")
    with pytest.raises(actions.ActionError, match="reasons"):
        receive(case, system_user, world, result="ineligible", reasons="")
    assert request_of(case).status == "pending"
    assert open_tasks(case) == []


def test_it_tells_a_review_whether_anything_changed(world, system_user):
    deploy_review(world)
    case = start_review(world)
    request = request_of(case)
    assert request.process_key == "review"
    outcome = receive(case, system_user, world, changed=True, reasons="工资收入增加")
    assert outcome.status == "recorded" and request_of(case).changed is True
    assert open_tasks(case) == ["investigate"]
    assert review_data(case)["check"]["changed"] is True


def test_it_numbers_the_requests_of_a_case_in_one_series_across_its_processes(world):
    deploy_review(world)
    case = start_review(world)
    first = request_of(case)
    # A year later the review is long over and the next one is due.
    ProcessInstance.objects.filter(pk=first.instance_id).update(status="completed")
    case.next_review_on = clock.today()
    case.save(update_fields=["next_review_on"])
    assert review.start_due_reviews(clock.today()) == 1
    numbers = sorted(CheckRequest.objects.filter(case=case).values_list("number", flat=True))
    assert numbers == [f"{case.number}-C1", f"{case.number}-C2"]


def test_it_cancels_the_open_request_when_the_process_ends(world):
    case = waiting_case(world)
    checks.on_instance_changed(None, instance=case.instances.get(), completed=True)
    request = request_of(case)
    assert (request.status, request.cancelled_at) == ("cancelled", clock.now())


def test_it_backfills_the_requests_of_cases_already_waiting(world):
    from io import StringIO

    from django.core.management import call_command

    case = waiting_case(world)
    CheckRequest.objects.all().delete()
    out = StringIO()
    call_command("backfill_check_requests", stdout=out)
    assert out.getvalue().strip() == "1 check request(s) written"
    assert request_of(case).status == "pending"
    call_command("backfill_check_requests", stdout=out)
    assert CheckRequest.objects.count() == 1
