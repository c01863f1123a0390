"""Every kind's amount breakdown comes to what its process computes for the same case: each
case is driven through its own process, then the page's breakdown is compared with the
process variable and, once approved, with Case.monthly_amount."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from assistance import actions
from assistance.breakdowns import Breakdown
from assistance.models import Case, CaseStatus, RegionPolicy
from engine import runtime
from engine.clock import clock
from engine.models import ProcessInstance
from portal import case_queries
from tests.fixtures import deploy_only
from tests.workflows import disability as disability_flow
from tests.workflows import elderly as elderly_flow
from tests.workflows import orphan as orphan_flow
from tests.workflows import temporary as temporary_flow
from tests.workflows.dibao import check, complete, investigate
from tests.workflows.tekun import CHILD, approve_opinion, assess, to_opinion
from tests.workflows.tekun import apply as apply_tekun

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def breakdown_of(case: Case) -> Breakdown:
    case = Case.objects.get(pk=case.pk)
    members = list(case.household.members.prefetch_related("incomes").order_by("pk"))
    view, problem = case_queries.amount_for(case, members, list(case.household.deductions.all()))
    assert problem == ""
    assert isinstance(view, case_queries.LinesView)
    return view.breakdown


def process_data(case: Case, key: str) -> dict[str, Any]:
    instance = ProcessInstance.objects.filter(case=case, definition__key=key).latest("pk")
    return runtime.instance_data(instance)


def summed(breakdown: Breakdown) -> Decimal:
    """The money column adds up to the total where the total is a sum (特困, 两项补贴)."""
    return sum((line.amount for line in breakdown.lines if line.amount is not None), Decimal(0))


def params(breakdown: Breakdown) -> set[str]:
    return {key for line in breakdown.lines for key in line.params}


# ---------------------------------------------------------------- 特困


@pytest.fixture
def deployed_tekun(world) -> None:
    deploy_only("tekun.bpmn", "tekun_reassessment.bpmn", actor=world["policy"])


@pytest.mark.usefixtures("deployed_tekun")
@pytest.mark.parametrize(
    ("failed", "level", "percent_param"),
    [
        (0, "Fully self-caring", None),
        (2, "Partial care", "tekun_care_partial_percent"),
        (5, "Full care", "tekun_care_full_percent"),
    ],
)
def test_it_adds_the_tekun_care_allowance_of_the_assessed_level(
    world, failed, level, percent_param
):
    case = apply_tekun(world, born=CHILD)
    to_opinion(world, case, failed=failed)
    amount = process_data(case, "tekun")["amount"]
    breakdown = breakdown_of(case)
    assert breakdown.total == Decimal(amount["monthly_amount"]) == summed(breakdown)
    care = {str(line.label): line for line in breakdown.lines}["Care level"]
    assert str(care.value) == level
    assert Decimal(amount["basic_living"]) in [line.amount for line in breakdown.lines]
    assert Decimal(amount["care_allowance"]) in [line.amount for line in breakdown.lines]
    assert {"tekun_basic_multiplier", "dibao_standard_rural"} <= params(breakdown)
    assert (percent_param in params(breakdown)) == (percent_param is not None)
    approve_opinion(world, case)
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert breakdown_of(case).total == case.monthly_amount


@pytest.mark.usefixtures("deployed_tekun")
def test_it_says_the_tekun_care_level_is_not_yet_assessed(world):
    case = apply_tekun(world, born=CHILD)
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    check(world, case)
    investigate(world, case)
    breakdown = breakdown_of(case)
    care = {str(line.label): line for line in breakdown.lines}["Care level"]
    assert str(care.value) == "not yet assessed"
    assert breakdown.notes
    assess(world, case, 5)
    assert str({str(x.label): x for x in breakdown_of(case).lines}["Care level"].value) == (
        "Full care"
    )


@pytest.mark.usefixtures("deployed_tekun")
def test_it_follows_the_tekun_care_level_of_a_reassessment(world):
    from assistance.kinds.tekun import do_report_care_change

    case = apply_tekun(world, born=CHILD)
    to_opinion(world, case, failed=2)
    approve_opinion(world, case)
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    partial = breakdown_of(case).total
    do_report_care_change(case, actor=world["clerk"], note="近期中风，行动不便。")
    # Until the new assessment, the level in force is the one approved.
    assert breakdown_of(case).total == partial == case.monthly_amount
    assess(world, case, 5, spec_name="reassessment")
    case.refresh_from_db()
    after = breakdown_of(case)
    assert after.total == case.monthly_amount == summed(after) != partial
    assert str({str(x.label): x for x in after.lines}["Care level"].value) == "Full care"


# ---------------------------------------------------------------- 临时救助


@pytest.fixture
def deployed_temporary(world) -> None:
    deploy_only("temporary.bpmn", actor=world["policy"])


@pytest.mark.usefixtures("deployed_temporary")
@pytest.mark.parametrize(
    ("assessed", "capped"),
    [("1500.00", False), ("3000.00", False), ("5000.00", True)],
)
def test_it_sets_the_temporary_amount_against_the_township_limit_and_the_maximum(
    world, assessed, capped
):
    case = temporary_flow.apply(world, requested="5000.00")
    temporary_flow.to_assessment(world, case)
    before = breakdown_of(case)
    assert before.total == Decimal("5000.00").min(
        Decimal(process_data(case, "temporary")["limits"]["maximum"])
    )
    temporary_flow.assess(world, case, assessed)
    data = process_data(case, "temporary")
    breakdown = breakdown_of(case)
    assert breakdown.total == Decimal(data["amount"]["one_off_amount"])
    lines = {str(line.label): line for line in breakdown.lines}
    assert lines["Amount assessed by the township"].amount == Decimal(assessed)
    assert lines["Township approves alone up to"].amount == Decimal(
        data["limits"]["township_limit"]
    )
    assert lines["Maximum"].amount == Decimal(data["limits"]["maximum"])
    level = {"township": "the township", "county": "the county"}[data["approval"]["level"]]
    assert str(lines["Approved by"].value) == level
    assert bool(breakdown.notes) == capped == data["approval"]["capped"]
    assert {"temporary_township_limit_multiple", "temporary_max_multiple"} <= params(breakdown)


@pytest.mark.usefixtures("deployed_temporary")
def test_it_shows_the_emergency_aid_paid_first(world):
    case = temporary_flow.apply(world, aid_type="emergency", cause="fire", requested="2000.00")
    temporary_flow.pay_first(world, case, "1500.00")
    data = process_data(case, "temporary")
    breakdown = breakdown_of(case)
    assert breakdown.total == Decimal(data["amount"]["one_off_amount"]) == Decimal("1500.00")
    lines = {str(line.label): line for line in breakdown.lines}
    assert lines["Paid first from the reserve fund"].amount == Decimal("1500.00")
    assert str(lines["Approved by"].value) == "the township"


@pytest.mark.usefixtures("deployed_temporary")
def test_it_names_the_fixed_temporary_limit_when_the_policy_sets_one(world):
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=clock.today(),
        values={"temporary_township_limit_fixed": "1000.00"},
    )
    case = temporary_flow.apply(world, requested="1200.00")
    temporary_flow.to_assessment(world, case)
    temporary_flow.assess(world, case, "1200.00")
    breakdown = breakdown_of(case)
    lines = {str(line.label): line for line in breakdown.lines}
    assert lines["Township approves alone up to"].amount == Decimal("1000.00")
    assert lines["Township approves alone up to"].params == ("temporary_township_limit_fixed",)
    assert process_data(case, "temporary")["approval"]["level"] == "county"
    assert str(lines["Approved by"].value) == "the county"


# ---------------------------------------------------------------- 两项补贴


@pytest.fixture
def deployed_disability(world) -> None:
    disability_flow.deploy_disability(world)
    disability_flow.federation_user(world)


def apply_disability(world, **kwargs: Any) -> Case:
    application = disability_flow.application(world, **kwargs)
    disability_flow.active_dibao_case(world, [m.resident_id for m in application.members])
    case = actions.do_apply(application, actor=world["clerk"])
    disability_flow.upload_scans(world, case)
    return case


@pytest.mark.usefixtures("deployed_disability")
@pytest.mark.parametrize(
    ("subsidy", "grade", "confirmed", "expected_lines"),
    [
        ("living", 1, 1, ["Living subsidy"]),
        ("nursing", 1, 1, ["Nursing subsidy"]),
        ("both", 1, 1, ["Living subsidy", "Nursing subsidy"]),
        ("both", 2, 3, ["Living subsidy"]),
    ],
)
def test_it_lists_each_disability_subsidy_granted(world, subsidy, grade, confirmed, expected_lines):
    case = apply_disability(world, subsidy=subsidy, grade=grade, category="physical")
    disability_flow.to_decision(world, case, grade=confirmed)
    breakdown = breakdown_of(case)
    money_lines = [str(line.label) for line in breakdown.lines if line.amount is not None]
    assert money_lines == expected_lines
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    after = breakdown_of(case)
    assert after.total == case.monthly_amount == summed(after)
    assert after.total == Decimal(process_data(case, "disability")["amount"]["monthly_amount"])
    paid_from = {str(line.label): line for line in after.lines}["Paid from"]
    assert paid_from.value == case.start_month.isoformat()[:7]


# ---------------------------------------------------------------- 孤儿


@pytest.mark.parametrize(
    ("category", "param"),
    [("orphan", "orphan_allowance_monthly"), ("unattended", "unattended_allowance_monthly")],
)
def test_it_pays_the_allowance_of_the_childs_category(world, category, param):
    deploy_only("orphan.bpmn", "orphan_support.bpmn", actor=world["policy"])
    case = orphan_flow.approve(world, category=category)
    assert case.status == CaseStatus.ACTIVE
    breakdown = breakdown_of(case)
    assert breakdown.total == case.monthly_amount
    assert breakdown.total == Decimal(process_data(case, "orphan")["amount"]["monthly_amount"])
    assert params(breakdown) == {param}


# ---------------------------------------------------------------- 高龄


@pytest.mark.parametrize("years", [85, 95, 101])
def test_it_shows_the_elderly_age_band_the_table_gave(world, years):
    elderly_flow.deploy_elderly(world["policy"])
    case = elderly_flow.apply(world, elderly_flow.born_aged(years))
    data = process_data(case, "elderly")
    breakdown = breakdown_of(case)
    lines = {str(line.label): line for line in breakdown.lines}
    assert lines["Age"].value == str(years) == str(data["age"])
    assert lines["Band"].value == data["band"]
    assert breakdown.total == Decimal(data["amount"]["monthly_amount"])
    elderly_flow.approve(world, case)
    case.refresh_from_db()
    assert breakdown_of(case).total == case.monthly_amount


def test_it_names_the_needy_elderly_parameters(world):
    elderly_flow.deploy_elderly(world["policy"])
    dibao, elder = elderly_flow.active_dibao_member(world, elderly_flow.born_aged(70))
    case = elderly_flow.apply_needy_in_dibao_household(world, dibao, elder)
    breakdown = breakdown_of(case)
    data = process_data(case, "elderly")
    assert breakdown.total == Decimal(data["amount"]["monthly_amount"])
    assert "elderly_needy_monthly" in params(breakdown)
    assert str({str(x.label): x for x in breakdown.lines}["Allowance"].value) == (
        "Needy-elderly subsidy"
    )
