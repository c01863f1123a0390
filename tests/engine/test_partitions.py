"""The audit events partitioned by month on PostgreSQL (engine migration 0010, engine/partitions.py):
every guarantee of the trail holds on the partitions as it did on the one table."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, transaction

from engine import audit, partitions
from engine.models import AuditChain, AuditEvent
from engine.tasks import ensure_audit_partitions
from engine.verification import verify

pytestmark = pytest.mark.django_db


def partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM engine_auditevent WHERE id = %s AND at = %s",
            [event.pk, event.at],
        )
        return str(cursor.fetchone()[0])


def record(at: datetime) -> AuditEvent:
    with transaction.atomic():
        return audit.record("definition.deployed", actor=None, role="system", at=at)


def refused(sql: str, params: list[object] | None = None, match: str = "append-only") -> None:
    with (
        pytest.raises(IntegrityError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Deferred foreign-key checks first: TRUNCATE and the deferred chain check wait for none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
            " AND tgenabled <> 'D'",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


def test_it_partitions_the_events_by_month_with_a_default():
    assert partitions.is_partitioned()
    names = [partition.name for partition in partitions.partitions()]
    this_month = datetime.now(UTC).date()
    assert partitions.partition_name(this_month) in names
    assert partitions.DEFAULT_PARTITION in names
    partitions.ensure_partitions(start=date(2030, 12, 9), ahead=0)
    bounds = {p.name: p.bounds for p in partitions.partitions()}
    assert bounds["engine_auditevent_2030_12"] == (
        "FOR VALUES FROM ('2030-12-01 00:00:00+00') TO ('2031-01-01 00:00:00+00')"
    )
    assert bounds[partitions.DEFAULT_PARTITION] == "DEFAULT"


def test_it_puts_each_event_in_its_months_partition():
    partitions.ensure_partitions(start=date(2031, 1, 1), ahead=1)
    january = record(datetime(2031, 1, 31, 23, 59, tzinfo=UTC))
    # 07:30 in Shanghai on 1 February is still January in UTC: months are UTC months.
    late = record(datetime(2031, 2, 1, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    february = record(datetime(2031, 2, 1, 0, 0, tzinfo=UTC))
    beyond = record(datetime(2040, 5, 1, tzinfo=UTC))
    assert [partition_of(e) for e in (january, late, february, beyond)] == [
        "engine_auditevent_2031_01",
        "engine_auditevent_2031_01",
        "engine_auditevent_2031_02",
        "engine_auditevent_default",
    ]
    assert partitions.events_in_default() == [(date(2040, 5, 1), 1)]


def test_it_creates_months_ahead_once():
    created = partitions.ensure_partitions(start=date(2032, 11, 20), ahead=2)
    assert created == [
        "engine_auditevent_2032_11",
        "engine_auditevent_2032_12",
        "engine_auditevent_2033_01",
    ]
    assert partitions.ensure_partitions(start=date(2032, 11, 20), ahead=2) == []
    # A new partition refuses changes like the others: its own statement trigger and the
    # parent's row triggers.
    assert triggers_on("engine_auditevent_2032_12") == {
        "doudi_append_only",
        "doudi_append_only_row",
        "doudi_event_position",
        "doudi_event_chained",
    }
    assert not verify().problems


def test_it_refuses_a_month_whose_events_wait_in_the_default_partition():
    stray = record(datetime(2035, 6, 15, tzinfo=UTC))
    with pytest.raises(partitions.PartitionError, match=r"1 audit event\(s\) of 2035-06") as caught:
        partitions.ensure_partitions(start=date(2035, 6, 1), ahead=1)
    # The other months are still created, and the event stays where it is.
    assert caught.value.created == ["engine_auditevent_2035_07"]
    assert partition_of(stray) == partitions.DEFAULT_PARTITION
    assert not verify().problems


def test_it_refuses_to_change_events_on_a_partition_and_on_the_parent():
    event = record(datetime.now(UTC))
    table = partition_of(event)
    assert table != partitions.DEFAULT_PARTITION
    refused(f"UPDATE {table} SET action = 'task.claimed'", match="append-only: UPDATE")
    refused(f"DELETE FROM {table}", match="append-only: DELETE")
    refused(f"UPDATE {table} SET action = action WHERE false", match="append-only: UPDATE")
    refused(f"DELETE FROM {partitions.DEFAULT_PARTITION} WHERE false", match="append-only")
    refused("UPDATE engine_auditevent SET action = 'task.claimed'", match="append-only: UPDATE")
    refused("DELETE FROM engine_auditevent WHERE false", match="append-only: DELETE")
    # Moving an event to another month is an update too.
    refused(f"UPDATE {table} SET at = at - interval '400 days'", match="append-only: UPDATE")
    assert AuditEvent.objects.get(pk=event.pk).action == "definition.deployed"


def test_it_refuses_truncate_of_a_partition_and_the_parent_without_the_guard():
    event = record(datetime.now(UTC))
    refused("TRUNCATE engine_auditevent CASCADE", match="append-only: TRUNCATE")
    refused(f"TRUNCATE {partition_of(event)}", match="append-only: TRUNCATE")
    refused(f"TRUNCATE {partitions.DEFAULT_PARTITION}", match="append-only: TRUNCATE")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL doudi.allow_audit_truncate = 'on'")
        cursor.execute("TRUNCATE engine_auditevent, engine_auditchain CASCADE")
        assert not AuditEvent.objects.exists()
        transaction.set_rollback(True)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_verifies_a_chain_across_two_months():
    partitions.ensure_partitions(start=date(2033, 3, 1), ahead=1)
    events = [
        record(datetime(2033, 3, 30, tzinfo=UTC)),
        record(datetime(2033, 3, 31, 23, 0, tzinfo=UTC)),
        record(datetime(2033, 4, 1, 1, 0, tzinfo=UTC)),
    ]
    with transaction.atomic():
        audit.record_many(
            [{"action": "definition.deployed", "actor": None, "role": "system"}] * 2,
            at=datetime(2033, 4, 2, tzinfo=UTC),
        )
    assert [partition_of(e) for e in events] == [
        "engine_auditevent_2033_03",
        "engine_auditevent_2033_03",
        "engine_auditevent_2033_04",
    ]
    report = verify()
    assert not report.problems
    assert report.events == AuditEvent.objects.count() == 5
    assert AuditChain.objects.get(stream="system").length == 5


def test_it_keeps_one_event_per_position_across_months():
    partitions.ensure_partitions(start=date(2034, 1, 1), ahead=1)
    first = record(datetime(2034, 1, 10, tzinfo=UTC))
    insert = (
        "INSERT INTO engine_auditevent (stream, seq, at, actor_name, role, action, payload,"
        " prev_hash, hash, event_id) VALUES ('system', %s, %s, 'system', 'system',"
        " 'definition.deployed', '{}', %s, %s, %s)"
    )
    # The same position in another month, where no unique index would see it.
    again = [1, datetime(2034, 2, 10, tzinfo=UTC), audit.GENESIS, "1" * 64, uuid.uuid4()]
    refused(insert, again, match="not the next position")
    # A position beyond the head's next one.
    ahead = [3, datetime(2034, 2, 10, tzinfo=UTC), first.hash, "1" * 64, uuid.uuid4()]
    refused(insert, ahead, match="not the next position")
    # The next position, but the head never moved onto it by the end of the transaction.
    stray = [2, datetime(2034, 2, 10, tzinfo=UTC), first.hash, "1" * 64, uuid.uuid4()]
    refused(insert, stray, match="head never moved onto it")
    # Twice the next position in one transaction: the head cannot move onto either.
    with (
        pytest.raises(IntegrityError, match="only moves forward"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(insert, stray)
        cursor.execute(
            insert, [2, datetime(2034, 1, 11, tzinfo=UTC), first.hash, "1" * 64, uuid.uuid4()]
        )
        cursor.execute(
            "UPDATE engine_auditchain SET length = 2, last_hash = %s WHERE stream = 'system'",
            ["1" * 64],
        )
    # The application's appends go through and are checked at commit like any.
    record(datetime(2034, 2, 11, tzinfo=UTC))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert list(AuditEvent.objects.values_list("seq", flat=True).order_by("seq")) == [1, 2]
    assert not verify().problems


def test_it_names_a_partition_whose_guard_was_dropped():
    partitions.ensure_partitions(start=date(2036, 1, 1), ahead=0)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP TRIGGER doudi_append_only ON engine_auditevent_2036_01")
    problems = verify().problems
    assert [(p.stream, p.code) for p in problems] == [("database", "guard")]
    assert "engine_auditevent_2036_01" in str(problems[0].message)


def test_it_runs_daily_on_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["ensure-audit-partitions"]
    assert entry["task"] == ensure_audit_partitions.name
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}
    coming = {partitions.partition_name(m) for m in partitions.months_from(partitions.today(), 4)}
    created = ensure_audit_partitions.delay().get()
    assert set(created) <= coming
    assert coming <= {partition.name for partition in partitions.partitions()}
    assert ensure_audit_partitions.delay().get() == []


@pytest.mark.django_db(transaction=True)
def test_it_lets_the_application_role_append_and_add_months_but_not_touch_partitions():
    from django.core.management import call_command

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
            # Beat's connection creates a month: the function acts as the tables' owner.
            assert limited.execute("SELECT doudi_audit_add_month('2037-05-09')").fetchone() == (
                True,
            )
            with limited.transaction():
                limited.execute(
                    "INSERT INTO engine_auditchain VALUES ('system', %s, 0)", [audit.GENESIS]
                )
                limited.execute(
                    "INSERT INTO engine_auditevent (stream, seq, at, actor_name, role, action,"
                    " payload, prev_hash, hash, event_id) VALUES ('system', 1,"
                    " '2037-05-10 00:00+00', 'system', 'system', 'definition.deployed', '{}',"
                    " %s, %s, %s)",
                    [audit.GENESIS, "1" * 64, uuid.uuid4()],
                )
                limited.execute(
                    "UPDATE engine_auditchain SET length = 1, last_hash = %s"
                    " WHERE stream = 'system'",
                    ["1" * 64],
                )
            for sql in [
                "SELECT count(*) FROM engine_auditevent_2037_05",
                "DELETE FROM engine_auditevent_2037_05",
                "TRUNCATE engine_auditevent_2037_05",
                "ALTER TABLE engine_auditevent DETACH PARTITION engine_auditevent_2037_05",
                "CREATE TABLE engine_auditevent_2037_09 PARTITION OF engine_auditevent"
                " FOR VALUES FROM ('2037-09-01') TO ('2037-10-01')",
            ]:
                with (
                    pytest.raises(psycopg.errors.InsufficientPrivilege),
                    limited.transaction(force_rollback=True),
                ):
                    limited.execute(sql)
        assert partition_of(AuditEvent.objects.get()) == "engine_auditevent_2037_05"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_userbyid(relowner) = current_user FROM pg_class"
                " WHERE relname = 'engine_auditevent_2037_05'"
            )
            assert cursor.fetchone() == (True,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')
            # Created for good (this test commits): the next run creates it again.
            cursor.execute("DROP TABLE IF EXISTS engine_auditevent_2037_05")
