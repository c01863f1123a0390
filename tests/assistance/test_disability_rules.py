"""Disability subsidies: who may apply for what, and how much is paid."""

from __future__ import annotations

from datetime import date

import pytest

from assistance import actions
from assistance.actions import ActionError
from assistance.ids import parse_resident_id
from assistance.kinds import disability
from assistance.models import Case, CaseStatus, RegionPolicy
from tests.workflows.disability import (
    active_dibao_case,
    application,
    apply,
    deploy_disability,
)

POLICY = {
    "disability_living_monthly": "80.00",
    "disability_nursing_monthly": "90.00",
    "disability_nursing_grade34_mental": True,
}
STRICT = {**POLICY, "disability_nursing_grade34_mental": False}


@pytest.fixture
def deployed(world):
    deploy_disability(world)


def numbers(app: actions.ApplicationData) -> list[str]:
    return [parse_resident_id(m.resident_id, today=date(2026, 3, 2)).number for m in app.members]


# ---------------------------------------------------------------- tables


@pytest.mark.parametrize(
    ("subsidy", "policy", "expected"),
    [
        (
            "living",
            POLICY,
            {"living_monthly": "80.00", "nursing_monthly": "0.00", "monthly_amount": "80.00"},
        ),
        (
            "nursing",
            POLICY,
            {"living_monthly": "0.00", "nursing_monthly": "90.00", "monthly_amount": "90.00"},
        ),
        (
            "both",
            POLICY,
            {"living_monthly": "80.00", "nursing_monthly": "90.00", "monthly_amount": "170.00"},
        ),
        (
            "both",
            {**POLICY, "disability_living_monthly": "65.5", "disability_nursing_monthly": "100"},
            {"living_monthly": "65.50", "nursing_monthly": "100.00", "monthly_amount": "165.50"},
        ),
    ],
)
def test_it_computes_the_monthly_amount(subsidy, policy, expected):
    assert disability.subsidy_amount(subsidy, policy) == {"subsidy": subsidy, **expected}


def test_it_refuses_an_unknown_subsidy_amount():
    with pytest.raises(ValueError, match="unknown disability subsidy"):
        disability.subsidy_amount("", POLICY)


@pytest.mark.parametrize(
    ("grade", "category", "policy", "qualifies"),
    [
        (1, "physical", STRICT, True),
        (2, "visual", STRICT, True),
        (3, "physical", POLICY, False),
        (4, "hearing", POLICY, False),
        (3, "intellectual", POLICY, True),
        (4, "mental", POLICY, True),
        (3, "intellectual", STRICT, False),
        (4, "mental", STRICT, False),
        (3, "multiple", POLICY, False),
    ],
)
def test_it_decides_who_is_severely_disabled_for_nursing(grade, category, policy, qualifies):
    assert disability.nursing_qualifies(grade, category, policy) is qualifies


@pytest.mark.parametrize(
    ("subsidy", "grade", "category", "granted"),
    [
        ("living", 4, "physical", "living"),
        ("nursing", 1, "physical", "nursing"),
        ("nursing", 3, "physical", ""),
        ("nursing", 3, "mental", "nursing"),
        ("both", 2, "speech", "both"),
        ("both", 3, "physical", "living"),
        ("other", 1, "physical", ""),
    ],
)
def test_it_grants_what_the_confirmed_grade_allows(subsidy, grade, category, granted):
    assert disability.granted_subsidy(subsidy, grade, category, POLICY) == granted


@pytest.mark.parametrize(
    ("applied_on", "month"),
    [
        ("2026-03-31", "2026-03-01"),
        ("2026-03-01", "2026-03-01"),
        ("2026-12-15", "2026-12-01"),
        ("2026-04-02T09:00:00+08:00", "2026-04-01"),
    ],
)
def test_it_pays_from_the_month_of_application(applied_on, month):
    assert disability.month_of(applied_on) == month


# ---------------------------------------------------------------- applications


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_refuses_the_living_subsidy_on_the_spot_outside_a_dibao_household(world):
    with pytest.raises(ActionError, match="only for disabled members of dibao households"):
        apply(world, subsidy="living")
    with pytest.raises(ActionError, match="dibao households"):
        apply(world, subsidy="both")
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize(
    ("status", "accepted"),
    [
        (CaseStatus.ACTIVE, True),
        (CaseStatus.IN_PROGRESS, False),
        (CaseStatus.REFUSED, False),
        (CaseStatus.CLOSED, False),
    ],
)
def test_it_needs_an_active_dibao_case_for_the_living_subsidy(world, status, accepted):
    app = application(world, subsidy="living", members=2)
    # The dibao case may be held by any member of the household, here the second one.
    active_dibao_case(world, numbers(app)[1:], status=status)
    if accepted:
        disability.check_application(app)
    else:
        with pytest.raises(ActionError, match="dibao households"):
            disability.check_application(app)


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_ignores_an_active_case_of_another_kind(world):
    app = application(world, subsidy="living")
    case = active_dibao_case(world, numbers(app))
    Case.objects.filter(pk=case.pk).update(assistance_type="tekun")
    with pytest.raises(ActionError, match="dibao households"):
        disability.check_application(app)


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_accepts_a_living_application_from_a_dibao_household(world):
    app = application(world, subsidy="living")
    dibao = active_dibao_case(world, numbers(app))
    case = actions.do_apply(app, actor=world["clerk"])
    assert case.details["subsidy"] == "living"
    # The subsidy case joins the household the members are registered in.
    assert case.household_id == dibao.household_id


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_refuses_nursing_on_the_spot_for_grade_3_physical(world):
    with pytest.raises(ActionError, match="nursing subsidy is for grade 1-2"):
        apply(world, subsidy="nursing", grade=3, category="physical")
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_accepts_nursing_for_grade_3_intellectual_where_the_policy_allows(world):
    case = apply(world, subsidy="nursing", grade=3, category="intellectual")
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.details == {
        "subsidy": "nursing",
        "disabled_member": 0,
        "certificate_no": "43110119800501123X11",
        "grade": 3,
        "category": "intellectual",
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_refuses_grade_3_intellectual_where_the_policy_does_not_allow(world):
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 1, 1),
        values={"disability_nursing_grade34_mental": False},
    )
    with pytest.raises(ActionError, match="nursing subsidy is for grade 1-2"):
        apply(world, subsidy="nursing", grade=3, category="intellectual")


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subsidy": "pension"}, "Choose the living subsidy"),
        ({"disabled_member": 2}, "Choose the disabled member"),
        ({"disabled_member": True}, "Choose the disabled member"),
        ({"certificate_no": " "}, "disability certificate"),
        ({"grade": 5}, "grade is 1, 2, 3 or 4"),
        ({"grade": "1"}, "grade is 1, 2, 3 or 4"),
        ({"category": "other"}, "category of disability"),
    ],
)
def test_it_refuses_incomplete_details(world, change, message):
    app = application(world, members=2)
    app.details.update(change)
    with pytest.raises(ActionError, match=message):
        actions.do_apply(app, actor=world["clerk"])


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize(("notice_days", "length"), [(5, 7), (7, 7), (10, 10)])
def test_it_posts_the_notice_for_at_least_seven_days(world, notice_days, length):
    # bulk_create skips RegionPolicy.save, which refuses fewer than 7 days: a record written
    # before that check still gets a notice of at least 7.
    RegionPolicy.objects.bulk_create(
        [
            RegionPolicy(
                region=world.township_a,
                effective_from=date(2026, 1, 1),
                values={"notice_days": notice_days},
            )
        ]
    )
    case = apply(world)
    data = actions.process_data(case)
    assert data["notice_length"] == length
    assert data["notice_required"] is True
    assert data["disabled_member_name"] == "残疾人0"
