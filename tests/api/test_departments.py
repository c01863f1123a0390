"""The departments' endpoints: outbound events pulled by cursor (scope "events") and
referrals sent to the window (scope "referrals"), each inside and outside its scope."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.test import Client

from api.models import SystemAccount
from assistance.models import Case, Household, RegionLevel
from engine.clock import clock
from engine.models import AuditEvent
from onewindow.models import Channel, HelpRequest
from outbound.models import Event
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import make_region
from tests.onewindow.helpers import person_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

EVENTS = "/api/v1/departments/events"
REFERRALS = "/api/v1/departments/referrals"
ACCOUNTS = itertools.count()


def department_token(world, *, scopes=None, department="hrss", region=None) -> str:
    username = f"dept-{next(ACCOUNTS)}"
    token = system_token("department", region or world.county, scopes=scopes, username=username)
    SystemAccount.objects.filter(user__username=username).update(department=department)
    return token


def case_in(region, number: str) -> Case:
    household = Household.objects.create(region=region, address="", hukou="rural")
    return Case.objects.create(
        number=number, assistance_type="dibao", household=household, region=region
    )


def event(case: Case, kind: str = "case.confirmed", **payload) -> Event:
    return Event.objects.create(
        type=kind, case=case, region=case.region, payload={"case_number": case.number, **payload}
    )


@pytest.fixture
def events(world):
    """Two case events and a referral to 人社 in the county, a referral to 教育 and an event
    in the county next door; then time for them to settle."""
    next_door = make_region("431200", "邻县", RegionLevel.COUNTY, world.province)
    here = case_in(world.village_a1, "DB-1")
    made = {
        "confirmed": event(here),
        "refused": event(case_in(world.village_b1, "DB-2"), "case.refused"),
        "hrss": event(case_in(world.village_a1, "ZJ-1"), "referral.sent", department="hrss"),
        "education": event(
            case_in(world.village_a1, "ZJ-2"), "referral.sent", department="education"
        ),
        "next_door": event(case_in(next_door, "DB-3")),
    }
    clock.advance(timedelta(minutes=1))
    return made


def test_it_pages_the_events_of_its_region_by_cursor(world, events):
    token = department_token(world)
    first = bearer(Client(), token, "get", EVENTS, data={"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == [
        str(events["confirmed"].uid),
        str(events["refused"].uid),
    ]
    assert first["more"] is True
    assert first["items"][0]["data"] == {"case_number": "DB-1"}
    rest = bearer(Client(), token, "get", EVENTS, data={"after": first["next_after"]}).json()
    assert [item["id"] for item in rest["items"]] == [str(events["hrss"].uid)]
    assert rest["more"] is False
    done = bearer(Client(), token, "get", EVENTS, data={"after": rest["next_after"]}).json()
    assert done == {"items": [], "next_after": rest["next_after"], "more": False}


def test_it_shows_referrals_only_to_their_department(world, events):
    token = department_token(world, department="education")
    body = bearer(Client(), token, "get", EVENTS, data={"type": "referral.sent"}).json()
    assert [item["id"] for item in body["items"]] == [str(events["education"].uid)]
    nameless = department_token(world, department="")
    body = bearer(Client(), nameless, "get", EVENTS, data={"type": "referral.sent"}).json()
    assert body["items"] == []


def test_it_keeps_to_a_smaller_region(world, events):
    token = department_token(world, region=world.township_b)
    body = bearer(Client(), token, "get", EVENTS).json()
    assert [item["id"] for item in body["items"]] == [str(events["refused"].uid)]


def test_it_serves_an_event_once_it_has_settled(world, tiny_case):
    token = department_token(world)
    fresh = event(tiny_case)
    assert bearer(Client(), token, "get", EVENTS).json()["items"] == []
    clock.advance(timedelta(seconds=31))
    assert bearer(Client(), token, "get", EVENTS).json()["items"][0]["id"] == str(fresh.uid)


def test_it_refuses_events_outside_the_tokens_scope(world, events):
    only_referrals = department_token(world, scopes=["referrals"])
    assert bearer(Client(), only_referrals, "get", EVENTS).status_code == 403
    for token in (
        staff_token(world["approver"]),
        system_token("bank", world.county),
        system_token("check_centre", world.county),
    ):
        response = bearer(Client(), token, "get", EVENTS)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
    assert Client().get(EVENTS).status_code == 401


def test_it_explains_a_bad_cursor(world):
    token = department_token(world)
    for params in ({"after": -1}, {"after": "x"}, {"limit": 0}, {"type": "case.deleted"}):
        response = bearer(Client(), token, "get", EVENTS, data=params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "validation_error"


def referral(**changes):
    return {
        "reference": "RS-0001",
        "need": "失业人员，家庭困难，请核查是否符合低保条件。",
        "name": "钱大勇",
        "resident_id": person_id(),
        "phone": "13800000000",
        "region_code": "",
        **changes,
    }


def post(token, body):
    return bearer(Client(), token, "post", REFERRALS, data=body, content_type="application/json")


def test_it_registers_a_referral_once(world):
    token = department_token(world, scopes=["referrals"])
    created = post(token, referral(region_code=world.village_a2.code))
    assert created.status_code == 201
    assert created.json()["outcome"] == "recorded"
    request = HelpRequest.objects.get()
    assert created.json() == {
        "outcome": "recorded",
        "request_number": request.number,
        "region_code": world.village_a2.code,
    }
    assert (request.channel, request.referred_by, request.external_ref) == (
        Channel.DEPARTMENT,
        "hrss",
        "RS-0001",
    )
    account = SystemAccount.objects.get(kind="department")
    received = AuditEvent.objects.get(action="window.referral_received")
    assert (received.actor, received.role) == (account.user, "system:department")

    again = post(token, referral(region_code=world.village_a2.code, need="再次发送"))
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert HelpRequest.objects.count() == 1


def test_it_refuses_a_referral_outside_its_region_or_scope(world):
    township = department_token(world, region=world.township_a)
    assert post(township, referral(region_code=world.village_b1.code)).status_code == 404
    events_only = department_token(world, scopes=["events"])
    assert post(events_only, referral(region_code=world.village_a1.code)).status_code == 403
    assert post(staff_token(world["clerk"]), referral()).status_code == 403
    assert post(system_token("civil_registry", world.province), referral()).status_code == 403
    nameless = department_token(world, department="")
    response = post(nameless, referral(region_code=world.village_a1.code))
    assert response.status_code == 403
    assert not HelpRequest.objects.exists()


def test_it_explains_a_referral_it_cannot_register(world):
    token = department_token(world)
    unknown = post(token, referral())
    assert unknown.status_code == 400
    assert "行政区划代码" in unknown.json()["detail"]
    english = bearer(
        Client(),
        token,
        "post",
        REFERRALS + "?lang=en",
        data=referral(),
        content_type="application/json",
    )
    assert "not on record" in english.json()["detail"]
    missing = post(token, {"reference": "X"})
    assert missing.status_code == 422
    assert [error["field"].rsplit(".", 1)[-1] for error in missing.json()["errors"]] == ["need"]
    assert not HelpRequest.objects.exists()
