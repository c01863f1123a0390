"""Callers of the API for tests: staff personal tokens and system accounts' tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from api.models import KIND_SCOPES, STAFF_SCOPE, SystemAccount
from api.tokens import make_token
from assistance.models import Region
from engine.clock import clock


def staff_token(user: User, name: str = "test") -> str:
    return make_token(user, name=name, scopes=[STAFF_SCOPE]).secret


def system_account(kind: str, region: Region, username: str | None = None) -> SystemAccount:
    user = User.objects.create_user(username or f"sys-{kind}-{region.code}")
    user.set_unusable_password()
    user.save()
    return SystemAccount.objects.create(
        user=user, kind=kind, region=region, name=f"{kind} {region.name}", created_at=clock.now()
    )


def system_token(
    kind: str, region: Region, *, scopes: list[str] | None = None, username: str | None = None
) -> str:
    account = system_account(kind, region, username)
    return make_token(
        account.user, name="test", scopes=list(KIND_SCOPES[kind]) if scopes is None else scopes
    ).secret


def bearer(client: Client, token: str, method: str, path: str, **kwargs: Any) -> Any:
    call = getattr(client, method.lower())
    return call(path, HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)
