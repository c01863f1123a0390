"""Region policy: inherited down the tree, effective-dated, validated."""

from __future__ import annotations

from datetime import date

import pytest

from assistance.models import RegionPolicy
from assistance.policy import (
    ParamSource,
    PolicyError,
    clean_values,
    policy_for,
    policy_in_force,
)

pytestmark = pytest.mark.django_db


def test_it_inherits_the_county_policy(world):
    policy = policy_for(world.village_a1, date(2026, 3, 2))
    assert policy["dibao_standard_rural"] == "600.00"
    assert policy["confirm_level"] == "county"


def test_it_lets_a_township_override_one_parameter(world):
    RegionPolicy.objects.create(
        region=world.township_a, effective_from=date(2026, 1, 1), values={"notice_days": 9}
    )
    assert policy_for(world.village_a1, date(2026, 3, 2))["notice_days"] == 9
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


def test_it_tells_where_each_value_in_force_comes_from(world):
    RegionPolicy.objects.create(
        region=world.township_a, effective_from=date(2026, 1, 1), values={"notice_days": 9}
    )
    RegionPolicy.objects.create(
        region=world.county, effective_from=date(2026, 2, 1), values={"dibao_standard_rural": "650"}
    )
    values, sources = policy_in_force(world.village_a1, date(2026, 3, 2))
    assert values == policy_for(world.village_a1, date(2026, 3, 2))
    assert sources["notice_days"] == ParamSource("东镇", date(2026, 1, 1))
    assert sources["dibao_standard_rural"] == ParamSource("示范县", date(2026, 2, 1))
    assert sources["employment_cost_cap"] == ParamSource("示范县", date(2020, 1, 1))
    assert set(sources) == set(values)


def test_it_registers_the_extended_procedure_limit(world):
    assert policy_for(world.village_a1, date(2026, 3, 2))["procedure_extended_working_days"] == 45
    with pytest.raises(PolicyError):
        clean_values({"procedure_extended_working_days": "forty-five"})


def test_it_refuses_a_standard_below_the_one_in_force(world):
    with pytest.raises(PolicyError, match="only go up") as refused:
        RegionPolicy.objects.create(
            region=world.county,
            effective_from=date(2026, 7, 1),
            values={"dibao_standard_rural": "550.00"},
        )
    assert "600.00" in str(refused.value) and "550.00" in str(refused.value)
    # Nor may a township undercut the county's standard.
    with pytest.raises(PolicyError, match="only go up"):
        RegionPolicy.objects.create(
            region=world.township_a,
            effective_from=date(2026, 7, 1),
            values={"dibao_standard_urban": "799.99"},
        )
    assert policy_for(world.village_a1, date(2026, 8, 1))["dibao_standard_rural"] == "600.00"


def test_it_says_so_in_chinese(world):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(PolicyError) as refused:
        RegionPolicy.objects.create(
            region=world.county,
            effective_from=date(2026, 7, 1),
            values={"dibao_standard_rural": "550"},
        )
    assert "低保标准只升不降" in str(refused.value)


def test_it_lowers_a_standard_only_with_an_explicit_override_and_reason(world):
    with pytest.raises(PolicyError, match="reason"):
        RegionPolicy.objects.create(
            region=world.county,
            effective_from=date(2026, 7, 1),
            values={"dibao_standard_rural": "550"},
            lowers_standard=True,
        )
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2026, 7, 1),
        values={"dibao_standard_rural": "550"},
        lowers_standard=True,
        override_reason="省厅通知：标准口径调整",
    )
    assert policy_for(world.village_a1, date(2026, 7, 1))["dibao_standard_rural"] == "550.00"


def test_it_validates_values_when_a_record_is_saved(world):
    with pytest.raises(PolicyError):
        RegionPolicy.objects.create(
            region=world.county, effective_from=date(2026, 7, 1), values={"notice_days": -1}
        )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"procedure_working_days": 0}, "1 to 366"),
        ({"notice_days": 6}, "at least 7 days"),
        ({"procedure_working_days": 31}, "at most 30 working days"),
        ({"confirmation_working_days": 11}, "within 10 working days"),
        ({"tekun_basic_multiplier": "1.2"}, "1.3 times"),
    ],
)
def test_it_holds_the_floors_and_maxima_whoever_saves_a_record(world, values, message):
    """The admin and commands save through RegionPolicy.save like the studio's approval."""
    with pytest.raises(PolicyError, match=message):
        RegionPolicy.objects.create(
            region=world.county, effective_from=date(2026, 7, 1), values=values
        )
    assert not RegionPolicy.objects.filter(effective_from=date(2026, 7, 1)).exists()


def test_it_keeps_the_rural_floor_even_when_a_standard_is_lowered_on_purpose(world):
    with pytest.raises(PolicyError, match="4,000 yuan a year"):
        RegionPolicy.objects.create(
            region=world.county,
            effective_from=date(2026, 7, 1),
            values={"dibao_standard_rural": "333.33"},
            lowers_standard=True,
            override_reason="省厅通知：标准口径调整",
        )
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2026, 7, 1),
        values={"dibao_standard_rural": "333.34"},
        lowers_standard=True,
        override_reason="省厅通知：标准口径调整",
    )
    assert policy_for(world.village_a1, date(2026, 7, 1))["dibao_standard_rural"] == "333.34"


def test_it_keeps_pairs_in_order_with_the_values_in_force(world):
    # The county's procedure takes 30 working days: an extension to 25 would shorten it.
    with pytest.raises(PolicyError, match="cannot be shorter"):
        RegionPolicy.objects.create(
            region=world.township_a,
            effective_from=date(2026, 7, 1),
            values={"procedure_extended_working_days": 25},
        )
    record = RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 7, 1),
        values={"procedure_working_days": 20, "procedure_extended_working_days": 25},
    )
    # Saving the record again weighs it against the others, not against its old self.
    record.values = {"procedure_working_days": 25, "procedure_extended_working_days": 25}
    record.save()
    record.values = {"procedure_working_days": 26, "procedure_extended_working_days": 25}
    with pytest.raises(PolicyError, match="cannot be shorter"):
        record.save()
