"""Registering a request for help at the window."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.models import AuditEvent
from onewindow.models import HelpRequest
from tests.onewindow.helpers import person_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

URL = reverse("onewindow:new")


def form(world, **changes):
    return {
        "region": world.village_a1.pk,
        "name": "钱大勇",
        "resident_id": person_id(),
        "phone": "13800000000",
        "channel": "counter",
        "need": "失业后求职。",
        **changes,
    }


def test_it_registers_a_request_once(client, world):
    client.force_login(world["clerk"])
    page = client.get(URL)
    assert page.status_code == 200 and "登记求助事项" in page.content.decode()
    response = client.post(URL, form(world))
    request = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("onewindow:request", args=[request.pk])
    assert request.number == f"YC2026{request.pk:08d}"
    assert (request.name, request.registered_by) == ("钱大勇", world["clerk"])
    assert AuditEvent.objects.filter(action="window.request_registered").count() == 1


def test_it_refuses_a_wrong_method(client, world):
    client.force_login(world["clerk"])
    assert client.put(URL).status_code == 405


def test_it_does_not_exist_for_policy_staff_and_refuses_readers(client, world):
    client.force_login(world["policy"])
    assert client.get(URL).status_code == 404
    client.force_login(world["auditor"])
    assert client.get(URL).status_code == 403
    assert client.post(URL, form(world)).status_code == 403
    client.force_login(world["reviewer"])
    assert client.post(URL, form(world)).status_code == 403
    assert not HelpRequest.objects.exists()


def test_it_refuses_a_village_outside_the_window(client, world):
    client.force_login(world["outsider"])
    response = client.post(URL, form(world))
    assert response.status_code == 400
    assert not HelpRequest.objects.exists()


def test_it_explains_bad_input(client, world):
    client.force_login(world["clerk"])
    response = client.post(URL, form(world, resident_id="110105194912310021", need=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "此项为必填项" in page
    response = client.post(URL, form(world, resident_id="110105194912310021"))
    assert response.status_code == 400 and "校验位不正确" in response.content.decode()
    assert not HelpRequest.objects.exists()
