"""Proposing, approving, sending back and withdrawing a change of policy parameters: the
four-eyes rule, the checks, the RegionPolicy record the approval writes and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from assistance.actions import ActionError
from assistance.models import RegionPolicy
from assistance.policy import policy_for, policy_in_force
from engine.clock import clock
from engine.models import AuditEvent
from studio.actions import do_return_policy_change, do_withdraw_policy_change
from studio.models import PolicyChange, PolicyChangeStatus
from studio.parameters import ChangeInvalid
from tests.fixtures import make_user
from tests.studio.parameters_helpers import NEXT_MONTH, TODAY, approve, propose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def test_it_proposes_only_what_changes_and_audits_it(world):
    change = propose(world, {"dibao_standard_rural": "650", "notice_days": 7})
    # 7 notice days is the value in force already: the change holds only the standard.
    assert change.values == {"dibao_standard_rural": "650.00"}
    assert change.previous == {"dibao_standard_rural": "600.00"}
    assert change.status == PolicyChangeStatus.SUBMITTED
    assert not RegionPolicy.objects.filter(region=world.county, effective_from=NEXT_MONTH)
    event = AuditEvent.objects.get(action="policy.proposed")
    assert event.actor == world["policy"] and event.region_id == world.county.pk
    assert event.payload["values"] == {"dibao_standard_rural": "650.00"}
    assert event.payload["effective_from"] == "2026-04-01"


def test_it_writes_the_region_policy_on_approval_and_names_both_in_the_audit(world):
    change = approve(world, propose(world, {"dibao_standard_rural": "650"}))
    assert change.status == PolicyChangeStatus.APPROVED
    assert change.reviewer == world["policy2"]
    record = RegionPolicy.objects.get(region=world.county, effective_from=NEXT_MONTH)
    assert change.policy == record
    assert record.values == {"dibao_standard_rural": "650.00"}
    # In force from its day on, not before.
    assert policy_for(world.village_a1, NEXT_MONTH)["dibao_standard_rural"] == "650.00"
    assert policy_for(world.village_a1, date(2026, 3, 31))["dibao_standard_rural"] == "600.00"
    event = AuditEvent.objects.get(action="policy.approved")
    assert event.actor == world["policy2"]
    assert (event.payload["author"], event.payload["reviewer"]) == ("policy", "policy2")
    assert event.payload["policy"] == record.pk
    assert event.payload["previous"] == {"dibao_standard_rural": "600.00"}


def test_it_refuses_the_author_approving_their_own_change(world):
    change = propose(world, {"dibao_standard_rural": "650"})
    with pytest.raises(ActionError, match="另一位政策人员"):
        approve(world, change, reviewer="policy")
    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action="policy.approved").exists()


def test_it_adds_to_the_record_already_there_for_that_day(world):
    approve(world, propose(world, {"dibao_standard_rural": "650"}))
    second = approve(world, propose(world, {"notice_days": 10}, author="policy2"), "policy")
    record = RegionPolicy.objects.get(region=world.county, effective_from=NEXT_MONTH)
    assert record.values == {"dibao_standard_rural": "650.00", "notice_days": 10}
    assert second.policy == record
    assert list(record.changes.order_by("pk")) == list(PolicyChange.objects.order_by("pk"))


def test_it_keeps_the_history_of_records_and_changes(world):
    approve(world, propose(world, {"dibao_standard_rural": "650"}))
    approve(
        world,
        propose(world, {"dibao_standard_rural": "700"}, effective_from=date(2026, 7, 1)),
    )
    days = list(
        RegionPolicy.objects.filter(region=world.county)
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
    )
    assert days == [date(2020, 1, 1), NEXT_MONTH, date(2026, 7, 1)]
    values, sources = policy_in_force(world.village_a1, date(2026, 7, 1))
    assert values["dibao_standard_rural"] == "700.00"
    assert sources["dibao_standard_rural"].effective_from == date(2026, 7, 1)


def test_it_checks_again_at_approval_and_refuses_a_day_gone_by(world):
    change = propose(world, {"dibao_standard_rural": "650"}, effective_from=TODAY)
    clock.set(clock.now().replace(day=3))
    with pytest.raises(ActionError, match="生效日期已过"):
        approve(world, change)
    assert not RegionPolicy.objects.filter(effective_from=TODAY).exists()


def test_it_refuses_at_approval_a_standard_another_change_has_overtaken(world):
    first = propose(world, {"dibao_standard_rural": "700"})
    second = propose(world, {"dibao_standard_rural": "650"}, effective_from=date(2026, 5, 1))
    approve(world, first)
    with pytest.raises(ActionError, match="只升不降"):
        approve(world, second)


def test_it_sends_a_change_back_with_a_note(world):
    change = propose(world, {"dibao_standard_rural": "650"})
    with pytest.raises(ActionError):
        do_return_policy_change(change.pk, "  ", actor=world["policy2"])
    with pytest.raises(ActionError, match="撤回"):
        do_return_policy_change(change.pk, "自己退回", actor=world["policy"])
    returned = do_return_policy_change(change.pk, "请附上省厅文件", actor=world["policy2"])
    assert returned.status == PolicyChangeStatus.RETURNED
    assert returned.review_note == "请附上省厅文件"
    event = AuditEvent.objects.get(action="policy.returned")
    assert event.actor == world["policy2"] and event.payload["author"] == "policy"
    with pytest.raises(ActionError, match="不再等待审核"):
        approve(world, returned)


def test_it_lets_only_the_author_withdraw(world):
    change = propose(world, {"dibao_standard_rural": "650"})
    with pytest.raises(ActionError):
        do_withdraw_policy_change(change.pk, actor=world["policy2"])
    withdrawn = do_withdraw_policy_change(change.pk, actor=world["policy"])
    assert withdrawn.status == PolicyChangeStatus.WITHDRAWN
    assert AuditEvent.objects.get(action="policy.withdrawn").actor == world["policy"]


def test_it_hides_regions_and_changes_outside_the_jurisdiction(world):
    world.users["county_policy"] = make_user("county_policy", "policy_staff", world.county)
    # A county's policy officer sets the county's and its townships' values, not the province's.
    assert propose(world, {"notice_days": 8}, region=world.township_a, author="county_policy")
    with pytest.raises(Http404):
        propose(world, {"notice_days": 8}, region=world.province, author="county_policy")
    provincial = propose(world, {"notice_days": 9}, region=world.province)
    with pytest.raises(Http404):
        approve(world, provincial, reviewer="county_policy")
    # Villages follow their township; staff of other roles have no studio at all.
    with pytest.raises(Http404):
        propose(world, {"notice_days": 8}, region=world.village_a1)
    with pytest.raises(Http404):
        propose(world, {"notice_days": 8}, author="clerk")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"notice_days": 0}, "notice_days", "1至366"),
        ({"acceptance_working_days": 0}, "acceptance_working_days", "1至366"),
        ({"dibao_standard_rural": "300"}, "dibao_standard_rural", "4000"),
        ({"tekun_basic_multiplier": "1.2"}, "tekun_basic_multiplier", "1.3"),
        ({"disability_living_monthly": "60"}, "disability_living_monthly", "65"),
        ({"notice_days": 5}, "notice_days", "7"),
        ({"procedure_working_days": 40}, "procedure_working_days", "30"),
        ({"procedure_working_days": 50}, "procedure_working_days", "30"),
        ({"elderly_needy_min_age": 100}, "elderly_needy_min_age", "不能高于"),
        ({"dibao_standard_rural": "550"}, "dibao_standard_rural", "只升不降"),
        ({"bogus": 1}, "__all__", "bogus"),
        ({"notice_days": 7}, "__all__", "没有任何变化"),
    ],
)
def test_it_refuses_what_the_rules_refuse(world, values, field, message):
    with pytest.raises(ChangeInvalid) as refused:
        propose(world, values)
    assert field in refused.value.errors
    assert any(message in text for text in refused.value.errors[field]), refused.value.errors
    assert not PolicyChange.objects.exists()


def test_it_refuses_a_day_gone_by(world):
    with pytest.raises(ChangeInvalid) as refused:
        propose(world, {"dibao_standard_rural": "650"}, effective_from=date(2026, 3, 1))
    assert "effective_from" in refused.value.errors
    # Today is fine: cases started today already hold the old values (see the impact).
    assert propose(world, {"dibao_standard_rural": "650"}, effective_from=TODAY).pk


def test_it_lowers_a_standard_only_when_told_so_with_a_reason(world):
    with pytest.raises(ChangeInvalid) as refused:
        propose(world, {"dibao_standard_rural": "550"}, lowers_standard=True)
    assert "override_reason" in refused.value.errors
    with pytest.raises(ChangeInvalid) as refused:
        propose(world, {"notice_days": 8}, lowers_standard=True, override_reason="误填")
    assert "lowers_standard" in refused.value.errors
    change = propose(
        world,
        {"dibao_standard_rural": "550"},
        lowers_standard=True,
        override_reason="省厅更正了去年的计算错误",
    )
    approve(world, change)
    record = RegionPolicy.objects.get(region=world.county, effective_from=NEXT_MONTH)
    assert record.lowers_standard and record.override_reason == "省厅更正了去年的计算错误"
    assert policy_for(world.village_a1, NEXT_MONTH)["dibao_standard_rural"] == "550.00"


def test_it_refuses_a_standard_that_a_later_record_would_then_lower(world):
    approve(world, propose(world, {"dibao_standard_rural": "700"}, effective_from=date(2026, 7, 1)))
    with pytest.raises(ChangeInvalid) as refused:
        propose(world, {"dibao_standard_rural": "750"})
    assert "2026-07-01" in refused.value.errors["dibao_standard_rural"][0]


def test_it_needs_a_note(world):
    with pytest.raises(ChangeInvalid) as refused:
        propose(world, {"dibao_standard_rural": "650"}, note=" ")
    assert "note" in refused.value.errors


def test_it_sets_a_fixed_sum_back_to_none(world):
    approve(world, propose(world, {"temporary_max_fixed": "20000"}))
    change = propose(world, {"temporary_max_fixed": None}, effective_from=date(2026, 5, 1))
    assert change.values == {"temporary_max_fixed": None}
    approve(world, change)
    assert policy_for(world.village_a1, date(2026, 5, 1))["temporary_max_fixed"] is None
