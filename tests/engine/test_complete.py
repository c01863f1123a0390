"""Completing a task: validation against its form, claims, and two people at once."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from engine import runtime
from engine.forms import FormInvalid
from engine.models import AuditEvent, ProcessInstance, Task
from tests.engine.samples import tiny_sources


@pytest.fixture
def tiny_instance(world, tiny_case) -> ProcessInstance:
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    return runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )


@pytest.mark.django_db
def test_it_names_every_field_that_breaks_the_form(world, tiny_instance):
    from django.utils import translation

    task = tiny_instance.tasks.get()
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(FormInvalid) as invalid:
        runtime.complete(
            task.pk, actor=world["clerk"], data={"answer": "x", "count": "many", "extra": 1}
        )
    errors = invalid.value.errors
    assert set(errors) == {"answer", "count", "__all__"}
    assert errors["answer"] == ["Enter at least 2 characters."]
    assert errors["count"] == ["This value has the wrong type."]
    tiny_instance.refresh_from_db()
    assert tiny_instance.revision == 1
    assert tiny_instance.tasks.get().pk == task.pk
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_it_says_which_field_is_missing_in_chinese(world, tiny_instance):
    from django.utils import translation

    task = tiny_instance.tasks.get()
    with translation.override("zh-hans"), pytest.raises(FormInvalid) as invalid:
        runtime.complete(task.pk, actor=world["clerk"], data={})
    assert invalid.value.errors == {"answer": ["此项为必填项。"], "count": ["此项为必填项。"]}


@pytest.mark.django_db
def test_it_keeps_a_claimed_task_for_its_claimant(world, tiny_instance):
    task = tiny_instance.tasks.get()
    runtime.claim(task.pk, actor=world["clerk"])
    with pytest.raises(runtime.TaskConflict):
        runtime.claim(task.pk, actor=world["village_clerk"])
    with pytest.raises(runtime.TaskConflict):
        runtime.complete(task.pk, actor=world["village_clerk"], data={"answer": "好的", "count": 1})
    runtime.complete(task.pk, actor=world["clerk"], data={"answer": "好的", "count": 1})
    assert AuditEvent.objects.filter(action="task.claimed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_completions_win(world, tiny_case):
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    instance = runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )
    task_pk = instance.tasks.get().pk
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(username: str) -> None:
        try:
            barrier.wait(timeout=10)
            runtime.complete(task_pk, actor=world[username], data={"answer": username, "count": 1})
            outcomes.append("ok")
        except runtime.TaskConflict as exc:
            outcomes.append(f"conflict: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("clerk", "village_clerk")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1:] == ["ok"] and sorted(outcomes)[0].startswith("conflict: ")
    assert "已由他人办结" in sorted(outcomes)[0]
    instance.refresh_from_db()
    assert instance.revision == 2
    assert AuditEvent.objects.filter(instance=instance, action="task.completed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_reads_a_claim_made_while_it_waited_for_the_case(world, tiny_case):
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    instance = runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )
    task_pk = instance.tasks.get().pk
    claimed, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def colleague_claims() -> None:
        # Holds the case, as runtime.claim does, and claims the task before letting go.
        try:
            with transaction.atomic():
                ProcessInstance.objects.select_for_update().get(pk=instance.pk)
                Task.objects.filter(pk=task_pk).update(claimed_by=world["village_clerk"])
                claimed.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def clerk_completes() -> None:
        try:
            runtime.complete(task_pk, actor=world["clerk"], data={"answer": "好的", "count": 1})
            outcomes.append("ok")
        except runtime.TaskConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    colleague = threading.Thread(target=colleague_claims)
    colleague.start()
    assert claimed.wait(timeout=10)
    clerk = threading.Thread(target=clerk_completes)
    clerk.start()
    # The clerk's completion waits for the case, having read the task before the claim.
    deadline = time.monotonic() + 10
    while not waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.02)
    release.set()
    colleague.join(timeout=30)
    clerk.join(timeout=30)

    assert outcomes == ["conflict"]
    instance.refresh_from_db()
    assert instance.revision == 1
    assert Task.objects.get(pk=task_pk).claimed_by == world["village_clerk"]


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])
