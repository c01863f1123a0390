"""The auditor's home (/audit/): where auditors land, what is in their scope, how to search."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.audit.search_world import make_case, other_county, province_auditor
from tests.fixtures import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

HOME = reverse("audit:home")


def counts(body: str, kind: str) -> list[str]:
    row = re.search(rf'<tr data-kind="{kind}">(.*?)</tr>', body, re.S)
    assert row is not None, kind
    return re.findall(r"<a [^>]*>(\d+)</a>", row.group(1))


def test_it_lands_an_auditor_here_on_signing_in(client, world):
    response = client.post(
        reverse("login"), {"username": "auditor", "password": "pw-auditor"}, follow=True
    )
    assert response.redirect_chain[-1][0] == HOME
    body = response.content.decode()
    assert "<h1>审计</h1>" in body
    # The header leads back here and searches in the auditors' search.
    assert f'<a href="{HOME}">审计</a>' in body
    assert f'action="{reverse("audit:search")}"' in body


def test_it_shows_the_scope_and_counts_its_cases_by_type_and_status(client, world):
    make_case(world, kind="dibao", status="active")
    make_case(world, kind="dibao", status="active")
    make_case(world, kind="dibao", status="in_progress")
    make_case(world, kind="tekun", status="refused")
    make_case(world, kind="dibao", status="active", region=other_county(world))
    client.force_login(world["auditor"])
    response = client.get(HOME)
    assert response.status_code == 200
    body = response.content.decode()
    assert "示范县" in body and "邻县" not in body
    # In progress, active, refused, withdrawn, closed, all.
    assert counts(body, "dibao") == ["1", "2", "0", "0", "0", "3"]
    assert counts(body, "tekun") == ["0", "0", "1", "0", "0", "1"]
    assert f"{reverse('audit:search')}?kind=dibao&amp;status=active" in body
    assert "/audit/reports/" in body
    client.force_login(province_auditor(world))
    body = client.get(HOME).content.decode()
    assert counts(body, "dibao") == ["1", "3", "0", "0", "0", "4"]
    assert "湖南省" in body


def test_it_says_so_when_the_scope_has_no_case(client, world):
    client.force_login(world["auditor"])
    assert "管辖范围内还没有案件" in client.get(HOME).content.decode()


def test_it_does_not_exist_for_anyone_but_auditors(client, world):
    for username in ("clerk", "approver", "county_investigator", "policy", "outsider"):
        client.force_login(world[username])
        assert client.get(HOME).status_code == 404, username
    client.force_login(make_user("no_role", None, world.county))
    assert client.get(HOME).status_code == 404
    client.logout()
    assert client.get(HOME)["Location"].startswith(reverse("login"))


def test_it_answers_only_get(client, world):
    client.force_login(world["auditor"])
    assert client.post(HOME).status_code == 405


def test_it_leaves_an_auditor_with_another_role_on_the_home_page_with_a_link(client, world):
    from django.contrib.auth.models import Group

    world["auditor"].groups.add(Group.objects.get(name="policy_staff"))
    client.force_login(world["auditor"])
    response = client.get(reverse("inbox"))
    assert response.status_code == 200
    assert f'href="{HOME}"' in response.content.decode()
