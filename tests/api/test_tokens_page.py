"""我的接口令牌: a staff member makes, sees once, uses and revokes their personal tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from engine.clock import clock
from engine.models import AuditEvent
from tests.api.helpers import bearer, staff_token
from tests.fixtures import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

PAGE = "/api/tokens/"


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world[username])
    return client


def make(client: Client, name: str = "表格", last_day: str = "") -> tuple[object, str]:
    response = client.post(PAGE, {"name": name, "last_day": last_day})
    page = response.content.decode()
    secret = page.split("data-secret>")[1].split("<")[0] if "data-secret>" in page else ""
    return response, secret


def test_it_makes_a_token_shows_it_once_and_it_works(world: World) -> None:
    client = signed_in(world, "clerk")
    page = client.get(PAGE)
    assert page.status_code == 200
    body = page.content.decode()
    assert "我的接口令牌" in body and "/api/v1/docs" in body and "Authorization: Bearer" in body
    response, secret = make(client)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert secret.startswith("ddt_")
    token = ApiToken.objects.get(user=world["clerk"])
    assert token.name == "表格" and token.scopes == ["staff"] and token.expires_at is None
    assert secret not in client.get(PAGE).content.decode()  # shown once
    assert bearer(Client(), secret, "get", "/api/v1/me").json()["username"] == "clerk"
    event = AuditEvent.objects.get(action="api.token_created")
    assert event.actor == world["clerk"] and event.payload["token"] == token.prefix
    assert secret not in str(event.payload)


def test_it_makes_a_token_that_ends_after_its_last_day(world: World) -> None:
    client = signed_in(world, "clerk")
    last_day = clock.today() + timedelta(days=2)
    _response, secret = make(client, last_day=last_day.isoformat())
    token = ApiToken.objects.get(user=world["clerk"])
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).date() == last_day + timedelta(days=1)
    assert bearer(Client(), secret, "get", "/api/v1/me").status_code == 200
    clock.advance(timedelta(days=3))
    assert bearer(Client(), secret, "get", "/api/v1/me").status_code == 401
    assert "已过期" in client.get(PAGE).content.decode()


def test_it_refuses_a_last_day_in_the_past_and_a_missing_name(world: World) -> None:
    client = signed_in(world, "clerk")
    response, secret = make(client, last_day=(clock.today() - timedelta(days=1)).isoformat())
    assert response.status_code == 200 and not secret
    assert "不能早于今天" in response.content.decode()
    response, secret = make(client, name="")
    assert not secret and "此项为必填项" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token_and_the_api_then_refuses_it(world: World) -> None:
    client = signed_in(world, "clerk")
    _response, secret = make(client)
    token = ApiToken.objects.get(user=world["clerk"])
    response = client.post(reverse("api-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert bearer(Client(), secret, "get", "/api/v1/me").status_code == 401
    assert "已撤销" in client.get(PAGE).content.decode()
    assert AuditEvent.objects.filter(action="api.token_revoked", actor=world["clerk"]).exists()
    again = client.post(reverse("api-token-revoke", args=[token.pk]), follow=True)
    assert "已经撤销" in again.content.decode()


def test_it_lists_only_ones_own_tokens_and_hides_the_others(world: World) -> None:
    other = staff_token(world["outsider"], "别人的")
    token = ApiToken.objects.get(user=world["outsider"])
    client = signed_in(world, "clerk")
    assert "别人的" not in client.get(PAGE).content.decode()
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    assert bearer(Client(), other, "get", "/api/v1/me").status_code == 200


def test_it_gives_read_only_roles_a_token_that_reads(world: World) -> None:
    # An auditor's token reads what the auditor reads (their writes: 403, tests/api/test_tasks).
    client = signed_in(world, "auditor")
    _response, secret = make(client)
    assert bearer(Client(), secret, "get", "/api/v1/cases").status_code == 200


def test_it_refuses_accounts_without_a_role_and_anonymous_visitors(world: World) -> None:
    nobody = User.objects.create_user("nobody", password="pw-nobody-1234")
    client = Client()
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    client.force_login(nobody)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_it_answers_405_to_a_wrong_method(world: World) -> None:
    client = signed_in(world, "clerk")
    assert client.put(PAGE).status_code == 405
    staff_token(world["clerk"])
    token = ApiToken.objects.get(user=world["clerk"])
    assert client.get(reverse("api-token-revoke", args=[token.pk])).status_code == 405


def test_it_links_the_page_from_the_header_for_staff_only(world: World) -> None:
    assert PAGE in signed_in(world, "clerk").get("/relatives/").content.decode()
    admin = User.objects.create_superuser("root", password="pw-root-12345")
    client = Client()
    client.force_login(admin)
    home = client.get("/").content.decode()
    assert PAGE not in home and "/api/systems/" in home


def test_it_lists_tokens_in_a_fixed_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world, "clerk")
    staff_token(world["clerk"], "one")
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for n in range(5):
        staff_token(world["clerk"], f"more {n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(PAGE).content.decode().count("data-token=") == 6
    assert len(many) == len(few)
