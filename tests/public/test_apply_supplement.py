"""The one-time notice online: the clerk lists what is missing, the applicant sees the list
and sends the scans, which reach the case (audited) and the clerk; then acceptance."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assistance import actions
from assistance.models import Evidence
from engine.models import AuditEvent, Task
from public.actions_apply import ONLINE_ROLE
from public.views_apply import UPLOAD_LIMIT
from tests.public.apply_helpers import (
    PNG,
    fresh_cache,  # noqa: F401 (a fixture)
    people,
    scan_file,
    submit_online,
)
from tests.workflows.evidence import APPLICATION

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "fresh_cache"),
]

STATUS = "/public/apply/status/"
UPLOAD = "/public/apply/status/scans/"
MISSING = ["全体家庭成员户口簿", "家庭经济状况核对授权书"]


@pytest.fixture
def noticed(world, client):
    """An online application with ID cards only, told what is missing, looked up."""
    rows = people(2)
    case = submit_online(world.village_a1, members=rows, kinds=("id_cards",))
    task = Task.objects.get(case=case, spec_name="acceptance")
    actions.do_complete_task(
        task.pk,
        actor=world["clerk"],
        data={"acceptance_decision": "incomplete", "missing_items": MISSING},
    )
    client.post(STATUS, {"number": case.number, "resident_id": rows[0][1]})
    return case


def test_it_lists_what_is_missing_and_offers_the_upload(client, world, noticed):
    page = client.get(STATUS).content.decode()
    assert "材料不齐" in page and "一次性告知" in page
    for item in MISSING:
        assert item in page
    assert UPLOAD in page and 'accept="image/*,application/pdf"' in page


def test_it_takes_the_missing_scans_to_the_case_and_the_clerk(client, world, noticed):
    response = client.post(
        UPLOAD,
        {
            "scan-hukou": scan_file("hukou"),
            "scan-check_authorisation": scan_file("check_authorisation", PNG, "auth.png"),
        },
    )
    assert response.status_code == 302
    kinds = set(Evidence.objects.filter(case=noticed).values_list("kind", flat=True))
    assert {"id_cards", "hukou", "check_authorisation"} <= kinds
    events = AuditEvent.objects.filter(
        case=noticed, action="evidence.uploaded", payload__supplement=True
    )
    assert events.count() == 2 and {e.role for e in events} == {ONLINE_ROLE}
    assert "已向乡镇（街道）提交2个文件" in client.get(STATUS).content.decode()
    # The clerk sees them on the case and goes on: supplied, then accepted as complete.
    client.force_login(world["clerk"])
    case_page = client.get(reverse("case", args=[noticed.pk])).content.decode()
    assert "auth.png" in case_page and "网上申请" in case_page
    supplement = Task.objects.get(case=noticed, spec_name="supplement")
    actions.do_complete_task(
        supplement.pk, actor=world["clerk"], data={"supplement_result": "supplied"}
    )
    client.logout()
    client.post(STATUS, {"number": noticed.number, "resident_id": _applicant_id(noticed)})
    assert "等待乡镇受理审查" in client.get(STATUS).content.decode()
    client.post(
        UPLOAD,
        {
            "scan-application_form": scan_file("application_form"),
            "scan-income_declaration": scan_file("income_declaration"),
        },
    )
    acceptance = Task.objects.get(case=noticed, spec_name="acceptance")
    actions.do_complete_task(
        acceptance.pk, actor=world["clerk"], data={"acceptance_decision": "complete"}
    )
    page = client.get(STATUS).content.decode()
    assert "已受理" in page and "补充上传材料" not in page
    assert set(APPLICATION) <= set(
        Evidence.objects.filter(case=noticed).values_list("kind", flat=True)
    )


def test_it_refuses_a_bad_file_and_keeps_nothing(client, world, noticed):
    before = Evidence.objects.count()
    client.post(
        UPLOAD,
        {"scan-hukou": scan_file("hukou"), "scan-other": scan_file("other", b"GIF89a", "a.gif")},
    )
    assert Evidence.objects.count() == before
    assert "未保存" in client.get(STATUS).content.decode()


def test_it_refuses_a_file_over_the_limit(client, world, noticed, settings):
    settings.EVIDENCE_MAX_BYTES = 4000
    before = Evidence.objects.count()
    client.post(UPLOAD, {"scan-hukou": scan_file("hukou", b"%PDF-1.7\n" + b"1" * 5000)})
    assert Evidence.objects.count() == before
    assert "超过大小上限" in client.get(STATUS).content.decode()


def test_it_needs_a_case_looked_up_first(client, world):
    response = client.post(UPLOAD, {"scan-hukou": scan_file("hukou")})
    assert response.status_code == 302 and not Evidence.objects.exists()
    assert "请先查询您的申请" in client.get(STATUS).content.decode()


def test_it_answers_429_past_the_upload_limit(client, world, noticed):
    for _ in range(UPLOAD_LIMIT.count):
        client.post(UPLOAD, {})
    response = client.post(UPLOAD, {"scan-hukou": scan_file("hukou")})
    assert response.status_code == 429
    assert not Evidence.objects.filter(case=noticed, kind="hukou").exists()


def _applicant_id(case) -> str:
    return case.household.members.get(is_applicant=True).resident_id
