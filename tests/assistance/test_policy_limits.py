"""What the parameter form needs from the registry: an input for every parameter, the floors
and maxima of the published rules, and pairs that must stay in order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistance.policy import (
    INPUTS,
    LIMITS,
    ORDERED_PAIRS,
    PARAMS,
    check_consistency,
    check_limits,
    input_of,
)
from tests.fixtures import county_policy


def test_it_knows_how_to_ask_for_every_parameter():
    for key, param in PARAMS.items():
        assert input_of(param) in INPUTS, key
        if input_of(param) == "choice":
            assert param.choices, key
            for value, _label in param.choices:
                assert param.clean(value) == value


def test_it_bounds_only_registered_parameters_and_the_demo_values_fit():
    assert set(LIMITS) <= set(PARAMS)
    assert check_limits(county_policy()) == {}


@pytest.mark.parametrize(
    ("key", "value", "refused"),
    [
        ("dibao_standard_rural", "333.33", True),
        ("dibao_standard_rural", "333.34", False),
        ("tekun_basic_multiplier", "1.29", True),
        ("tekun_basic_multiplier", "1.3", False),
        ("disability_living_monthly", "64.99", True),
        ("notice_days", 6, True),
        ("notice_days", 7, False),
        ("temporary_notice_days", 2, True),
        ("confirmation_working_days", 11, True),
        ("refusal_notice_working_days", 3, False),
        ("procedure_extended_working_days", 46, True),
        ("dibao_standard_urban", "1", False),
    ],
)
def test_it_holds_the_floors_and_maxima(key, value, refused):
    assert (key in check_limits({key: value})) is refused
    # 4,000 yuan a year: twelve months of the floor reach it, a cent less does not.
    assert Decimal("333.34") * 12 >= 4000 > Decimal("333.33") * 12


def test_it_reports_pairs_out_of_order_on_the_changed_one():
    merged = {**county_policy(), "procedure_working_days": 30}
    shorter = {**merged, "procedure_extended_working_days": 25}
    assert check_consistency(shorter, ["procedure_extended_working_days"]) == {
        "procedure_extended_working_days": str(ORDERED_PAIRS[0][2])
    }
    assert check_consistency(merged, ["notice_days"]) == {}
