"""The exit rules outside the diagram: reasons, what a death does, months and policy."""

from __future__ import annotations

import pytest

from assistance.policy import PolicyError, clean_values
from assistance.processes.exit import (
    MEMBER_DIED,
    add_months,
    allowed_reasons,
    day_start,
    death_effect,
    gradual_months,
    without_member,
)


@pytest.mark.parametrize(
    ("kind", "reason", "allowed"),
    [
        ("dibao", "income_above_standard", True),
        ("dibao", "death", True),
        ("dibao", "work_capacity", False),
        ("dibao", "supporter_found", False),
        ("dibao", "member_died", False),
        ("tekun", "work_capacity", True),
        ("tekun", "supporter_found", True),
        ("tekun", "prison", True),
        ("elderly", "voluntary", True),
        ("orphan", "moved_away", True),
        ("disability", "work_capacity", False),
    ],
)
def test_it_allows_the_reasons_of_each_kind(kind, reason, allowed):
    assert (reason in allowed_reasons(kind)) is allowed


@pytest.mark.parametrize(
    ("kind", "covered", "single", "dead", "effect"),
    [
        ("dibao", ["1"], None, "1", "death"),
        ("dibao", ["1", "2", "3"], None, "2", MEMBER_DIED),
        ("dibao", ["1", "2"], None, "3", MEMBER_DIED),  # an uncovered earner: income changes
        ("dibao", ["1", "2"], "1", "1", "death"),  # 单人户施保: the covered person died
        ("dibao", ["1", "2"], "1", "2", None),
        ("tekun", ["1"], None, "1", "death"),
        ("elderly", ["1"], None, "2", None),
        ("disability", ["1", "2"], "2", "2", "death"),
        ("orphan", ["1"], None, "1", "death"),
    ],
)
def test_it_tells_what_a_death_does_to_a_case(kind, covered, single, dead, effect):
    assert death_effect(kind, covered, single, dead) == effect


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-04-01", 6, "2026-10-01"),
        ("2026-04-01", 12, "2027-04-01"),
        ("2026-11-01", 2, "2027-01-01"),
        ("2026-12-01", 1, "2027-01-01"),
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-04-01", 0, "2026-04-01"),
    ],
)
def test_it_adds_months(day, months, expected):
    assert add_months(day, months) == expected


def test_it_starts_a_day_at_midnight_in_china():
    assert day_start("2026-10-01") == "2026-10-01T00:00:00+08:00"


@pytest.mark.parametrize(
    ("gradual", "extension", "registered_poor", "combine", "months"),
    [
        (6, 6, False, None, 6),
        (12, 6, False, None, 12),
        # Seed 004: registered-poor households keep 6 months, not the gradual months on top.
        (6, 6, True, None, 6),
        (12, 6, True, None, 6),
        (3, 6, True, None, 6),
        (6, 0, True, None, 0),
        (12, 6, True, "extension", 6),
        # Unless the county says the two add up, or that the longer one applies.
        (12, 6, True, "added", 18),
        (12, 6, True, "longer", 12),
        (3, 6, True, "longer", 6),
        (12, 6, False, "added", 12),
    ],
)
def test_it_counts_the_gradual_months(gradual, extension, registered_poor, combine, months):
    policy = {"exit_gradual_months": gradual, "exit_registered_poor_months": extension}
    if combine is not None:
        policy["exit_registered_poor_combination"] = combine
    assert gradual_months(policy, registered_poor) == months


@pytest.mark.parametrize("value", ["sum", "", True, 1])
def test_it_refuses_an_unknown_way_to_combine_the_two_periods(value):
    with pytest.raises(PolicyError):
        clean_values({"exit_registered_poor_combination": value})


def test_it_drops_a_member_with_their_incomes_and_deductions():
    household = {
        "hukou": "rural",
        "members": [{"key": "1", "covered": True}, {"key": "2", "covered": True}],
        "incomes": [{"member": "1", "kind": "wage", "monthly": "900"}],
        "deductions": [
            {"kind": "medical", "monthly": "100", "member": "1"},
            {"kind": "education", "monthly": "50", "member": None},
        ],
        "single_person": None,
    }
    assert without_member(household, 1) == {
        "hukou": "rural",
        "members": [{"key": "2", "covered": True}],
        "incomes": [],
        "deductions": [{"kind": "education", "monthly": "50", "member": None}],
        "single_person": None,
    }


@pytest.mark.parametrize("value", [37, -1, True, "6", 6.0])
def test_it_refuses_a_gradual_period_that_is_not_whole_months(value):
    with pytest.raises(PolicyError, match="whole number of months"):
        clean_values({"exit_gradual_months": value})


def test_it_accepts_a_regional_gradual_period():
    assert clean_values({"exit_gradual_months": 12, "exit_registered_poor_months": 6}) == {
        "exit_gradual_months": 12,
        "exit_registered_poor_months": 6,
    }
