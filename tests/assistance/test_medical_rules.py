"""The medical-aid top-up rule (医疗救助) and what an application must hold."""

from __future__ import annotations

from datetime import date

import pytest

from assistance import actions
from assistance.kinds.medical import DEMO_POLICY, MedicalRuleError, check_details, medical_amount
from assistance.models import AssistanceType, Case
from assistance.policy import PolicyError, clean_values
from tests.fixtures import deploy_only
from tests.workflows.disability import active_dibao_case
from tests.workflows.medical import PATIENT, application, details

POLICY = {**DEMO_POLICY}  # tekun 100 %, dibao 70 %, low-income 50 %, cap 30,000 yuan


@pytest.mark.parametrize(
    ("total", "basic", "serious", "klass", "granted", "remaining", "amount", "capped"),
    [
        # The class's share of what both insurances leave.
        ("20000.00", "12000.00", "3000.00", "tekun", "0", "5000.00", "5000.00", False),
        ("20000.00", "12000.00", "3000.00", "dibao", "0", "5000.00", "3500.00", False),
        ("20000.00", "12000.00", "3000.00", "low_income", "0", "5000.00", "2500.00", False),
        # Cents are kept, rounded half-even to the cent.
        ("1000.01", "0", "0", "dibao", "0", "1000.01", "700.01", False),
        # Nothing left after insurance: nothing paid.
        ("8000.00", "8000.00", "0", "tekun", "0", "0.00", "0.00", False),
        # The yearly cap counts what was granted before this year.
        ("20000.00", "12000.00", "3000.00", "tekun", "28000.00", "5000.00", "2000.00", True),
        ("20000.00", "12000.00", "3000.00", "tekun", "30000.00", "5000.00", "0.00", True),
        ("20000.00", "12000.00", "3000.00", "tekun", "31000.00", "5000.00", "0.00", True),
        # A large bill alone meets the cap.
        ("200000.00", "100000.00", "40000.00", "tekun", "0", "60000.00", "30000.00", True),
    ],
)
def test_it_pays_the_share_of_what_insurance_leaves_up_to_the_cap(
    total, basic, serious, klass, granted, remaining, amount, capped
):
    result = medical_amount(total, basic, serious, klass, granted, POLICY)
    assert result["remaining"] == remaining
    assert result["amount"] == amount == result["monthly_amount"] == result["one_off_amount"]
    assert result["capped"] is capped


@pytest.mark.parametrize(
    "args",
    [
        ("abc", "0", "0", "dibao", "0"),
        ("-1", "0", "0", "dibao", "0"),
        ("100", "0", "0", "orphan", "0"),
        ("100", "NaN", "0", "dibao", "0"),
    ],
)
def test_it_refuses_figures_it_cannot_work_with(args):
    with pytest.raises(MedicalRuleError):
        medical_amount(*args, POLICY)


def test_it_takes_a_share_from_0_to_100_percent():
    assert clean_values({"medical_rate_dibao_percent": 70}) == {"medical_rate_dibao_percent": 70}
    for bad in (101, -1, "70", True):
        with pytest.raises(PolicyError):
            clean_values({"medical_rate_dibao_percent": bad})


GOOD = details()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"patient_member": 3}, "Choose the patient"),
        ({"recipient_class": "orphan"}, "extreme-poverty, dibao or low-income"),
        ({"total_cost": "0"}, "compliant in-patient costs, more than 0"),
        ({"basic_insurance_paid": "x"}, "what each insurance reimbursed"),
        ({"serious_illness_paid": "9000.00"}, "cannot have reimbursed more"),
        ({"discharged_on": "2026-03-20"}, "in the future"),
        ({"discharged_on": ""}, "the day the patient left hospital"),
    ],
)
def test_it_refuses_an_application_that_does_not_add_up(changes, message):
    with pytest.raises(actions.ActionError, match=message):
        check_details({**GOOD, **changes}, members=1, today=date(2026, 3, 2))
    check_details(GOOD, members=1, today=date(2026, 3, 2))


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_asks_a_dibao_patient_to_be_on_dibao(world):
    deploy_only("medical.bpmn", actor=world["policy"])
    with pytest.raises(actions.ActionError, match="not on record as receiving"):
        actions.do_apply(application(world, recipient_class="dibao"), actor=world["clerk"])
    active_dibao_case(world, [PATIENT])
    case = actions.do_apply(application(world, recipient_class="dibao"), actor=world["clerk"])
    assert case.details["patient_resident_id"] == PATIENT


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_takes_one_application_per_patient_at_a_time(world):
    deploy_only("medical.bpmn", actor=world["policy"])
    first = actions.do_apply(application(world), actor=world["clerk"])
    with pytest.raises(actions.ActionError, match=first.number):
        actions.do_apply(application(world), actor=world["clerk"])
    assert Case.objects.filter(assistance_type=AssistanceType.MEDICAL).count() == 1
