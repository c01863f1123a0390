"""What the API refuses to read: NUL characters (PostgreSQL cannot store them) and bodies that
are not JSON, as clear problems rather than a crash."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.api.helpers import bearer, staff_token
from tests.fixtures import World
from tests.workflows.dibao import apply, task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def test_it_refuses_a_nul_character_in_a_query(world: World) -> None:
    token = staff_token(world["clerk"])
    for path in (
        "/api/v1/cases?number=a%00b",
        "/api/v1/search?q=%E5%BC%A0%00",
        "/api/v1/cases?x%00=1",
    ):
        response = bearer(Client(), token, "get", path)
        assert response.status_code == 400, path
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == "文本中不能含有 NUL 字符。"


def test_it_refuses_a_nul_character_anywhere_in_a_json_body(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    path = f"/api/v1/tasks/{acceptance.pk}/complete"
    body = {"acceptance_decision": "ineligible", "acceptance_reasons": ["ok", {"x\x00": 1}]}
    response = bearer(
        Client(),
        staff_token(world["clerk"]),
        "post",
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Text may not contain the NUL character."


def test_it_says_when_a_body_is_not_json(world: World) -> None:
    acceptance = task(apply(world), "acceptance")
    path = f"/api/v1/tasks/{acceptance.pk}/complete"
    token = staff_token(world["clerk"])
    for raw in ("{", "[" * 100_000):
        response = bearer(Client(), token, "post", path, data=raw, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"] == "请求体不是有效的 JSON。"
