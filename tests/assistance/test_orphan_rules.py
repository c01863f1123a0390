"""The orphan kind's own rules: who may apply, the birthday arithmetic, the policy
parameters and the outcome of the follow-up process."""

from __future__ import annotations

from datetime import date

import pytest

from assistance.actions import ActionError, ApplicationData, MemberData
from assistance.ids import make_resident_id, parse_resident_id
from assistance.kinds import kind_for
from assistance.kinds.orphan import (
    add_months,
    apply_support_outcome,
    check_application,
    masked_details,
    midnight,
    turns_18_on,
)
from assistance.models import AssistanceType, Case, CaseStatus
from assistance.policy import PolicyError, clean_values, policy_for

CHILD = make_resident_id("431101", date(2015, 5, 1), 10, "M")
GUARDIAN = make_resident_id("431101", date(1965, 8, 20), 11, "F")


def application(*, child: str = CHILD, covered_other: bool | None = None, **details: object):
    members = [MemberData(name="小明", resident_id=child, is_applicant=True)]
    if covered_other is not None:
        members.append(
            MemberData(
                name="王奶奶",
                resident_id=make_resident_id("431101", date(1950, 1, 1), 12, "F"),
                covered=covered_other,
            )
        )
    return ApplicationData(
        region_id=0,
        address="东村",
        hukou="rural",
        members=members,
        assistance_type=AssistanceType.ORPHAN,
        details={
            "category": "orphan",
            "guardian_name": "王奶奶",
            "guardian_resident_id": GUARDIAN,
            "in_school": False,
            **details,
        },
    )


def test_it_registers_the_kind():
    kind = kind_for("orphan")
    assert kind is not None
    assert (kind.process_key, kind.case_prefix) == ("orphan", "GE")


@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"category": "poor"}, "orphan or a de facto unattended child"),
        ({"guardian_name": "  "}, "guardian's name"),
        ({"guardian_resident_id": "43110119650820111"}, "Guardian: A resident ID has 18"),
        ({"guardian_resident_id": GUARDIAN[:-1] + "0"}, "Guardian: The check character"),
        ({"guardian_resident_id": CHILD}, "cannot be the child"),
        (
            {"guardian_resident_id": make_resident_id("431101", date(2009, 1, 1), 13, "M")},
            "must be an adult",
        ),
        ({"in_school": "yes"}, "in school"),
        ({"parents": "dead"}, "Unknown application details: parents"),
    ],
)
def test_it_refuses_wrong_details(changes, message):
    with pytest.raises(ActionError, match=message):
        check_application(application(**changes))


@pytest.mark.usefixtures("fixed_clock")
def test_it_covers_only_the_child():
    check_application(application(covered_other=False))
    with pytest.raises(ActionError, match="Only the child is covered"):
        check_application(application(covered_other=True))


@pytest.mark.usefixtures("fixed_clock")
def test_it_accepts_an_unattended_child_and_normalises_the_guardian_id():
    guardian = next(
        number
        for sequence in range(100)
        if (number := make_resident_id("431101", date(1970, 2, 3), sequence, "M")).endswith("X")
    )
    data = application(
        category="unattended", guardian_resident_id=f" {guardian.lower()} ", in_school=True
    )
    check_application(data)
    assert data.details["guardian_resident_id"] == guardian


@pytest.mark.usefixtures("fixed_clock")
def test_it_reports_an_invalid_child_id_with_the_childs_name():
    with pytest.raises(ActionError, match="小明: A resident ID has 18"):
        check_application(application(child="4311012015"))


@pytest.mark.parametrize(
    ("born", "adult_on"),
    [
        (date(2008, 4, 28), date(2026, 4, 28)),
        (date(2010, 12, 31), date(2028, 12, 31)),
        (date(2008, 2, 29), date(2026, 3, 1)),  # 2026 has no 29 February
        (date(2012, 2, 29), date(2030, 3, 1)),
        (date(2014, 2, 28), date(2032, 2, 28)),
    ],
)
def test_it_finds_the_18th_birthday(born, adult_on):
    assert turns_18_on(born) == adult_on
    # The same day the resident ID says the person is 18.
    resident = parse_resident_id(make_resident_id("431101", born, 1, "M"))
    assert resident.age_on(adult_on) == 18
    assert resident.age_on(date.fromordinal(adult_on.toordinal() - 1)) == 17


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-04-28", 12, "2027-04-28"),
        ("2026-04-28", 24, "2028-04-28"),
        ("2026-01-31", 1, "2026-02-28"),
        ("2028-01-31", 1, "2028-02-29"),
        ("2027-12-15", 1, "2028-01-15"),
        ("2026-03-01", 6, "2026-09-01"),
        ("2028-02-29", 12, "2029-02-28"),
    ],
)
def test_it_adds_whole_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-28", "2026-04-28T00:00:00+08:00"),
        ("2033-05-01", "2033-05-01T00:00:00+08:00"),
        ("2026-12-31T15:59:59+00:00", "2026-12-31T00:00:00+08:00"),
        ("2026-12-31T16:00:00+00:00", "2027-01-01T00:00:00+08:00"),
    ],
)
def test_it_gives_midnight_in_china(day, expected):
    assert midnight(day) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"orphan_schooling_recheck_months": 12}, {"orphan_schooling_recheck_months": 12}),
        ({"orphan_schooling_recheck_months": 1}, {"orphan_schooling_recheck_months": 1}),
        ({"orphan_allowance_monthly": "1500"}, {"orphan_allowance_monthly": "1500.00"}),
        ({"unattended_allowance_monthly": 1200}, {"unattended_allowance_monthly": "1200.00"}),
        ({"orphan_verification_working_days": 10}, {"orphan_verification_working_days": 10}),
    ],
)
def test_it_cleans_the_orphan_parameters(values, expected):
    assert clean_values(values) == expected


@pytest.mark.parametrize(
    "values",
    [
        {"orphan_schooling_recheck_months": 0},
        {"orphan_schooling_recheck_months": 25},
        {"orphan_schooling_recheck_months": True},
        {"orphan_schooling_recheck_months": "12"},
        {"orphan_allowance_monthly": "-1"},
        {"orphan_confirmation_working_days": 400},
    ],
)
def test_it_refuses_wrong_orphan_parameters(values):
    with pytest.raises(PolicyError):
        clean_values(values)


@pytest.mark.django_db
def test_it_gives_the_demo_values_to_the_test_county(world):
    policy = policy_for(world.village_a1, date(2026, 3, 2))
    assert policy["orphan_allowance_monthly"] == "1500.00"
    assert policy["unattended_allowance_monthly"] == "1200.00"
    assert policy["orphan_verification_working_days"] == 15
    assert policy["orphan_confirmation_working_days"] == 15
    assert policy["orphan_schooling_recheck_months"] == 12


def test_it_masks_the_guardian_id_for_the_process():
    details = {"category": "orphan", "guardian_resident_id": GUARDIAN, "in_school": True}
    assert masked_details(details) == {
        "category": "orphan",
        "guardian_resident_id": "**************" + GUARDIAN[-4:],
        "in_school": True,
    }
    assert details["guardian_resident_id"] == GUARDIAN


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"outcome": "closed", "decided_on": "2026-04-29", "end_reason": "age_18"}, "age_18"),
        (
            {"outcome": "closed", "decided_on": "2026-04-29", "end_reason": "schooling_ended"},
            "schooling_ended",
        ),
        ({"outcome": "closed", "decided_on": "2026-04-29"}, "age_18"),
    ],
)
def test_it_closes_the_case_when_the_support_ends(data, reason):
    case = Case(status=CaseStatus.ACTIVE)
    assert apply_support_outcome(case, data) == ["status", "ended_on", "end_reason"]
    assert (case.status, case.ended_on, case.end_reason) == (
        CaseStatus.CLOSED,
        date(2026, 4, 29),
        reason,
    )


def test_it_refuses_a_support_process_ending_without_closing():
    with pytest.raises(ValueError, match="without closing"):
        apply_support_outcome(Case(status=CaseStatus.ACTIVE), {"outcome": "approved"})
