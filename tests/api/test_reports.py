"""The summary report: cases by type and status and the overdue steps in one's jurisdiction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from assistance.models import Case
from engine.clock import clock
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import World
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def summary(world: World, username: str, **kwargs: object) -> object:
    token = staff_token(world[username], username)
    return bearer(Client(), token, "get", "/api/v1/reports/summary", **kwargs)


def test_it_counts_cases_by_type_and_status_and_the_overdue_steps(world: World) -> None:
    first, second, third = apply(world), apply(world), apply(world)
    Case.objects.filter(pk=third.pk).update(status="refused")
    response = summary(world, "approver")
    assert response.status_code == 200
    body = response.json()
    assert body["cases_total"] == 3
    assert {(row["assistance_type"], row["status"], row["count"]) for row in body["cases"]} == {
        ("dibao", "in_progress", 2),
        ("dibao", "refused", 1),
    }
    assert body["cases"][0]["label"] == "最低生活保障"
    assert body["open_tasks"] == 3 and body["overdue_tasks"] == 0
    clock.advance(timedelta(days=30))
    later = summary(world, "auditor", HTTP_ACCEPT_LANGUAGE="en").json()
    assert later["overdue_tasks"] == 3
    assert later["cases"][0]["label"] != "最低生活保障"
    assert first.pk and second.pk


def test_it_counts_only_what_the_caller_may_see(world: World) -> None:
    apply(world)
    body = summary(world, "outsider").json()
    assert body["cases_total"] == 0 and body["cases"] == [] and body["open_tasks"] == 0


def test_it_is_missing_for_policy_staff_and_refused_to_systems(world: World) -> None:
    apply(world)
    assert summary(world, "policy").status_code == 404
    system = system_token("bank", world.county)
    response = bearer(Client(), system, "get", "/api/v1/reports/summary")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_it_answers_405_to_a_wrong_method(world: World) -> None:
    token = staff_token(world["approver"])
    assert bearer(Client(), token, "post", "/api/v1/reports/summary").status_code == 405


def test_it_reports_in_a_fixed_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = staff_token(world["approver"])
    apply(world)
    bearer(Client(), token, "get", "/api/v1/reports/summary")
    with CaptureQueriesContext(connection) as few:
        assert bearer(Client(), token, "get", "/api/v1/reports/summary").json()["cases_total"] == 1
    for _ in range(4):
        apply(world)
    with CaptureQueriesContext(connection) as many:
        assert bearer(Client(), token, "get", "/api/v1/reports/summary").json()["cases_total"] == 5
    assert len(many) == len(few)
