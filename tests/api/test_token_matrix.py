"""The token permission matrix: every system kind (and a staff member's token) × every
operation of the served schema × inside and outside the account's region.

Operations are read from /api/v1/openapi.json when the tests are collected, so every router
joins the matrix as soon as it is mounted. Each declares the scope it needs (`x-doudi-scope`):
a caller whose token lacks it is refused with 403 problem+json, whatever it sends; a caller
that has it is let through (what it then gets, 200, 404 or 422, is its endpoint's business,
tested with the endpoint).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from api.models import KIND_SCOPES, STAFF_SCOPE, SystemKind
from assistance.models import Region, RegionLevel
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import World, make_region

SCHEMA_PATH = "/api/v1/openapi.json"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def served_operations() -> list[tuple[str, str, dict[str, Any]]]:
    # Collection runs before pytest-django lets "testserver" in; the app serves localhost.
    schema = Client(HTTP_HOST="localhost").get(SCHEMA_PATH).json()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


OPERATIONS = served_operations()


@dataclass(frozen=True)
class Caller:
    label: str
    token: str
    scopes: frozenset[str]


def callers(world: World) -> list[Caller]:
    elsewhere = other_county(world)
    found = [Caller("staff (clerk)", staff_token(world["clerk"]), frozenset({STAFF_SCOPE}))]
    for kind in SystemKind:
        scopes = KIND_SCOPES[kind]
        for where, region in (("inside", world.county), ("outside", elsewhere)):
            token = system_token(kind, region, username=f"m-{kind}-{where}")
            found.append(Caller(f"{kind} {where}", token, frozenset(scopes)))
        if len(scopes) > 1:
            # A token carrying part of its kind's scopes has only that part.
            for scope in scopes:
                token = system_token(
                    kind, world.county, scopes=[scope], username=f"m-{kind}-only-{scope}"
                )
                found.append(Caller(f"{kind} only {scope}", token, frozenset({scope})))
    return found


def other_county(world: World) -> Region:
    city = make_region("431200", "邻市", RegionLevel.CITY, world.province)
    return make_region("431202", "邻县", RegionLevel.COUNTY, city)


def admitted(scope: str, caller: Caller) -> bool:
    return scope == "any" or scope in caller.scopes


def send(caller: Caller, method: str, path: str, operation: dict[str, Any]) -> Any:
    """The operation on an id that may not exist, with an empty body: the scope is checked
    before anything the caller sends is read."""
    url = path
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            url = url.replace("{" + parameter["name"] + "}", "1")
    extra: dict[str, Any] = {}
    if method in ("POST", "PUT", "PATCH"):
        extra = {"data": json.dumps({}), "content_type": "application/json"}
    return bearer(Client(), caller.token, method, url, **extra)


def test_it_collected_the_served_operations() -> None:
    assert len(OPERATIONS) >= 14
    assert ("GET", "/api/v1/tasks") in {(method, path) for method, path, _ in OPERATIONS}


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_it_declares_a_known_scope(method: str, path: str, operation: dict[str, Any]) -> None:
    known = {"any", STAFF_SCOPE} | {scope for scopes in KIND_SCOPES.values() for scope in scopes}
    assert operation.get("x-doudi-scope") in known, f"{method} {path} declares no known scope"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_it_lets_through_exactly_the_tokens_with_the_operations_scope(
    world: World, method: str, path: str, operation: dict[str, Any]
) -> None:
    scope = operation.get("x-doudi-scope", "")
    wrong: list[str] = []
    for caller in callers(world):
        response = send(caller, method, path, operation)
        if admitted(scope, caller):
            if response.status_code in (401, 403):
                wrong.append(f"{caller.label}: {response.status_code}, expected to be let through")
        elif response.status_code != 403 or (
            response["Content-Type"] != "application/problem+json"
            or response.json()["code"] != "permission_denied"
        ):
            wrong.append(f"{caller.label}: {response.status_code}, expected 403 problem+json")
    assert wrong == [], f"{method} {path} (scope {scope}):\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_it_serves_the_operations_it_collected(client: Client) -> None:
    assert served_operations() == OPERATIONS
