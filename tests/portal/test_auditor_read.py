"""An auditor who opens a case in the portal leaves the same read on the record as in the
auditors' workspace; staff opening it leave none."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from engine.models import AuditEvent
from tests.fixtures import World
from tests.workflows.dibao import apply


@pytest.mark.usefixtures("deployed")
def test_it_records_an_auditors_look_at_a_case_page(client: Client, world: World) -> None:
    case = apply(world)
    client.force_login(world["clerk"])
    assert client.get(reverse("case", args=[case.pk])).status_code == 200
    assert not AuditEvent.objects.filter(action="audit.case_viewed").exists()
    client.force_login(world["auditor"])
    assert client.get(reverse("case", args=[case.pk])).status_code == 200
    read = AuditEvent.objects.get(action="audit.case_viewed")
    assert (read.case_id, read.actor, read.payload) == (
        case.pk,
        world["auditor"],
        {"where": "portal"},
    )
