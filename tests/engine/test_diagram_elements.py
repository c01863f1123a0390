"""Where a step shows on its process's main diagram: itself, or the call box of its stage."""

from __future__ import annotations

import pytest

from engine import runtime
from engine.models import ProcessDefinition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("deployed")]


def test_it_places_main_steps_on_themselves_and_stage_steps_on_their_call_box() -> None:
    dibao = ProcessDefinition.objects.get(key="dibao")
    elements = runtime.main_diagram_elements(dibao.pk)
    assert elements["acceptance"] == "acceptance"
    assert elements["economic_check"] == "economic_check"
    assert elements["check_wait"] == "economic_check"
    assert elements["investigate"] == "home_investigation"


def test_it_gives_the_main_bpmn_source_of_a_definition() -> None:
    dibao = ProcessDefinition.objects.get(key="dibao")
    xml = runtime.definition_diagram(dibao.pk)
    assert 'id="dibao"' in xml and 'calledElement="economic_check"' in xml
    assert 'id="check_wait"' not in xml


def test_it_names_the_steps_of_the_main_diagram_only() -> None:
    names = runtime.main_diagram_names(ProcessDefinition.objects.get(key="dibao").pk)
    assert names["economic_check"] == "家庭经济状况核对"
    assert "check_wait" not in names


def test_it_places_what_ends_a_wait_in_the_trail_on_the_main_diagram() -> None:
    waits = runtime.main_diagram_waits(ProcessDefinition.objects.get(key="dibao").pk)
    assert waits["task:acceptance"] == "acceptance"
    assert waits["task:cosign"] == "home_investigation"
    assert waits["message:check_result"] == "economic_check"
    # The notice waits at an event gateway: its timer and the objection it may receive.
    assert waits["timer:公示期"] == "public_notice"
    assert waits["message:objection"] == "public_notice"
    assert "task:economic_check" not in waits
    temporary = runtime.main_diagram_waits(ProcessDefinition.objects.get(key="temporary").pk)
    assert temporary["timer:补办期限届满"] == "paperwork_timer"
