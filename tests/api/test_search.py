"""The portal's search through the API: the same words find the same households."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from assistance.ids import mask_resident_id
from assistance.models import CaseRecusal
from portal.households import RESULT_LIMIT
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import World
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def search(world: World, username: str, q: str, **kwargs: object) -> object:
    token = staff_token(world[username], username)
    return bearer(Client(), token, "get", "/api/v1/search", data={"q": q}, **kwargs)


def ids(response: object) -> list[int]:
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return [item["id"] for item in response.json()["items"]]  # type: ignore[attr-defined]


def test_it_finds_a_household_by_name_id_last_digits_and_case_number(world: World) -> None:
    case, other = apply(world), apply(world)
    member = case.household.members.get(name="成员1")
    member.name = "张三丰"
    member.save(update_fields=["name"])
    for query in ("张三", member.resident_id, case.number, case.number.lower()):
        assert ids(search(world, "clerk", query)) == [case.household_id], query
    assert case.household_id in ids(search(world, "clerk", member.resident_id[-6:]))
    body = search(world, "clerk", case.number).json()
    found = body["items"][0]
    assert found["cases"] == [
        {"id": case.pk, "number": case.number, "assistance_type": "dibao", "status": "in_progress"}
    ]
    assert found["applicant_name"] == "成员0" and body["limit"] == RESULT_LIMIT
    assert other.household_id not in ids(search(world, "clerk", case.number))


def test_it_masks_the_applicants_id_for_those_who_do_not_need_it(world: World) -> None:
    case = apply(world)
    applicant = case.household.members.get(is_applicant=True)
    body = search(world, "approver", case.number).json()
    assert body["resident_ids_masked"] is True
    assert body["items"][0]["applicant_resident_id"] == mask_resident_id(applicant.resident_id)
    clerk = search(world, "clerk", case.number).json()
    assert clerk["items"][0]["applicant_resident_id"] == applicant.resident_id


def test_it_never_finds_outside_the_jurisdiction_or_when_recused(world: World) -> None:
    case = apply(world)
    assert ids(search(world, "outsider", case.number)) == []
    CaseRecusal.objects.create(case=case, user=world["reviewer"], reason="近亲属")
    assert ids(search(world, "reviewer", case.number)) == []
    assert ids(search(world, "auditor", case.number)) == [case.household_id]


def test_it_is_missing_for_policy_staff_and_refused_without_a_role_or_to_systems(
    world: World,
) -> None:
    assert search(world, "policy", "张三").status_code == 404
    nobody = User.objects.create_user("nobody")
    response = bearer(Client(), staff_token(nobody), "get", "/api/v1/search?q=张三")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    system = system_token("poverty_registry", world.county)
    assert bearer(Client(), system, "get", "/api/v1/search?q=张三").status_code == 403


def test_it_refuses_bad_queries_with_422_in_both_languages(world: World) -> None:
    chinese = search(world, "clerk", "7")
    assert chinese.status_code == 422 and chinese["Content-Type"] == "application/problem+json"
    assert chinese.json()["errors"] == [
        {"field": "q", "message": "请至少输入两位数字或字母，或输入姓名。"}
    ]
    english = search(world, "clerk", "x" * 41, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    assert english.json()["errors"][0]["field"] == "q"
    assert "40" in english.json()["errors"][0]["message"]
    assert search(world, "clerk", "50%").status_code == 422
    missing = bearer(Client(), staff_token(world["clerk"]), "get", "/api/v1/search")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "q"


def test_it_answers_405_to_a_wrong_method(world: World) -> None:
    response = bearer(Client(), staff_token(world["clerk"]), "post", "/api/v1/search?q=张三")
    assert response.status_code == 405


def test_it_searches_in_a_fixed_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = staff_token(world["clerk"])
    apply(world)
    bearer(Client(), token, "get", "/api/v1/search?q=成员")
    with CaptureQueriesContext(connection) as few:
        assert len(bearer(Client(), token, "get", "/api/v1/search?q=成员").json()["items"]) == 1
    for _ in range(5):
        apply(world)
    with CaptureQueriesContext(connection) as many:
        assert len(bearer(Client(), token, "get", "/api/v1/search?q=成员").json()["items"]) == 6
    assert len(many) == len(few)
