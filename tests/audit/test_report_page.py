"""/audit/reports/<code>/: counts per township, the cases with their reasons, paginated."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.reports import queries
from engine.models import AuditEvent
from tests.audit.reports_world import case, clean_case, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

URL = "/audit/reports/income_above_standard/"


def rich(world, name, village):
    home = household(world, village)
    person(home, name, date(1980, 1, 1), applicant=True, wage="2000.00")
    return case(home)


def test_it_shows_counts_per_township_and_the_cases(client, world):
    assert reverse("audit:report", args=["income_above_standard"]) == URL
    clean_case(world)
    east = [rich(world, f"东{n}", world.village_a1) for n in range(2)]
    west = rich(world, "西户", world.village_b1)
    client.force_login(world["auditor"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-township="{world.township_a.pk}"' in html
    assert f'data-township="{world.township_b.pk}"' in html
    assert 'data-total="3"' in html
    for target in [*east, west]:
        assert f'data-case="{target.pk}"' in html
        assert f'href="/audit/cases/{target.pk}/"' in html
        assert target.number in html
    assert "人均计算收入每月 2,000.00（计 1 人），不低于标准 600.00" in html
    assert "西户" in html and "东镇" in html
    event = AuditEvent.objects.get(action="audit.report_viewed")
    assert event.payload == {"report": "income_above_standard", "cases": 3, "page": 1}


def test_it_drills_down_to_one_township(client, world):
    east = rich(world, "东户", world.village_a1)
    west = rich(world, "西户", world.village_b1)
    client.force_login(world["auditor"])
    html = client.get(URL, {"township": world.township_b.pk}).content.decode()
    assert f'data-case="{west.pk}"' in html and f'data-case="{east.pk}"' not in html
    assert "西镇 1 件" in html
    event = AuditEvent.objects.get(action="audit.report_viewed")
    assert event.payload["township"] == world.township_b.pk


def test_it_pages_through_the_cases(client, world, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    cases = [rich(world, f"户{n}", world.village_a1) for n in range(5)]
    client.force_login(world["auditor"])
    seen = []
    for page in (1, 2, 3):
        html = client.get(URL, {"page": page}).content.decode()
        assert f"第 {page} 页，共 3 页" in html
        seen += [c.pk for c in cases if f'data-case="{c.pk}"' in html]
    assert sorted(seen) == sorted(c.pk for c in cases)
    assert "第 3 页，共 3 页" in client.get(URL, {"page": 99}).content.decode()
    assert "第 1 页，共 3 页" in client.get(URL, {"page": "x"}).content.decode()


def test_it_says_when_nothing_is_found(client, world):
    clean_case(world)
    client.force_login(world["auditor"])
    html = client.get(URL).content.decode()
    assert "没有案件存在此问题。" in html and "管辖范围内没有发现。" in html


def test_it_keeps_other_counties_out(client, world):
    elsewhere = other_county(world)
    theirs = rich(world, "邻县", elsewhere["village"])
    ours = rich(world, "本县", world.village_a1)
    client.force_login(world["auditor"])
    html = client.get(URL).content.decode()
    assert f'data-case="{ours.pk}"' in html and f'data-case="{theirs.pk}"' not in html
    assert client.get(URL, {"township": elsewhere["township"].pk}).status_code == 404
    client.force_login(world["other_auditor"])
    html = client.get(URL).content.decode()
    assert f'data-case="{theirs.pk}"' in html and f'data-case="{ours.pk}"' not in html
    assert client.get(URL, {"township": world.township_a.pk}).status_code == 404


def test_it_answers_bad_input(client, world):
    client.force_login(world["auditor"])
    assert client.get("/audit/reports/no_such_rule/").status_code == 404
    assert client.get(URL, {"township": "east"}).status_code == 400
    # A village is not one of the report's townships.
    assert client.get(URL, {"township": world.village_a1.pk}).status_code == 404


def test_it_refuses_other_methods(client, world):
    client.force_login(world["auditor"])
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("username", ["clerk", "reviewer", "approver", "policy"])
def test_it_is_a_missing_page_to_anyone_else(client, world, username):
    rich(world, "东户", world.village_a1)
    client.force_login(world[username])
    assert client.get(URL).status_code == 404
    assert client.get("/audit/reports/no_such_rule/").status_code == 404
