"""The rules of temporary assistance outside the diagram: approval limits, the maximum, the
policy parameters, and "same person, same cause: at most once a year"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assistance import actions
from assistance.ids import parse_resident_id
from assistance.kinds import kind_for
from assistance.kinds.temporary import (
    TemporaryRuleError,
    check_application,
    temporary_amount,
    temporary_limits,
)
from assistance.models import (
    AssistanceType,
    Case,
    CaseStatus,
    Household,
    Member,
    RegionPolicy,
)
from assistance.policy import PolicyError, clean_values
from engine.clock import clock
from tests.fixtures import SHANGHAI
from tests.workflows.temporary import application, people

POLICY = {
    "dibao_standard_rural": "600.00",
    "dibao_standard_urban": "800.00",
    "temporary_township_limit_multiple": "3",
    "temporary_max_multiple": "6",
}


def test_it_registers_the_kind():
    kind = kind_for(AssistanceType.TEMPORARY)
    assert kind is not None
    assert (kind.process_key, kind.case_prefix) == ("temporary", "LS")
    assert kind.demo_policy["temporary_notice_days"] == 3


@pytest.mark.parametrize(
    ("hukou", "township", "maximum", "expected"),
    [
        (
            "rural",
            "3",
            "6",
            {"standard": "600.00", "township_limit": "1800.00", "maximum": "3600.00"},
        ),
        (
            "urban",
            "3",
            "6",
            {"standard": "800.00", "township_limit": "2400.00", "maximum": "4800.00"},
        ),
        (
            "rural",
            "2.5",
            "5",
            {"standard": "600.00", "township_limit": "1500.00", "maximum": "3000.00"},
        ),
        # A township limit above the maximum is cut down to the maximum.
        (
            "rural",
            "8",
            "6",
            {"standard": "600.00", "township_limit": "3600.00", "maximum": "3600.00"},
        ),
    ],
)
def test_it_derives_the_limits_from_the_standard_of_the_hukou(hukou, township, maximum, expected):
    policy = {
        **POLICY,
        "temporary_township_limit_multiple": township,
        "temporary_max_multiple": maximum,
    }
    assert temporary_limits(policy, hukou) == expected


@pytest.mark.parametrize(
    ("hukou", "amount", "granted", "level", "capped"),
    [
        ("rural", "0.01", "0.01", "township", False),
        ("rural", "1800", "1800.00", "township", False),
        ("rural", "1800.01", "1800.01", "county", False),
        ("rural", "3600.00", "3600.00", "county", False),
        ("rural", "3600.01", "3600.00", "county", True),
        ("rural", "20000", "3600.00", "county", True),
        ("urban", "2400.00", "2400.00", "township", False),
        ("urban", "2400.01", "2400.01", "county", False),
        ("urban", "9999.99", "4800.00", "county", True),
    ],
)
def test_it_decides_who_approves_and_caps_at_the_maximum(hukou, amount, granted, level, capped):
    result = temporary_amount(amount, temporary_limits(POLICY, hukou))
    assert (result["amount"], result["level"], result["capped"]) == (granted, level, capped)


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "NaN"])
def test_it_rejects_amounts_it_cannot_grant(amount):
    with pytest.raises(TemporaryRuleError):
        temporary_amount(amount, temporary_limits(POLICY, "rural"))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"temporary_township_limit_multiple": 3}, {"temporary_township_limit_multiple": "3"}),
        ({"temporary_max_multiple": "6.0"}, {"temporary_max_multiple": "6"}),
        ({"temporary_max_multiple": "2.5"}, {"temporary_max_multiple": "2.5"}),
        ({"temporary_notice_days": 3}, {"temporary_notice_days": 3}),
        ({"temporary_paperwork_working_days": 5}, {"temporary_paperwork_working_days": 5}),
        ({"temporary_procedure_working_days": 15}, {"temporary_procedure_working_days": 15}),
    ],
)
def test_it_cleans_its_policy_parameters(values, expected):
    assert clean_values(values) == expected


@pytest.mark.parametrize(
    "values",
    [
        {"temporary_max_multiple": 0},
        {"temporary_max_multiple": "-1"},
        {"temporary_max_multiple": True},
        {"temporary_max_multiple": "three"},
        {"temporary_township_limit_multiple": 101},
        {"temporary_notice_days": "3"},
    ],
)
def test_it_refuses_bad_policy_values(values):
    with pytest.raises(PolicyError):
        clean_values(values)


# ---------------------------------------------------------------- application checks


@pytest.fixture
def today(fixed_clock):
    return clock.today()


@pytest.mark.parametrize(
    ("details", "message"),
    [
        (
            {"aid_type": "sudden", "cause": "fire", "requested_amount": "100"},
            "Choose emergency or expenditure temporary aid.",
        ),
        (
            {"aid_type": "emergency", "cause": " ", "requested_amount": "100"},
            "Give the cause of the hardship (a short code such as fire).",
        ),
        (
            {"aid_type": "emergency", "cause": "fire", "requested_amount": "0"},
            "Give the amount requested, more than 0 yuan.",
        ),
        (
            {"aid_type": "expenditure", "cause": "illness"},
            "Give the amount requested, more than 0 yuan.",
        ),
    ],
)
def test_it_refuses_incomplete_details(world, today, details, message):
    app = application(world)
    app.details = details
    with pytest.raises(actions.ActionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_application(app)


def earlier_case(
    world,
    members: list[actions.MemberData],
    *,
    status: str = CaseStatus.ACTIVE,
    cause: str = "fire",
    decided_days_ago: int | None = 10,
    created_days_ago: int = 20,
    assistance_type: str = AssistanceType.TEMPORARY,
) -> Case:
    """An earlier case for these people, written directly: its dates are what matters."""
    household = Household.objects.create(region=world.village_a1, address="东村", hukou="rural")
    for data in members:
        resident = parse_resident_id(data.resident_id, today=clock.today())
        Member.objects.create(
            household=household,
            name=data.name,
            resident_id=resident.number,
            birth_date=resident.birth_date,
            sex=resident.sex,
            is_applicant=data.is_applicant,
        )
    today = clock.today()
    case = Case.objects.create(
        number=f"LS-EARLIER-{Case.objects.count()}",
        assistance_type=assistance_type,
        household=household,
        region=world.village_a1,
        status=status,
        details={"aid_type": "emergency", "cause": cause, "requested_amount": "1000.00"},
        decided_on=today - timedelta(days=decided_days_ago)
        if decided_days_ago is not None
        else None,
    )
    created = datetime.combine(
        today - timedelta(days=created_days_ago), datetime.min.time(), SHANGHAI
    )
    Case.objects.filter(pk=case.pk).update(created_at=created.replace(hour=10))
    return case


@pytest.mark.parametrize(
    ("earlier", "refused"),
    [
        ({}, True),
        ({"decided_days_ago": 0, "created_days_ago": 0}, True),
        ({"decided_days_ago": 364, "created_days_ago": 370}, True),
        # Counted from the decision: a full 365 days later the same cause is accepted again.
        ({"decided_days_ago": 365, "created_days_ago": 370}, False),
        ({"decided_days_ago": 500, "created_days_ago": 510}, False),
        ({"status": CaseStatus.CLOSED, "decided_days_ago": 100}, True),
        ({"status": CaseStatus.REFUSED}, False),
        ({"status": CaseStatus.WITHDRAWN}, False),
        # Undecided: counted from the day it was created.
        ({"status": CaseStatus.IN_PROGRESS, "decided_days_ago": None, "created_days_ago": 5}, True),
        (
            {"status": CaseStatus.IN_PROGRESS, "decided_days_ago": None, "created_days_ago": 364},
            True,
        ),
        (
            {"status": CaseStatus.IN_PROGRESS, "decided_days_ago": None, "created_days_ago": 365},
            False,
        ),
        ({"cause": "accident"}, False),
        ({"assistance_type": AssistanceType.DIBAO}, False),
    ],
)
def test_it_allows_one_aid_per_person_and_cause_a_year(world, today, earlier, refused):
    members = people()
    case = earlier_case(world, members, **earlier)
    # The spouse applies alone: any member of the earlier household counts.
    spouse = actions.MemberData(name="成员1", resident_id=members[1].resident_id, is_applicant=True)
    app = application(world, aid_type="emergency", cause="fire", members=[spouse])
    if refused:
        with pytest.raises(actions.ActionError, match=case.number) as error:
            check_application(app)
        assert error.value.case == case
    else:
        check_application(app)


def test_it_names_the_earlier_case_in_english(world, today):
    members = people()
    case = earlier_case(world, members)
    with pytest.raises(actions.ActionError) as error:
        check_application(application(world, aid_type="emergency", cause="fire", members=members))
    assert str(error.value) == (
        "Temporary aid for the same person and the same cause is granted at most once "
        f"in 365 days: see case {case.number}."
    )


def test_it_lets_a_different_person_apply_for_the_same_cause(world, today):
    earlier_case(world, people())
    check_application(application(world, aid_type="emergency", cause="fire"))


def test_it_compares_causes_as_trimmed_lower_case_codes(world, today):
    members = people()
    case = earlier_case(world, members, cause="fire")
    app = application(world, aid_type="emergency", cause=" Fire ", members=members)
    with pytest.raises(actions.ActionError, match=case.number):
        check_application(app)
    assert app.details["cause"] == "fire"


# ---------------------------------------------------------------- fixed limits, the window


@pytest.mark.parametrize(
    ("fixed", "expected"),
    [
        # A fixed township limit replaces 3 x 600; the maximum stays 6 x 600.
        (
            {"temporary_township_limit_fixed": "1000.00"},
            {"standard": "600.00", "township_limit": "1000.00", "maximum": "3600.00"},
        ),
        # Seed-style sums: 5,000 alone, 20,000 with the county.
        (
            {"temporary_township_limit_fixed": "5000", "temporary_max_fixed": "20000"},
            {"standard": "600.00", "township_limit": "5000.00", "maximum": "20000.00"},
        ),
        # Null keeps the multiple.
        (
            {"temporary_township_limit_fixed": None, "temporary_max_fixed": None},
            {"standard": "600.00", "township_limit": "1800.00", "maximum": "3600.00"},
        ),
        # Still never above the maximum.
        (
            {"temporary_township_limit_fixed": "9000", "temporary_max_fixed": "4000"},
            {"standard": "600.00", "township_limit": "4000.00", "maximum": "4000.00"},
        ),
    ],
)
def test_it_takes_a_fixed_sum_instead_of_the_multiple(fixed, expected):
    assert temporary_limits({**POLICY, **fixed}, "rural") == expected


def test_it_lets_the_township_approve_alone_up_to_its_fixed_sum():
    policy = {**POLICY, "temporary_township_limit_fixed": "5000", "temporary_max_fixed": "20000"}
    limits = temporary_limits(policy, "rural")
    # 5,000 is above 3 x 600: the multiple no longer decides.
    assert temporary_amount("4500", limits)["level"] == "township"
    assert temporary_amount("5000.01", limits)["level"] == "county"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"temporary_township_limit_fixed": 5000}, {"temporary_township_limit_fixed": "5000.00"}),
        ({"temporary_max_fixed": None}, {"temporary_max_fixed": None}),
        ({"temporary_same_cause_window_days": 180}, {"temporary_same_cause_window_days": 180}),
    ],
)
def test_it_cleans_the_limit_and_window_parameters(values, expected):
    assert clean_values(values) == expected


@pytest.mark.parametrize(
    "values",
    [
        {"temporary_township_limit_fixed": "0"},
        {"temporary_max_fixed": "-5"},
        {"temporary_max_fixed": "lots"},
        {"temporary_same_cause_window_days": 0},
        {"temporary_same_cause_window_days": -30},
        {"temporary_same_cause_window_days": "365"},
    ],
)
def test_it_refuses_bad_limit_and_window_values(values):
    with pytest.raises(PolicyError):
        clean_values(values)


@pytest.mark.parametrize(("window", "refused"), [(365, True), (180, False), (201, True)])
def test_it_reads_the_same_cause_window_from_the_policy(world, today, window, refused):
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 1, 1),
        values={"temporary_same_cause_window_days": window},
    )
    members = people()
    case = earlier_case(world, members, decided_days_ago=200, created_days_ago=210)
    app = application(world, aid_type="emergency", cause="fire", members=members)
    if refused:
        with pytest.raises(actions.ActionError, match=f"in {window} days: see case {case.number}"):
            check_application(app)
    else:
        check_application(app)


# ---------------------------------------------------------------- bridge to dibao or 特困


@pytest.mark.usefixtures("deployed")
@pytest.mark.parametrize("pending_type", [AssistanceType.DIBAO, AssistanceType.TEKUN])
def test_it_records_temporary_aid_as_a_bridge_while_an_application_is_decided(
    world, today, pending_type
):
    members = people()
    pending = earlier_case(
        world,
        members,
        status=CaseStatus.IN_PROGRESS,
        decided_days_ago=None,
        created_days_ago=3,
        assistance_type=pending_type,
    )
    case = actions.do_apply(
        application(world, aid_type="emergency", cause="fire", members=members),
        actor=world["clerk"],
    )
    assert case.household_id == pending.household_id
    assert case.details["bridge"] is True
    assert case.details["bridge_for_case"] == pending.number
    assert case.details["bridge_for_type"] == pending_type


@pytest.mark.usefixtures("deployed")
def test_it_is_no_bridge_once_the_other_application_is_decided(world, today):
    members = people()
    earlier_case(world, members, status=CaseStatus.ACTIVE, assistance_type=AssistanceType.DIBAO)
    case = actions.do_apply(
        application(world, aid_type="emergency", cause="fire", members=members),
        actor=world["clerk"],
    )
    assert "bridge" not in case.details


def test_it_keeps_the_once_a_window_rule_for_a_bridge(world, today):
    members = people()
    pending = earlier_case(
        world,
        members,
        status=CaseStatus.IN_PROGRESS,
        decided_days_ago=None,
        created_days_ago=3,
        assistance_type=AssistanceType.DIBAO,
    )
    aid = Case.objects.create(
        number="LS-BRIDGED-BEFORE",
        assistance_type=AssistanceType.TEMPORARY,
        household=pending.household,
        region=world.village_a1,
        status=CaseStatus.CLOSED,
        details={"aid_type": "emergency", "cause": "fire", "bridge": True},
        decided_on=today - timedelta(days=30),
    )
    app = application(world, aid_type="emergency", cause="fire", members=members)
    with pytest.raises(actions.ActionError, match=aid.number):
        check_application(app)
