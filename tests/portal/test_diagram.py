"""The case's process diagram data: the path taken and the step under way."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.workflows.dibao import accept, apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def test_it_marks_done_and_active_steps(client, world):
    case = apply(world)
    accept(world, case)
    client.force_login(world["auditor"])
    data = client.get(reverse("case-diagram", args=[case.pk])).json()
    assert data["xml"].startswith("<?xml") and 'id="dibao"' in data["xml"]
    assert {"start", "acceptance", "gw_accept", "accepted"} <= set(data["completed"])
    # The check runs in a called stage: its call box is what is active on the main diagram.
    assert data["active"] == ["economic_check"]


def test_it_keeps_the_diagram_inside_jurisdiction(client, world):
    case = apply(world)
    client.force_login(world["outsider"])
    assert client.get(reverse("case-diagram", args=[case.pk])).status_code == 404
    client.force_login(world["clerk"])
    assert client.post(reverse("case-diagram", args=[case.pk])).status_code == 405
