"""Steps the diagrams tie to evidence: the engine refuses them while a required scan is missing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistance.models import CaseStatus
from engine import runtime
from engine.clock import clock
from tests.workflows.dibao import apply, check, complete, open_tasks, task
from tests.workflows.evidence import APPLICATION, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def deployed(world):
    from tests.fixtures import deploy_only

    deploy_only("dibao.bpmn", actor=world["policy"])


def test_it_refuses_acceptance_as_complete_naming_each_missing_document(world):
    case = apply(world)
    upload(world, case, "application_form", "hukou", "id_cards")
    with pytest.raises(runtime.EvidenceMissing) as refused:
        complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    assert refused.value.missing == ["income_declaration", "check_authorisation"]
    message = str(refused.value)
    assert "Income and property declaration with pledge" in message
    assert "Economic check authorisation" in message
    assert "Household register" not in message
    # Nothing moved: the acceptance waits for the scans.
    assert open_tasks(case) == ["acceptance"]
    upload(world, case, "income_declaration", "check_authorisation")
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    assert open_tasks(case) == []


def test_it_lets_an_incomplete_application_go_to_the_one_time_notice_without_scans(world):
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="incomplete",
        missing_items=["户口簿"],
    )
    assert open_tasks(case) == ["supplement"]


def test_it_refuses_confirmation_without_the_signed_investigation_record(world):
    case = apply(world)
    upload(world, case, *APPLICATION)
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    check(world, case)
    complete(
        world,
        "investigator",
        case,
        "investigate",
        visited_on=clock.today().isoformat(),
        findings="家中困难，与申报一致",
        matches_declaration=True,
    )
    complete(world, "investigator2", case, "cosign", cosign_agrees=True)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    with pytest.raises(runtime.EvidenceMissing) as refused:
        complete(world, "approver", case, "county_confirm", decision="approve")
    assert refused.value.missing == ["investigation_record"]
    assert "Signed home investigation record" in str(refused.value)
    assert task(case, "county_confirm")
    upload(world, case, "investigation_record", user="investigator")
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE


def test_it_counts_only_the_current_scan_of_a_kind(world):
    case = apply(world)
    upload(world, case, *APPLICATION)
    # A refusal needs no scans at all.
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="ineligible",
        acceptance_reasons="非本乡镇户籍",
    )
    assert open_tasks(case) == ["refusal_notice"]
