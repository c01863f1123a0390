"""The case reconstruction page: auditors of the case's jurisdiction see the whole case; anyone
else finds no such page. Each look is written into the case's own trail."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assistance.models import Evidence
from engine.models import AuditEvent
from tests.audit.case_world import approved, local_evidence, name_staff, neighbour_county
from tests.fixtures import make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence"),
]
__all__ = ["local_evidence"]


def url(case) -> str:
    return reverse("audit:case", args=[case.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_it_shows_the_whole_case_to_the_county_auditor(client, world):
    name_staff(world)
    case = approved(world)
    client.force_login(world["auditor"])
    response = client.get(url(case))
    assert response.status_code == 200
    page = text(response)
    applicant = case.household.members.get(is_applicant=True)
    # The household in full: the auditor reads whole resident IDs.
    assert applicant.resident_id in page and "东村1组" in page
    # Every step with what it recorded, its form's labels, who, role and office.
    assert "家中困难，与申报一致" in page
    assert "入户日期" in page and "家庭情况与申报一致" in page
    assert "张调查 · 乡镇调查员 · 东镇" in page
    assert "陈审批 · 县民政审批 · 示范县" in page
    # The process version with who deployed it and today's version.
    assert "dibao</code> v1" in page and "孙政策" in page
    assert "这仍是今天的版本" in page or "still today" in page
    # The policy copy with its labels and source.
    assert "农村低保标准" in page and "600.00" in page and "示范县 · 2020-01-01" in page
    # Evidence with sha256, uploader and who viewed it.
    record = Evidence.objects.get(case=case, kind="investigation_record")
    assert record.sha256 in page
    assert "陈审批 (" in page
    assert reverse("evidence-view", args=[record.pk]) in page
    # The diagram's source and the slider; the PDF link.
    assert reverse("audit:case-replay", args=[case.pk]) in page
    assert 'type="range"' in page and reverse("audit:case-pdf", args=[case.pk]) in page
    # The look itself is on the record, in the case's stream.
    viewed = AuditEvent.objects.filter(case=case, action="audit.case_viewed").get()
    assert viewed.actor == world["auditor"] and viewed.stream == f"case:{case.pk}"
    assert viewed.role == "auditor"


def test_it_refuses_other_methods(client, world):
    case = approved(world)
    client.force_login(world["auditor"])
    assert client.post(url(case)).status_code == 405
    assert client.post(reverse("audit:case-pdf", args=[case.pk])).status_code == 405
    assert client.post(reverse("audit:case-replay", args=[case.pk])).status_code == 405
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


@pytest.mark.parametrize("username", ["clerk", "approver", "policy", "outsider"])
def test_it_does_not_exist_for_anyone_but_auditors(client, world, username):
    case = approved(world)
    client.force_login(world[username])
    for name in ("audit:case", "audit:case-replay", "audit:case-pdf"):
        assert client.get(reverse(name, args=[case.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


def test_it_sends_strangers_to_sign_in(client, world):
    case = approved(world)
    response = client.get(url(case))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_hides_cases_of_another_county(client, world):
    auditor_next_door, their_case = neighbour_county(world)
    ours = approved(world)
    client.force_login(auditor_next_door)
    assert client.get(url(ours)).status_code == 404
    assert client.get(url(their_case)).status_code == 200
    client.force_login(world["auditor"])
    assert client.get(url(their_case)).status_code == 404
    assert client.get(url(ours)).status_code == 200


def test_it_lets_a_province_auditor_see_every_county(client, world):
    _auditor_next_door, their_case = neighbour_county(world)
    ours = approved(world)
    province_auditor = make_user("province_auditor", "auditor", world.province)
    client.force_login(province_auditor)
    assert client.get(url(ours)).status_code == 200
    assert client.get(url(their_case)).status_code == 200


def test_it_hides_a_case_the_auditor_is_recused_from(client, world):
    from assistance.models import CaseRecusal

    case = approved(world)
    CaseRecusal.objects.create(case=case, user=world["auditor"], reason="近亲属")
    client.force_login(world["auditor"])
    assert client.get(url(case)).status_code == 404


def test_it_answers_404_for_a_process_of_another_case(client, world):
    case = approved(world)
    other = approved(world)
    client.force_login(world["auditor"])
    foreign = other.instances.get().pk
    assert client.get(url(case) + f"?process={foreign}").status_code == 404
    assert client.get(url(case) + "?process=x").status_code == 404
    own = case.instances.get().pk
    assert client.get(url(case) + f"?process={own}").status_code == 200


def test_it_keeps_the_auditors_look_from_the_staffs_case_page(client, world):
    case = approved(world)
    client.force_login(world["auditor"])
    client.get(url(case))
    client.force_login(world["approver"])
    page = text(client.get(reverse("case", args=[case.pk])))
    assert "审计人员查阅案件" not in page and "audit.case_viewed" not in page
    client.force_login(world["auditor"])
    assert "审计人员查阅案件" in text(client.get(url(case)))


def test_it_shows_the_reconstruction_in_english(client, world):
    from tests.portal.test_english import CJK_RUN, assert_english, data_values, english

    name_staff(world)
    case = approved(world)
    client = english(client, world, "auditor")
    html = assert_english(client, url(case))
    assert "Case reconstruction" in html and "Step completed: Township review opinion" in html
    assert "Minimum living guarantee (dibao) approval" in html
    assert "Rural dibao standard (yuan/month)" in html
    replay = client.get(reverse("audit:case-replay", args=[case.pk])).json()
    labels = " ".join(position["label"] for position in replay["positions"])
    assert "Step completed: County confirmation" in labels
    allowed = data_values()
    assert [run for run in CJK_RUN.findall(labels) if not any(run in v for v in allowed)] == []


def deploy_changed_dibao(world, *, region_id=None):
    """Another version of the dibao process: the same diagram with a changed name."""
    from pathlib import Path

    from django.conf import settings

    from engine import runtime
    from engine.files import bundle_sources

    directory = Path(settings.WORKFLOWS_DIR)
    sources = bundle_sources(directory, directory / "dibao.bpmn")
    sources["dibao.bpmn"] = sources["dibao.bpmn"].replace(
        'name="最低生活保障审批"', 'name="最低生活保障审批（新版）"', 1
    )
    definition, created = runtime.deploy(
        sources,
        "dibao.bpmn",
        actor=world["policy"],
        reviewer=world["policy2"],
        region_id=region_id,
    )
    assert created
    return definition


def test_it_says_when_today_a_case_would_run_on_another_version(client, world):
    name_staff(world)
    case = approved(world)
    client.force_login(world["auditor"])
    deploy_changed_dibao(world)
    page = text(client.get(url(case)))
    assert "dibao</code> v1" in page
    assert "今天新案件将使用v2（2026-03-10部署）" in page and "两者源文件不同" in page
    # A county's own version comes before the province's for a case of the county.
    county = deploy_changed_dibao(world, region_id=world.county.pk)
    assert county.version == 1
    page = text(client.get(url(case)))
    assert "今天新案件将使用v1（2026-03-10部署）" in page and "两者源文件不同" in page


def test_it_names_who_deployed_and_reviewed_the_version(client, world):
    from assistance.models import Case

    name_staff(world)
    deploy_changed_dibao(world)
    case = approved(world)
    assert case.instances.get().definition.version == 2
    client.force_login(world["auditor"])
    page = text(client.get(url(Case.objects.get(pk=case.pk))))
    assert "dibao</code> v2" in page and "这仍是今天的版本" in page
    assert "部署人</dt><dd>孙政策" in page and "复核人</dt><dd>policy2" in page


def test_it_shows_the_policy_the_process_copied_not_a_later_record(client, world):
    from datetime import date

    from assistance.models import RegionPolicy

    case = approved(world)
    # Approved since, for a day the case's copy covers: the case keeps what it started with.
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2026, 1, 1),
        values={"dibao_standard_rural": "650.00"},
    )
    client.force_login(world["auditor"])
    page = text(client.get(url(case)))
    row = re.search(r'<tr data-key="dibao_standard_rural">(.*?)</tr>', page).group(1)
    assert "600.00" in row and "示范县 · 2020-01-01" in row and "650" not in row


def test_it_lets_the_auditor_open_a_scan_and_records_the_look(client, world):
    case = approved(world)
    record = Evidence.objects.get(case=case, kind="investigation_record")
    client.force_login(world["auditor"])
    response = client.get(reverse("evidence-view", args=[record.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    look = AuditEvent.objects.filter(case=case, action="evidence.viewed").last()
    assert look.actor == world["auditor"] and look.payload["evidence_id"] == record.pk
    page = text(client.get(url(case)))
    assert "auditor (" in page
