"""The caller's queue and tasks through the API: the portal's rules for who sees and acts."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from assistance.models import Case
from engine.models import AuditEvent, Task
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import World, make_user
from tests.workflows.dibao import apply, task
from tests.workflows.evidence import APPLICATION, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence"),
]


def call(world: World, username: str, method: str, path: str, **kwargs: object) -> object:
    return bearer(Client(), staff_token(world[username], username), method, path, **kwargs)


def post_json(world: World, username: str, path: str, body: object, **kwargs: object) -> object:
    return call(
        world,
        username,
        "post",
        path,
        data=json.dumps(body),
        content_type="application/json",
        **kwargs,
    )


def test_it_lists_my_queue_and_its_tabs(world: World) -> None:
    case = apply(world)
    acceptance = task(case, "acceptance")
    body = call(world, "clerk", "get", "/api/v1/tasks").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == acceptance.pk and item["case_number"] == case.number
    assert item["title"] == "受理审查" and item["lane_role"] == "township_clerk"
    assert item["claimed_by"] is None and item["overdue"] is False
    assert call(world, "clerk", "get", "/api/v1/tasks?tab=mine").json()["count"] == 0
    assert call(world, "clerk", "get", "/api/v1/tasks?tab=office").json()["count"] == 1
    assert call(world, "clerk", "get", "/api/v1/tasks?overdue=true").json()["count"] == 0
    english = call(world, "clerk", "get", "/api/v1/tasks?lang=en").json()
    assert english["items"][0]["title"] != "受理审查"


def test_it_lists_nothing_outside_the_callers_lanes_and_region(world: World) -> None:
    apply(world)
    for username in ("outsider", "auditor", "policy", "approver"):
        response = call(world, username, "get", "/api/v1/tasks")
        assert response.status_code == 200 and response.json()["count"] == 0, username


def test_it_shows_a_task_with_its_form_schema(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    response = call(world, "clerk", "get", f"/api/v1/tasks/{acceptance.pk}")
    assert response.status_code == 200
    schema = response.json()["form_schema"]
    assert schema["required"] == ["acceptance_decision"]
    assert schema["properties"]["acceptance_decision"]["title"] == "受理决定"
    english = call(world, "clerk", "get", f"/api/v1/tasks/{acceptance.pk}?lang=en").json()
    assert english["form_schema"]["properties"]["acceptance_decision"]["title"] != "受理决定"


def test_it_hides_a_task_from_outsiders_and_policy_staff_and_refuses_auditors(
    world: World,
) -> None:
    acceptance = task(apply(world), "acceptance")
    path = f"/api/v1/tasks/{acceptance.pk}"
    for username in ("outsider", "policy"):
        response = call(world, username, "get", path)
        assert response.status_code == 404, username
        assert response["Content-Type"] == "application/problem+json"
    # Inside the jurisdiction without the lane's role: seen to exist, not to be acted on.
    assert call(world, "auditor", "get", path).json()["code"] == "permission_denied"
    assert call(world, "auditor", "get", path).status_code == 403


def test_it_lets_an_office_leader_open_any_task_of_the_office(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    assert call(world, "reviewer", "get", f"/api/v1/tasks/{acceptance.pk}").status_code == 200
    assert call(world, "reviewer", "post", f"/api/v1/tasks/{acceptance.pk}/claim").status_code == (
        403
    )


def test_it_claims_and_releases_a_task(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    claimed = call(world, "clerk", "post", f"/api/v1/tasks/{acceptance.pk}/claim")
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "clerk"
    assert call(world, "clerk", "get", "/api/v1/tasks?tab=mine").json()["count"] == 1
    assert AuditEvent.objects.filter(action="task.claimed", actor=world["clerk"]).exists()
    released = call(world, "clerk", "post", f"/api/v1/tasks/{acceptance.pk}/unclaim")
    assert released.status_code == 200 and released.json()["claimed_by"] is None
    assert Task.objects.get(pk=acceptance.pk).claimed_by is None


def test_it_refuses_a_task_claimed_by_a_colleague_as_a_conflict(world: World) -> None:
    colleague = make_user("clerk2", "township_clerk", world.township_a)
    world.users["clerk2"] = colleague
    acceptance = task(apply(world), "acceptance")
    call(world, "clerk", "post", f"/api/v1/tasks/{acceptance.pk}/claim")
    response = call(world, "clerk2", "post", f"/api/v1/tasks/{acceptance.pk}/claim")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "conflict" and "同事" in response.json()["detail"]
    # Releasing a task one has not claimed is refused by the domain, in its words.
    refused = call(world, "clerk2", "post", f"/api/v1/tasks/{acceptance.pk}/unclaim")
    assert refused.status_code == 400 and refused.json()["code"] == "bad_request"


def test_it_refuses_claims_from_read_only_roles_outsiders_and_systems(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    for action in ("claim", "unclaim", "complete"):
        path = f"/api/v1/tasks/{acceptance.pk}/{action}"
        assert post_json(world, "auditor", path, {}).status_code == 403
        assert post_json(world, "outsider", path, {}).status_code == 404
        assert post_json(world, "policy", path, {}).status_code == 404
        system = system_token("check_centre", world.county, username=f"sys-{action}")
        assert bearer(Client(), system, "post", path).status_code == 403
    assert Task.objects.get(pk=acceptance.pk).claimed_by is None


def test_it_completes_a_task_and_the_case_moves_on(world: World) -> None:
    case = apply(world)
    upload(world, case, *APPLICATION)
    acceptance = task(case, "acceptance")
    response = post_json(
        world,
        "clerk",
        f"/api/v1/tasks/{acceptance.pk}/complete",
        {"acceptance_decision": "complete"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "completed" and body["case"]["id"] == case.pk
    assert not Task.objects.filter(pk=acceptance.pk).exists()
    assert Case.objects.get(pk=case.pk).stage != ""
    assert AuditEvent.objects.filter(action="task.completed", actor=world["clerk"]).exists()
    # The task is done: a second submission finds nothing to complete.
    again = post_json(
        world, "clerk", f"/api/v1/tasks/{acceptance.pk}/complete", {"acceptance_decision": "x"}
    )
    assert again.status_code == 404


def test_it_validates_the_body_against_the_tasks_schema_in_the_callers_language(
    world: World,
) -> None:
    acceptance = task(apply(world), "acceptance")
    path = f"/api/v1/tasks/{acceptance.pk}/complete"
    chinese = post_json(world, "clerk", path, {"acceptance_decision": "maybe", "extra": 1})
    assert chinese.status_code == 422
    assert chinese["Content-Type"] == "application/problem+json"
    body = chinese.json()
    assert body["code"] == "validation_error" and body["detail"] == "请更正所列字段。"
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert set(fields) == {"acceptance_decision", "body"}
    assert "选项" in fields["acceptance_decision"]
    english = post_json(
        world, "clerk", path, {"acceptance_decision": "maybe"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 422
    assert english.json()["errors"] == [
        {"field": "acceptance_decision", "message": "Choose one of the offered options."}
    ]
    assert Task.objects.filter(pk=acceptance.pk).exists()


def test_it_refuses_an_outcome_whose_evidence_is_missing(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    response = post_json(
        world,
        "clerk",
        f"/api/v1/tasks/{acceptance.pk}/complete",
        {"acceptance_decision": "complete"},
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    assert Task.objects.filter(pk=acceptance.pk).exists()


def test_it_refuses_bodies_that_are_not_json_or_too_large_or_not_an_object(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    path = f"/api/v1/tasks/{acceptance.pk}/complete"
    token = staff_token(world["clerk"])
    broken = bearer(Client(), token, "post", path, data="{", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"] == "bad_request"
    nested = bearer(
        Client(), token, "post", path, data="[" * 5000 + "]" * 5000, content_type="application/json"
    )
    assert nested.status_code in (400, 422)
    listed = post_json(world, "clerk", path, ["complete"])
    assert listed.status_code == 422 and listed.json()["code"] == "validation_error"
    huge = post_json(world, "clerk", path, {"acceptance_reasons": "长" * 40_000})
    assert huge.status_code == 413 and huge.json()["code"] == "payload_too_large"
    assert Task.objects.filter(pk=acceptance.pk).exists()


def test_it_answers_405_to_a_wrong_method(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    assert call(world, "clerk", "get", f"/api/v1/tasks/{acceptance.pk}/complete").status_code == (
        405
    )
    assert call(world, "clerk", "delete", f"/api/v1/tasks/{acceptance.pk}").status_code == 405
    assert call(world, "clerk", "post", "/api/v1/tasks").status_code == 405


def test_it_lists_the_queue_in_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    token = staff_token(world["clerk"])
    apply(world)
    bearer(Client(), token, "get", "/api/v1/tasks")  # warm the per-process caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert bearer(Client(), token, "get", "/api/v1/tasks").json()["count"] == 1
    for _ in range(6):
        apply(world)
    with CaptureQueriesContext(connection) as many:
        assert bearer(Client(), token, "get", "/api/v1/tasks").json()["count"] == 7
    assert len(many) == len(few)


def test_it_answers_202_held_when_the_diagram_fails_on_the_step(
    world: World, tiny_case: Case
) -> None:
    from engine import runtime
    from engine.models import Incident
    from tests.engine.samples import tiny_sources

    runtime.deploy(
        tiny_sources(script="doubled = count / divisor", start_data="divisor"),
        "tiny.bpmn",
        actor=world["policy"],
    )
    instance = runtime.start(
        "tiny",
        case_id=tiny_case.pk,
        region_id=world.village_a1.pk,
        actor=None,
        data={"divisor": 0},
    )
    step = instance.tasks.get()
    response = post_json(
        world, "clerk", f"/api/v1/tasks/{step.pk}/complete", {"answer": "好的", "count": 4}
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["outcome"] == "held" and "政策" in body["detail"]
    assert body["case"]["id"] == tiny_case.pk
    assert Incident.objects.get().is_open and Task.objects.filter(pk=step.pk).exists()
