"""Policy staff's incident list and retry; what the approver sees when a step fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assistance.models import Case, Household
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, Incident, IncidentKind, ProcessInstance
from tests.engine.samples import checked_bpmn, timed_bpmn, tiny_sources
from tests.fixtures import make_user

pytestmark = pytest.mark.django_db

ANSWER = {"answer": "好的", "count": "4"}
LIST = reverse("studio:incidents")


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


@pytest.fixture
def held(client, world, failing) -> Incident:
    """The approver submits the task; the script after it fails."""
    task = failing.tasks.get()
    client.force_login(world["clerk"])
    response = client.post(reverse("task", args=[task.pk]), ANSWER)
    assert response.status_code == 302
    client.logout()
    return Incident.objects.get()


def retry_url(incident: Incident) -> str:
    return reverse("studio:incident-retry", args=[incident.pk])


def test_it_tells_the_approver_plainly_that_the_case_is_held(client, world, failing):
    task = failing.tasks.get()
    client.force_login(world["clerk"])
    response = client.post(reverse("task", args=[task.pk]), ANSWER, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("case", args=[failing.case_id])
    notes = [str(message) for message in get_messages(response.wsgi_request)]
    assert "流程未能完成这一步，案件已暂停" in page
    assert "本案件已暂停" in page
    assert "division by zero" not in page and "division by zero" not in "".join(notes)
    failing.refresh_from_db()
    assert failing.revision == 1
    assert failing.tasks.get().pk == task.pk
    incident = Incident.objects.get()
    assert (incident.element, incident.attempts, incident.submitted_by) == (
        "calc",
        1,
        world["clerk"],
    )


def test_it_shows_no_banner_on_a_case_that_is_not_held(client, world, failing):
    client.force_login(world["clerk"])
    page = client.get(reverse("case", args=[failing.case_id])).content.decode()
    assert "本案件已暂停" not in page


def test_it_lists_open_incidents_for_policy_staff(client, world, held):
    client.force_login(world["policy"])
    response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert held.case.number in page
    assert "calc" in page and "division by zero" in page
    assert retry_url(held) in page
    assert "没有暂停的案件" not in page


def test_it_counts_open_incidents_on_the_policy_home_page(client, world, held):
    client.force_login(world["policy"])
    page = client.get(reverse("inbox")).content.decode()
    assert LIST in page
    assert "1 个待处理" in page


def test_it_retries_after_the_fix_and_the_case_moves_on(client, world, held):
    runtime.set_variables(held.case_id, {"divisor": 2}, actor=world["policy"])
    client.force_login(world["policy"])
    response = client.post(retry_url(held), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "已重试" in response.content.decode()
    held.refresh_from_db()
    assert not held.is_open
    assert held.resolved_by == world["policy"]
    instance = held.instance
    instance.refresh_from_db()
    assert not instance.tasks.exists()
    assert runtime.instance_data(instance)["doubled"] == 2
    # The approver's own submission went through; the retry is theirs to read in the trail.
    completed = AuditEvent.objects.get(action="task.completed")
    assert completed.actor == world["clerk"]
    assert completed.payload["data"] == {"answer": "好的", "count": 4}
    retried = AuditEvent.objects.get(action="incident.retried")
    assert retried.actor == world["policy"] and retried.seq < completed.seq
    resolved = AuditEvent.objects.get(action="incident.resolved")
    assert resolved.actor == world["policy"]
    # Resolved incidents are listed below the open ones.
    page = client.get(LIST).content.decode()
    assert "没有暂停的案件" in page and held.case.number in page


def test_it_fires_a_held_time_limit_again_after_the_fix(client, world, tiny_case, fixed_clock):
    runtime.deploy({"timed.bpmn": timed_bpmn()}, "timed.bpmn", actor=world["policy"])
    instance = runtime.start(
        "timed", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={"parts": 0}
    )
    clock.advance(timedelta(hours=2))
    assert runtime.fire_due_timers() == 0
    incident = Incident.objects.get(kind=IncidentKind.TIMER)
    runtime.set_variables(tiny_case.pk, {"parts": 5}, actor=world["policy"])
    client.force_login(world["policy"])
    client.post(retry_url(incident))
    incident.refresh_from_db()
    instance.refresh_from_db()
    assert (incident.resolved_by, instance.status) == (world["policy"], "completed")
    assert runtime.instance_data(instance)["share"] == 2


def test_it_counts_another_attempt_when_a_retry_fails_again(client, world, held):
    client.force_login(world["policy"])
    response = client.post(retry_url(held), follow=True)
    page = response.content.decode()
    assert "该环节再次出错" in page
    held.refresh_from_db()
    assert held.is_open and held.attempts == 2
    held.instance.refresh_from_db()
    assert held.instance.revision == 1
    # The failed retry is on the trail with who tried it, though the step was rolled back.
    assert AuditEvent.objects.filter(action="incident.retried", actor=world["policy"]).count() == 1
    assert Incident.objects.count() == 1


def test_it_refuses_to_retry_a_resolved_incident(client, world, held):
    runtime.set_variables(held.case_id, {"divisor": 2}, actor=world["policy"])
    client.force_login(world["policy"])
    client.post(retry_url(held))
    response = client.post(retry_url(held), follow=True)
    assert "该故障已解决" in response.content.decode()
    assert AuditEvent.objects.filter(action="incident.retried").count() == 1


def test_it_takes_retry_by_post_only(client, world, held):
    client.force_login(world["policy"])
    assert client.get(retry_url(held)).status_code == 405
    assert client.post(LIST).status_code == 405


@pytest.mark.parametrize("username", ["clerk", "auditor", "village_clerk", "outsider"])
def test_it_hides_incidents_from_other_roles(client, world, held, username):
    client.force_login(world[username])
    assert client.get(LIST).status_code == 404
    assert client.post(retry_url(held)).status_code == 404
    held.refresh_from_db()
    assert held.is_open and held.attempts == 1


def test_it_hides_incidents_of_other_regions_from_policy_staff(client, world, held):
    elsewhere = make_user("policy_b", "policy_staff", world.township_b)
    client.force_login(elsewhere)
    page = client.get(LIST).content.decode()
    assert held.case.number not in page
    assert client.post(retry_url(held)).status_code == 404


def test_it_404s_a_missing_incident(client, world):
    client.force_login(world["policy"])
    assert client.post(reverse("studio:incident-retry", args=[999999])).status_code == 404


def _add_incidents(world, failing, count: int) -> None:
    start = Case.objects.count()
    households = Household.objects.bulk_create(
        [
            Household(region=world.village_a1, address=f"批量{n}", hukou="rural")
            for n in range(count)
        ]
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                number=f"INC{start + n:06d}",
                assistance_type="dibao",
                household=h,
                region=world.village_a1,
            )
            for n, h in enumerate(households)
        ]
    )
    now = clock.now()
    instances = ProcessInstance.objects.bulk_create(
        [
            ProcessInstance(
                definition_id=failing.definition_id,
                case=case,
                region=world.village_a1,
                state={},
                created_at=now,
                updated_at=now,
            )
            for case in cases
        ]
    )
    Incident.objects.bulk_create(
        [
            Incident(
                instance=instance,
                case_id=instance.case_id,
                kind="timer",
                element="split",
                element_title="分摊",
                error="division by zero",
                created_at=now,
                last_failed_at=now,
                resolved_at=now if n % 2 else None,
                resolved_by=world["policy"] if n % 2 else None,
            )
            for n, instance in enumerate(instances)
        ]
    )


def test_it_keeps_the_list_flat_from_few_to_many(client, world, failing, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _add_incidents(world, failing, 2)
    client.force_login(world["policy"])
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    _add_incidents(world, failing, 60)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(LIST).status_code == 200


# ---------------------------------------------------------------- a message the process fails on

REPORT = {"eligible": "yes", "report_no": "HD-1"}


@pytest.fixture
def checking(world, tiny_case) -> ProcessInstance:
    """The checked process waits for the check centre's report; its script after it divides
    by `parts`, which the case started with as 0."""
    runtime.deploy({"checked.bpmn": checked_bpmn()}, "checked.bpmn", actor=world["policy"])
    return runtime.start(
        "checked",
        case_id=tiny_case.pk,
        region_id=world.village_a1.pk,
        actor=None,
        data={"parts": 0},
    )


@pytest.fixture
def held_report(client, world, checking) -> Incident:
    """The checker records the report on the check centre's page; the script after it fails."""
    client.force_login(world["checker"])
    response = client.post(reverse("case-check-result", args=[checking.case_id]), REPORT)
    assert response.status_code == 302
    client.logout()
    return Incident.objects.get()


def test_it_tells_the_checker_plainly_that_the_case_is_held(client, world, checking):
    client.force_login(world["checker"])
    url = reverse("case-check-result", args=[checking.case_id])
    response = client.post(url, REPORT, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("case", args=[checking.case_id])
    assert "流程未能继续办理，案件已暂停" in page and "无需重新登记" in page
    assert "本案件已暂停" in page
    assert "division by zero" not in page
    incident = Incident.objects.get()
    assert (incident.kind, incident.message, incident.submitted_by) == (
        IncidentKind.MESSAGE,
        "check_result",
        world["checker"],
    )
    assert incident.submitted == {"result": "eligible", "report_no": "HD-1", "reasons": ""}
    checking.refresh_from_db()
    assert checking.revision == 1
    assert not AuditEvent.objects.filter(action="message.received").exists()


def test_it_lists_the_kept_message_for_policy_staff(client, world, held_report):
    client.force_login(world["policy"])
    page = client.get(LIST).content.decode()
    assert "已保留：家庭经济状况核对报告 · checker" in page
    assert "split" in page and "division by zero" in page
    assert retry_url(held_report) in page


def test_it_delivers_the_kept_message_again_after_the_fix(client, world, held_report):
    runtime.set_variables(held_report.case_id, {"parts": 2}, actor=world["policy"])
    client.force_login(world["policy"])
    response = client.post(retry_url(held_report), follow=True)
    assert "已重试" in response.content.decode()
    held_report.refresh_from_db()
    assert not held_report.is_open and held_report.resolved_by == world["policy"]
    instance = held_report.instance
    instance.refresh_from_db()
    assert instance.status == "completed"
    assert runtime.instance_data(instance)["share"] == 5
    # The checker's own report went through, as they recorded it.
    received = AuditEvent.objects.get(action="message.received")
    assert (received.actor, received.role) == (world["checker"], "county_checker")
    assert received.payload["payload"]["report_no"] == "HD-1"
    retried = AuditEvent.objects.get(action="incident.retried")
    assert retried.actor == world["policy"] and retried.seq < received.seq


def test_it_moves_a_held_message_to_the_fixed_version_and_delivers_it(client, world, held_report):
    fixed, _created = runtime.deploy(
        {"checked.bpmn": checked_bpmn(script="share = 10\noutcome = 'closed'")},
        "checked.bpmn",
        actor=world["policy"],
    )
    client.force_login(world["policy"])
    url = reverse("studio:incident-migrate", args=[held_report.pk])
    assert url in client.get(LIST).content.decode()
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    held_report.refresh_from_db()
    assert not held_report.is_open
    instance = ProcessInstance.objects.get(pk=held_report.instance_id)
    assert (instance.definition_id, instance.status) == (fixed.pk, "completed")
    assert AuditEvent.objects.get(action="message.received").actor == world["checker"]


def test_it_counts_another_attempt_when_a_message_retry_fails_again(client, world, held_report):
    client.force_login(world["policy"])
    response = client.post(retry_url(held_report), follow=True)
    assert "该环节再次出错" in response.content.decode()
    held_report.refresh_from_db()
    assert held_report.is_open and held_report.attempts == 2
    assert held_report.message == "check_result" and held_report.submitted_by == world["checker"]
    assert not AuditEvent.objects.filter(action="message.received").exists()


def test_it_refuses_to_retry_a_message_that_was_not_kept(client, world, held_report):
    Incident.objects.filter(pk=held_report.pk).update(message="")
    client.force_login(world["policy"])
    response = client.post(retry_url(held_report), follow=True)
    assert "出错的消息不会保留" in response.content.decode()
    assert not AuditEvent.objects.filter(action="incident.retried").exists()
