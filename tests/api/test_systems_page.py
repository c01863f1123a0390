"""The outside systems' accounts: a superuser creates them, issues scoped tokens, revokes them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from api.models import ApiToken, SystemAccount
from engine.models import AuditEvent
from tests.api.helpers import bearer, system_account
from tests.fixtures import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

PAGE = "/api/systems/"


@pytest.fixture
def admin(world: World) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw-root-12345"))
    return client


def secret_of(response: object) -> str:
    page = response.content.decode()  # type: ignore[attr-defined]
    return page.split("data-secret>")[1].split("<")[0] if "data-secret>" in page else ""


def test_it_creates_an_account_that_cannot_sign_in(world: World, admin: Client) -> None:
    response = admin.post(
        PAGE, {"kind": "check_centre", "region": world.county.pk, "name": "县核对中心"}
    )
    assert response.status_code == 302
    account = SystemAccount.objects.get()
    assert account.kind == "check_centre" and account.region == world.county
    assert not account.user.has_usable_password() and not account.user.groups.exists()
    event = AuditEvent.objects.get(action="api.system_created")
    assert event.payload["kind"] == "check_centre" and event.region_id == world.county.pk
    page = admin.get(PAGE).content.decode()
    assert "县核对中心" in page and "经济状况核对" in page


def test_it_wants_to_know_which_department(world: World, admin: Client) -> None:
    data = {"kind": "department", "region": world.county.pk, "name": "县医保局"}
    response = admin.post(PAGE, data)
    assert response.status_code == 200 and "哪个部门" in response.content.decode()
    assert not SystemAccount.objects.exists()
    assert admin.post(PAGE, {**data, "department": "medical_insurance"}).status_code == 302
    assert SystemAccount.objects.get().department == "medical_insurance"
    # Another kind keeps no department, whatever was posted.
    admin.post(
        PAGE, {"kind": "bank", "region": world.county.pk, "name": "银行", "department": "hrss"}
    )
    assert SystemAccount.objects.get(kind="bank").department == ""


def test_it_wants_a_county_for_a_check_centre_or_a_bank(world: World, admin: Client) -> None:
    response = admin.post(PAGE, {"kind": "bank", "region": world.township_a.pk, "name": "银行"})
    assert response.status_code == 200 and "选择一个县" in response.content.decode()
    response = admin.post(PAGE, {"kind": "nonsense", "region": world.county.pk, "name": "x"})
    assert response.status_code == 200
    assert not SystemAccount.objects.exists()


def test_it_issues_a_scoped_token_shown_once_and_revokes_it(world: World, admin: Client) -> None:
    account = system_account("department", world.county)
    prefix = f"a{account.pk}"
    response = admin.post(
        reverse("api-system-token", args=[account.pk]),
        {f"{prefix}-name": "人社对接", f"{prefix}-scopes": ["events"]},
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = secret_of(response)
    assert secret.startswith("ddt_") and secret not in admin.get(PAGE).content.decode()
    token = ApiToken.objects.get(user=account.user)
    assert token.scopes == ["events"]
    me = bearer(Client(), secret, "get", "/api/v1/me").json()
    assert me["system_kind"] == "department" and me["scopes"] == ["events"]
    assert AuditEvent.objects.get(action="api.token_created").actor.username == "root"
    assert admin.post(reverse("api-system-token-revoke", args=[token.pk])).status_code == 302
    assert bearer(Client(), secret, "get", "/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="api.token_revoked").exists()


def test_it_refuses_scopes_outside_the_kind_and_an_empty_choice(
    world: World, admin: Client
) -> None:
    account = system_account("bank", world.county)
    prefix = f"a{account.pk}"
    url = reverse("api-system-token", args=[account.pk])
    for scopes in (["checks"], []):
        response = admin.post(url, {f"{prefix}-name": "x", f"{prefix}-scopes": scopes}, follow=True)
        assert response.status_code == 200 and not secret_of(response)
    assert not ApiToken.objects.exists()


def test_it_does_not_exist_for_anyone_but_a_superuser(world: World) -> None:
    account = system_account("bank", world.county)
    for username in ("clerk", "approver", "auditor", "policy", "outsider"):
        client = Client()
        client.force_login(world[username])
        assert client.get(PAGE).status_code == 404, username
        assert client.post(PAGE, {"kind": "bank"}).status_code == 404
        assert client.post(reverse("api-system-token", args=[account.pk])).status_code == 404
    assert not ApiToken.objects.exists()


def test_it_does_not_revoke_personal_tokens_from_this_page(world: World, admin: Client) -> None:
    from tests.api.helpers import staff_token

    staff_token(world["clerk"])
    token = ApiToken.objects.get(user=world["clerk"])
    assert admin.post(reverse("api-system-token-revoke", args=[token.pk])).status_code == 404
    assert admin.post(reverse("api-system-token", args=[99999])).status_code == 404


def test_it_answers_405_to_a_wrong_method(world: World, admin: Client) -> None:
    assert admin.delete(PAGE).status_code == 405
    account = system_account("bank", world.county)
    assert admin.get(reverse("api-system-token", args=[account.pk])).status_code == 405


def test_it_lists_accounts_in_a_fixed_number_of_queries(world: World, admin: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from api.tokens import make_token

    first = system_account("bank", world.county)
    make_token(first.user, name="t", scopes=["payments"])
    admin.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        admin.get(PAGE)
    for kind in ("check_centre", "civil_registry", "department"):
        account = system_account(kind, world.county)
        make_token(account.user, name="t", scopes=[])
    with CaptureQueriesContext(connection) as many:
        assert admin.get(PAGE).content.decode().count("data-account=") == 4
    assert len(many) == len(few)
