"""/api/v1/bank/…: a bank reads the rosters sent to it and their lines, and posts the results
line by line; inside and outside its scope and region."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from payments.actions import do_approve_roster, do_build_roster, do_export_roster
from payments.models import LineStatus, RosterLine, RosterStatus
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import deploy_only, make_region
from tests.payments.roster_world import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture
def roster(world, django_capture_on_commit_callbacks):
    make_case(world.village_a1, name="李一")
    make_case(world.village_b1, name="王二")
    with django_capture_on_commit_callbacks(execute=True):
        built = do_build_roster(world.county.pk, date(2026, 3, 1), actor=world["finance"])
    do_approve_roster(built.pk, actor=world["finance"])
    do_approve_roster(built.pk, actor=world["finance2"])
    built.refresh_from_db()
    return built


def exported(world, roster):
    do_export_roster(roster.pk, "bank", actor=world["finance"])
    roster.refresh_from_db()
    return roster


def results(token: str, roster_id: int, *items: dict[str, object]):
    path = f"/api/v1/bank/rosters/{roster_id}/results"
    body = {"results": list(items)}
    return bearer(Client(), token, "post", path, data=body, content_type="application/json")


def test_it_serves_the_rosters_sent_to_the_bank_and_their_lines(world, roster):
    token = system_token("bank", world.county)
    assert bearer(Client(), token, "get", "/api/v1/bank/rosters").json() == []
    lines_path = f"/api/v1/bank/rosters/{roster.pk}/lines"
    assert bearer(Client(), token, "get", lines_path).status_code == 404
    exported(world, roster)
    listed = bearer(Client(), token, "get", "/api/v1/bank/rosters").json()
    assert [(r["id"], r["status"], r["line_count"]) for r in listed] == [(roster.pk, "exported", 2)]
    lines = bearer(Client(), token, "get", lines_path).json()
    assert lines["count"] == 2
    assert {line["payee_name"] for line in lines["items"]} == {"李一", "王二"}


def test_it_takes_results_line_by_line(world, roster):
    deploy_only("payment_failure.bpmn")
    exported(world, roster)
    first, second = RosterLine.objects.filter(roster=roster).order_by("pk")
    token = system_token("bank", world.county)
    body = results(
        token,
        roster.pk,
        {"line": first.pk, "result": "成功"},
        {"line": second.pk, "result": "失败", "reason": "户名不符"},
        {"line": first.pk, "result": "失败", "reason": "卡已注销"},
    ).json()
    assert [item["status"] for item in body["items"]] == ["recorded", "recorded", "rejected"]
    roster.refresh_from_db()
    assert roster.status == RosterStatus.SETTLED
    assert RosterLine.objects.get(pk=first.pk).status == LineStatus.PAID
    again = results(token, roster.pk, {"line": second.pk, "result": "失败", "reason": "户名不符"})
    assert again.json()["items"][0]["status"] == "duplicate"


def test_it_hides_rosters_outside_the_banks_region(world, roster):
    exported(world, roster)
    neighbour = make_region("431200", "邻县", "county", world.province)
    token = system_token("bank", neighbour)
    assert bearer(Client(), token, "get", "/api/v1/bank/rosters").json() == []
    line = RosterLine.objects.filter(roster=roster).first()
    response = results(token, roster.pk, {"line": line.pk, "result": "成功"})
    assert response.status_code == 404
    assert RosterLine.objects.get(pk=line.pk).status == LineStatus.PENDING


@pytest.mark.parametrize("caller", ["check_centre", "civil_registry", "no_scope", "staff"])
def test_it_refuses_callers_without_the_payments_scope(world, roster, caller):
    exported(world, roster)
    if caller == "staff":
        token = staff_token(world["finance"])
    elif caller == "no_scope":
        token = system_token("bank", world.county, scopes=[])
    else:
        token = system_token(caller, world.county)
    assert bearer(Client(), token, "get", "/api/v1/bank/rosters").status_code == 403
    lines = f"/api/v1/bank/rosters/{roster.pk}/lines"
    assert bearer(Client(), token, "get", lines).status_code == 403
    line = RosterLine.objects.filter(roster=roster).first()
    assert results(token, roster.pk, {"line": line.pk, "result": "成功"}).status_code == 403
    assert RosterLine.objects.get(pk=line.pk).status == LineStatus.PENDING
