"""Region policy: inherited down the tree, effective-dated, validated."""

from __future__ import annotations

from datetime import date

import pytest

from assistance.models import RegionPolicy
from assistance.policy import PARAMS, PolicyError, clean_values, policy_for

pytestmark = pytest.mark.django_db


def test_it_inherits_the_county_policy(world):
    policy = policy_for(world.village_a1, date(2026, 3, 2))
    assert policy["dibao_standard_rural"] == "600.00"
    assert policy["confirm_level"] == "county"


def test_it_lets_a_township_override_one_parameter(world):
    RegionPolicy.objects.create(
        region=world.township_a, effective_from=date(2026, 1, 1), values={"notice_days": 5}
    )
    assert policy_for(world.village_a1, date(2026, 3, 2))["notice_days"] == 5
    assert policy_for(world.village_b1, date(2026, 3, 2))["notice_days"] == 7
    assert policy_for(world.village_a1, date(2026, 3, 2))["dibao_standard_rural"] == "600.00"


def test_it_applies_a_new_standard_only_from_its_effective_date(world):
    RegionPolicy.objects.create(
        region=world.county, effective_from=date(2026, 7, 1), values={"dibao_standard_rural": "650"}
    )
    assert policy_for(world.village_a1, date(2026, 6, 30))["dibao_standard_rural"] == "600.00"
    assert policy_for(world.village_a1, date(2026, 7, 1))["dibao_standard_rural"] == "650.00"


def test_it_refuses_a_region_without_policy(world):
    RegionPolicy.objects.all().delete()
    with pytest.raises(PolicyError, match="dibao_standard_rural"):
        policy_for(world.village_a1, date(2026, 3, 2))


@pytest.mark.parametrize(
    "values",
    [
        {"notice_days": -1},
        {"notice_days": True},
        {"dibao_standard_rural": "abc"},
        {"confirm_level": "city"},
        {"nope": 1},
    ],
)
def test_it_validates_values(values):
    with pytest.raises(PolicyError):
        clean_values(values)


DAY_COUNTS = sorted(key for key in PARAMS if key.endswith("_days") and key != "notice_working_days")


def test_it_knows_day_counts_of_every_kind():
    assert {"notice_days", "confirmation_working_days", "temporary_notice_days"} <= set(DAY_COUNTS)
    assert len(DAY_COUNTS) >= 15


@pytest.mark.parametrize("key", DAY_COUNTS)
@pytest.mark.parametrize("days", [0, -1, -30])
def test_it_refuses_zero_and_negative_day_counts(key, days):
    with pytest.raises(PolicyError):
        clean_values({key: days})


@pytest.mark.parametrize("key", DAY_COUNTS)
def test_it_accepts_one_day_and_up(key):
    assert clean_values({key: 1}) == {key: 1}
