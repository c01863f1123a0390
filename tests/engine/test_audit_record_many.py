"""`audit.record_many`: many events over many chains in a few statements, chained exactly as
one `audit.record` each would chain them (the trail verifies), heads moved one event at a time
as the database demands."""

from __future__ import annotations

from django.db import transaction

from engine import audit
from engine.models import AuditChain, AuditEvent
from tests.payments.grants_world import active_case, household


def test_it_appends_to_new_and_existing_chains_in_order(world, django_assert_max_num_queries):
    homes = [household(world.village_a1, f"户{n}", 70 + n) for n in range(3)]
    cases = [active_case(home, "dibao", f"DB{n}") for n, home in enumerate(homes)]
    with transaction.atomic():
        audit.record("definition.deployed", actor=None, role="system")
        audit.record("case.created", actor=world["clerk"], case_id=cases[0].pk)
    entries = [
        {"action": "grant_batch.approved", "actor": world["approver"], "payload": {"n": 1}},
        *(
            {"action": action, "actor": world["approver"], "case_id": case.pk, "payload": {}}
            for case in cases
            for action in ("grant.created", "case.note")
        ),
    ]
    with transaction.atomic(), django_assert_max_num_queries(8):
        events = audit.record_many(entries)
    assert [event.seq for event in events] == [2, 2, 3, 1, 2, 1, 2]
    assert AuditChain.objects.get(stream=f"case:{cases[0].pk}").length == 3
    assert AuditChain.objects.get(stream=f"case:{cases[2].pk}").length == 2
    assert [e.action for e in AuditEvent.objects.filter(case=cases[1]).order_by("seq")] == [
        "grant.created",
        "case.note",
    ]
    assert audit.verify().ok
