"""PostgreSQL refuses to change or remove what the audit trail holds (docs/operations.md).

Events and checkpoint copies may only be inserted; a chain head may only move forward by one,
onto the event just appended to its stream. TRUNCATE is refused too, unless the session set
`doudi.allow_audit_truncate` (only the test suite's flush does: tests/conftest.py); a role
that may TRUNCATE a table owns it or was granted it, and could drop the trigger anyway.

These triggers stop the application and anyone using its roles. A superuser or the tables'
owner can still disable them; the signed checkpoints (engine/checkpoints.py) detect what they
change. SQLite (the embedded demo) has no such guard.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION doudi_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('doudi.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

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
CREATE TRIGGER doudi_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON engine_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION doudi_audit_refuse();
CREATE TRIGGER doudi_append_only
    BEFORE DELETE OR TRUNCATE ON engine_auditchain
    FOR EACH STATEMENT EXECUTE FUNCTION doudi_audit_refuse();
CREATE TRIGGER doudi_head_forward
    BEFORE INSERT OR UPDATE ON engine_auditchain
    FOR EACH ROW EXECUTE FUNCTION doudi_audit_head_forward();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS doudi_head_forward ON engine_auditchain;
DROP TRIGGER IF EXISTS doudi_append_only ON engine_auditchain;
DROP TRIGGER IF EXISTS doudi_append_only ON engine_auditcheckpoint;
DROP TRIGGER IF EXISTS doudi_append_only ON engine_auditevent;
DROP FUNCTION IF EXISTS doudi_audit_head_forward();
DROP FUNCTION IF EXISTS doudi_audit_refuse();
"""


def _on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("engine", "0006_audit_checkpoint")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
