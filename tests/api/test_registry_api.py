"""/api/v1/registry/imports: the poverty-registration database sends a county's quarterly
extract (JSON rows or a file); the same extract again changes nothing; inside and outside its
scope and region."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exchanges.models import RegistryDifference, RegistryImport
from tests.api.helpers import bearer, staff_token, system_token
from tests.exchanges.registry_world import case_for, csv_file, person
from tests.fixtures import make_region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

ROWS = "/api/v1/registry/imports"
FILE = "/api/v1/registry/imports/file"


def send(token: str, body: dict[str, object]):
    return bearer(Client(), token, "post", ROWS, data=body, content_type="application/json")


@pytest.fixture
def extract(world):
    poor = person(world.village_a1, "甲")
    lifted = person(world.village_a2, "乙")
    case_for(lifted, registered_poor=True)
    return {
        "county": world.county.code,
        "quarter": "2026Q1",
        "rows": [
            {"resident_id": poor.resident_id, "name": "甲", "status": "贫困"},
            {"resident_id": lifted.resident_id, "name": "乙", "status": "已脱贫"},
            {"resident_id": "123", "name": "坏", "status": "贫困"},
        ],
    }


def test_it_compares_the_rows_once(world, extract):
    token = system_token("poverty_registry", world.province)
    response = send(token, extract)
    assert response.status_code == 200
    body = response.json()
    assert body["created"] and (body["not_covered"], body["not_eligible"]) == (1, 1)
    assert body["left_out"][0]["line"] == 3
    assert RegistryDifference.objects.count() == 2
    again = send(token, extract).json()
    assert not again["created"] and again["id"] == body["id"]
    assert RegistryDifference.objects.count() == 2


def test_it_takes_the_extract_as_a_file(world, extract):
    token = system_token("poverty_registry", world.county)
    rows = [(row["resident_id"], row["name"], row["status"]) for row in extract["rows"]]
    upload = SimpleUploadedFile("r.csv", csv_file(*rows), content_type="text/csv")
    response = bearer(
        Client(),
        token,
        "post",
        FILE,
        data={"county": world.county.code, "quarter": "2026Q1", "file": upload},
    )
    assert response.status_code == 200 and response.json()["new_differences"] == 2
    bad = SimpleUploadedFile("r.csv", b"x,y\n1,2\n", content_type="text/csv")
    refused = bearer(
        Client(),
        token,
        "post",
        FILE,
        data={"county": world.county.code, "quarter": "2026Q2", "file": bad},
    )
    assert refused.status_code == 400 and "第一行须写明各列" in refused.json()["detail"]


def test_it_refuses_counties_outside_the_accounts_region_and_bad_quarters(world, extract):
    neighbour = make_region("431200", "邻县", "county", world.province)
    token = system_token("poverty_registry", neighbour)
    assert send(token, extract).status_code == 404
    assert send(token, {**extract, "county": "999999"}).status_code == 404
    inside = system_token("poverty_registry", world.county, username="registry-inside")
    assert send(inside, {**extract, "quarter": "2026-1"}).status_code == 422
    assert not RegistryImport.objects.exists()


@pytest.mark.parametrize("caller", ["check_centre", "civil_registry", "no_scope", "staff"])
def test_it_refuses_callers_without_the_registry_scope(world, extract, caller):
    if caller == "staff":
        token = staff_token(world["approver"])
    elif caller == "no_scope":
        token = system_token("poverty_registry", world.province, scopes=[])
    else:
        token = system_token(caller, world.province)
    response = send(token, extract)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not RegistryImport.objects.exists()
