"""The audit trail is a hash chain per case; `verify_audit` finds the first tampered event.

No checkpoint here: the hash chains alone (tests/engine/test_audit_tamper.py adds them).
"""

from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command

from engine.models import AuditChain, AuditEvent
from tests.engine import tamper
from tests.workflows.dibao import accept, apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def test_it_passes_on_a_clean_chain(world, capsys):
    case = apply(world)
    accept(world, case)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "audit trail intact" in out and "No checkpoint has been signed yet" in out
    events = list(AuditEvent.objects.filter(case=case).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))


def test_it_names_the_first_edited_event(world, capsys):
    case = apply(world)
    accept(world, case)
    events = list(AuditEvent.objects.filter(case=case).order_by("seq"))
    tampered = events[1]
    # Someone with database access rewrites what was submitted.
    tamper.edit(
        tampered.stream, tampered.seq, payload={"data": {"acceptance_decision": "ineligible"}}
    )
    with pytest.raises(CommandError, match="1 audit chain"):
        call_command("verify_audit")
    err = capsys.readouterr().err
    assert f"case:{case.pk}: event id={tampered.pk} seq={tampered.seq}" in err
    assert "content does not match its hash" in err


def test_it_notices_a_deleted_last_event(world, capsys):
    case = apply(world)
    accept(world, case)
    last = AuditEvent.objects.filter(case=case).order_by("-seq").first()
    tamper.delete(last.stream, last.seq)
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "chain head" in capsys.readouterr().err


def test_it_notices_an_event_removed_from_the_middle(world, capsys):
    case = apply(world)
    accept(world, case)
    tamper.delete(f"case:{case.pk}", 2)
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"case:{case.pk}: seq=2: deleted: Event 2 is missing" in capsys.readouterr().err


def test_it_keeps_one_chain_per_case(world):
    first, second = apply(world), apply(world)
    streams = set(AuditChain.objects.values_list("stream", flat=True))
    assert {f"case:{first.pk}", f"case:{second.pk}", "system"} <= streams
