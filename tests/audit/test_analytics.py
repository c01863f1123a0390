"""The figures of the time-limit analytics, on planted cases with known stays: working days
across a weekend and the Qingming holiday, medians and 90th percentiles, overdue rates against
each case's own limits, stays under way, a stage a case comes back to, the whole procedure
with and without its extension, per county and township and month by month, and the heatmap."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from assistance import access, actions
from assistance.models import CalendarDay, Case, CaseStatus, RegionPolicy
from assistance.workdays import add_working_days, working_days_between
from audit import analytics
from engine.clock import clock
from engine.runtime import fire_due_timers
from tests.audit.analytics_cases import accept_on, apply_on, on
from tests.fixtures import World, make_user
from tests.workflows.dibao import check, complete, investigate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

MARCH_2 = date(2026, 3, 2)  # a Monday
# Qingming 2026: Saturday 4 to Monday 6 April off.
GOOD_FRIDAY = date(2026, 4, 3)
AFTER_QINGMING = date(2026, 4, 7)
TODAY = date(2026, 4, 8)


def analyse(
    world: World,
    username: str = "auditor",
    first: date = date(2026, 3, 1),
    last: date = date(2026, 4, 30),
) -> analytics.Analysis:
    user = world[username]
    regions = list(access.regions_for_user(user))
    scope = analytics.scope_for(regions, world.county.name, world.county.pk)
    cases = access.cases_for_user(user).filter(assistance_type="dibao")
    return analytics.analyse(cases, scope, "dibao", first, last, clock.today())


@pytest.fixture
def planted(world: World) -> dict[str, Case]:
    """Acceptance in 4 working days (on time), in 6 (late, the limit is 5), in 1 across the
    Qingming holiday (township B), and one still waiting since 2 March."""
    quick = apply_on(world, MARCH_2)
    accept_on(world, quick, date(2026, 3, 6))
    late = apply_on(world, MARCH_2)
    accept_on(world, late, date(2026, 3, 10))
    waiting = apply_on(world, MARCH_2)
    holiday = apply_on(world, GOOD_FRIDAY, "b")
    accept_on(world, holiday, AFTER_QINGMING, "b")
    on(TODAY)
    return {"quick": quick, "late": late, "waiting": waiting, "holiday": holiday}


def test_it_interpolates_percentiles_like_postgresql() -> None:
    assert analytics.percentile(Counter({1: 1, 2: 1, 3: 1, 10: 1}), 0.5) == 2.5
    assert analytics.percentile(Counter({1: 1, 4: 1, 6: 1}), 0.9) == pytest.approx(5.6)
    assert analytics.percentile(Counter({7: 3}), 0.9) == 7
    assert analytics.percentile(Counter(), 0.5) is None


def test_it_counts_working_days_as_the_workday_helper(world: World) -> None:
    CalendarDay.objects.create(day=date(2026, 3, 20), is_working_day=False, note="测试假日")
    working = analytics.WorkingDays(date(2026, 2, 1), date(2026, 5, 31))
    for start, end in [
        (GOOD_FRIDAY, AFTER_QINGMING),
        (date(2026, 3, 13), date(2026, 3, 16)),
        (date(2026, 3, 19), date(2026, 3, 23)),
        (date(2026, 2, 13), date(2026, 2, 27)),  # Spring Festival
        (date(2026, 4, 30), date(2026, 5, 11)),  # Labour Day and its working Saturday
    ]:
        assert working.between(start, end) == working_days_between(start, end), (start, end)
    assert working.between(GOOD_FRIDAY, AFTER_QINGMING) == 1
    assert working.between(date(2026, 3, 19), date(2026, 3, 23)) == 1


def test_it_measures_each_stage_against_its_limit(world: World, planted: dict[str, Case]) -> None:
    result = analyse(world)
    acceptance = result.sample("acceptance")
    assert acceptance.days == Counter({4: 1, 6: 1, 1: 1})
    assert acceptance.median == 4
    assert acceptance.p90 == pytest.approx(5.6)
    assert acceptance.overdue == 1
    assert acceptance.overdue_rate == pytest.approx(1 / 3)
    assert acceptance.limit == "5"
    # Waiting since 2 March: far past its five days.
    assert (acceptance.open, acceptance.open_overdue) == (1, 1)
    # The three accepted now wait for the check centre; two for more than 15 working days.
    check_stage = result.sample("economic_check")
    assert (check_stage.count, check_stage.open, check_stage.open_overdue) == (0, 3, 2)


def test_it_groups_by_township_county_and_month(world: World, planted: dict[str, Case]) -> None:
    result = analyse(world)
    township_a, township_b = str(world.township_a.pk), str(world.township_b.pk)
    assert [unit.key for unit in result.scope.units] == ["all", township_a, township_b]
    assert result.scope.units[0].name == world.county.name
    in_a = result.sample("acceptance", township_a)
    assert in_a.days == Counter({4: 1, 6: 1})
    assert (in_a.median, in_a.overdue, in_a.open, in_a.open_overdue) == (5, 1, 1, 1)
    in_b = result.sample("acceptance", township_b)
    assert (in_b.days, in_b.overdue, in_b.open) == (Counter({1: 1}), 0, 0)
    assert result.months == ["2026-03", "2026-04"]
    assert result.month("acceptance", "2026-03").days == Counter({4: 1, 6: 1})
    assert result.month("acceptance", "2026-04").days == Counter({1: 1})


def test_it_holds_each_case_to_its_own_regions_limit(
    world: World, planted: dict[str, Case]
) -> None:
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 1, 1),
        values={"acceptance_working_days": 3},
    )
    result = analyse(world)
    acceptance = result.sample("acceptance")
    # Township A's limit is now 3: the four-day acceptance is late too; B keeps 5.
    assert acceptance.overdue == 2
    assert acceptance.limit == "3–5"
    assert result.sample("acceptance", str(world.township_b.pk)).limit == "5"


def test_it_leaves_out_what_ended_outside_the_period_or_the_jurisdiction(
    world: World, planted: dict[str, Case]
) -> None:
    april = analyse(world, first=date(2026, 4, 1), last=date(2026, 4, 30))
    assert april.sample("acceptance").days == Counter({1: 1})
    # Stays under way count whatever the period.
    assert april.sample("acceptance").open == 1
    world.users["auditor_a"] = make_user("auditor_a", "auditor", world.township_a)
    in_a = analyse(world, "auditor_a")
    assert in_a.sample("acceptance").days == Counter({4: 1, 6: 1})


def test_it_counts_a_stage_again_when_the_case_comes_back_to_it(world: World) -> None:
    case = apply_on(world, MARCH_2)
    accept_on(world, case, MARCH_2)
    check(world, case)
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    on(date(2026, 3, 5))
    case.refresh_from_db()
    actions.do_record_objection(case, actor=world["clerk"], objector="村民甲", reason="有经营收入")
    on(date(2026, 3, 9))
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    on(date(2026, 3, 20))
    assert fire_due_timers() == 1
    result = analyse(world)
    investigation = result.sample("investigation")
    # The first investigation took no day; the second ran from the objection (Thursday 5)
    # to Monday 9: two working days.
    assert investigation.days == Counter({0: 1, 2: 1})
    assert result.sample("notice").count == 2
    assert result.sample("opinion").count == 2
    assert result.sample("confirmation").open == 1


def test_it_measures_the_whole_procedure_against_30_or_45_days(world: World) -> None:
    durations = [(20, False), (31, False), (40, True), (46, True)]
    for days, extended in durations:
        case = apply_on(world, MARCH_2)
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.ACTIVE,
            decided_on=add_working_days(MARCH_2, days),
            procedure_extended_at=clock.now() if extended else None,
        )
    running = apply_on(world, MARCH_2)
    on(date(2026, 6, 1))
    result = analyse(world, last=date(2026, 6, 30))
    whole = result.sample(analytics.PROCEDURE)
    assert whole.days == Counter({20: 1, 31: 1, 40: 1, 46: 1})
    assert whole.median == 35.5
    assert (whole.overdue, whole.overdue_rate) == (2, 0.5)
    assert whole.limit == "30–45"
    assert whole.open == 1
    assert working_days_between(MARCH_2, date(2026, 6, 1)) > 30
    assert whole.open_overdue == 1
    assert running.status == CaseStatus.IN_PROGRESS


def test_it_heats_the_diagram_with_the_cases_there_and_their_stays(
    world: World, planted: dict[str, Case]
) -> None:
    user = world["auditor"]
    cases = access.cases_for_user(user).filter(assistance_type="dibao")
    lineage = world.county.ancestor_ids()
    heat = analytics.heatmap(cases, "dibao", lineage, date(2026, 3, 1), TODAY, TODAY)
    nodes = {node.element: node for node in heat.nodes}
    assert heat.definition.key == "dibao"
    assert (nodes["acceptance"].now, nodes["acceptance"].passes) == (1, 3)
    assert nodes["acceptance"].average == pytest.approx(round(11 / 3, 1))
    assert nodes["acceptance"].level == analytics.HEAT_LEVELS
    # Waiting for the check centre: inside the economic check stage, its box on the diagram.
    assert (nodes["economic_check"].now, nodes["economic_check"].passes) == (3, 0)
    assert nodes["economic_check"].level == 0
    assert heat.nodes[0].element == "acceptance"


def test_it_reads_the_trail_of_every_version_at_the_elements_of_todays(world: World) -> None:
    case = apply_on(world, MARCH_2)
    accept_on(world, case, date(2026, 3, 4))
    check(world, case)
    on(date(2026, 3, 6))
    investigate(world, case)
    elements = analytics.step_elements(analytics.definitions_newest_first("dibao"))
    assert elements["task:acceptance"] == "acceptance"
    assert elements["message:check_result"] == "economic_check"
    assert elements["timer:公示期"] == "public_notice"
    assert elements["spec:check_wait"] == "economic_check"
    result = analyse(world)
    assert result.sample("economic_check").days == Counter({0: 1})
    assert result.sample("investigation").days == Counter({2: 1})
    assert result.sample("opinion").open == 1
