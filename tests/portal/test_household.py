"""The household file (一户一档): members, every case, monitoring, scans, timeline."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from assistance.models import CaseRecusal, Evidence, MonitoringEntry
from engine.clock import clock
from storage.base import get_store, reset_store_cache
from tests.fixtures import make_user
from tests.workflows.dibao import accept, apply, check

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture(autouse=True)
def local_evidence(settings, tmp_path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield
    reset_store_cache()


def scan(case, world, name="hukou.pdf"):
    stored = get_store().put(io.BytesIO(b"%PDF-1.4\n%%EOF\n" + name.encode()))
    return Evidence.objects.create(
        case=case,
        kind="hukou",
        original_name=name,
        key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        uploaded_by=world["clerk"],
        uploaded_at=clock.now(),
    )


def page(client, world, username, household_id):
    client.force_login(world[username])
    return client.get(reverse("household", args=[household_id]))


def test_it_shows_members_every_case_monitoring_scans_and_the_timeline(client, world):
    first = apply(world)
    accept(world, first)
    second = apply(world)  # another type of help for the same family, registered by ID
    second.household = first.household
    second.assistance_type = "temporary"
    second.save(update_fields=["household", "assistance_type"])
    MonitoringEntry.objects.create(
        household=first.household, source_case=first, reason="边缘户", added_on=clock.today()
    )
    scan(first, world)
    response = page(client, world, "clerk", first.household_id)
    body = response.content.decode()
    assert response.status_code == 200
    for member in first.household.members.all():
        assert member.name in body and member.resident_id in body  # a clerk needs the numbers
    assert first.number in body and second.number in body and "临时救助" in body
    assert "边缘户" in body and "hukou.pdf" in body
    assert "受理审查" in body  # the completed acceptance, from the audit trail
    check(world, first)
    body = page(client, world, "clerk", first.household_id).content.decode()
    assert "家庭经济状况核对报告" in body and "check_result" not in body


def test_it_masks_resident_ids_for_those_who_do_not_need_them(client, world):
    case = apply(world)
    applicant = case.household.members.get(is_applicant=True)
    for username in ("approver", "auditor", "reviewer"):
        body = page(client, world, username, case.household_id).content.decode()
        assert applicant.resident_id not in body
        assert applicant.resident_id[:4] + "*" * 10 + applicant.resident_id[-4:] in body


def test_it_answers_404_outside_the_jurisdiction_to_the_recused_and_without_a_role(client, world):
    case = apply(world)
    assert page(client, world, "outsider", case.household_id).status_code == 404
    make_user("no_role", None, world.county)
    client.force_login(type(world["clerk"]).objects.get(username="no_role"))
    assert client.get(reverse("household", args=[case.household_id])).status_code == 404
    CaseRecusal.objects.create(case=case, user=world["reviewer"], reason="近亲属")
    assert page(client, world, "reviewer", case.household_id).status_code == 404
    assert page(client, world, "clerk", 999999).status_code == 404


def test_it_lets_read_only_roles_read_and_refuses_other_methods(client, world):
    case = apply(world)
    assert page(client, world, "auditor", case.household_id).status_code == 200
    # Policy staff own the diagrams and see no household's personal data (PIPL).
    assert page(client, world, "policy", case.household_id).status_code == 404
    url = reverse("household", args=[case.household_id])
    assert client.post(url).status_code == 405


def test_it_links_the_case_page_to_its_household(client, world):
    case = apply(world)
    client.force_login(world["clerk"])
    body = client.get(reverse("case", args=[case.pk])).content.decode()
    assert reverse("household", args=[case.household_id]) in body and "一户一档" in body


def test_it_shows_only_the_cases_in_the_jurisdiction(client, world):
    case = apply(world)
    other = apply(world)
    other.household = case.household
    other.region = world.village_b1
    other.save(update_fields=["household", "region"])
    body = page(client, world, "clerk", case.household_id).content.decode()
    assert case.number in body and other.number not in body
