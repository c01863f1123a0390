"""On PostgreSQL the audit events live in a table partitioned by month of `at` (UTC), so old
months can be archived or moved to cheaper storage one table at a time and a month's scans
touch one partition (docs/operations.md, "Audit partitions"). SQLite keeps one plain table.

The table is rebuilt in one transaction: a partitioned copy with the same columns, a partition
per month from the earliest event to two months ahead and a DEFAULT partition (so no insert
ever fails for want of a month), the rows copied and compared, the old table dropped and the
copy given its name, its indexes, foreign keys, grants, owner and id sequence position.

PostgreSQL requires every unique index of a partitioned table to contain the partition key,
so the primary key is (id, at), `event_id` is unique per (event_id, at) and the position
(stream, seq) per (stream, seq, at). What the database no longer has is a unique index on
(stream, seq) alone; three triggers keep one event per position instead:

- `doudi_event_position` (BEFORE INSERT, every partition): an event may only be appended at
  its chain head's length + 1, holding the head's row lock, so appenders to one stream queue
  behind each other (audit.record and record_many hold that lock already);
- `doudi_head_forward` (engine migration 0007, amended here): a head moves onto a position
  only if exactly one event is there;
- `doudi_event_chained` (deferred to commit): an appended event's head must have moved onto it
  by the end of its transaction.

So two events at one position would need two inserts while the head sat just below it: in one
transaction the head then cannot move (two events there) and the transaction cannot commit; in
two, the second waits for the first's head lock and finds the head already past (READ
COMMITTED) or fails to serialise (REPEATABLE READ). `id` stays unique as the sequence's
values are, and `event_id` as uuid4 values are; nothing looks events up by it.

UPDATE, DELETE and TRUNCATE stay refused (0007), even of no rows: a statement trigger on the
parent and the same on each partition (`doudi_audit_add_month`, the only way Doudi creates
partitions; the verification names a partition without one), and a row trigger that every
partition inherits, also one created or attached by hand. Flushing the parent, as the test suite's flush
does with `doudi.allow_audit_truncate` set, empties the partitions too.

`doudi_audit_add_month(date)` creates one month's partition; it runs as the tables' owner
(SECURITY DEFINER) so that Celery beat, connected as the application role that may change no
schema, can keep months ahead (engine/partitions.py). It refuses a month whose events already
wait in the DEFAULT partition instead of moving them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.db import migrations

TABLE = "engine_auditevent"
BUILD = "engine_auditevent_rebuilt"
DEFAULT = "engine_auditevent_default"
MONTHS_AHEAD = 2

TRIGGERS = """
CREATE OR REPLACE FUNCTION doudi_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.length = 0 AND NEW.last_hash = repeat('0', 64) THEN
            RETURN NEW;
        END IF;
    ELSIF NEW.stream = OLD.stream AND NEW.length = OLD.length + 1 AND (
        SELECT count(*) = 1 AND bool_and(e.hash = NEW.last_hash AND e.prev_hash = OLD.last_hash)
        FROM engine_auditevent e
        WHERE e.stream = NEW.stream AND e.seq = NEW.length
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the head of audit chain % only moves forward by one, onto the event '
        'just appended', NEW.stream USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE OR REPLACE FUNCTION doudi_audit_event_position() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_length bigint;
BEGIN
    SELECT length INTO head_length FROM engine_auditchain WHERE stream = NEW.stream FOR UPDATE;
    IF head_length IS NULL OR NEW.seq <> head_length + 1 THEN
        RAISE EXCEPTION 'audit event %#% is not the next position of its chain (head at %)',
            NEW.stream, NEW.seq, coalesce(head_length::text, 'none')
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION doudi_audit_event_chained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM engine_auditchain WHERE stream = NEW.stream AND length >= NEW.seq
    ) AND EXISTS (
        -- Still there (`at` finds its partition): only a superuser's bypass removes an event.
        SELECT 1 FROM engine_auditevent
        WHERE at = NEW.at AND stream = NEW.stream AND seq = NEW.seq
    ) THEN
        RAISE EXCEPTION 'audit event %#% was appended but its chain head never moved onto it',
            NEW.stream, NEW.seq USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER doudi_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON engine_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION doudi_audit_refuse();
CREATE TRIGGER doudi_append_only_row
    BEFORE UPDATE OR DELETE ON engine_auditevent
    FOR EACH ROW EXECUTE FUNCTION doudi_audit_refuse();
CREATE TRIGGER doudi_event_position
    BEFORE INSERT ON engine_auditevent
    FOR EACH ROW EXECUTE FUNCTION doudi_audit_event_position();
CREATE CONSTRAINT TRIGGER doudi_event_chained
    AFTER INSERT ON engine_auditevent DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION doudi_audit_event_chained();
"""

# {schema} is the migration's current schema: a SECURITY DEFINER function names its own.
ADD_MONTH = """
CREATE OR REPLACE FUNCTION doudi_audit_add_month(in_month date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    month_start date := date_trunc('month', in_month)::date;
    partition_name text := 'engine_auditevent_' || to_char(month_start, 'YYYY_MM');
    low text := to_char(month_start, 'YYYY-MM-DD') || ' 00:00:00+00';
    high text := to_char(month_start + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00';
    waiting bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('doudi_audit_add_month'));
    IF EXISTS (
        SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'engine_auditevent'::regclass AND c.relname = partition_name
    ) THEN
        RETURN false;
    END IF;
    SELECT count(*) INTO waiting FROM engine_auditevent_default
    WHERE at >= low::timestamptz AND at < high::timestamptz;
    IF waiting > 0 THEN
        RAISE EXCEPTION '% audit event(s) of % are in engine_auditevent_default; its partition '
            'is not created', waiting, to_char(month_start, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'docs/operations.md, "Audit partitions", says how to move them.';
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF engine_auditevent FOR VALUES FROM (%L) TO (%L)',
                   partition_name, low, high);
    EXECUTE format('CREATE TRIGGER doudi_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION doudi_audit_refuse()', partition_name);
    RETURN true;
END;
$$;
REVOKE ALL ON FUNCTION doudi_audit_add_month(date) FROM PUBLIC;
"""

# Engine migration 0007's head trigger, for going back to one plain table.
HEAD_FORWARD_0007 = """
CREATE OR REPLACE FUNCTION doudi_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.length = 0 AND NEW.last_hash = repeat('0', 64) THEN
            RETURN NEW;
        END IF;
    ELSIF NEW.stream = OLD.stream AND NEW.length = OLD.length + 1 AND EXISTS (
        SELECT 1 FROM engine_auditevent e
        WHERE e.stream = NEW.stream AND e.seq = NEW.length
          AND e.hash = NEW.last_hash AND e.prev_hash = OLD.last_hash
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the head of audit chain % only moves forward by one, onto the event '
        'just appended', NEW.stream USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER doudi_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON engine_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION doudi_audit_refuse();
DROP FUNCTION IF EXISTS doudi_audit_add_month(date);
DROP FUNCTION IF EXISTS doudi_audit_event_position();
DROP FUNCTION IF EXISTS doudi_audit_event_chained();
"""


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _bound(month: date) -> str:
    return f"{month:%Y-%m-%d} 00:00:00+00"


def _kept(cursor: Any, table: str) -> dict[str, Any]:
    """What the rebuilt table must get again: plain indexes, foreign keys, owner, grants."""
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY 1",
        [table],
    )
    indexes = [row[0].replace(" ON ONLY ", " ON ") for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY 1",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass", [table]
    )
    owner = cursor.fetchone()[0]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence_name = cursor.fetchone()[0]
    grants = {}
    for relation in (table, sequence_name):
        cursor.execute(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,"
            " string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type)"
            " FROM pg_class c, aclexplode(c.relacl) a"
            " WHERE c.oid = %s::regclass AND a.grantee <> c.relowner GROUP BY 1 ORDER BY 1",
            [relation],
        )
        grants[relation] = cursor.fetchall()
    cursor.execute(f"SELECT last_value, is_called FROM {sequence_name}")  # noqa: S608
    sequence = cursor.fetchone()
    return {
        "indexes": indexes,
        "foreign_keys": foreign_keys,
        "owner": owner,
        "grants": grants,
        "sequence": sequence,
    }


def _copy_and_swap(cursor: Any, kept: dict[str, Any]) -> None:
    """Fill BUILD from TABLE, check it holds the same rows, and give it TABLE's place."""
    cursor.execute(f"INSERT INTO {BUILD} SELECT * FROM {TABLE}")  # noqa: S608
    cursor.execute(
        f"SELECT (SELECT count(*) FROM {TABLE}), (SELECT count(*) FROM {BUILD}),"  # noqa: S608
        f" (SELECT count(*) FROM (SELECT * FROM {TABLE} EXCEPT SELECT * FROM {BUILD}) d)"
    )
    before, after, differing = cursor.fetchone()
    if before != after or differing:
        raise RuntimeError(
            f"the rebuilt audit table differs from the original ({before} rows, {after} copied, "
            f"{differing} differing); nothing was changed"
        )
    last_value, is_called = kept["sequence"]
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)", [BUILD, last_value, is_called]
    )
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [BUILD])
    sequence_name = cursor.fetchone()[0]
    cursor.execute(f"DROP TABLE {TABLE}")
    cursor.execute(f"ALTER TABLE {BUILD} RENAME TO {TABLE}")
    # The name the old table's sequence had, which Django and grant_app_role know it by.
    cursor.execute(f"ALTER SEQUENCE {sequence_name} RENAME TO {TABLE}_id_seq")


def _restore(cursor: Any, kept: dict[str, Any], partitions: list[str]) -> None:
    for statement in kept["indexes"]:
        cursor.execute(statement)
    for name, definition in kept["foreign_keys"]:
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
    if _current_user(cursor) != kept["owner"]:
        for relation in [TABLE, *partitions]:
            cursor.execute(f'ALTER TABLE {relation} OWNER TO "{kept["owner"]}"')
    for relation, grants in kept["grants"].items():
        kind = "" if relation == TABLE else "SEQUENCE "
        relation = relation if relation == TABLE else f"{TABLE}_id_seq"
        for grantee, privileges in grants:
            who = grantee if grantee == "PUBLIC" else f'"{grantee}"'
            cursor.execute(f"GRANT {privileges} ON {kind}{relation} TO {who}")


def partition(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        if cursor.fetchone():
            return
        # Nothing may append while the rows are copied.
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        kept = _kept(cursor, TABLE)
        cursor.execute(f"SELECT min(at) FROM {TABLE}")  # noqa: S608
        earliest = cursor.fetchone()[0]
        today = datetime.now(UTC).date()
        ahead = today.replace(day=1)
        for _ in range(MONTHS_AHEAD):
            ahead = _next_month(ahead)
        first = earliest.astimezone(UTC).date() if earliest is not None else today
        cursor.execute(
            f"CREATE TABLE {BUILD} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
            " INCLUDING IDENTITY) PARTITION BY RANGE (at)"
        )
        partitions = [DEFAULT]
        cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {BUILD} DEFAULT")
        for month in _months(min(first, today), ahead):
            name = f"{TABLE}_{month:%Y_%m}"
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {BUILD} FOR VALUES FROM (%s) TO (%s)",
                [_bound(month), _bound(_next_month(month))],
            )
            partitions.append(name)
        _copy_and_swap(cursor, kept)
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, at)")
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_event_id_key UNIQUE (event_id, at)"
        )
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT one_event_per_position UNIQUE (stream, seq, at)"
        )
        cursor.execute(
            "COMMENT ON CONSTRAINT one_event_per_position ON engine_auditevent IS"
            " 'With the trigger doudi_event_position, one event per (stream, seq):"
            " engine migration 0010'"
        )
        _restore(cursor, kept, partitions)
        cursor.execute(TRIGGERS)
        for name in partitions:
            cursor.execute(
                f"CREATE TRIGGER doudi_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {name}"
                " FOR EACH STATEMENT EXECUTE FUNCTION doudi_audit_refuse()"
            )
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute(ADD_MONTH.replace("{schema}", connection.ops.quote_name(schema)))
        if kept["owner"] != _current_user(cursor):
            cursor.execute(f'ALTER FUNCTION doudi_audit_add_month(date) OWNER TO "{kept["owner"]}"')


def unpartition(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        if not cursor.fetchone():
            return
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        kept = _kept(cursor, TABLE)
        cursor.execute(
            f"CREATE TABLE {BUILD} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
            " INCLUDING IDENTITY)"
        )
        _copy_and_swap(cursor, kept)
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_event_id_key UNIQUE (event_id)")
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT one_event_per_position UNIQUE (stream, seq)"
        )
        _restore(cursor, kept, [])
        cursor.execute(HEAD_FORWARD_0007)


def _current_user(cursor: Any) -> str:
    cursor.execute("SELECT current_user")
    return str(cursor.fetchone()[0])


class Migration(migrations.Migration):
    dependencies = [("engine", "0009_instance_remembers_projected_rows")]

    operations = [migrations.RunPython(partition, unpartition)]
