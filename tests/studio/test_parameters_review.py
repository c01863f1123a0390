"""A change's page and its four-eyes review: the author waits or withdraws, another policy
officer approves or sends it back; the page shows what the change does to cases meanwhile."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assistance.models import RegionPolicy
from engine.clock import clock
from engine.models import AuditEvent
from studio.models import PolicyChangeStatus
from tests.fixtures import make_user
from tests.portal.test_english import assert_english, english
from tests.studio.parameters_helpers import NEXT_MONTH, TODAY, approve, propose
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def page_url(change) -> str:
    return reverse("studio:parameter-change", args=[change.pk])


def action_url(change, action: str) -> str:
    return reverse(f"studio:parameter-change-{action}", args=[change.pk])


def notes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_it_shows_the_reviewer_the_change_and_what_it_does_to_cases(client, world, deployed):
    running = apply(world)
    change = propose(world, {"dibao_standard_rural": "650"})
    client.force_login(world["policy2"])
    response = client.get(page_url(change))
    page = response.content.decode()
    assert response.status_code == 200
    assert "600.00" in page and "650.00" in page
    assert "省里提高了标准" in page
    assert "正在办理的 1 件案件保持旧值" in page and running.number in page
    assert action_url(change, "approve") in page and action_url(change, "return") in page
    assert action_url(change, "withdraw") not in page


def test_it_offers_the_author_only_to_withdraw(client, world):
    change = propose(world, {"dibao_standard_rural": "650"})
    client.force_login(world["policy"])
    page = client.get(page_url(change)).content.decode()
    assert action_url(change, "approve") not in page
    assert action_url(change, "withdraw") in page
    assert "须由另一位政策人员审核" in page


def test_it_approves_and_the_region_has_the_new_value_from_its_day(client, world):
    change = propose(world, {"dibao_standard_rural": "650"})
    client.force_login(world["policy2"])
    response = client.post(action_url(change, "approve"), {"note": "与省厅文件一致"})
    assert response.status_code == 302 and response["Location"] == page_url(change)
    assert "已批准：示范县自 2026-04-01 起适用新值。" in notes(response)
    change.refresh_from_db()
    assert (change.status, change.reviewer, change.review_note) == (
        PolicyChangeStatus.APPROVED,
        world["policy2"],
        "与省厅文件一致",
    )
    assert RegionPolicy.objects.get(region=world.county, effective_from=NEXT_MONTH).values == {
        "dibao_standard_rural": "650.00"
    }
    page = client.get(page_url(change)).content.decode()
    assert "已批准" in page and "批准人" in page
    assert action_url(change, "approve") not in page


def test_it_refuses_the_author_approving_clearly(client, world):
    change = propose(world, {"dibao_standard_rural": "650"})
    client.force_login(world["policy"])
    response = client.post(action_url(change, "approve"), follow=True)
    assert any("您不能自己批准" in note for note in notes(response))
    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.SUBMITTED
    assert not RegionPolicy.objects.filter(effective_from=NEXT_MONTH).exists()


def test_it_refuses_approval_once_the_day_has_passed(client, world):
    change = propose(world, {"dibao_standard_rural": "650"}, effective_from=TODAY)
    clock.set(clock.now().replace(day=4))
    client.force_login(world["policy2"])
    assert "生效日期已过" in client.get(page_url(change)).content.decode()
    response = client.post(action_url(change, "approve"), follow=True)
    assert any("生效日期已过" in note for note in notes(response))
    assert not RegionPolicy.objects.filter(effective_from=TODAY).exists()


def test_it_sends_back_with_a_note(client, world):
    change = propose(world, {"dibao_standard_rural": "650"})
    client.force_login(world["policy2"])
    response = client.post(action_url(change, "return"), {"note": ""}, follow=True)
    assert any("请说明退回的理由" in note for note in notes(response))
    response = client.post(action_url(change, "return"), {"note": "请附文件依据"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.RETURNED
    page = client.get(page_url(change)).content.decode()
    assert "已退回" in page and "请附文件依据" in page


def test_it_lets_the_author_withdraw(client, world):
    change = propose(world, {"dibao_standard_rural": "650"})
    client.force_login(world["policy2"])
    client.post(action_url(change, "withdraw"))
    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.SUBMITTED
    client.force_login(world["policy"])
    response = client.post(action_url(change, "withdraw"))
    assert response["Location"] == reverse("studio:region-parameters", args=[world.county.code])
    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="policy.withdrawn").count() == 1


def test_it_hides_changes_outside_the_jurisdiction(client, world):
    change = propose(world, {"notice_days": 8}, region=world.province)
    client.force_login(make_user("county_policy", "policy_staff", world.county))
    assert client.get(page_url(change)).status_code == 404
    assert client.post(action_url(change, "approve")).status_code == 404
    assert client.post(action_url(change, "return"), {"note": "x"}).status_code == 404
    client.force_login(world["approver"])
    assert client.get(page_url(change)).status_code == 404
    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.SUBMITTED


def test_it_takes_decisions_by_post_only(client, world):
    change = propose(world, {"notice_days": 8})
    client.force_login(world["policy2"])
    for action in ("approve", "return", "withdraw"):
        assert client.get(action_url(change, action)).status_code == 405
    assert client.post(page_url(change)).status_code == 405


def test_it_lists_changes_to_review_on_the_studio_home(client, world):
    mine = propose(world, {"notice_days": 8})
    theirs = propose(world, {"notice_days": 9}, author="policy2", effective_from=date(2026, 5, 1))
    client.force_login(world["policy"])
    page = client.get(reverse("studio:library")).content.decode()
    assert "待我审核的参数变更" in page
    assert page_url(theirs) in page and page_url(mine) not in page


def test_it_reads_in_english(client, world):
    # What staff write is shown as written; this note happens to be English.
    change = propose(world, {"dibao_standard_rural": "650"}, note="New provincial standard")
    english(client, world, "policy2")
    assert_english(client, page_url(change))
    assert_english(client, reverse("studio:library"))
    approve(world, change)
    assert_english(client, page_url(change))
