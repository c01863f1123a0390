"""Give the application's database role what it needs at run time, and no more (PostgreSQL).

Run by the tables' owner after every `migrate` (docker-compose's migrate service does): the
application may read and write the domain tables, but only INSERT and SELECT on the audit
events and checkpoint copies, and may move a chain head forward (UPDATE of two columns, which
engine migration 0007's trigger holds to one step onto the event just appended). It cannot
change the schema, drop or disable a trigger, or TRUNCATE anything. On the audit events'
monthly partitions (engine migration 0010) it has no rights at all, as it reads and appends
through their parent; it may create the coming months' through `doudi_audit_add_month`, which
runs as the owner. docs/operations.md.
"""

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

APPEND_ONLY = ("engine_auditevent", "engine_auditcheckpoint")
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def audit_partitions() -> list[str]:
    """The audit events' partitions (engine migration 0010), none on a plain table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'engine_auditevent'::regclass ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall()]


def grant_statements(role: str, schema: str) -> list[str]:
    quote = connection.ops.quote_name
    who, where = quote(role), quote(schema)
    append_only = ", ".join(quote(t) for t in APPEND_ONLY)
    partitions = audit_partitions()
    # The application reaches the partitions only through engine_auditevent, whose rights
    # alone count then; it may create the coming months' partitions through the function
    # that runs as the owner (engine/partitions.py).
    by_partition = (
        [
            f"REVOKE ALL ON {', '.join(quote(p) for p in partitions)} FROM {who}",
            f"GRANT EXECUTE ON FUNCTION doudi_audit_add_month(date) TO {who}",
        ]
        if partitions
        else []
    )
    return [
        f"GRANT USAGE ON SCHEMA {where} TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {where} FROM {who}",
        f"REVOKE UPDATE, DELETE ON {append_only} FROM {who}",
        f"REVOKE UPDATE, DELETE ON engine_auditchain FROM {who}",
        f"GRANT UPDATE (last_hash, length) ON engine_auditchain TO {who}",
        f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {who}",
        *by_partition,
    ]


class Command(BaseCommand):
    help = (
        "Grant the application's PostgreSQL role its run-time rights: INSERT and SELECT only "
        "on the audit tables. Run as the tables' owner after migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role web and Celery connect as, e.g. doudi_app")
        parser.add_argument("--dry-run", action="store_true", help="print the SQL only")

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if not ROLE_NAME.fullmatch(role):
            raise CommandError(f"not a plain role name: {role!r}")
        if connection.vendor != "postgresql":
            raise CommandError("roles and grants are for PostgreSQL; SQLite has none")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema(), current_user")
            schema, me = cursor.fetchone()
        if role == me:
            raise CommandError(f"{role} is the role running this command (the owner)")
        statements = grant_statements(role, schema)
        if options["dry_run"]:
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"{role}: read and write on the tables of {schema}; INSERT and SELECT only on "
            + ", ".join(APPEND_ONLY)
            + "; the chain heads may only move forward"
        )
