"""The monthly partitions of the audit events on PostgreSQL (engine migration 0010).

Each month of `at` (UTC) has its own partition, created ahead of time by
`ensure_partitions` (Celery beat daily, and the `ensure_audit_partitions` command after each
migrate); an event of a month without one lands in the DEFAULT partition, so no insert fails.
The DEFAULT partition should stay empty: a month whose events already wait there is not
created (docs/operations.md, "Audit partitions"). SQLite has one plain table and no partitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from django.db import DatabaseError, connection, transaction

from engine.clock import clock
from engine.models import AuditEvent

MONTHS_AHEAD = 3
DEFAULT_PARTITION = f"{AuditEvent._meta.db_table}_default"
# A partition is created under a lock that stops appends for the moment it takes; behind a
# long reader it would stop them longer, so it gives up and beat tries again the next day.
LOCK_TIMEOUT = "5s"


class PartitionError(Exception):
    def __init__(self, message: str, created: list[str]) -> None:
        super().__init__(message)
        self.created = created


@dataclass(frozen=True)
class Partition:
    name: str
    bounds: str  # PostgreSQL's own words: "FOR VALUES FROM (...) TO (...)" or "DEFAULT"
    events: int


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass",
            [AuditEvent._meta.db_table],
        )
        return cursor.fetchone() is not None


def today() -> date:
    # audit.record stamps events with this clock; its months are the ones to have ready.
    return clock.now().astimezone(UTC).date()


def partition_name(month: date) -> str:
    return f"{AuditEvent._meta.db_table}_{month:%Y_%m}"


def months_from(start: date, count: int) -> list[date]:
    """The first days of `count` months beginning with `start`'s."""
    months, month = [], start.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def ensure_partitions(*, ahead: int = MONTHS_AHEAD, start: date | None = None) -> list[str]:
    """Create the partitions of this month and the next `ahead` months that are missing; the
    names created. Idempotent. Raises PartitionError for a month whose events are already in
    the DEFAULT partition (the others are still created) or when the lock is not had in time.

    Runs `doudi_audit_add_month`, which acts as the tables' owner, so the application role
    (Celery beat) may call it without any right to change the schema."""
    if not is_partitioned():
        return []
    created, refused = [], []
    for month in months_from(start or today(), ahead + 1):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute("SELECT doudi_audit_add_month(%s)", [month])
                if cursor.fetchone()[0]:
                    created.append(partition_name(month))
        except DatabaseError as exc:
            refused.append(str(exc).splitlines()[0])
    if refused:
        raise PartitionError("; ".join(refused), created)
    return created


def partitions() -> list[Partition]:
    """Every partition with its bounds and (estimated, from the statistics) event count."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), greatest(c.reltuples, 0)"
            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [AuditEvent._meta.db_table],
        )
        return [Partition(name, bounds, int(rows)) for name, bounds, rows in cursor.fetchall()]


def events_in_default() -> list[tuple[date, int]]:
    """The months whose events wait in the DEFAULT partition, with how many (exact)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('month', at AT TIME ZONE 'UTC')::date, count(*)"  # noqa: S608
            f" FROM {DEFAULT_PARTITION} GROUP BY 1 ORDER BY 1"
        )
        return list(cursor.fetchall())
