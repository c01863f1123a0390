"""The assistive-device rule (辅助器具适配) and what an application must hold."""

from __future__ import annotations

from datetime import date

import pytest

from assistance import actions
from assistance.kinds.devices import DEMO_POLICY, DevicesRuleError, check_details, devices_amount
from assistance.models import AssistanceType, Case
from tests.fixtures import deploy_only
from tests.workflows import devices
from tests.workflows.dibao import resident_id
from tests.workflows.disability import active_dibao_case

POLICY = {**DEMO_POLICY}  # at most 5,000 yuan per person


@pytest.mark.parametrize(
    ("price", "paid", "within"),
    [
        ("350", "350.00", True),
        ("4999.99", "4999.99", True),
        ("5000.00", "5000.00", True),
        ("5000.01", "5000.00", False),
        ("18000", "5000.00", False),
    ],
)
def test_it_pays_the_price_up_to_the_cap(price, paid, within):
    result = devices_amount(price, POLICY)
    assert result["paid"] == paid == result["monthly_amount"]
    assert result["within_cap"] is within


@pytest.mark.parametrize("price", ["0", "-5", "free", "Infinity"])
def test_it_refuses_a_price_it_cannot_work_with(price):
    with pytest.raises(DevicesRuleError):
        devices_amount(price, POLICY)


GOOD = devices.details(grade=2, device="walker")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"disabled_member": 1}, "disabled member among"),
        ({"certificate_no": " "}, "number of the disability certificate"),
        ({"grade": 5}, "grade is 1, 2, 3 or 4"),
        ({"category": "other"}, "category of disability"),
        ({"device": "car"}, "device needed"),
        ({"recipient_class": "none"}, "registered-poor, dibao and extreme-poverty"),
    ],
)
def test_it_refuses_an_application_that_does_not_hold(changes, message):
    with pytest.raises(actions.ActionError, match=message):
        check_details({**GOOD, **changes}, members=1)
    check_details(GOOD, members=1)


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_asks_a_dibao_household_to_be_on_dibao(world):
    deploy_only("devices.bpmn", actor=world["policy"])
    number = resident_id(date(1966, 8, 8))
    application = devices.application(
        world, number=number, grade=2, device="walker", recipient_class="dibao"
    )
    with pytest.raises(actions.ActionError, match="not on record as receiving"):
        actions.do_apply(application, actor=world["clerk"])
    active_dibao_case(world, [number])
    case = actions.do_apply(application, actor=world["clerk"])
    assert case.household == Case.objects.get(assistance_type=AssistanceType.DIBAO).household


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_clock")
def test_it_records_the_certificates_grade_on_a_new_member(world):
    deploy_only("devices.bpmn", actor=world["policy"])
    application = devices.application(
        world, name="残疾人乙", number=resident_id(date(1970, 1, 2)), grade=2, device="walker"
    )
    case = actions.do_apply(application, actor=world["clerk"])
    assert case.household.members.get().disability_grade == 2
