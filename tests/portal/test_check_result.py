"""The check centre records its report on a page reached in one click from its queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine import runtime
from engine.models import Incident, Task, Wait
from tests.engine.samples import checked_bpmn
from tests.workflows.dibao import accept, apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def login(client, world, username):
    client.force_login(world[username])
    return client


def pending_check(world):
    case = apply(world)
    accept(world, case)
    return case, reverse("case-check-result", args=[case.pk])


def test_it_shows_the_case_and_the_form_then_records_and_returns_to_the_queue(client, world):
    case, url = pending_check(world)
    body = login(client, world, "checker").get(url).content.decode()
    assert case.number in body and 'name="report_no"' in body and "2026-03-23" in body
    response = client.post(url, {"eligible": "yes", "report_no": "HD-7"})
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert Task.objects.filter(case=case, spec_name="investigate").exists()
    assert not Wait.objects.filter(case=case).exists()


def test_it_keeps_the_form_with_errors_on_bad_input(client, world):
    case, url = pending_check(world)
    login(client, world, "checker")
    response = client.post(url, {"eligible": "no", "report_no": "HD-8", "reasons": ""})
    assert response.status_code == 400 and "请填写不符合条件的理由" in response.content.decode()
    assert client.post(url, {"eligible": "maybe"}).status_code == 400
    assert Wait.objects.filter(case=case).exists()


def test_it_says_so_when_the_case_waits_for_no_check(client, world):
    case = apply(world)
    url = reverse("case-check-result", args=[case.pk])
    body = login(client, world, "checker").get(url).content.decode()
    assert 'name="report_no"' not in body and "不在等待" in body
    assert client.post(url, {"eligible": "yes", "report_no": "HD-9"}).status_code == 400


def test_it_answers_404_outside_403_to_other_roles_and_405_to_other_methods(client, world):
    _case, url = pending_check(world)
    assert login(client, world, "outsider").get(url).status_code == 404
    assert login(client, world, "clerk").get(url).status_code == 403
    assert login(client, world, "auditor").get(url).status_code == 403
    assert login(client, world, "checker").put(url).status_code == 405


def test_it_offers_the_form_on_the_case_page_from_what_the_engine_waits_for(client, world):
    from assistance.models import Case

    case, url = pending_check(world)
    Case.objects.filter(pk=case.pk).update(stage="改过的环节名称")
    body = login(client, world, "checker").get(reverse("case", args=[case.pk])).content.decode()
    assert f'action="{url}"' in body
    waiting_not = apply(world)
    Case.objects.filter(pk=waiting_not.pk).update(stage="家庭经济状况核对中")
    body = client.get(reverse("case", args=[waiting_not.pk])).content.decode()
    assert "case-check-result" not in body and "/check-result/" not in body


def test_it_holds_the_case_when_the_process_fails_after_the_result(client, world, tiny_case):
    runtime.deploy({"checked.bpmn": checked_bpmn()}, "checked.bpmn", actor=world["policy"])
    runtime.start(
        "checked",
        case_id=tiny_case.pk,
        region_id=world.village_a1.pk,
        actor=None,
        data={"parts": 0},
    )
    url = reverse("case-check-result", args=[tiny_case.pk])
    login(client, world, "checker")
    response = client.post(url, {"eligible": "yes", "report_no": "HD-7"}, follow=True)
    assert response.redirect_chain == [(reverse("case", args=[tiny_case.pk]), 302)]
    page = response.content.decode()
    assert "流程未能继续办理，案件已暂停" in page and "division by zero" not in page
    # Back on the form: the report is kept, so there is nothing to record, and the case page
    # no longer offers it either.
    body = client.get(url).content.decode()
    assert "本案件已暂停：checker 于" in body and "登记的家庭经济状况核对报告" in body
    assert 'name="report_no"' not in body
    assert (
        f'action="{url}"' not in client.get(reverse("case", args=[tiny_case.pk])).content.decode()
    )
    # A second report while the first is held is refused plainly, and the first one kept.
    response = client.post(url, {"eligible": "no", "report_no": "HD-8", "reasons": "有车"})
    assert response.status_code == 400 and "本案件已暂停" in response.content.decode()
    incident = Incident.objects.get()
    assert (incident.attempts, incident.submitted["report_no"]) == (1, "HD-7")
    assert Wait.objects.filter(case=tiny_case).exists()
