"""The household file through the API: members with IDs masked as on the portal's page."""

from __future__ import annotations

import pytest
from django.test import Client

from assistance.ids import mask_resident_id
from assistance.models import CaseRecusal
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import World
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def get(world: World, username: str, path: str, **kwargs: object) -> object:
    return bearer(Client(), staff_token(world[username], username), "get", path, **kwargs)


def test_it_gives_the_members_and_cases_with_whole_ids_to_a_clerk(world: World) -> None:
    case = apply(world, members=2)
    response = get(world, "clerk", f"/api/v1/households/{case.household_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["region_code"] == world.village_a1.code
    members = {member.name: member for member in case.household.members.all()}
    assert [m["name"] for m in body["members"]] == ["成员0", "成员1"]
    assert body["members"][0]["is_applicant"] is True
    assert body["members"][0]["resident_id"] == members["成员0"].resident_id
    assert body["members"][0]["resident_id_masked"] is False
    assert [c["number"] for c in body["cases"]] == [case.number]


def test_it_masks_ids_for_roles_that_do_not_need_them(world: World) -> None:
    case = apply(world)
    applicant = case.household.members.get(is_applicant=True)
    for username in ("approver", "auditor", "reviewer"):
        body = get(world, username, f"/api/v1/households/{case.household_id}").json()
        assert body["members"][0]["resident_id"] == mask_resident_id(applicant.resident_id)
        assert body["members"][0]["resident_id_masked"] is True
        assert applicant.resident_id not in str(body)


def test_it_hides_the_household_from_outsiders_policy_staff_the_recused_and_systems(
    world: World,
) -> None:
    case = apply(world)
    path = f"/api/v1/households/{case.household_id}"
    CaseRecusal.objects.create(case=case, user=world["investigator"], reason="近亲属")
    for username in ("outsider", "policy", "investigator"):
        response = get(world, username, path)
        assert response.status_code == 404, username
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
    assert get(world, "clerk", "/api/v1/households/999999").status_code == 404
    system = system_token("check_centre", world.county)
    assert bearer(Client(), system, "get", path).status_code == 403


def test_it_answers_405_and_422_as_problems_in_both_languages(world: World) -> None:
    case = apply(world)
    token = staff_token(world["clerk"])
    assert bearer(
        Client(), token, "post", f"/api/v1/households/{case.household_id}"
    ).status_code == (405)
    chinese = bearer(Client(), token, "get", "/api/v1/households/abc")
    assert chinese.status_code == 422
    assert chinese.json()["errors"] == [{"field": "household_id", "message": "应为整数。"}]
    english = bearer(Client(), token, "get", "/api/v1/households/abc", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["errors"] == [
        {"field": "household_id", "message": "Expected a whole number."}
    ]
