"""`engine.writes`: a step's writes go as one statement on PostgreSQL, checked row by row, and
an audit chain's head still moves one event at a time, onto the event just appended."""

from __future__ import annotations

import pytest
from django.db import transaction

from engine import audit
from engine.models import AuditChain, AuditEvent, Task
from engine.writes import WriteFailed, Writes
from tests.fixtures import World

pytestmark = pytest.mark.django_db


def test_it_appends_two_events_to_one_chain_in_two_statements(
    world: World, tiny_case: object, django_assert_num_queries
) -> None:
    case_id = tiny_case.pk  # type: ignore[attr-defined]
    with transaction.atomic():
        audit.record("case.created", actor=world["clerk"], case_id=case_id)
        head = AuditChain.objects.select_for_update().get(stream=audit.stream_for(case_id))
        writes = Writes()
        # The second event's head move waits for a statement of its own (migration 0007).
        with django_assert_num_queries(2):
            for number in range(2):
                event = audit.next_event(
                    head, "case.note", actor=None, case_id=case_id, payload={"n": number}
                )
                audit.append(writes, head, event)
            writes.flush()

    events = AuditEvent.objects.filter(case_id=case_id).order_by("seq")
    assert [(event.seq, event.payload.get("n")) for event in events] == [(1, None), (2, 0), (3, 1)]
    assert AuditChain.objects.get(stream=audit.stream_for(case_id)).length == 3
    assert audit.verify().ok


def test_it_refuses_a_write_that_changed_other_rows_than_it_must(world: World) -> None:
    writes = Writes()
    writes.update(Task.objects.filter(pk=-1), {"title": "无"}, rows=1)
    writes.update(Task.objects.filter(pk=-2), {"title": "无"})

    with pytest.raises(WriteFailed, match="0 rows changed instead of 1"), transaction.atomic():
        writes.flush()
