"""Paging bounds on every list: whatever numbers a caller sends, an answer, never a crash."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.helpers import bearer, staff_token
from tests.fixtures import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/tasks"])
def test_it_bounds_limit_and_offset(world: World, path: str) -> None:
    token = staff_token(world["clerk"])
    for query in (
        "limit=0",
        "limit=-5",
        "limit=100000000000000000000",
        "offset=-1",
        "offset=100000000000000000000",
    ):
        response = bearer(Client(), token, "get", f"{path}?{query}")
        assert response.status_code == 200, (query, response.content)
        body = response.json()
        assert 1 <= body["limit"] <= 200 and body["offset"] >= 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/{n}",
        "/api/v1/households/{n}",
        "/api/v1/tasks/{n}",
        "/api/v1/cases/{n}/evidence",
        "/api/v1/evidence/{n}",
    ],
)
def test_it_answers_404_to_ids_past_the_database_range(world: World, path: str) -> None:
    token = staff_token(world["clerk"])
    for n in ("100000000000000000000", "-1", "0"):
        response = bearer(Client(), token, "get", path.format(n=n))
        assert response.status_code == 404, (n, response.content)
