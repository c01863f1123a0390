"""Every path of the assistive-device process (贫困残疾人辅助器具适配), end to end through
actions, engine and projections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistance.kinds.devices import DEVICE_ISSUED
from assistance.models import CaseStatus
from tests.fixtures import deploy_only
from tests.workflows.devices import apply, assess
from tests.workflows.dibao import complete, deliver_refusal, open_tasks, task
from tests.workflows.disability import federation_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def deployed(world):
    deploy_only("devices.bpmn", actor=world["policy"])


@pytest.fixture(autouse=True)
def federation(world):
    return federation_user(world)


@pytest.mark.reaches("devices", "end_issued")
@pytest.mark.parametrize(("price", "paid"), [("1200.00", "1200.00"), ("6800.00", "5000.00")])
def test_it_assesses_and_issues_the_device(world, price, paid):
    case = apply(world)
    assert case.number.startswith("FJ2026")
    assert task(case, "township_review").due_date == date(2026, 3, 9)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    assessment = task(case, "assessment")
    assert assessment.lane_role == "disability_federation_reviewer"
    assert assessment.due_date == date(2026, 3, 23)
    assess(world, case, price, device="prosthesis")
    assert open_tasks(case) == ["issue_device"]
    assert task(case, "issue_device").due_date == date(2026, 3, 30)
    complete(
        world, "federation", case, "issue_device", issued_on="2026-03-05", received_signed=True
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.end_reason == DEVICE_ISSUED
    assert case.monthly_amount == Decimal(paid)


def test_it_refuses_an_issue_without_the_signed_receipt(world):
    from engine.forms import FormInvalid

    case = apply(world)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    assess(world, case)
    with pytest.raises(FormInvalid):
        complete(world, "federation", case, "issue_device", issued_on="2026-03-05")
    assert open_tasks(case) == ["issue_device"]


@pytest.mark.reaches("devices", "end_refused")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_a_device_that_does_not_fit(world):
    case = apply(world)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    complete(
        world,
        "federation",
        case,
        "assessment",
        assessment="unsuitable",
        assessment_reasons="经评估不具备使用条件",
    )
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "经评估不具备使用条件"


@pytest.mark.reaches("devices", "end_refused")
def test_it_refuses_at_the_township_review(world):
    case = apply(world)
    complete(
        world, "reviewer", case, "township_review", opinion="refuse", opinion_reasons="非贫困户"
    )
    assert open_tasks(case) == ["refusal_notice"]
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
