"""Cases through the API: the portal's jurisdiction, and auditors' reads on the record."""

from __future__ import annotations

import pytest
from django.test import Client

from engine.models import AuditEvent
from tests.api.helpers import bearer, staff_token
from tests.fixtures import World
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def get(world: World, username: str, path: str) -> object:
    return bearer(Client(), staff_token(world[username], username), "get", path)


def test_it_lists_and_shows_cases_in_the_jurisdiction(world: World) -> None:
    case = apply(world)
    listed = get(world, "clerk", "/api/v1/cases").json()
    assert [item["id"] for item in listed["items"]] == [case.pk]
    assert get(world, "clerk", f"/api/v1/cases/{case.pk}").json()["number"] == case.number
    assert get(world, "outsider", "/api/v1/cases").json()["count"] == 0
    assert get(world, "outsider", f"/api/v1/cases/{case.pk}").status_code == 404
    assert get(world, "policy", f"/api/v1/cases/{case.pk}").status_code == 404


def test_it_puts_an_auditors_read_on_the_record_as_the_portal_does(world: World) -> None:
    case = apply(world)
    assert get(world, "auditor", f"/api/v1/cases/{case.pk}").status_code == 200
    assert AuditEvent.objects.filter(
        action="audit.case_viewed", case_id=case.pk, actor=world["auditor"]
    ).exists()
    get(world, "clerk", f"/api/v1/cases/{case.pk}")
    assert not AuditEvent.objects.filter(action="audit.case_viewed", actor=world["clerk"]).exists()
