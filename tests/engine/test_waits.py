"""Waits: the engine records which role a message catch event waits on, and until when."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from engine.bundle import DeploymentError, load_bundle
from engine.files import bundle_sources
from engine.models import Wait
from tests.workflows.dibao import accept, apply, check, complete, investigate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def waits(case):
    return list(Wait.objects.filter(case=case).values_list("spec_name", "role", "messages"))


def test_it_records_the_pending_check_for_the_check_centre_with_its_deadline(world):
    case = apply(world)
    assert waits(case) == []
    accept(world, case)  # Monday 2 March
    wait = Wait.objects.get(case=case)
    assert (wait.role, wait.messages, wait.title) == (
        "county_checker",
        "check_result",
        "等待核对报告",
    )
    assert wait.due_date == date(2026, 3, 23)  # 15 working days
    assert wait.region == case.region and wait.waits_for("check_result")
    check(world, case)
    assert waits(case) == []


def test_it_records_the_recheck_after_an_objection_to_the_check(world):
    case = apply(world)
    accept(world, case)
    check(world, case, eligible=False)
    assert waits(case) == []  # the applicant is told and may object: a clerk's task
    complete(
        world, "clerk", case, "check_objection", notified_on="2026-03-02", applicant_objects=True
    )
    assert waits(case) == [("check_wait", "county_checker", "check_result")]
    case.refresh_from_db()
    assert case.stage == "家庭经济状况复核中"


def test_it_records_the_public_notice_for_the_township_with_its_end(world):
    case = apply(world)
    accept(world, case)
    check(world, case)
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    assert waits(case) == [("notice_gw", "township_clerk", "objection")]
    assert Wait.objects.get(case=case).due_date == date(2026, 3, 10)  # 7 days from 3 March


def test_it_refuses_a_diagram_whose_wait_names_an_unknown_role():
    directory = Path(settings.WORKFLOWS_DIR)
    sources = bundle_sources(directory, directory / "dibao.bpmn")
    path = next(path for path in sources if path.endswith("shared_economic_check.bpmn"))
    sources[path] = sources[path].replace('value="county_checker"', 'value="nobody"')
    with (
        translation.override("en"),
        pytest.raises(DeploymentError, match="waitRole 'nobody' is not a known role"),
    ):
        load_bundle(sources, "dibao.bpmn")
