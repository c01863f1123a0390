"""Events recorded in the engine's transaction when a process decides a case or sends a
referral, with deliveries for the subscriptions that want them (sent on commit, elsewhere)."""

from __future__ import annotations

import json

import pytest

from engine.models import ProcessInstance
from onewindow.models import HelpRequest
from outbound.models import Delivery, DeliveryStatus, Event
from tests.onewindow.helpers import complete as window_complete
from tests.onewindow.helpers import refer
from tests.outbound.conftest import subscribe
from tests.workflows.dibao import apply, complete, deliver_refusal
from tests.workflows.exit import (
    active_case,
    active_dibao,
    approve_exit,
    deliver_notice,
    investigate_exit,
    start_exit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

URL = "https://example.org/hooks"
CASE_TYPES = ("case.confirmed", "case.refused", "case.exited")


def names_and_ids(case) -> list[str]:
    members = case.household.members.all()
    return [m.name for m in members] + [m.resident_id for m in members]


def test_it_records_a_confirmed_case_with_its_decision_and_nothing_personal(world, admin):
    subscription, _ = subscribe(admin, URL, world.county.code)
    case = active_dibao(world)

    event = Event.objects.get(case=case)
    assert event.type == "case.confirmed"
    assert event.region == world.village_a1
    assert event.payload == {
        "case_number": case.number,
        "kind": "dibao",
        "region_code": world.village_a1.code,
        "decided_on": "2026-03-10",
        "start_month": "2026-04-01",
    }
    text = json.dumps(event.payload, ensure_ascii=False)
    assert not [value for value in names_and_ids(case) if value in text]
    delivery = Delivery.objects.get(event=event)
    assert (delivery.subscription, delivery.status, delivery.attempts) == (
        subscription,
        DeliveryStatus.PENDING,
        0,
    )


def test_it_records_a_refusal_without_its_reasons(world, admin):
    subscribe(admin, URL, world.province.code)
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="ineligible",
        acceptance_reasons="非本乡镇户籍",
    )
    assert not Event.objects.filter(case=case).exists()
    deliver_refusal(world, case, "2026-03-02")

    event = Event.objects.get(case=case)
    assert event.type == "case.refused"
    assert set(event.payload) == {"case_number", "kind", "region_code", "decided_on"}
    assert "非本乡镇户籍" not in json.dumps(event.payload, ensure_ascii=False)
    assert Delivery.objects.filter(event=event).count() == 1


def test_it_records_an_exit_with_the_exit_decision_and_end(world, admin):
    subscribe(admin, URL, world.county.code)
    case = active_case(world, "elderly")
    start_exit(world, case, "moved_away")
    investigate_exit(world, case)
    approve_exit(world, case)
    deliver_notice(world, case)

    event = Event.objects.get(case=case)
    assert event.type == "case.exited"
    assert event.payload["ended_on"] == "2026-04-01"
    assert event.payload["end_reason"] == "moved_away"
    # The exit's decision, not the application's of 2024 still on the case.
    assert event.payload["decided_on"].startswith("2026-03")
    assert event.instance == ProcessInstance.objects.get(case=case, definition__key="exit")


def test_it_delivers_only_inside_each_subscriptions_region(world, admin):
    province, _ = subscribe(admin, URL, world.province.code, department="省医保局")
    township_a, _ = subscribe(admin, URL, world.township_a.code, department="东镇")
    subscribe(admin, URL, world.township_b.code, department="西镇")
    subscribe(admin, URL, world.county.code, department="停用", types=("case.refused",))
    stopped, _ = subscribe(admin, URL, world.county.code, department="停用2")
    stopped.active = False
    stopped.save()

    case = active_dibao(world)

    told = set(Delivery.objects.filter(event__case=case).values_list("subscription", flat=True))
    assert told == {province.pk, township_a.pk}


def test_it_sends_a_referral_to_its_department_alone_with_what_it_needs(world, admin):
    hrss, _ = subscribe(admin, URL, world.county.code, types=("referral.sent",), code="hrss")
    subscribe(admin, URL, world.county.code, types=("referral.sent",), code="education")
    subscribe(admin, URL, world.county.code, types=CASE_TYPES)
    case = refer(world, "hrss")
    assert not Event.objects.filter(case=case).exists()

    window_complete(
        world, "clerk", case, "send_referral", sent_how="system", referral_note="请协助就业登记"
    )
    window_complete(
        world, "clerk", case, "record_reply", reply_summary="已登记", department_result="helped"
    )

    event = Event.objects.get(case=case)
    request = HelpRequest.objects.get(case=case)
    assert event.type == "referral.sent"
    assert event.payload["department"] == "hrss"
    assert event.payload["sent_on"] == "2026-03-02"
    assert event.payload["referral"] == {
        "request_number": request.number,
        "need": request.need,
        "note": "请协助就业登记",
        "name": "钱大勇",
        "phone": "13800000000",
    }
    assert request.resident_id not in json.dumps(event.payload)
    assert list(Delivery.objects.filter(event=event).values_list("subscription", flat=True)) == [
        hrss.pk
    ]
