from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings

from api.models import ApiToken
from api.throttle import parse_rate
from engine.clock import clock
from engine.models import AuditEvent
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import World

pytestmark = pytest.mark.django_db


def test_it_knows_a_staff_member_by_their_token(world: World) -> None:
    token = staff_token(world["clerk"])
    response = bearer(Client(), token, "get", "/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "clerk"
    assert body["roles"] == ["township_clerk"]
    assert body["scopes"] == ["staff"]
    assert body["via"] == "token"


def test_it_knows_a_staff_member_by_their_session(world: World) -> None:
    client = Client()
    client.force_login(world["approver"])
    body = client.get("/api/v1/me").json()
    assert body["username"] == "approver"
    assert body["via"] == "session"


def test_it_refuses_a_session_post_without_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["clerk"])
    # Any unsafe call by session must carry the CSRF token, as in the portal.
    response = client.post("/api/v1/me")
    assert response.status_code in (403, 405)


def test_it_answers_401_as_problem_json_in_chinese_by_default(world: World) -> None:
    response = bearer(Client(), "ddt_abcdefgh_" + "0" * 32, "get", "/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["status"] == 401
    assert "令牌" in body["detail"]
    assert response["Content-Language"] == "zh-hans"


def test_it_answers_in_english_when_asked(world: World) -> None:
    response = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]
    assert Client().get("/api/v1/me?lang=en").json()["title"].startswith("Sign-in")


def test_it_refuses_revoked_and_expired_tokens(world: World) -> None:
    revoked = staff_token(world["clerk"], "revoked")
    expired = staff_token(world["clerk"], "expired")
    ApiToken.objects.filter(name="revoked").update(revoked_at=clock.now())
    ApiToken.objects.filter(name="expired").update(expires_at=clock.now() - timedelta(seconds=1))
    for token in (revoked, expired, revoked[:-1] + "x"):
        assert bearer(Client(), token, "get", "/api/v1/me").status_code == 401


def test_it_refuses_a_token_of_a_deactivated_user(world: World) -> None:
    token = staff_token(world["clerk"])
    world["clerk"].is_active = False
    world["clerk"].save()
    assert bearer(Client(), token, "get", "/api/v1/me").status_code == 401


def test_it_keeps_systems_off_the_staff_endpoints(world: World) -> None:
    token = system_token("check_centre", world.county)
    response = bearer(Client(), token, "get", "/api/v1/cases")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_it_never_gives_a_token_more_than_its_kind_allows(world: World) -> None:
    token = system_token("bank", world.county, scopes=["payments", "deaths", "staff"])
    assert bearer(Client(), token, "get", "/api/v1/me").json()["scopes"] == ["payments"]


def test_it_records_every_call_in_the_audit_trail(world: World) -> None:
    token = staff_token(world["clerk"])
    bearer(Client(), token, "get", "/api/v1/me")
    Client().get("/api/v1/cases/12345")
    calls = list(AuditEvent.objects.filter(action="api.call").order_by("seq"))
    assert [(c.payload["route"], c.payload["status"]) for c in calls] == [
        ("/api/v1/me", 200),
        ("/api/v1/cases/<case_id>", 401),
    ]
    assert calls[0].actor == world["clerk"]
    assert calls[1].actor is None
    assert calls[1].payload["case"] == 12345
    assert calls[1].case_id is None


@override_settings(API_RATE_STAFF="3/min")
def test_it_throttles_a_caller_past_their_rate(world: World) -> None:
    token = staff_token(world["clerk"])
    statuses = [bearer(Client(), token, "get", "/api/v1/me") for _ in range(4)]
    assert [response.status_code for response in statuses] == [200, 200, 200, 429]
    assert statuses[-1].json()["code"] == "throttled"
    assert int(statuses[-1]["Retry-After"]) >= 1


def test_it_reads_rates_strictly() -> None:
    assert parse_rate("600/min") == (600, 60)
    for bad in ("600", "x/min", "0/min", "10/fortnight"):
        with pytest.raises(ValueError):
            parse_rate(bad)
