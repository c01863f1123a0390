"""What someone who can write the database directly does to the audit trail, for the tests.

PostgreSQL refuses every such change (engine migration 0007), so each helper runs inside
`superuser_bypass()`: `session_replication_role = replica` turns triggers off for the session,
which only a superuser may do. That is the threat the signed checkpoints are there for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connection

from engine.audit import GENESIS, event_hash
from engine.models import AuditChain, AuditEvent


@contextlib.contextmanager
def superuser_bypass() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def events(stream: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(stream=stream).order_by("seq"))


def edit(stream: str, seq: int, **changes: Any) -> None:
    """Change what an event says, leaving its hash as it was."""
    with superuser_bypass():
        AuditEvent.objects.filter(stream=stream, seq=seq).update(**changes)


def delete(stream: str, seq: int) -> None:
    with superuser_bypass():
        AuditEvent.objects.filter(stream=stream, seq=seq).delete()


def swap(stream: str, first: int, second: int) -> None:
    """Exchange the positions of two events."""
    with superuser_bypass():
        AuditEvent.objects.filter(stream=stream, seq=first).update(seq=0)
        AuditEvent.objects.filter(stream=stream, seq=second).update(seq=first)
        AuditEvent.objects.filter(stream=stream, seq=0).update(seq=second)


def truncate_tail(stream: str, count: int) -> None:
    """Cut off the last events and set the head to what is left: the chain stays consistent."""
    kept = events(stream)[:-count]
    with superuser_bypass():
        AuditEvent.objects.filter(stream=stream, seq__gt=len(kept)).delete()
        AuditChain.objects.filter(stream=stream).update(
            length=len(kept), last_hash=kept[-1].hash if kept else GENESIS
        )


def rewrite(stream: str, seq: int, **changes: Any) -> None:
    """Change an event and recompute its hash, every later hash and the head, as anyone with
    database access can: the hash chain alone is then consistent again."""
    previous = GENESIS
    with superuser_bypass():
        for event in events(stream):
            if event.seq == seq:
                for name, value in changes.items():
                    setattr(event, name, value)
            if event.seq >= seq:
                event.prev_hash = previous
                event.hash = event_hash(event)
                edited = changes if event.seq == seq else {}
                AuditEvent.objects.filter(pk=event.pk).update(
                    prev_hash=event.prev_hash, hash=event.hash, **edited
                )
            previous = event.hash
        AuditChain.objects.filter(stream=stream).update(last_hash=previous)


def delete_stream(stream: str) -> None:
    with superuser_bypass():
        AuditEvent.objects.filter(stream=stream).delete()
        AuditChain.objects.filter(stream=stream).delete()
