"""R6: the whole procedure is extended once, for a reason, by a township reviewer or the county."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assistance import actions
from assistance.models import Case
from engine.models import AuditEvent
from tests.workflows.dibao import accept, apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

REASON = "需补充外省不动产登记信息核查"


def extend(client, world, username: str, case: Case, reason: str = REASON):
    client.force_login(world[username])
    response = client.post(reverse("case-extend-procedure", args=[case.pk]), {"reason": reason})
    return response, [str(message) for message in get_messages(response.wsgi_request)]


def page_text(client, case: Case) -> str:
    html = client.get(reverse("case", args=[case.pk])).content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_extends_the_procedure_once_with_its_reason(client, world):
    case = apply(world)
    accept(world, case)
    client.force_login(world["reviewer"])
    before = page_text(client, case)
    assert "延长办理期限" in before and "自2026-03-02受理起30个工作日 → 2026-04-14" in before
    response, notes = extend(client, world, "reviewer", case)
    assert response.status_code == 302 and notes == ["办理期限已延长。"]
    case.refresh_from_db()
    assert case.procedure_extended_at is not None and case.procedure_extension_reason == REASON
    event = AuditEvent.objects.get(case=case, action="case.procedure_extended")
    assert event.actor == world["reviewer"] and event.role == "township_reviewer"
    assert event.payload == {"reason": REASON}
    after = page_text(client, case)
    # 45 working days from Monday 2 March 2026 (Qingming, Labour Day holidays and 调休).
    assert "自2026-03-02受理起45个工作日 → 2026-05-08" in after
    assert "已延期: " + REASON in after
    assert "延期理由 " + REASON in after  # in the timeline
    assert 'id="extend-form"' not in client.get(reverse("case", args=[case.pk])).content.decode()


def test_it_refuses_a_second_extension(client, world):
    case = apply(world)
    accept(world, case)
    actions.do_extend_procedure(case, actor=world["reviewer"], reason=REASON)
    response, notes = extend(client, world, "approver", case, "再次延期的理由")
    assert response.status_code == 302 and notes == ["办理期限已延长过一次。"]
    case.refresh_from_db()
    assert case.procedure_extension_reason == REASON
    assert AuditEvent.objects.filter(case=case, action="case.procedure_extended").count() == 1


def test_it_lets_the_county_approver_extend(client, world):
    case = apply(world)
    response, notes = extend(client, world, "approver", case)
    assert response.status_code == 302 and notes == ["办理期限已延长。"]


def test_it_requires_a_reason(client, world):
    case = apply(world)
    response, notes = extend(client, world, "reviewer", case, "  ")
    assert response.status_code == 302 and notes == ["请填写延长办理期限的理由。"]
    with pytest.raises(actions.ActionError):
        actions.do_extend_procedure(case, actor=world["reviewer"], reason="x")
    case.refresh_from_db()
    assert case.procedure_extended_at is None


def test_it_refuses_a_decided_case(client, world):
    case = apply(world)
    Case.objects.filter(pk=case.pk).update(status="active")
    _response, notes = extend(client, world, "reviewer", case)
    assert notes == ["只有尚在办理中的案件才能延长期限。"]


def test_it_refuses_other_roles_outsiders_and_other_methods(client, world):
    case = apply(world)
    for username in ("clerk", "investigator", "auditor"):
        response, _ = extend(client, world, username, case)
        assert response.status_code == 403, username
    client.force_login(world["clerk"])
    assert 'id="extend-form"' not in client.get(reverse("case", args=[case.pk])).content.decode()
    outsider = world.users["outsider"]
    outsider.groups.clear()
    from django.contrib.auth.models import Group

    outsider.groups.add(Group.objects.get(name="township_reviewer"))
    response, _ = extend(client, world, "outsider", case)
    assert response.status_code == 404
    client.force_login(world["reviewer"])
    assert client.get(reverse("case-extend-procedure", args=[case.pk])).status_code == 405
    case.refresh_from_db()
    assert case.procedure_extended_at is None
