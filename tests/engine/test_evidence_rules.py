"""The diagram's evidence properties are checked when it is deployed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from engine.bundle import DeploymentError, load_bundle
from engine.files import bundle_sources

pytestmark = pytest.mark.django_db


def _dibao_with(old: str, new: str) -> dict[str, str]:
    directory = Path(settings.WORKFLOWS_DIR)
    sources = bundle_sources(directory, directory / "dibao.bpmn")
    assert old in sources["dibao.bpmn"]
    sources["dibao.bpmn"] = sources["dibao.bpmn"].replace(old, new, 1)
    return sources


def test_it_refuses_an_unknown_kind_of_evidence():
    sources = _dibao_with('value="application_form,hukou,', 'value="application_form,passport,')
    with translation.override("en"), pytest.raises(DeploymentError) as refused:
        load_bundle(sources, "dibao.bpmn")
    assert "'passport', which is not a known kind of evidence" in str(refused.value)


def test_it_compiles_the_evidence_condition_in_the_sandbox():
    sources = _dibao_with(
        "value=\"acceptance_decision == 'complete'\"", "value=\"__import__('os')\""
    )
    with pytest.raises(DeploymentError):
        load_bundle(sources, "dibao.bpmn")


def test_it_keeps_the_evidence_rule_of_each_user_task():
    directory = Path(settings.WORKFLOWS_DIR)
    bundle = load_bundle(bundle_sources(directory, directory / "dibao.bpmn"), "dibao.bpmn")
    acceptance = bundle.user_tasks["acceptance"]
    assert acceptance.evidence_when == "acceptance_decision == 'complete'"
    assert acceptance.evidence_required[-1] == "check_authorisation"
    assert "investigation_record" in bundle.user_tasks["county_confirm"].evidence_required
