"""The time slider's data: the case's diagram as it stood after each event, from the marks the
engine writes into every change, or guessed from older events that carry none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from assistance.records import steps_for
from audit.case_file import People, replay
from engine.models import AuditEvent, ProcessInstance
from tests.audit.case_world import approved, at_notice, local_evidence

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence"),
]
__all__ = ["local_evidence"]

BEFORE_NOTICE = {
    "start",
    "acceptance",
    "gw_accept",
    "accepted",
    "economic_check",
    "gw_check",
    "home_investigation",
    "calculate",
    "opinion",
    "gw_opinion",
    "gw_notice",
}


def positions(client, world, case, **query):
    client.force_login(world["auditor"])
    response = client.get(reverse("audit:case-replay", args=[case.pk]), query)
    assert response.status_code == 200
    return response.json()


def after(data, action: str, title: str = "") -> list[dict]:
    return [p for p in data["positions"] if action in p["label"] and title in p["label"]]


def test_it_replays_a_dibao_case_through_notice_to_approval(client, world):
    case = approved(world)
    data = positions(client, world, case)
    assert '<bpmn:process id="dibao"' in data["xml"] and data["exact"] is True
    # One position per event that changed something: reads (a scan viewed) are passed by.
    changes = AuditEvent.objects.filter(case=case).exclude(action="evidence.viewed")
    assert [p["seq"] for p in data["positions"]] == sorted(changes.values_list("seq", flat=True))
    first = data["positions"][0]
    assert (first["label"], first["done"], first["active"]) == ("登记申请", [], [])
    started = after(data, "流程启动")[0]
    assert (started["done"], started["active"]) == (["start"], ["acceptance"])
    accepted = after(data, "办理完成", "受理审查")[0]
    assert accepted["active"] == ["economic_check"] and "acceptance" in accepted["done"]
    assert accepted["who"] == "clerk"
    # Inside the investigation stage its box stays under way until the second signature.
    investigated = after(data, "办理完成", "入户调查")[0]
    assert investigated["active"] == ["home_investigation"]
    opinion = after(data, "办理完成", "乡镇审核意见")[0]
    assert set(opinion["done"]) == BEFORE_NOTICE and opinion["active"] == ["public_notice"]
    notice_over = after(data, "期限届满")[0]
    assert set(notice_over["done"]) == BEFORE_NOTICE | {
        "public_notice",
        "gw_objected",
        "gw_confirm_level_join",
        "gw_confirm_level",
    }
    assert notice_over["active"] == ["county_confirm"] and notice_over["who"] == "系统"
    last = data["positions"][-1]
    assert last["active"] == [] and {"county_confirm", "end_approved"} <= set(last["done"])
    assert (data["completed"], data["active"]) == (last["done"], last["active"])
    for position in data["positions"]:
        assert position["at"].startswith("2026-03-")
        assert not set(position["done"]) & set(position["active"])


def test_it_shows_a_case_waiting_on_its_notice_as_it_is(client, world):
    case = at_notice(world)
    data = positions(client, world, case)
    last = data["positions"][-1]
    assert set(last["done"]) == BEFORE_NOTICE and last["active"] == ["public_notice"]
    assert (data["completed"], data["active"]) == (last["done"], last["active"])


def test_it_answers_404_for_a_case_without_a_process(client, world, tiny_case):
    client.force_login(world["auditor"])
    response = client.get(reverse("audit:case-replay", args=[tiny_case.pk]))
    assert response.status_code == 404
    page = client.get(reverse("audit:case", args=[tiny_case.pk]))
    assert page.status_code == 200 and "本案件尚未启动流程" in page.content.decode()


def event(seq: int, action: str, instance_id: int | None, **payload) -> AuditEvent:
    return AuditEvent(
        stream="case:1",
        seq=seq,
        at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=seq),
        actor=None,
        actor_name="system",
        action=action,
        instance_id=instance_id,
        payload=payload,
        event_id=uuid.uuid4(),
    )


def test_it_guesses_the_path_from_events_recorded_before_the_marks():
    instance = ProcessInstance(pk=7)
    elements = {
        "acceptance": "acceptance",
        "investigate": "home_investigation",
        "cosign": "home_investigation",
        "opinion": "opinion",
    }
    events = [
        event(1, "case.created", None),
        event(2, "instance.started", 7, key="dibao", version=1),
        event(3, "task.claimed", 7, task="acceptance"),
        event(4, "evidence.viewed", None, evidence_id=1),
        event(5, "task.completed", 7, task="acceptance"),
        event(6, "task.completed", 7, task="investigate"),
        event(7, "task.completed", 8, task="other_process_step"),
        event(8, "task.completed", 7, task="cosign"),
        event(9, "task.claimed", 7, task="opinion"),
        event(10, "case.decided", 7),
    ]
    current = {"completed": ["start", "acceptance", "home_investigation"], "active": ["opinion"]}
    found = replay(
        events,
        instance,
        current=current,
        elements=elements,
        steps=steps_for(events, {}),
        people=People([]),
    )
    shown = [(p.seq, p.done, p.active, p.exact) for p in found]
    assert shown == [
        (1, [], [], True),
        (2, [], [], False),
        (3, [], ["acceptance"], False),
        # 4: a read, passed by.
        (5, ["acceptance"], [], False),
        (6, ["acceptance"], ["home_investigation"], False),
        # Another process's step keeps this diagram as it was.
        (7, ["acceptance"], ["home_investigation"], False),
        (8, ["acceptance"], ["home_investigation"], False),
        (9, ["acceptance", "home_investigation"], ["opinion"], False),
        # The last position is the state the engine holds now.
        (10, ["acceptance", "home_investigation", "start"], ["opinion"], True),
    ]


def test_it_takes_the_marks_over_the_guess_once_events_carry_them():
    instance = ProcessInstance(pk=7)
    events = [
        event(1, "task.completed", 7, task="acceptance"),
        event(2, "task.completed", 7, task="x", elements={"done": ["a", "b"], "active": ["c"]}),
        event(3, "task.claimed", 7, task="d"),
        event(4, "case.decided", None),
    ]
    found = replay(
        events,
        instance,
        current={"completed": ["a", "b", "c"], "active": ["d"]},
        elements={"acceptance": "acceptance", "d": "d"},
        steps=steps_for(events, {}),
        people=People([]),
    )
    assert [(p.done, p.active, p.exact) for p in found] == [
        (["acceptance"], [], False),
        (["a", "b"], ["c"], True),
        (["a", "b", "c"], ["d"], False),
        (["a", "b", "c"], ["d"], True),
    ]


def test_it_replays_each_process_of_a_case_on_its_own_diagram(client, world):
    from tests.workflows.exit import start_exit

    case = approved(world)
    start_exit(world, case, "voluntary")
    application, exit_process = case.instances.order_by("pk")
    client.force_login(world["auditor"])
    page = client.get(reverse("audit:case", args=[case.pk]) + f"?process={exit_process.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"?process={application.pk}#replay" in html
    assert f"?process={exit_process.pk}#replay" in html
    data = positions(client, world, case, process=exit_process.pk)
    assert '<bpmn:process id="exit"' in data["xml"]
    # Before the exit started its diagram is blank; the application's steps leave it alone.
    before = after(data, "办理完成", "县级审核确认")[0]
    assert (before["done"], before["active"]) == ([], [])
    started = next(p for p in data["positions"] if p["seq"] > before["seq"] and p["active"])
    assert started["active"] == data["positions"][-1]["active"] != []
    # The application's own replay keeps its finished state after it ended.
    first = positions(client, world, case, process=application.pk)
    assert "end_approved" in first["positions"][-1]["done"]
