"""Referring a request to another department (转介)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.models import AuditEvent
from onewindow.models import Disposition
from tests.onewindow.helpers import open_tasks, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "window_deployed")]


def url(request_id: int) -> str:
    return reverse("onewindow:refer", args=[request_id])


def test_it_refers_and_starts_the_tracking(client, world):
    request = register(world)
    client.force_login(world["clerk"])
    response = client.post(url(request.pk), {"department": "hrss", "note": "请办理失业登记"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.disposition, request.department) == (Disposition.REFERRED, "hrss")
    case = request.case
    assert case.assistance_type == "referral" and case.region == world.village_a1
    # The person is now on record: the queue and later applications find them.
    assert case.household.members.get().resident_id == request.resident_id
    assert open_tasks(case) == ["send_referral"]
    assert AuditEvent.objects.filter(case=case, action="window.referred").exists()


def test_it_refuses_a_wrong_method(client, world):
    request = register(world)
    client.force_login(world["clerk"])
    assert client.get(url(request.pk)).status_code == 405


def test_it_hides_the_request_from_outsiders(client, world):
    request = register(world)
    client.force_login(world["outsider"])
    assert client.post(url(request.pk), {"department": "hrss"}).status_code == 404
    request.refresh_from_db()
    assert request.disposition == Disposition.OPEN


def test_it_refuses_readers(client, world):
    request = register(world)
    for user in ("auditor", "reviewer"):
        client.force_login(world[user])
        assert client.post(url(request.pk), {"department": "hrss"}).status_code == 403


def test_it_refuses_an_unknown_department_and_a_second_referral(client, world):
    request = register(world)
    client.force_login(world["clerk"])
    response = client.post(url(request.pk), {"department": "nowhere"})
    assert response.status_code == 400
    assert "nowhere" in response.content.decode()
    request.refresh_from_db()
    assert request.case is None
    client.post(url(request.pk), {"department": "hrss"})
    response = client.post(url(request.pk), {"department": "education"})
    assert response.status_code == 400
    assert "该求助事项已经处理" in response.content.decode()
