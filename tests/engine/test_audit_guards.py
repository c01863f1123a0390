"""PostgreSQL itself refuses to change or remove the audit trail (engine migration 0007), and the
application's role may only INSERT and SELECT there (`grant_app_role`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from engine import audit
from engine.audit import GENESIS
from engine.models import AuditChain, AuditCheckpoint, AuditEvent


@pytest.fixture
def trail(db) -> list[AuditEvent]:
    with transaction.atomic():
        return [audit.record("definition.deployed", actor=None, role="system") for _ in range(3)]


def refused(sql: str) -> None:
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # TRUNCATE waits for no deferred foreign-key check of this transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)


def test_it_refuses_update_delete_and_truncate_of_audit_events(trail):
    first = trail[0]
    with pytest.raises(IntegrityError, match="append-only: UPDATE"), transaction.atomic():
        AuditEvent.objects.filter(pk=first.pk).update(action="task.claimed")
    with pytest.raises(IntegrityError, match="append-only: DELETE"), transaction.atomic():
        AuditEvent.objects.filter(pk=first.pk).delete()
    refused("TRUNCATE engine_auditevent CASCADE")
    # Even a change to nothing at all: the statement is refused, not the rows.
    refused("UPDATE engine_auditevent SET action = action WHERE false")
    assert AuditEvent.objects.get(pk=first.pk).action == "definition.deployed"
    assert not list(audit.verify().problems)


def test_it_refuses_to_change_checkpoint_copies(trail):
    AuditCheckpoint.objects.create(
        number=1,
        key="checkpoints/00000001-x.json",
        created_at=datetime.now(UTC),
        document="{}",
        sha256="0" * 64,
        streams=1,
        events=3,
        changed=1,
        root="0" * 64,
    )
    refused("UPDATE engine_auditcheckpoint SET root = 'x'")
    refused("DELETE FROM engine_auditcheckpoint")
    refused("TRUNCATE engine_auditcheckpoint")


def test_it_moves_a_chain_head_only_forward_onto_the_event_just_appended(trail):
    head = AuditChain.objects.get(stream="system")
    assert head.length == 3
    back = "UPDATE engine_auditchain SET length = 2, last_hash = %s WHERE stream = 'system'"
    for sql, params in [
        (back, [trail[1].hash]),
        ("UPDATE engine_auditchain SET length = 4 WHERE stream = 'system'", []),
        ("INSERT INTO engine_auditchain VALUES ('case:999', %s, 5)", [trail[0].hash]),
    ]:
        with (
            pytest.raises(IntegrityError, match="only moves forward"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    refused("DELETE FROM engine_auditchain")
    # The application's own appends go through.
    with transaction.atomic():
        audit.record("definition.deployed", actor=None, role="system")
    assert AuditChain.objects.get(stream="system").length == 4


def test_it_lets_only_the_test_flush_truncate_the_trail(trail):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL doudi.allow_audit_truncate = 'on'")
        cursor.execute("TRUNCATE engine_auditevent, engine_auditchain CASCADE")
        assert not AuditEvent.objects.exists()
        transaction.set_rollback(True)
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_it_lets_the_application_role_only_insert_and_select_audit_events():
    with transaction.atomic():
        event = audit.record("definition.deployed", actor=None, role="system")
    role = f"doudi_app_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        call_command("grant_app_role", role)
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            dbname=settings["NAME"],
            user=role,
            autocommit=True,
        ) as limited:
            with limited.transaction(force_rollback=True):
                limited.execute(
                    "INSERT INTO engine_auditevent (stream, seq, at, actor_name, role, action,"
                    " payload, prev_hash, hash, event_id) VALUES ('system', 2, now(), 'system',"
                    " 'system', 'definition.deployed', '{}', %s, %s, %s)",
                    [event.hash, "1" * 64, uuid.uuid4()],
                )
                count = limited.execute("SELECT count(*) FROM engine_auditevent").fetchone()
                assert count == (2,)
            with limited.transaction(force_rollback=True):
                # Other tables are the application's to change.
                limited.execute("UPDATE assistance_case SET status = status")
                limited.execute("DELETE FROM django_session")
            for sql in [
                "UPDATE engine_auditevent SET action = 'task.claimed'",
                "DELETE FROM engine_auditevent",
                "TRUNCATE engine_auditevent",
                "UPDATE engine_auditchain SET stream = 'case:1'",
                "DELETE FROM engine_auditchain",
                "UPDATE engine_auditcheckpoint SET root = ''",
                "ALTER TABLE engine_auditevent DISABLE TRIGGER doudi_append_only",
                "DROP TRIGGER doudi_append_only ON engine_auditevent",
                "SET session_replication_role = replica",
                "DELETE FROM django_migrations",
            ]:
                with (
                    pytest.raises(psycopg.errors.InsufficientPrivilege),
                    limited.transaction(force_rollback=True),
                ):
                    limited.execute(sql)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')
    assert AuditEvent.objects.count() == 1
    assert AuditEvent.objects.get().prev_hash == GENESIS
