"""Region policy: inherited down the tree, effective-dated, validated."""

from __future__ import annotations

from datetime import date

import pytest

from assistance.models import RegionPolicy
from assistance.policy import PolicyError, clean_values, policy_for

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
