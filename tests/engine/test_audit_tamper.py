"""Tampering with the audit trail behind the application's back is detected and named.

Each test writes a signed checkpoint to a real S3 server, then changes the trail as a database
superuser can (triggers switched off: tests/engine/tamper.py), and checks that `audit.verify()`
names the stream, the position and what was done, and nothing else.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from engine import audit
from engine.checkpoints import canonical, write_checkpoint
from engine.models import AuditCheckpoint, AuditEvent
from tests.engine import tamper
from tests.workflows.dibao import accept, apply

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "signing_key_files", "english"),
    pytest.mark.parametrize("store", ["s3"], indirect=True),
]


def named(report: audit.VerifyReport) -> list[tuple[str, str, int | None]]:
    return [(p.stream, p.code, p.seq) for p in report.problems]


@pytest.fixture
def case(world, store):
    """A case with a few events, all signed by a checkpoint in the object store."""
    case = apply(world)
    accept(world, case)
    written = write_checkpoint()
    assert written.checkpoint is not None and written.disputed == ()
    assert store.get_record(written.checkpoint.key)
    return case


def stream_of(case) -> str:
    return f"case:{case.pk}"


def length(case) -> int:
    return AuditEvent.objects.filter(stream=stream_of(case)).count()


def test_it_finds_nothing_wrong_with_an_untouched_trail(case, capsys):
    report = audit.verify()
    assert report.ok and report.checkpoint is not None and report.checkpoint.number == 1
    assert report.unsigned_events == 0
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Checked against checkpoint 1" in out and "audit trail intact" in out


def test_it_names_an_edited_event(case):
    tamper.edit(stream_of(case), 2, payload={"data": {"acceptance_decision": "ineligible"}})
    report = audit.verify()
    assert named(report) == [(stream_of(case), "edited", 2)]
    assert "Event 2 was changed after it was written" in str(report.problems[0].message)


def test_it_names_a_deleted_event(case):
    tamper.delete(stream_of(case), 2)
    assert named(audit.verify()) == [(stream_of(case), "deleted", 2)]


def test_it_names_reordered_events(case):
    tamper.swap(stream_of(case), 2, 3)
    report = audit.verify()
    assert named(report) == [(stream_of(case), "reordered", 2)]
    assert "Event 2 was written as event 3" in str(report.problems[0].message)


def test_it_names_a_tail_cut_off_with_its_head(case):
    signed = length(case)
    tamper.truncate_tail(stream_of(case), 2)
    report = audit.verify()
    # The chain left behind is consistent, head included: only the checkpoint tells.
    assert named(report) == [(stream_of(case), "truncated", signed - 1)]
    message = str(report.problems[0].message)
    assert f"it now ends at event {signed - 2}, but checkpoint 1 signed {signed} events" in message


def test_it_names_a_rewritten_and_recomputed_chain(case):
    signed = length(case)
    tamper.rewrite(stream_of(case), 2, payload={"data": {"acceptance_decision": "ineligible"}})
    report = audit.verify()
    assert named(report) == [(stream_of(case), "rewritten", signed)]
    assert f"between event 1 and event {signed}" in str(report.problems[0].message)


def test_it_narrows_a_rewrite_down_with_the_checkpoints_before_it(case, world):
    first = length(case)
    audit_event_count = AuditEvent.objects.count()
    # More events, a second checkpoint; then an event signed only by the second is rewritten.
    from tests.workflows.dibao import check

    check(world, case)
    assert AuditEvent.objects.count() > audit_event_count
    assert write_checkpoint().checkpoint.number == 2
    tamper.rewrite(stream_of(case), first + 1, action="task.claimed")
    report = audit.verify()
    assert named(report) == [(stream_of(case), "rewritten", length(case))]
    assert f"between event {first + 1} and event {length(case)}" in str(report.problems[0].message)


def test_it_names_a_deleted_stream(case):
    signed = length(case)
    tamper.delete_stream(stream_of(case))
    report = audit.verify()
    assert named(report) == [(stream_of(case), "stream_deleted", None)]
    assert f"checkpoint 1 signed {signed} events of it, none remain" in str(
        report.problems[0].message
    )


def test_it_names_a_deleted_last_event_whose_head_was_left(case):
    signed = length(case)
    tamper.delete(stream_of(case), signed)
    assert named(audit.verify()) == [
        (stream_of(case), "head", None),
        (stream_of(case), "truncated", signed),
    ]


def test_it_checks_events_after_the_last_checkpoint_by_their_chain_only(case, world):
    from tests.workflows.dibao import check

    signed = length(case)
    check(world, case)
    report = audit.verify()
    assert report.ok and report.unsigned_events == length(case) - signed
    assert f"{length(case) - signed} event(s) written since" in str(report.notes[0])
    tamper.edit(stream_of(case), signed + 1, action="task.claimed")
    assert named(audit.verify()) == [(stream_of(case), "edited", signed + 1)]


def test_it_names_a_checkpoint_copy_removed_from_the_database(case):
    key = AuditCheckpoint.objects.get().key
    with tamper.superuser_bypass():
        AuditCheckpoint.objects.all().delete()
    report = audit.verify()
    # The store's original still counts: the checkpoint's signature is what is trusted.
    assert [(p.code, p.checkpoint) for p in report.problems] == [("copy_missing", key)]
    assert report.checkpoint is not None and report.checkpoint.key == key


def test_it_refuses_a_checkpoint_copy_whose_heads_were_changed(case):
    row = AuditCheckpoint.objects.get()
    forged = row.document.replace(f'"{stream_of(case)}",', f'"{stream_of(case)}x",')
    assert forged != row.document
    with tamper.superuser_bypass():
        AuditCheckpoint.objects.filter(pk=row.pk).update(document=forged)
    report = audit.verify()
    assert [(p.code, p.checkpoint) for p in report.problems] == [("signature", row.key)]


def test_it_names_a_trigger_switched_off(case, capsys):
    with connection.cursor() as cursor:
        # Deferred foreign-key checks must run first; ALTER TABLE waits for none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE engine_auditevent DISABLE TRIGGER doudi_append_only")
    report = audit.verify()
    assert named(report) == [("database", "guard", None)]
    assert "engine_auditevent" in str(report.problems[0].message)
    with pytest.raises(CommandError, match="0 audit chain"):
        call_command("verify_audit")
    assert "database: guard: PostgreSQL no longer refuses" in capsys.readouterr().err


def test_it_prints_each_named_problem(case, capsys):
    event = AuditEvent.objects.get(stream=stream_of(case), seq=2)
    tamper.edit(stream_of(case), 2, action="task.claimed")
    tamper.truncate_tail("system", 1)
    with pytest.raises(CommandError, match="2 audit chain"):
        call_command("verify_audit")
    err = capsys.readouterr().err
    assert f"{stream_of(case)}: event id={event.pk} seq=2: edited: Event 2 was changed" in err
    assert "system: seq=" in err and ": truncated: Its last events were removed" in err


def system_event() -> None:
    with transaction.atomic():
        audit.record("definition.deployed", actor=None, role="system")


def test_it_names_a_checkpoint_removed_from_both_copies(case, store):
    for number in (2, 3):
        system_event()
        assert write_checkpoint().checkpoint.number == number
    second = AuditCheckpoint.objects.get(number=2)
    with tamper.superuser_bypass():
        AuditCheckpoint.objects.filter(pk=second.pk).delete()
    store._client.remove_object(store.bucket, second.key)
    report = audit.verify()
    assert [(p.code, p.checkpoint) for p in report.problems] == [("gap", "#2")]
    assert "Checkpoint 2 is missing from both" in str(report.problems[0].message)


def test_it_names_a_forged_checkpoint_once(case, store):
    system_event()
    write_checkpoint()
    system_event()
    write_checkpoint()
    second = AuditCheckpoint.objects.get(number=2)
    document = json.loads(second.document)
    document["body"]["heads"][0][2] = "0" * 64
    forged = canonical(document).decode()
    with tamper.superuser_bypass():
        AuditCheckpoint.objects.filter(pk=second.pk).update(document=forged)
    report = audit.verify()
    # Its content no longer matches the signature; it is not also called missing.
    assert [(p.code, p.checkpoint) for p in report.problems] == [("signature", second.key)]
