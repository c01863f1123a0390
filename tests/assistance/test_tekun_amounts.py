"""Extreme-poverty support: the amount, its policy parameters and the care-level table."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from assistance.amounts import AmountInputError
from assistance.kinds.tekun import ACTIVITIES, calculate_tekun, tekun_amount
from assistance.policy import PolicyError, clean_values
from engine.scripting import script_engine

# The test county: rural dibao standard 600, urban 800; the demo's tekun parameters.
POLICY: dict[str, Any] = {
    "dibao_standard_rural": "600.00",
    "dibao_standard_urban": "800.00",
    "employment_cost_cap": "600.00",
    "tekun_basic_multiplier": "1.3",
    "minimum_wage_monthly": "1700.00",
    "tekun_care_partial_percent": 10,
    "tekun_care_full_percent": 20,
}


def household(hukou: str = "rural", *incomes: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "hukou": hukou,
        "members": [
            {"key": "1", "name": "本人", "covered": True, "minor": False},
            {"key": "2", "name": "侄子", "covered": False, "minor": False},
        ],
        "incomes": [{"member": m, "kind": k, "monthly": v} for m, k, v in incomes],
        "deductions": [],
        "single_person": None,
    }


@pytest.mark.parametrize(
    ("standard", "multiplier", "wage", "percent", "basic", "care", "total"),
    [
        ("600.00", "1.3", "1700.00", 0, "780.00", "0.00", "780.00"),
        ("600.00", "1.3", "1700.00", 10, "780.00", "170.00", "950.00"),
        ("600.00", "1.3", "1700.00", 20, "780.00", "340.00", "1120.00"),
        ("800.00", "1.3", "1700.00", 20, "1040.00", "340.00", "1380.00"),
        ("560.00", "1.5", "1580.00", 15, "840.00", "237.00", "1077.00"),
        # 567.31 x 1.3 = 737.503: the floor rounds up to the next cent, never down.
        ("567.31", "1.3", "1700.00", 0, "737.51", "0.00", "737.51"),
        # 1655 x 15% = 248.25; 1655.50 x 15% = 248.325 rounds half up.
        ("600.00", "1.3", "1655.50", 15, "780.00", "248.33", "1028.33"),
    ],
)
def test_it_calculates_basic_living_plus_care(
    standard, multiplier, wage, percent, basic, care, total
):
    result = calculate_tekun(
        dibao_standard=Decimal(standard),
        multiplier=Decimal(multiplier),
        minimum_wage=Decimal(wage),
        care_percent=percent,
    )
    assert (str(result.basic_living), str(result.care_allowance)) == (basic, care)
    assert str(result.monthly_amount) == total


@pytest.mark.parametrize(
    ("hukou", "level", "percent", "basic", "care", "total"),
    [
        ("rural", "self_care", 0, "780.00", "0.00", "780.00"),
        ("rural", "partial", 10, "780.00", "170.00", "950.00"),
        ("rural", "full", 20, "780.00", "340.00", "1120.00"),
        ("urban", "partial", 10, "1040.00", "170.00", "1210.00"),
    ],
)
def test_it_gives_scripts_the_amount_as_text(hukou, level, percent, basic, care, total):
    assert tekun_amount(household(hukou), POLICY, level, "1") == {
        "dibao_standard": "600.00" if hukou == "rural" else "800.00",
        "applicant_income": "0.00",
        "eligible": True,
        "care_level": level,
        "care_percent": percent,
        "basic_living": basic,
        "care_allowance": care,
        "monthly_amount": total,
    }


@pytest.mark.parametrize(
    ("incomes", "income", "eligible"),
    [
        ((("1", "transfer", "599.99"),), "599.99", True),
        ((("1", "transfer", "600.00"),), "600.00", False),
        # Excluded kinds do not count; another member's wage is not the applicant's.
        ((("1", "basic_pension", "900.00"), ("2", "wage", "3000.00")), "0.00", True),
        # Employment costs are capped at 600 but cannot exceed the wage itself.
        ((("1", "wage", "700.00"), ("1", "employment_cost", "200.00")), "500.00", True),
    ],
)
def test_it_counts_only_the_applicants_income(incomes, income, eligible):
    amount = tekun_amount(household("rural", *incomes), POLICY, "self_care", "1")
    assert (amount["applicant_income"], amount["eligible"]) == (income, eligible)
    # The benefit is a flat standard, not a top-up: income never reduces it.
    assert amount["monthly_amount"] == "780.00"


def test_it_refuses_an_unknown_care_level():
    with pytest.raises(AmountInputError):
        tekun_amount(household(), POLICY, "half", "1")


@pytest.mark.parametrize(
    ("values", "cleaned"),
    [
        ({"tekun_basic_multiplier": "1.3"}, {"tekun_basic_multiplier": "1.3"}),
        ({"tekun_basic_multiplier": 1.5}, {"tekun_basic_multiplier": "1.5"}),
        ({"minimum_wage_monthly": "1700"}, {"minimum_wage_monthly": "1700.00"}),
        ({"tekun_care_full_percent": 20}, {"tekun_care_full_percent": 20}),
        ({"tekun_reassessment_working_days": 10}, {"tekun_reassessment_working_days": 10}),
    ],
)
def test_it_cleans_its_policy_parameters(values, cleaned):
    assert clean_values(values) == cleaned


@pytest.mark.parametrize(
    "values",
    [
        {"tekun_basic_multiplier": "0.9"},
        {"tekun_basic_multiplier": "many"},
        {"tekun_basic_multiplier": True},
        {"tekun_care_partial_percent": 101},
        {"tekun_care_partial_percent": "10"},
        {"tekun_care_full_percent": -1},
        {"minimum_wage_monthly": "-1"},
    ],
)
def test_it_refuses_bad_policy_parameters(values):
    with pytest.raises(PolicyError):
        clean_values(values)


# ---------------------------------------------------------------- care-level decision table


def care_level_table() -> Any:
    parser = SpiffBpmnParser()
    path = Path(settings.WORKFLOWS_DIR) / "tekun_care_level.dmn"
    parser.add_dmn_xml(etree.parse(str(path)).getroot(), filename=path.name)
    return parser.get_engine("tekun_care_level", None)


def decide(table: Any, cannot: set[str]) -> str:
    data = {name: name not in cannot for name in ACTIVITIES}
    task = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=script_engine()))
    result: str = table.result(task)["care_level"]
    return result


@pytest.mark.parametrize(
    ("cannot", "level"),
    [
        (set(), "self_care"),
        ({"can_eat"}, "partial"),
        ({"can_bathe"}, "partial"),
        ({"can_walk_indoors", "can_toilet"}, "partial"),
        ({"can_dress", "can_transfer", "can_bathe"}, "partial"),
        ({"can_eat", "can_dress", "can_transfer", "can_toilet"}, "full"),
        ({"can_transfer", "can_toilet", "can_walk_indoors", "can_bathe"}, "full"),
        (set(ACTIVITIES) - {"can_eat"}, "full"),
        (set(ACTIVITIES), "full"),
    ],
)
def test_it_decides_the_care_level_from_the_six_activities(cannot, level):
    assert decide(care_level_table(), cannot) == level


def test_it_decides_one_care_level_for_every_combination():
    table = care_level_table()
    levels = {
        failed: {
            decide(table, set(combination))
            for combination in itertools.combinations(ACTIVITIES, failed)
        }
        for failed in range(7)
    }
    assert levels == {
        0: {"self_care"},
        1: {"partial"},
        2: {"partial"},
        3: {"partial"},
        4: {"full"},
        5: {"full"},
        6: {"full"},
    }
