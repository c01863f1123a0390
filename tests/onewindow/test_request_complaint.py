"""Registering a request as a complaint or petition (信访举报)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assistance.models import CaseRecusal
from onewindow.models import Disposition
from tests.onewindow.helpers import open_tasks, profile, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "window_deployed")]


def url(request_id: int) -> str:
    return reverse("onewindow:complaint", args=[request_id])


def test_it_registers_an_anonymous_complaint_about_a_staff_member(client, world):
    accused = profile(world["investigator"], world.township_a, "张调查")
    request = register(world)
    client.force_login(world["clerk"])
    response = client.post(url(request.pk), {"anonymous": "on", "subject_staff": accused.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.disposition == Disposition.COMPLAINT
    # Anonymous: nothing that names the complainant is kept.
    assert (request.name, request.resident_id, request.phone) == ("", "", "")
    case = request.case
    assert case.number.startswith("XF") and case.household.members.count() == 0
    assert CaseRecusal.objects.filter(case=case, user=accused).exists()
    assert open_tasks(case) == ["accept"]


def test_it_refuses_a_wrong_method(client, world):
    request = register(world)
    client.force_login(world["clerk"])
    assert client.get(url(request.pk)).status_code == 405


def test_it_hides_the_request_from_outsiders(client, world):
    request = register(world)
    client.force_login(world["outsider"])
    assert client.post(url(request.pk), {}).status_code == 404


def test_it_refuses_readers(client, world):
    request = register(world)
    client.force_login(world["auditor"])
    assert client.post(url(request.pk), {}).status_code == 403


def test_it_refuses_an_unknown_case_or_staff_member(client, world):
    outsider = profile(world["outsider"], world.township_b, "西镇受理")
    request = register(world)
    client.force_login(world["clerk"])
    response = client.post(url(request.pk), {"subject_case_number": "DB0000"})
    assert response.status_code == 400
    assert "您的辖区内没有这个编号的案件" in response.content.decode()
    # A staff member of another township is not among the choices.
    response = client.post(url(request.pk), {"subject_staff": outsider.pk})
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.disposition == Disposition.OPEN
