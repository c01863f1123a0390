"""/audit/reports/: every rule with its count in the auditor's jurisdiction, auditors only."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.reports import all_rules
from engine.models import AuditEvent
from tests.audit.reports_world import case, clean_case, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

URL = "/audit/reports/"


def test_it_lists_every_rule_with_its_count(client, world):
    assert reverse("audit:reports") == URL
    clean_case(world)
    home = household(world)
    person(home, "甲", date(1980, 1, 1), applicant=True, wage="2000.00")
    case(home, amount="100.00")  # income above the standard, and nothing else
    client.force_login(world["auditor"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for rule in all_rules():
        assert f'data-report="{rule.code}"' in html
        assert reverse("audit:report", args=[rule.code]) in html
    assert "收入超过标准仍在保（错保）" in html and "该吃五保吃低保" in html
    assert html.count('data-count="1"') == 1
    event = AuditEvent.objects.get(action="audit.report_viewed")
    assert event.actor == world["auditor"] and event.stream == "system"
    assert event.payload == {"report": "", "cases": 1}


def test_it_counts_only_the_auditors_county(client, world):
    elsewhere = other_county(world)
    home = household(world, elsewhere["village"])
    person(home, "邻县", date(1980, 1, 1), applicant=True, wage="2000.00")
    case(home)
    client.force_login(world["auditor"])
    assert 'data-count="1"' not in client.get(URL).content.decode()
    client.force_login(world["other_auditor"])
    assert 'data-count="1"' in client.get(URL).content.decode()


def test_it_refuses_other_methods(client, world):
    client.force_login(world["auditor"])
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("username", ["clerk", "approver", "policy", "outsider"])
def test_it_is_a_missing_page_to_anyone_else(client, world, username):
    client.force_login(world[username])
    assert client.get(URL).status_code == 404
    assert not AuditEvent.objects.filter(action="audit.report_viewed").exists()


def test_it_sends_strangers_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
