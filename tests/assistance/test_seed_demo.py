"""seed_demo builds a world to click through: every role, cases in every stage."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from assistance.models import AssistanceType, Case, CaseStatus
from engine.models import ProcessInstance, Task, Timer

pytestmark = pytest.mark.django_db


def test_it_seeds_cases_in_every_stage_once(capsys):
    call_command("deploy_workflows")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "clerk" in out and "doudi-demo" in out
    stages = set(Task.objects.values_list("spec_name", flat=True))
    assert {"acceptance", "investigate", "opinion", "county_confirm", "refusal_notice"} <= stages
    # The dibao case in its public notice waits on its notice timer.
    assert Timer.objects.filter(instance__definition__key="dibao").count() == 1
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {CaseStatus.IN_PROGRESS, CaseStatus.ACTIVE} <= statuses
    assert Case.objects.filter(stage="家庭经济状况核对中").exists()
    # Every kind of assistance has demo cases, and the exit and review processes run on some.
    assert set(Case.objects.values_list("assistance_type", flat=True)) == set(AssistanceType.values)
    running = set(
        ProcessInstance.objects.filter(status="running").values_list("definition__key", flat=True)
    )
    assert {"exit", "review"} <= running
    count = Case.objects.count()
    call_command("seed_demo")
    assert Case.objects.count() == count
