import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings

from assistance.amounts import (
    DEDUCTION_KINDS,
    INCOME_KINDS,
    AmountInputError,
    DeductionInput,
    DibaoPolicy,
    DibaoResult,
    IncomeInput,
    MemberInput,
    SupplementPolicy,
    calculate_dibao,
    dibao_amount,
    dibao_breakdown,
    dibao_supplements,
)

# str() of a lazy message needs settings; the project's pytest setup provides
# them, this only covers running the module on its own.
if not settings.configured:
    settings.configure(USE_I18N=False)

# Standard 700 a month, employment costs capped at 200 per earner.
POLICY = DibaoPolicy(standard_monthly=Decimal("700.00"), employment_cost_cap=Decimal("200.00"))


def members(*keys: str, uncovered: tuple[str, ...] = ()) -> list[MemberInput]:
    return [MemberInput(key, covered=key not in uncovered) for key in keys]


def income(member: str, kind: str, monthly: str) -> IncomeInput:
    return IncomeInput(member=member, kind=kind, monthly=Decimal(monthly))


def deduction(kind: str, monthly: str, member: str | None = None) -> DeductionInput:
    return DeductionInput(kind=kind, monthly=Decimal(monthly), member=member)


def summary(result: DibaoResult) -> tuple[str, str, int, int, str, bool]:
    # Strings make the expected tables exact: Decimal("600") == Decimal("600.00")
    # would hide a missing quantize.
    return (
        str(result.counted_income),
        str(result.per_capita_income),
        result.household_size,
        result.covered_members,
        str(result.monthly_amount),
        result.eligible,
    )


def test_it_classifies_every_kind_named_by_the_policy() -> None:
    assert {kind for kind, use in INCOME_KINDS.items() if use == "counted"} == {
        "wage",
        "business",
        "property",
        "transfer",
    }
    assert {kind for kind, use in INCOME_KINDS.items() if use == "employment_cost"} == {
        "employment_cost"
    }
    assert {kind for kind, use in INCOME_KINDS.items() if use == "excluded"} == {
        "award",
        "student_aid",
        "temporary_assistance",
        "disability_subsidy",
        "orphan_allowance",
        "basic_pension",
    }
    assert frozenset({"medical", "disability", "education"}) == DEDUCTION_KINDS


@pytest.mark.parametrize(
    ("household", "incomes", "expected"),
    [
        pytest.param(
            # 1200 + 300 = 1500; 1500 / 3 = 500; (700 - 500) * 3 = 600
            members("m1", "m2", "m3"),
            [income("m1", "wage", "1200"), income("m2", "business", "300")],
            ("1500.00", "500.00", 3, 3, "600.00", True),
            id="plain household",
        ),
        pytest.param(
            # property and transfer count too: 100 + 200 = 300; 300 / 1; 700 - 300 = 400
            members("m1"),
            [income("m1", "property", "100"), income("m1", "transfer", "200")],
            ("300.00", "300.00", 1, 1, "400.00", True),
            id="property and transfer",
        ),
        pytest.param(
            # no income at all: the full standard for each covered member, 700 * 2
            members("m1", "m2"),
            [],
            ("0.00", "0.00", 2, 2, "1400.00", True),
            id="no income",
        ),
        pytest.param(
            # cost under the cap: 1000 - 150 = 850; 850 / 2 = 425; (700 - 425) * 2 = 550
            members("m1", "m2"),
            [income("m1", "wage", "1000"), income("m1", "employment_cost", "150")],
            ("850.00", "425.00", 2, 2, "550.00", True),
            id="employment cost under cap",
        ),
        pytest.param(
            # cost over the cap: 1000 - 200 = 800; 800 / 2 = 400; (700 - 400) * 2 = 600
            members("m1", "m2"),
            [income("m1", "wage", "1000"), income("m1", "employment_cost", "500")],
            ("800.00", "400.00", 2, 2, "600.00", True),
            id="employment cost over cap",
        ),
        pytest.param(
            # cost 150 exceeds the wage 100, so only 100 is allowed and it does not
            # eat m2's transfer: 100 - 100 + 300 = 300; 300 / 2 = 150; (700 - 150) * 2 = 1100
            members("m1", "m2"),
            [
                income("m1", "wage", "100"),
                income("m1", "employment_cost", "150"),
                income("m2", "transfer", "300"),
            ],
            ("300.00", "150.00", 2, 2, "1100.00", True),
            id="employment cost exceeds wage",
        ),
        pytest.param(
            # no wage, so no employment cost at all: 400; 400 / 2 = 200; (700 - 200) * 2 = 1000
            members("m1", "m2"),
            [income("m1", "business", "400"), income("m1", "employment_cost", "150")],
            ("400.00", "200.00", 2, 2, "1000.00", True),
            id="employment cost without wage",
        ),
        pytest.param(
            # cap is per earner: (500 - 200) + (500 - 200) = 600; 600 / 2 = 300;
            # (700 - 300) * 2 = 800
            members("m1", "m2"),
            [
                income("m1", "wage", "500"),
                income("m1", "employment_cost", "300"),
                income("m2", "wage", "500"),
                income("m2", "employment_cost", "300"),
            ],
            ("600.00", "300.00", 2, 2, "800.00", True),
            id="cap per earner",
        ),
        pytest.param(
            # one earner's costs are summed before capping: 300 + 200 wages,
            # 120 + 120 = 240 costs -> 200; 500 - 200 = 300; 700 - 300 = 400
            members("m1"),
            [
                income("m1", "wage", "300"),
                income("m1", "wage", "200"),
                income("m1", "employment_cost", "120"),
                income("m1", "employment_cost", "120"),
            ],
            ("300.00", "300.00", 1, 1, "400.00", True),
            id="costs summed per earner",
        ),
        pytest.param(
            # m3 is not covered but still divides: 900 / 3 = 300; (700 - 300) * 2 = 800
            members("m1", "m2", "m3", uncovered=("m3",)),
            [income("m1", "wage", "900")],
            ("900.00", "300.00", 3, 2, "800.00", True),
            id="uncovered member",
        ),
        pytest.param(
            # nobody covered: income test passes (0 < 700) but there is no one to pay
            members("m1", "m2", uncovered=("m1", "m2")),
            [],
            ("0.00", "0.00", 2, 0, "0.00", False),
            id="nobody covered",
        ),
        pytest.param(
            # exactly at the standard is not eligible: 700 / 1 = 700
            members("m1"),
            [income("m1", "wage", "700")],
            ("700.00", "700.00", 1, 1, "0.00", False),
            id="at standard",
        ),
        pytest.param(
            # above the standard: 1500 / 2 = 750 >= 700
            members("m1", "m2"),
            [income("m1", "wage", "1500")],
            ("1500.00", "750.00", 2, 2, "0.00", False),
            id="above standard",
        ),
        pytest.param(
            # one cent below the standard: 700 - 699.99 = 0.01
            members("m1"),
            [income("m1", "wage", "699.99")],
            ("699.99", "699.99", 1, 1, "0.01", True),
            id="just below standard",
        ),
        pytest.param(
            # 1000 / 3 = 333.333... -> 333.33; (700 - 333.33) * 3 = 366.67 * 3 = 1100.01
            members("m1", "m2", "m3"),
            [income("m1", "wage", "1000")],
            ("1000.00", "333.33", 3, 3, "1100.01", True),
            id="1000 over 3",
        ),
        pytest.param(
            # 2000 / 3 = 666.666... -> 666.67; (700 - 666.67) * 3 = 33.33 * 3 = 99.99
            members("m1", "m2", "m3"),
            [income("m1", "wage", "2000")],
            ("2000.00", "666.67", 3, 3, "99.99", True),
            id="2000 over 3",
        ),
        pytest.param(
            # 1.05 / 2 = 0.525 -> 0.53 half up (half even would give 0.52);
            # (700 - 0.53) * 2 = 699.47 * 2 = 1398.94
            members("m1", "m2"),
            [income("m1", "wage", "1.05")],
            ("1.05", "0.53", 2, 2, "1398.94", True),
            id="half up",
        ),
        pytest.param(
            # 1399.99 / 2 = 699.995 -> 700.00 after rounding, so not eligible
            members("m1", "m2"),
            [income("m1", "wage", "1399.99")],
            ("1399.99", "700.00", 2, 2, "0.00", False),
            id="rounds up to standard",
        ),
    ],
)
def test_it_calculates_households(
    household: list[MemberInput],
    incomes: list[IncomeInput],
    expected: tuple[str, str, int, int, str, bool],
) -> None:
    assert summary(calculate_dibao(policy=POLICY, members=household, incomes=incomes)) == expected


@pytest.mark.parametrize(
    "kind",
    [
        "award",
        "student_aid",
        "temporary_assistance",
        "disability_subsidy",
        "orphan_allowance",
        "basic_pension",
    ],
)
def test_it_ignores_excluded_income(kind: str) -> None:
    # only the wage counts: 600 / 2 = 300; (700 - 300) * 2 = 800
    result = calculate_dibao(
        policy=POLICY,
        members=members("m1", "m2"),
        incomes=[income("m1", "wage", "600"), income("m2", kind, "1000")],
    )
    assert summary(result) == ("600.00", "300.00", 2, 2, "800.00", True)


@pytest.mark.parametrize("kind", ["medical", "disability", "education"])
@pytest.mark.parametrize("member", ["m1", "m2", None])
def test_it_subtracts_rigid_expenditure(kind: str, member: str | None) -> None:
    # 1000 - 300 = 700; 700 / 2 = 350; (700 - 350) * 2 = 700, whoever bears the cost
    result = calculate_dibao(
        policy=POLICY,
        members=members("m1", "m2"),
        incomes=[income("m1", "wage", "1000")],
        deductions=[deduction(kind, "300", member)],
    )
    assert summary(result) == ("700.00", "350.00", 2, 2, "700.00", True)


def test_it_floors_per_capita_income_at_zero() -> None:
    # 500 - 800 = -300, shown as is; per capita floors at 0; 700 * 2 = 1400
    result = calculate_dibao(
        policy=POLICY,
        members=members("m1", "m2"),
        incomes=[income("m1", "wage", "500")],
        deductions=[deduction("medical", "600", "m2"), deduction("education", "200", "m1")],
    )
    assert summary(result) == ("-300.00", "0.00", 2, 2, "1400.00", True)


def test_it_covers_a_single_person_alone() -> None:
    # Only m2 counts: transfer 200 (the disability subsidy is excluded) minus
    # m2's medical 100 = 100. m1's wage and education, m3's business and the
    # household-wide medical cost are all ignored. 100 / 1 = 100; 700 - 100 = 600.
    # m2 is flagged uncovered on purpose: single-person cover overrides the flag.
    result = calculate_dibao(
        policy=POLICY,
        members=members("m1", "m2", "m3", uncovered=("m2",)),
        incomes=[
            income("m1", "wage", "3000"),
            income("m2", "transfer", "200"),
            income("m2", "disability_subsidy", "300"),
            income("m3", "business", "500"),
        ],
        deductions=[
            deduction("medical", "100", "m2"),
            deduction("education", "400", "m1"),
            deduction("medical", "50", None),
        ],
        single_person="m2",
    )
    assert summary(result) == ("100.00", "100.00", 1, 1, "600.00", True)


def test_it_compares_the_same_household_with_and_without_single_person_cover() -> None:
    household = members("m1", "m2")
    incomes = [income("m1", "wage", "2000")]
    # whole household: 2000 / 2 = 1000 >= 700, not eligible
    whole = calculate_dibao(policy=POLICY, members=household, incomes=incomes)
    # m2 alone has no income: 700 - 0 = 700
    alone = calculate_dibao(policy=POLICY, members=household, incomes=incomes, single_person="m2")
    assert summary(whole) == ("2000.00", "1000.00", 2, 2, "0.00", False)
    assert summary(alone) == ("0.00", "0.00", 1, 1, "700.00", True)


def test_it_applies_the_policy_cap_given() -> None:
    # with a cap of 50: 1000 - 50 = 950; 950 / 2 = 475; (700 - 475) * 2 = 450
    policy = DibaoPolicy(standard_monthly=Decimal("700"), employment_cost_cap=Decimal("50"))
    result = calculate_dibao(
        policy=policy,
        members=members("m1", "m2"),
        incomes=[income("m1", "wage", "1000"), income("m1", "employment_cost", "150")],
    )
    assert summary(result) == ("950.00", "475.00", 2, 2, "450.00", True)


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        pytest.param(
            {"members": []}, "no_members", "A household needs at least one member.", id="empty"
        ),
        pytest.param(
            {"members": members("m1", "m2", "m1")},
            "duplicate_member",
            "Member m1 is listed more than once.",
            id="duplicate",
        ),
        pytest.param(
            {"members": members("m1"), "incomes": [income("m1", "salary", "1")]},
            "unknown_kind",
            "Unknown income kind salary.",
            id="income kind",
        ),
        pytest.param(
            {"members": members("m1"), "deductions": [deduction("rent", "1")]},
            "unknown_kind",
            "Unknown deduction kind rent.",
            id="deduction kind",
        ),
        pytest.param(
            {"members": members("m1"), "incomes": [income("m9", "wage", "1")]},
            "unknown_member",
            "Income refers to unknown member m9.",
            id="income member",
        ),
        pytest.param(
            {"members": members("m1"), "deductions": [deduction("medical", "1", "m9")]},
            "unknown_member",
            "Deduction refers to unknown member m9.",
            id="deduction member",
        ),
        pytest.param(
            {"members": members("m1"), "single_person": "m9"},
            "unknown_single_person",
            "The single-person applicant m9 is not a household member.",
            id="single person",
        ),
        pytest.param(
            {"members": members("m1"), "incomes": [income("m1", "wage", "-0.01")]},
            "invalid_amount",
            "The amount for wage must be a number of at least 0.",
            id="negative income",
        ),
        pytest.param(
            {"members": members("m1"), "deductions": [deduction("medical", "-5")]},
            "invalid_amount",
            "The amount for medical must be a number of at least 0.",
            id="negative deduction",
        ),
        pytest.param(
            {"members": members("m1"), "incomes": [income("m1", "wage", "NaN")]},
            "invalid_amount",
            "The amount for wage must be a number of at least 0.",
            id="not a number",
        ),
        pytest.param(
            {
                "members": members("m1"),
                "policy": DibaoPolicy(Decimal("-700"), Decimal("200")),
            },
            "invalid_amount",
            "The amount for standard_monthly must be a number of at least 0.",
            id="negative standard",
        ),
    ],
)
def test_it_rejects_bad_input(arguments: dict[str, Any], code: str, message: str) -> None:
    arguments = {"policy": POLICY, **arguments}
    with pytest.raises(AmountInputError) as caught:
        calculate_dibao(**arguments)
    assert caught.value.code == code
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


WRAPPER_POLICY: dict[str, Any] = {"standard_monthly": "700.00", "employment_cost_cap": "200"}


def test_it_round_trips_json_through_the_wrapper() -> None:
    household = json.loads(
        """
        {
          "members": [
            {"key": "m1", "covered": true},
            {"key": "m2", "covered": true},
            {"key": "m3", "covered": false}
          ],
          "incomes": [
            {"member": "m1", "kind": "wage", "monthly": "1200.00"},
            {"member": "m1", "kind": "employment_cost", "monthly": 250},
            {"member": "m2", "kind": "transfer", "monthly": 100.5},
            {"member": "m3", "kind": "award", "monthly": "500"}
          ],
          "deductions": [{"kind": "medical", "monthly": "300", "member": "m2"}],
          "single_person": null
        }
        """
    )
    # m1: 1200 - min(250, 200) = 1000; m2: 100.50; award excluded; minus 300
    # medical = 800.50; 800.50 / 3 = 266.8333 -> 266.83; (700 - 266.83) * 2 = 866.34
    result = dibao_amount(household, WRAPPER_POLICY)
    assert result == {
        "counted_income": "800.50",
        "per_capita_income": "266.83",
        "household_size": 3,
        "covered_members": 2,
        "base_amount": "866.34",
        "supplements": [],
        "supplement_amount": "0.00",
        "monthly_amount": "866.34",
        "eligible": True,
    }
    assert json.loads(json.dumps(result)) == result


def test_it_defaults_optional_wrapper_fields() -> None:
    # no incomes, deductions, covered flags or single_person: 700 * 2 = 1400
    result = dibao_amount(
        {"members": [{"key": "a"}, {"key": "b"}]},
        {"standard_monthly": 700, "employment_cost_cap": 0},
    )
    assert result == {
        "counted_income": "0.00",
        "per_capita_income": "0.00",
        "household_size": 2,
        "covered_members": 2,
        "base_amount": "1400.00",
        "supplements": [],
        "supplement_amount": "0.00",
        "monthly_amount": "1400.00",
        "eligible": True,
    }


def test_it_passes_single_person_and_household_deductions_through_the_wrapper() -> None:
    household = {
        "members": [{"key": "m1"}, {"key": "m2"}],
        "incomes": [
            {"member": "m1", "kind": "wage", "monthly": "2000"},
            {"member": "m2", "kind": "business", "monthly": "150"},
        ],
        "deductions": [{"kind": "education", "monthly": "100"}],
        "single_person": "m2",
    }
    # m2 alone: 150, the household-wide education cost is ignored; 700 - 150 = 550
    assert dibao_amount(household, WRAPPER_POLICY) == {
        "counted_income": "150.00",
        "per_capita_income": "150.00",
        "household_size": 1,
        "covered_members": 1,
        "base_amount": "550.00",
        "supplements": [],
        "supplement_amount": "0.00",
        "monthly_amount": "550.00",
        "eligible": True,
    }
    # the whole household: 2150 - 100 = 2050; 2050 / 2 = 1025 >= 700
    assert dibao_amount({**household, "single_person": None}, WRAPPER_POLICY) == {
        "counted_income": "2050.00",
        "per_capita_income": "1025.00",
        "household_size": 2,
        "covered_members": 2,
        "base_amount": "0.00",
        "supplements": [],
        "supplement_amount": "0.00",
        "monthly_amount": "0.00",
        "eligible": False,
    }


VALID_HOUSEHOLD: dict[str, Any] = {
    "members": [{"key": "m1"}],
    "incomes": [{"member": "m1", "kind": "wage", "monthly": "100"}],
    "deductions": [{"kind": "medical", "monthly": "10", "member": "m1"}],
}


def changed(**fields: Any) -> dict[str, Any]:
    return {**VALID_HOUSEHOLD, **fields}


@pytest.mark.parametrize(
    ("household", "policy", "code"),
    [
        pytest.param([], WRAPPER_POLICY, "malformed", id="household not an object"),
        pytest.param(VALID_HOUSEHOLD, "700", "malformed", id="policy not an object"),
        pytest.param(
            VALID_HOUSEHOLD, {"standard_monthly": "700"}, "malformed", id="policy missing cap"
        ),
        pytest.param(
            VALID_HOUSEHOLD,
            {"standard_monthly": True, "employment_cost_cap": "200"},
            "malformed",
            id="policy bool",
        ),
        pytest.param(
            VALID_HOUSEHOLD,
            {"standard_monthly": "-1", "employment_cost_cap": "200"},
            "invalid_amount",
            id="policy negative",
        ),
        pytest.param({}, WRAPPER_POLICY, "no_members", id="members missing"),
        pytest.param(changed(members="m1"), WRAPPER_POLICY, "malformed", id="members a string"),
        pytest.param(changed(members=["m1"]), WRAPPER_POLICY, "malformed", id="member a string"),
        pytest.param(
            changed(members=[{"covered": True}]), WRAPPER_POLICY, "malformed", id="member no key"
        ),
        pytest.param(
            changed(members=[{"key": 1}]), WRAPPER_POLICY, "malformed", id="member key a number"
        ),
        pytest.param(
            changed(members=[{"key": "m1", "covered": "yes"}]),
            WRAPPER_POLICY,
            "malformed",
            id="covered not bool",
        ),
        pytest.param(
            changed(members=[{"key": "m1"}, {"key": "m1"}]),
            WRAPPER_POLICY,
            "duplicate_member",
            id="duplicate member",
        ),
        pytest.param(
            changed(incomes=[{"member": "m1", "kind": "wage"}]),
            WRAPPER_POLICY,
            "malformed",
            id="income no amount",
        ),
        pytest.param(
            changed(incomes=[{"member": "m1", "kind": "wage", "monthly": True}]),
            WRAPPER_POLICY,
            "malformed",
            id="income amount bool",
        ),
        pytest.param(
            changed(incomes=[{"member": "m1", "kind": "wage", "monthly": "abc"}]),
            WRAPPER_POLICY,
            "malformed",
            id="income amount text",
        ),
        pytest.param(
            changed(incomes=[{"member": "m1", "kind": "wage", "monthly": None}]),
            WRAPPER_POLICY,
            "malformed",
            id="income amount null",
        ),
        pytest.param(
            changed(incomes=[{"member": "m1", "kind": "wage", "monthly": "-100"}]),
            WRAPPER_POLICY,
            "invalid_amount",
            id="income amount negative",
        ),
        pytest.param(
            changed(incomes=[{"member": "m1", "kind": "bonus", "monthly": "1"}]),
            WRAPPER_POLICY,
            "unknown_kind",
            id="income kind unknown",
        ),
        pytest.param(
            changed(incomes=[{"member": "m2", "kind": "wage", "monthly": "1"}]),
            WRAPPER_POLICY,
            "unknown_member",
            id="income member unknown",
        ),
        pytest.param(changed(incomes=["wage"]), WRAPPER_POLICY, "malformed", id="income a string"),
        pytest.param(
            changed(deductions=[{"kind": "medical", "monthly": "1", "member": 3}]),
            WRAPPER_POLICY,
            "malformed",
            id="deduction member a number",
        ),
        pytest.param(
            changed(deductions=[{"kind": "rent", "monthly": "1"}]),
            WRAPPER_POLICY,
            "unknown_kind",
            id="deduction kind unknown",
        ),
        pytest.param(
            changed(deductions=[{"kind": "medical", "monthly": "-1"}]),
            WRAPPER_POLICY,
            "invalid_amount",
            id="deduction negative",
        ),
        pytest.param(
            changed(deductions=[{"kind": "medical", "monthly": "1", "member": "m2"}]),
            WRAPPER_POLICY,
            "unknown_member",
            id="deduction member unknown",
        ),
        pytest.param(
            changed(single_person=5), WRAPPER_POLICY, "malformed", id="single person a number"
        ),
        pytest.param(
            changed(single_person="m2"),
            WRAPPER_POLICY,
            "unknown_single_person",
            id="single person unknown",
        ),
    ],
)
def test_it_rejects_malformed_wrapper_input(household: Any, policy: Any, code: str) -> None:
    with pytest.raises(AmountInputError) as caught:
        dibao_amount(household, policy)
    assert caught.value.code == code


def test_it_names_the_malformed_place() -> None:
    household = changed(incomes=[{"member": "m1", "kind": "wage", "monthly": "abc"}])
    with pytest.raises(AmountInputError) as caught:
        dibao_amount(household, WRAPPER_POLICY)
    assert str(caught.value) == "The household data is malformed at incomes[0].monthly."


def test_it_accepts_the_valid_household_used_for_error_cases() -> None:
    # Guards the table above: each case must fail only because of its change.
    # 100 - 10 = 90; 700 - 90 = 610
    assert dibao_amount(VALID_HOUSEHOLD, WRAPPER_POLICY)["monthly_amount"] == "610.00"


def test_it_breaks_the_amount_down_with_the_same_figures() -> None:
    policy = DibaoPolicy(standard_monthly=Decimal("600"), employment_cost_cap=Decimal("200"))
    members = [MemberInput("a"), MemberInput("b"), MemberInput("c", covered=False)]
    incomes = [
        IncomeInput("a", "wage", Decimal("900")),
        IncomeInput("a", "employment_cost", Decimal("350")),
        IncomeInput("b", "business", Decimal("100")),
        IncomeInput("b", "employment_cost", Decimal("50")),  # no wage: nothing to offset
        IncomeInput("c", "basic_pension", Decimal("300")),
    ]
    deductions = [
        DeductionInput("medical", Decimal("60"), "b"),
        DeductionInput("education", Decimal("30")),
    ]
    breakdown = dibao_breakdown(
        policy=policy, members=members, incomes=incomes, deductions=deductions
    )
    assert breakdown.result == calculate_dibao(
        policy=policy, members=members, incomes=incomes, deductions=deductions
    )
    lines = {line.key: line for line in breakdown.members}
    assert (lines["a"].counted, lines["a"].employment_costs) == (Decimal("900"), Decimal("350"))
    assert (lines["a"].employment_costs_allowed, lines["a"].net) == (Decimal("200"), Decimal("700"))
    assert (lines["b"].employment_costs_allowed, lines["b"].net) == (Decimal("0"), Decimal("100"))
    assert (lines["c"].counted, lines["c"].net) == (Decimal("0"), Decimal("0"))
    assert len(lines["c"].incomes) == 1  # the pension is shown, not counted
    assert breakdown.deducted == Decimal("90") and len(breakdown.deductions) == 2
    # (700 + 100 - 90) / 3 = 236.67; (600 - 236.67) × 2 covered = 726.66
    assert breakdown.result.per_capita_income == Decimal("236.67")
    assert breakdown.result.monthly_amount == Decimal("726.66")


def test_it_breaks_down_a_single_person_cover_with_that_person_only() -> None:
    policy = DibaoPolicy(standard_monthly=Decimal("600"), employment_cost_cap=Decimal("200"))
    breakdown = dibao_breakdown(
        policy=policy,
        members=[MemberInput("a"), MemberInput("b")],
        incomes=[
            IncomeInput("a", "wage", Decimal("3000")),
            IncomeInput("b", "transfer", Decimal("50")),
        ],
        deductions=[
            DeductionInput("medical", Decimal("100")),
            DeductionInput("disability", Decimal("20"), "b"),
        ],
        single_person="b",
    )
    assert [line.key for line in breakdown.members] == ["b"]
    assert [d.kind for d in breakdown.deductions] == ["disability"]
    assert breakdown.result.monthly_amount == Decimal("570.00")


# ---------------------------------------------------------------- 增发 for special groups

SUPPLEMENTS = SupplementPolicy(
    elderly=Decimal("50"),
    minor=Decimal("40"),
    severe_disability=Decimal("120"),
    serious_illness=Decimal("100"),
    elderly_age=70,
)
WITH_SUPPLEMENTS = DibaoPolicy(
    standard_monthly=Decimal("700.00"),
    employment_cost_cap=Decimal("200.00"),
    supplements=SUPPLEMENTS,
)


def test_it_adds_the_supplement_of_each_special_group_member() -> None:
    people = [
        MemberInput("parent", age=45),
        MemberInput("elder", age=72),
        MemberInput("child", age=9),
        MemberInput("ill", age=50, seriously_ill=True),
    ]
    result = calculate_dibao(
        policy=WITH_SUPPLEMENTS, members=people, incomes=[income("parent", "wage", "1200")]
    )
    # 1200 / 4 = 300; (700 - 300) x 4 = 1600; then 50 + 40 + 100 for the elder, child, ill.
    assert result.base_amount == Decimal("1600.00")
    assert [(s.member, s.group, s.monthly) for s in result.supplements] == [
        ("elder", "elderly", Decimal("50.00")),
        ("child", "minor", Decimal("40.00")),
        ("ill", "serious_illness", Decimal("100.00")),
    ]
    assert result.monthly_amount == Decimal("1790.00")


def test_it_pays_one_supplement_per_person_the_highest() -> None:
    elder = MemberInput("elder", age=80, disability_grade=1, seriously_ill=True)
    result = calculate_dibao(policy=WITH_SUPPLEMENTS, members=[elder])
    assert [(s.group, s.monthly) for s in result.supplements] == [
        ("severe_disability", Decimal("120.00"))
    ]
    assert result.monthly_amount == Decimal("820.00")


@pytest.mark.parametrize(
    ("member", "supplemented"),
    [
        (MemberInput("m", age=69), False),  # below the region's elderly age
        (MemberInput("m", age=70), True),
        (MemberInput("m", age=18), False),  # an adult
        (MemberInput("m", age=17), True),
        (MemberInput("m", age=40, disability_grade=3), False),  # not severe
        (MemberInput("m", age=40, disability_grade=2), True),
        (MemberInput("m", age=75, covered=False), False),  # not paid for
    ],
)
def test_it_supplements_only_covered_members_of_a_group(member, supplemented) -> None:
    others = [MemberInput("a", age=40)]
    result = calculate_dibao(policy=WITH_SUPPLEMENTS, members=[*others, member])
    assert bool(result.supplements) is supplemented


def test_it_adds_nothing_to_a_household_that_gets_no_dibao() -> None:
    result = calculate_dibao(
        policy=WITH_SUPPLEMENTS,
        members=[MemberInput("elder", age=90)],
        incomes=[income("elder", "transfer", "800")],
    )
    assert not result.eligible and result.supplements == () and result.monthly_amount == 0


def test_it_supplements_only_the_single_person_covered_alone() -> None:
    result = calculate_dibao(
        policy=WITH_SUPPLEMENTS,
        members=[MemberInput("ill", age=30, seriously_ill=True), MemberInput("kid", age=5)],
        single_person="ill",
    )
    assert [s.member for s in result.supplements] == ["ill"]
    assert result.monthly_amount == Decimal("800.00")


def test_it_shows_the_supplements_in_the_wrapper_breakdown() -> None:
    household = {
        "members": [
            {"key": "m1", "age": 45},
            {"key": "m2", "age": 75, "disability_grade": None, "seriously_ill": False},
        ],
        "incomes": [{"member": "m1", "kind": "wage", "monthly": "600"}],
    }
    policy = {
        **WRAPPER_POLICY,
        "supplements": {
            "elderly": "50.00",
            "minor": "40.00",
            "severe_disability": "120.00",
            "serious_illness": "100.00",
            "elderly_age": 70,
        },
    }
    result = dibao_amount(household, policy)
    # 600 / 2 = 300; (700 - 300) x 2 = 800; + 50 for the elder
    assert result["base_amount"] == "800.00"
    assert result["supplements"] == [{"member": "m2", "group": "elderly", "monthly": "50.00"}]
    assert result["supplement_amount"] == "50.00"
    assert result["monthly_amount"] == "850.00"


def test_it_reads_the_supplements_from_the_region_policy() -> None:
    policy = {
        "dibao_supplement_elderly": "50.00",
        "dibao_supplement_minor": "40.00",
        "dibao_supplement_severe_disability": "120.00",
        "dibao_supplement_serious_illness": "100.00",
        "dibao_supplement_elderly_age": 70,
    }
    assert dibao_supplements(policy) == {
        "elderly": "50.00",
        "minor": "40.00",
        "severe_disability": "120.00",
        "serious_illness": "100.00",
        "elderly_age": 70,
    }


@pytest.mark.parametrize(
    "supplements",
    [{"elderly": "-1"}, {"minor": "x"}, {"elderly_age": "70"}, "lots"],
)
def test_it_rejects_malformed_supplements(supplements) -> None:
    with pytest.raises(AmountInputError):
        dibao_amount({"members": [{"key": "a"}]}, {**WRAPPER_POLICY, "supplements": supplements})
