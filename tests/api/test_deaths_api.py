"""/api/v1/deaths: the civil registry posts death records, one or a batch, with an outcome
per record; inside and outside its scope and region."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from assistance.models import DeathRecord
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import make_region
from tests.workflows.dibao import open_tasks, resident_id
from tests.workflows.exit import active_case, deploy_processes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

DEATHS = "/api/v1/deaths"


def post(token: str, *records: dict[str, str]):
    body = {"records": list(records)}
    return bearer(Client(), token, "post", DEATHS, data=body, content_type="application/json")


def record(number: str, day: str = "2026-02-27", source: str = "医院") -> dict[str, str]:
    return {"resident_id": number, "died_on": day, "source": source}


def test_it_records_a_batch_with_an_outcome_per_record(world):
    deploy_processes(world, "exit.bpmn")
    case = active_case(world, "tekun")
    subject = case.household.members.order_by("pk").first().resident_id
    token = system_token("civil_registry", world.province)
    response = post(
        token,
        record(subject),
        record(subject),
        record(subject, day="2026-02-20"),
        record("123", source="公安"),
    )
    assert response.status_code == 200
    body = response.json()
    assert [item["status"] for item in body["items"]] == [
        "recorded",
        "duplicate",
        "rejected",
        "rejected",
    ]
    assert (body["recorded"], body["duplicate"], body["rejected"]) == (1, 1, 2)
    assert "2026-02-27" in body["items"][2]["message"]
    assert open_tasks(case) == ["county_approval"]
    assert post(token, record(subject)).json()["items"][0]["status"] == "duplicate"


def test_it_refuses_people_registered_outside_the_accounts_region(world):
    neighbour = make_region("431200", "邻县", "county", world.province)
    token = system_token("civil_registry", neighbour)
    case = active_case(world, "elderly")
    subject = case.household.members.order_by("pk").first().resident_id
    body = post(token, record(subject)).json()
    assert body["items"][0]["status"] == "rejected"
    assert not DeathRecord.objects.exists()


def test_it_refuses_a_malformed_batch(world):
    token = system_token("civil_registry", world.province)
    assert post(token).status_code == 422
    too_many = [record(resident_id(date(1940, 1, 1))) for _ in range(501)]
    assert post(token, *too_many).status_code == 422
    bad_day = post(token, record(resident_id(date(1940, 1, 1)), day="2026/02/27"))
    assert bad_day.status_code == 422 and "records" in bad_day.json()["errors"][0]["field"]


@pytest.mark.parametrize("caller", ["check_centre", "bank", "no_scope", "staff"])
def test_it_refuses_callers_without_the_deaths_scope(world, caller):
    if caller == "staff":
        token = staff_token(world["approver"])
    elif caller == "no_scope":
        token = system_token("civil_registry", world.province, scopes=[])
    else:
        token = system_token(caller, world.county)
    response = post(token, record(resident_id(date(1940, 1, 1))))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Client().post(DEATHS, data={}, content_type="application/json").status_code == 401
    assert not DeathRecord.objects.exists()
