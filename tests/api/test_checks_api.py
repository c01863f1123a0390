"""/api/v1/checks/…: the check centre reads the open requests of its region and posts its
reports; inside and outside its scope and region."""

from __future__ import annotations

import pytest
from django.test import Client

from exchanges.models import CheckStatus
from tests.api.helpers import bearer, staff_token, system_token
from tests.exchanges.helpers import request_of, waiting_case
from tests.fixtures import deploy_only, make_region
from tests.workflows.dibao import open_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "dibao_deployed")]

REQUESTS = "/api/v1/checks/requests"
RESULTS = "/api/v1/checks/results"


@pytest.fixture
def dibao_deployed(world):
    deploy_only("dibao.bpmn", actor=world["policy"])


def report(number: str, **values: object) -> dict[str, object]:
    return {"request": number, "result": "eligible", "report_no": "HD-9", **values}


def post(token: str, body: dict[str, object], **headers: str):
    return bearer(
        Client(), token, "post", RESULTS, data=body, content_type="application/json", **headers
    )


def test_it_lists_the_open_requests_of_the_centres_county(world):
    case = waiting_case(world)
    token = system_token("check_centre", world.county)
    body = bearer(Client(), token, "get", REQUESTS).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["number"], item["case_number"], item["process"], item["round"]) == (
        request_of(case).number,
        case.number,
        "dibao",
        1,
    )
    applicant = case.household.members.get(is_applicant=True)
    assert {m["resident_id"] for m in item["members"]} >= {applicant.resident_id}
    assert item["due_date"] == case.waits.get().due_date.isoformat()


def test_it_records_a_report_once_and_takes_it_again_as_a_duplicate(world):
    case = waiting_case(world)
    token = system_token("check_centre", world.county)
    first = post(token, report(request_of(case).number))
    assert first.status_code == 200 and first.json()["status"] == "recorded"
    assert open_tasks(case) == ["investigate"]
    again = post(token, report(request_of(case).number))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    other = post(token, report(request_of(case).number, result="ineligible", reasons="有车"))
    assert other.status_code == 409
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["code"] == "conflict" and "已有回复" in other.json()["detail"]
    assert request_of(case).status == CheckStatus.ANSWERED
    assert bearer(Client(), token, "get", REQUESTS).json()["count"] == 0


def test_it_refuses_bad_reports_in_the_callers_language(world):
    case = waiting_case(world)
    token = system_token("check_centre", world.county)
    bad = post(token, report(request_of(case).number, result="maybe"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "result"
    no_reasons = post(
        token, report(request_of(case).number, result="ineligible"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert no_reasons.status_code == 400 and "reasons" in no_reasons.json()["detail"]
    assert request_of(case).status == CheckStatus.PENDING


def test_it_hides_requests_outside_the_centres_region(world):
    case = waiting_case(world)
    neighbour = make_region("431200", "邻县", "county", world.province)
    token = system_token("check_centre", neighbour)
    assert bearer(Client(), token, "get", REQUESTS).json()["count"] == 0
    missing = post(token, report(request_of(case).number))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert request_of(case).status == CheckStatus.PENDING


@pytest.mark.parametrize(
    "caller", ["bank", "civil_registry", "poverty_registry", "no_scope", "staff"]
)
def test_it_refuses_callers_without_the_checks_scope(world, caller):
    case = waiting_case(world)
    if caller == "staff":
        token = staff_token(world["checker"])
    elif caller == "no_scope":
        token = system_token("check_centre", world.county, scopes=[])
    else:
        token = system_token(caller, world.county)
    assert bearer(Client(), token, "get", REQUESTS).status_code == 403
    response = post(token, report(request_of(case).number))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Client().get(REQUESTS).status_code == 401
    assert request_of(case).status == CheckStatus.PENDING
