"""The window's writes on their own: who may make them, what they refuse, what they record."""

from __future__ import annotations

import pytest
from django.http import Http404

from assistance import actions as case_actions
from assistance.actions import ActionError
from assistance.models import CaseRecusal
from engine.models import AuditEvent
from onewindow import actions
from tests.onewindow.helpers import person_id, profile, refer, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "window_deployed")]


def test_it_recuses_staff_whose_near_relative_the_request_names(world):
    case_actions.do_declare_relative(
        actor=world["reviewer2"], name="钱大勇", resident_id=person_id(), relation="sibling"
    )
    case = refer(world)
    assert case.relative_flag
    assert CaseRecusal.objects.filter(case=case, user=world["reviewer2"]).exists()


def test_it_finds_the_person_already_on_record(world):
    first = refer(world)
    second = refer(world, "education")
    assert second.household_id == first.household_id
    assert first.household.members.count() == 1


def test_it_refuses_a_complaint_about_the_clerk_registering_it(world):
    clerk = profile(world["clerk"], world.township_a, "王受理")
    request = register(world)
    with pytest.raises(ActionError):
        actions.do_register_complaint(
            request, actor=world["clerk"], anonymous=False, subject_staff=clerk
        )


def test_it_refuses_staff_outside_the_jurisdiction(world):
    other = profile(world["outsider"], world.township_b, "西镇受理")
    request = register(world)
    with pytest.raises(Http404):
        actions.do_register_complaint(
            request, actor=world["clerk"], anonymous=False, subject_staff=other
        )


def test_it_keeps_personal_data_out_of_the_system_stream(world):
    register(world)
    event = AuditEvent.objects.get(action="window.request_registered")
    assert event.case_id is None
    assert set(event.payload) == {"request", "channel"}
