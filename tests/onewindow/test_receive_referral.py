"""Referrals from other departments (two-way referral): registered once as a request for
help at the window of the person's township."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import Http404

from assistance.actions import ActionError
from engine.models import AuditEvent
from onewindow import access, actions
from onewindow.models import Channel, Disposition, HelpRequest
from tests.onewindow.helpers import person_id, refer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture
def department(world) -> User:
    """The sending department's system account: no password, no role."""
    user = User.objects.create_user("dept-hrss")
    user.set_unusable_password()
    user.save()
    return user


def incoming(**changes) -> actions.IncomingReferral:
    values = {
        "department": "hrss",
        "reference": "RS-2026-0001",
        "need": "失业人员，家庭困难，请核查是否符合低保条件。",
        "name": "钱大勇",
        "resident_id": person_id(),
        "phone": "13800000000",
        **changes,
    }
    return actions.IncomingReferral(**values)


@pytest.mark.usefixtures("window_deployed")
def test_it_registers_the_referral_at_the_persons_own_village(world, department):
    refer(world)  # the person is on record in 东村 since an earlier request
    received = actions.do_receive_referral(incoming(region_code=""), actor=department)

    request = received.request
    assert received.created
    assert (request.region, request.channel, request.disposition) == (
        world.village_a1,
        Channel.DEPARTMENT,
        Disposition.OPEN,
    )
    assert (request.referred_by, request.external_ref) == ("hrss", "RS-2026-0001")
    assert request.number == f"YC2026{request.pk:08d}"
    # The township window sees it in its register, to handle like any request.
    assert access.requests_for_user(world["clerk"]).filter(pk=request.pk).exists()
    assert not access.requests_for_user(world["outsider"]).filter(pk=request.pk).exists()
    event = AuditEvent.objects.get(action="window.referral_received")
    assert (event.role, event.actor, event.case_id) == ("system:department", department, None)
    assert set(event.payload) == {"request", "department", "reference"}


def test_it_registers_the_same_referral_once(world, department):
    first = actions.do_receive_referral(
        incoming(region_code=world.village_b1.code), actor=department
    )
    again = actions.do_receive_referral(
        incoming(region_code=world.village_b1.code, need="重复发送"), actor=department
    )
    assert not again.created and again.request.pk == first.request.pk
    assert HelpRequest.objects.get().need.startswith("失业人员")
    assert AuditEvent.objects.filter(action="window.referral_received").count() == 1
    # Another department's reference of the same text is another referral.
    other = actions.do_receive_referral(
        incoming(department="education", region_code=world.village_b1.code), actor=department
    )
    assert other.created


def test_it_needs_a_region_for_a_person_not_on_record(world, department):
    with pytest.raises(ActionError, match="行政区划代码"):
        actions.do_receive_referral(incoming(), actor=department)
    with pytest.raises(ActionError):
        actions.do_receive_referral(incoming(region_code=world.county.code), actor=department)
    received = actions.do_receive_referral(
        incoming(region_code=world.township_b.code), actor=department
    )
    assert received.request.region == world.township_b


def test_it_keeps_to_the_senders_jurisdiction(world, department):
    with pytest.raises(Http404):
        actions.do_receive_referral(
            incoming(region_code=world.village_b1.code), actor=department, within=world.township_a
        )
    inside = actions.do_receive_referral(
        incoming(region_code=world.village_a2.code), actor=department, within=world.township_a
    )
    assert inside.created
    assert not HelpRequest.objects.filter(region=world.village_b1).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"department": "police"},
        {"reference": ""},
        {"reference": "x" * 65},
        {"reference": "a\nb"},
        {"need": " "},
        {"resident_id": "110105194912310021"},
        {"name": "名" * 51},
    ],
)
def test_it_refuses_what_it_cannot_register(world, department, changes):
    with pytest.raises(ActionError):
        actions.do_receive_referral(
            incoming(region_code=world.village_a1.code, **changes), actor=department
        )
    assert not HelpRequest.objects.exists()
    assert not AuditEvent.objects.exists()
