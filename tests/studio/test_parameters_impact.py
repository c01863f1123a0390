"""What a parameter change does to cases, checked against real processes: a running process
keeps the values it started with, a process started on or after the effective day reads the
new ones; the impact statement counts exactly that, in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.models import RegionPolicy
from engine import runtime
from engine.clock import clock
from engine.models import InstanceStatus, ProcessInstance
from studio.parameters import impact
from tests.studio.parameters_helpers import NEXT_MONTH, TODAY, approve, propose
from tests.workflows.dibao import apply, to_notice
from tests.workflows.review import active_case, start_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

RURAL = "dibao_standard_rural"


def dibao_instance(case) -> ProcessInstance:
    return ProcessInstance.objects.get(case=case, definition__key="dibao")


def test_it_keeps_the_old_standard_in_a_running_case_and_gives_new_cases_the_new_one(world):
    # 3 members, wage 900: 300 a head. Rural standard 600 in force when this case starts.
    running = apply(world)
    change = propose(world, {RURAL: "650"}, effective_from=TODAY)
    approve(world, change)
    started_after = apply(world)
    assert runtime.instance_data(dibao_instance(running))["policy"][RURAL] == "600.00"
    assert runtime.instance_data(dibao_instance(started_after))["policy"][RURAL] == "650.00"
    # The amounts their diagrams compute, (standard - 300) x 3, follow what each holds.
    to_notice(world, running)
    to_notice(world, started_after)
    assert runtime.instance_data(dibao_instance(running))["amount"]["base_amount"] == "900.00"
    assert (
        runtime.instance_data(dibao_instance(started_after))["amount"]["base_amount"] == "1050.00"
    )


def test_it_counts_running_cases_as_keeping_the_old_values(world):
    first, second = apply(world), apply(world)
    finished = apply(world)
    ProcessInstance.objects.filter(case=finished).update(status=InstanceStatus.COMPLETED)
    found = impact(world.county, NEXT_MONTH, [RURAL])
    assert found.running == 2
    assert [number for _id, number in found.running_cases] == sorted([first.number, second.number])
    assert [(p.key, p.cases) for p in found.by_process] == [("dibao", 2)]
    # The township holds the same cases; the other township none.
    assert impact(world.township_a, NEXT_MONTH, [RURAL]).running == 2
    assert impact(world.township_b, NEXT_MONTH, [RURAL]).running == 0


def test_it_counts_active_cases_and_those_reviewed_after_the_day(world):
    later = active_case(world, review_class="A")
    later.next_review_on = date(2026, 6, 1)
    later.save()
    sooner = active_case(world, review_class="A")
    sooner.next_review_on = date(2026, 3, 20)
    sooner.save()
    active_case(world)  # not classified yet: no review date
    found = impact(world.county, NEXT_MONTH, [RURAL])
    assert (found.active, found.active_reviewed_later) == (3, 1)
    assert found.running == 0


def test_it_leaves_out_regions_that_keep_their_own_value(world):
    apply(world)
    RegionPolicy.objects.create(
        region=world.township_a, effective_from=date(2025, 1, 1), values={RURAL: "700.00"}
    )
    found = impact(world.county, NEXT_MONTH, [RURAL])
    # The only running case is in 东镇, whose own standard the county's change does not touch.
    assert found.running == 0
    assert [(region.name, labels) for region, labels in found.keeping_own] == [
        ("东镇", ["农村低保标准（元/月）"])
    ]
    # A change of something 东镇 does not set reaches it; so does a change of both.
    assert impact(world.county, NEXT_MONTH, ["notice_days"]).running == 1
    assert impact(world.county, NEXT_MONTH, [RURAL, "notice_days"]).running == 1


def test_it_does_not_count_a_township_value_that_starts_after_the_day(world):
    apply(world)
    RegionPolicy.objects.create(
        region=world.township_a, effective_from=date(2026, 9, 1), values={RURAL: "700.00"}
    )
    assert impact(world.county, NEXT_MONTH, [RURAL]).running == 1


def test_it_names_some_cases_and_counts_them_all(world, monkeypatch):
    monkeypatch.setattr("studio.parameters.CASES_NAMED", 2)
    for _ in range(3):
        apply(world)
    found = impact(world.county, NEXT_MONTH, [RURAL])
    assert (found.running, len(found.running_cases), found.more_running) == (3, 2, 1)


def test_it_takes_as_many_queries_for_many_cases_and_regions(world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            impact(world.county, NEXT_MONTH, [RURAL])
        return len(captured)

    apply(world)
    few = queries()
    for _ in range(4):
        apply(world)
        active_case(world, review_class="B")
    RegionPolicy.objects.create(
        region=world.township_b, effective_from=date(2025, 1, 1), values={RURAL: "700.00"}
    )
    clock.advance(timedelta(days=1))
    assert queries() == few


def test_it_gives_an_active_case_the_new_standard_at_its_next_review(world):
    approve(world, propose(world, {RURAL: "650"}, effective_from=TODAY))
    case = start_review(world)
    review = ProcessInstance.objects.get(case=case, definition__key="review")
    assert runtime.instance_data(review)["policy"][RURAL] == "650.00"
