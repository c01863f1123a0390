"""A request's page: the person, what became of the request, its steps and their deadlines."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.onewindow.helpers import complain, profile, refer, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "window_deployed")]


def url(request_id: int) -> str:
    return reverse("onewindow:request", args=[request_id])


def test_it_shows_the_request_and_the_referral_it_became(client, world):
    case = refer(world)
    request = case.help_request
    client.force_login(world["clerk"])
    response = client.get(url(request.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "钱大勇" in page and case.number in page and "向部门发送转介函" in page
    assert "人力资源和社会保障（人社）" in page
    # Already handled: no forms to handle it again.
    assert reverse("onewindow:refer", args=[request.pk]) not in page


def test_it_offers_the_clerk_every_way_to_handle_an_open_request(client, world):
    request = register(world)
    client.force_login(world["clerk"])
    page = client.get(url(request.pk)).content.decode()
    for name in ("refer", "complaint", "close"):
        assert reverse(f"onewindow:{name}", args=[request.pk]) in page
    client.force_login(world["reviewer"])
    page = client.get(url(request.pk)).content.decode()
    assert reverse("onewindow:refer", args=[request.pk]) not in page


def test_it_refuses_a_wrong_method(client, world):
    request = register(world)
    client.force_login(world["clerk"])
    assert client.post(url(request.pk)).status_code == 405


def test_it_hides_the_request_from_outsiders_policy_staff_and_the_accused(client, world):
    accused = profile(world["investigator"], world.township_a, "张调查")
    case = complain(world, about=accused)
    for user in ("outsider", "policy", "investigator"):
        client.force_login(world[user])
        assert client.get(url(case.help_request.pk)).status_code == 404, user
    client.force_login(world["investigator2"])
    assert client.get(url(case.help_request.pk)).status_code == 200


def test_it_lets_auditors_read_it_without_forms(client, world):
    request = register(world)
    client.force_login(world["auditor"])
    response = client.get(url(request.pk))
    assert response.status_code == 200
    assert reverse("onewindow:refer", args=[request.pk]) not in response.content.decode()


def test_it_answers_404_for_a_request_that_does_not_exist(client, world):
    client.force_login(world["clerk"])
    assert client.get(url(999999)).status_code == 404
