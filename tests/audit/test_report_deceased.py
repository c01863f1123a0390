"""Benefits to the deceased: exactly the planted cases, with the months paid after the death."""

from __future__ import annotations

from datetime import date

import pytest

from assistance.models import DeathRecord
from audit.reports import get_rule, queries
from engine.clock import clock
from tests.audit.reports_world import case, controls, found, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def died(member, on):
    DeathRecord.objects.create(
        resident_id=member.resident_id, died_on=on, source="民政局", imported_at=clock.now()
    )


def test_it_finds_exactly_the_planted_deaths(world):
    controls(world)
    planted = set()
    # 1. A person living alone died in December: January to March (this month) paid since.
    home = household(world)
    alone = person(home, "独居老人", date(1938, 2, 2), applicant=True)
    died(alone, date(2025, 12, 10))
    planted.add(case(home, amount="600.00").pk)
    # 2. One of two covered members died this month: no month paid yet, still active.
    home = household(world, world.village_b1)
    person(home, "丈夫", date(1950, 1, 1), applicant=True)
    died(person(home, "妻子", date(1952, 1, 1)), date(2026, 3, 1))
    planted.add(case(home).pk)
    # 3. Stopped back-dated to the death, decided in January: November to January overpaid.
    home = household(world)
    dead = person(home, "追回对象", date(1940, 3, 3), applicant=True)
    died(dead, date(2025, 10, 15))
    exit_entry = {
        "reason": "death",
        "outcome": "closed",
        "decided_on": "2026-01-20",
        "ended_on": "2025-11-01",
        "died_on": "2025-10-15",
        "overpaid_from": "2025-11-01",
    }
    planted.add(
        case(
            home,
            status="closed",
            start_month=date(2024, 1, 1),
            ended_on=date(2025, 11, 1),
            details={"exits": [exit_entry]},
        ).pk
    )
    # 4. Closed for moving away, three months after the death: July and August paid.
    home = household(world)
    died(person(home, "迁出", date(1941, 4, 4), applicant=True), date(2025, 6, 10))
    planted.add(
        case(home, status="closed", start_month=date(2024, 1, 1), ended_on=date(2025, 9, 1)).pk
    )
    # 5. 特困 support confirmed for a person already dead: paid from its first month.
    home = household(world)
    died(person(home, "死后批准", date(1939, 5, 5), applicant=True), date(2025, 9, 1))
    planted.add(case(home, kind="tekun", amount="780.00").pk)

    # Controls: a death stopped on time; a death of a member not paid for; a death of someone
    # with no case; a one-off temporary aid; an application in progress; a death after the end.
    home = household(world)
    died(person(home, "按时停发", date(1942, 6, 6), applicant=True), date(2025, 5, 3))
    case(home, status="closed", start_month=date(2024, 1, 1), ended_on=date(2025, 6, 1))
    home = household(world)
    person(home, "户主", date(1960, 7, 7), applicant=True)
    died(person(home, "未纳入", date(1930, 7, 7), covered=False), date(2025, 7, 7))
    case(home)
    died(person(household(world), "无案件", date(1931, 8, 8), applicant=True), date(2025, 8, 8))
    home = household(world)
    died(person(home, "临时救助", date(1932, 9, 9), applicant=True), date(2025, 9, 9))
    case(home, kind="temporary", amount="1500.00", review_class="")
    home = household(world)
    died(person(home, "申请中", date(1933, 10, 10), applicant=True), date(2026, 1, 10))
    case(home, status="in_progress", amount=None)
    home = household(world)
    died(person(home, "退出后死亡", date(1934, 11, 11), applicant=True), date(2025, 8, 1))
    case(home, status="closed", start_month=date(2024, 1, 1), ended_on=date(2025, 1, 1))

    assert found(world, "deceased") == planted


def test_it_counts_the_months_and_the_amount_paid_after_the_death(world):
    home = household(world)
    alone = person(home, "独居老人", date(1938, 2, 2), applicant=True)
    died(alone, date(2025, 12, 10))
    target = case(home, amount="600.00")
    rule = get_rule("deceased")
    scope = queries.scope_for(world["auditor"], clock.today())
    [finding] = queries.findings_page(rule, scope, None, 1)
    assert finding.case_id == target.pk
    assert finding.reasons == [
        "独居老人于 2025-12-10 死亡；案件仍在保；死亡后已发放 3 个月（1,800.00 元）"
    ]


def test_it_keeps_each_auditor_to_their_county(world):
    elsewhere = other_county(world)
    home = household(world, elsewhere["village"])
    died(person(home, "邻县", date(1938, 2, 2), applicant=True), date(2025, 12, 10))
    theirs = case(home)
    assert found(world, "deceased") == set()
    assert found(world, "deceased", "other_auditor") == {theirs.pk}
