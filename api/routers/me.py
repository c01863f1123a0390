"""Who am I: the caller, their roles or system kind, and their token's scopes."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from api.auth import caller
from api.schemas import ANYONE, ERRORS
from assistance.access import jurisdiction_paths, user_roles

router = Router(tags=["me"])


class Me(Schema):
    username: str
    name: str
    roles: list[str]
    system_kind: str | None
    region_paths: list[str]
    scopes: list[str]
    via: str


@router.get("/me", response={200: Me, **ERRORS}, summary="The caller", openapi_extra=ANYONE)
def me(request: HttpRequest) -> Me:
    who = caller(request)
    return Me(
        username=who.user.get_username(),
        name=who.user.get_full_name() or who.user.get_username(),
        roles=user_roles(who.user) if who.system is None else [],
        system_kind=who.system.kind if who.system is not None else None,
        region_paths=(
            jurisdiction_paths(who.user) if who.system is None else [who.system.region.path]
        ),
        scopes=sorted(who.scopes),
        via="session" if who.via == "session" else "token",
    )
