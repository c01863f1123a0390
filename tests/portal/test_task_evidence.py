"""The task page when the engine refuses a step for missing evidence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.models import Task
from tests.workflows.dibao import apply, task
from tests.workflows.evidence import upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def deployed(world):
    from tests.fixtures import deploy_only

    deploy_only("dibao.bpmn", actor=world["policy"])


def test_it_returns_to_the_form_naming_the_missing_scans_in_chinese(client, world):
    case = apply(world)
    upload(world, case, "application_form", "hukou", "id_cards", "income_declaration")
    client.force_login(world["clerk"])
    url = reverse("task", args=[task(case, "acceptance").pk])
    page = client.post(url, {"acceptance_decision": "complete"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "请先上传以下缺少的材料，再办理此步骤：家庭经济状况核对授权书。" in html
    # The form keeps what was chosen, so the clerk uploads the scan and submits again.
    assert 'value="complete" checked' in html or "checked" in html
    assert Task.objects.filter(case=case, spec_name="acceptance").exists()


def test_it_completes_once_every_scan_is_on_file(client, world):
    case = apply(world)
    upload(
        world,
        case,
        "application_form",
        "hukou",
        "id_cards",
        "income_declaration",
        "check_authorisation",
    )
    client.force_login(world["clerk"])
    url = reverse("task", args=[task(case, "acceptance").pk])
    response = client.post(url, {"acceptance_decision": "complete"})
    assert response.status_code == 302
    assert not Task.objects.filter(case=case, spec_name="acceptance").exists()
