"""The report pages in English: no Chinese but the data (names, places) and the brand."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from audit.reports import all_rules, queries
from tests.audit.reports_world import case, clean_case, household, person
from tests.portal.test_english import assert_english, english

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def test_it_speaks_english_on_every_report(client, world):
    clean_case(world)
    home = household(world)
    person(home, "甲", date(1940, 1, 1), applicant=True, wage="2000.00")
    person(home, "乙", date(2012, 1, 1), grade=1)
    case(home, amount="9000.00", decided_on=date(2024, 1, 1))
    english(client, world, "auditor")
    html = assert_english(client, "/audit/reports/")
    assert "Income above the standard, still active" in html
    for rule in all_rules():
        html = assert_english(client, f"/audit/reports/{rule.code}/")
        with translation.override("en"):
            assert str(rule.title) in html
    html = assert_english(client, "/audit/reports/amount_outliers/")
    assert "Paid 9,000.00 a month, more than the 1,200.00 the standard 600.00" in html


def test_it_says_so_without_postgresql(client, world, monkeypatch):
    monkeypatch.setattr(queries, "available", lambda: False)
    client.force_login(world["auditor"])
    for url in ("/audit/reports/", "/audit/reports/deceased/", "/audit/reports/deceased.xlsx"):
        response = client.get(url)
        assert response.status_code == 200
        assert "问题线索报表需要 PostgreSQL 数据库" in response.content.decode()
