"""Who is calling: a staff member (session or personal token) or an outside system (token).

`request.auth` is a `Caller` once ninja has authenticated the request. Endpoints then ask for
what they need: `staff_user(request)` for the staff endpoints, `system_caller(request, scope)`
for the exchanges. A system calling a staff endpoint, or a token lacking the scope, is
refused (403); a record outside the caller's jurisdiction is missing (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from api.models import STAFF_SCOPE, ApiToken, SystemAccount
from api.problems import ApiError
from api.tokens import find_token
from assistance.models import Region


@dataclass(frozen=True)
class Caller:
    user: User
    scopes: frozenset[str]
    system: SystemAccount | None
    via: str  # "session" or the token's prefix

    @property
    def role(self) -> str:
        return f"system:{self.system.kind}" if self.system is not None else ""


def _system_of(user: User) -> SystemAccount | None:
    return SystemAccount.objects.select_related("region").filter(user=user).first()


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found: ApiToken | None = find_token(token)
        if found is None:
            return None
        system = _system_of(found.user)
        scopes = set(found.scopes)
        # A token never carries more than its account may have, whatever its row says.
        scopes &= set(system.allowed_scopes) if system is not None else {STAFF_SCOPE}
        return Caller(found.user, frozenset(scopes), system, found.prefix)


class SessionAuth(APIKeyCookie):
    """The portal's own session: staff trying the API from the docs page or a page script.
    CSRF is checked on unsafe methods, as in the portal."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return None
        assert isinstance(user, User)
        return Caller(user, frozenset({STAFF_SCOPE}), None, "session")


def caller(request: HttpRequest) -> Caller:
    found = getattr(request, "auth", None)
    assert isinstance(found, Caller), "endpoint without authentication"
    return found


def staff_user(request: HttpRequest) -> User:
    """The staff member calling; their portal rights decide the rest (assistance.access)."""
    who = caller(request)
    if who.system is not None or STAFF_SCOPE not in who.scopes:
        raise ApiError(403, "permission_denied", _("This endpoint is for staff accounts."))
    return who.user


def system_caller(request: HttpRequest, scope: str) -> SystemAccount:
    """The outside system calling with a token that carries `scope`."""
    who = caller(request)
    if who.system is None or scope not in who.scopes:
        raise ApiError(
            403,
            "permission_denied",
            _("This token may not use this endpoint (it needs the scope “%(scope)s”).")
            % {"scope": scope},
        )
    return who.system


def in_system_region(system: SystemAccount, region: Region) -> bool:
    return region.path.startswith(system.region.path)
