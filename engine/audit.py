"""The tamper-evident audit trail: one hash chain per case, one for the system.

PostgreSQL refuses to change or remove events (engine migration 0007); the chain heads are
signed on a schedule (engine/checkpoints.py) and `verify()` holds the events against both.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db import transaction

from engine.checkpoints import CheckpointInfo, latest_checkpoint, recent_checkpoints
from engine.clock import clock
from engine.models import AuditChain, AuditEvent
from engine.writes import Writes

if TYPE_CHECKING:
    from engine.verification import VerifyReport
    from storage.base import EvidenceStore

__all__ = [
    "GENESIS",
    "CheckpointInfo",
    "append",
    "event_hash",
    "latest_checkpoint",
    "next_event",
    "recent_checkpoints",
    "record",
    "record_many",
    "stream_for",
    "verify",
]

GENESIS = "0" * 64
SYSTEM_STREAM = "system"


def stream_for(case_id: int | None) -> str:
    return f"case:{case_id}" if case_id is not None else SYSTEM_STREAM


def event_hash(event: AuditEvent) -> str:
    body = {
        "stream": event.stream,
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "role": event.role,
        "region": event.region_id,
        "case": event.case_id,
        "instance": event.instance_id,
        "action": event.action,
        "payload": event.payload,
        "prev": event.prev_hash,
        "event_id": str(event.event_id),
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    action: str,
    *,
    actor: User | None,
    role: str = "",
    region_id: int | None = None,
    case_id: int | None = None,
    instance_id: int | None = None,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event; must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events are written inside the transaction of their change")
    stream = stream_for(case_id)
    head = AuditChain.objects.select_for_update().filter(stream=stream).first()
    if head is None:
        # A case's chain begins in the transaction that creates the case, so no one races us.
        head = AuditChain.objects.create(stream=stream, last_hash=GENESIS, length=0)
    event = next_event(
        head,
        action,
        actor=actor,
        role=role,
        region_id=region_id,
        case_id=case_id,
        instance_id=instance_id,
        payload=payload,
        at=at,
    )
    # The event and its head's move in one statement on PostgreSQL.
    writes = Writes()
    append(writes, head, event, set_pk=True)
    writes.flush()
    return event


def next_event(
    head: AuditChain,
    action: str,
    *,
    actor: User | None,
    role: str = "",
    region_id: int | None = None,
    case_id: int | None = None,
    instance_id: int | None = None,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """The event that follows `head` (locked by the caller), hashed; `head` is moved onto it
    in memory only: the caller saves both, the event first."""
    stream = stream_for(case_id)
    if head.stream != stream:
        raise ValueError(f"an event of {stream} cannot follow the head of {head.stream}")
    event = AuditEvent(
        stream=stream,
        seq=head.length + 1,
        at=(at or clock.now()).astimezone(UTC),
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None and actor.pk else "system",
        role=role,
        region_id=region_id,
        case_id=case_id,
        instance_id=instance_id,
        action=action,
        payload=json.loads(json.dumps(payload or {}, default=str)),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    head.last_hash = event.hash
    head.length = event.seq
    return event


def append(writes: Writes, head: AuditChain, event: AuditEvent, *, set_pk: bool = False) -> None:
    """Queue the event made by `next_event(head, ...)` and its head's move onto it.

    The head moves by one event per statement (engine migration 0007; a statement cannot
    change a row twice), so writes already holding a move of this head are sent first."""
    if head.stream in writes.moved_heads:
        writes.flush()
    inserted = writes.insert([event], set_pks=set_pk)
    chain = AuditChain._meta.db_table
    writes.raw(
        f'UPDATE "{chain}" SET "last_hash" = %s, "length" = %s '  # noqa: S608
        f'WHERE "{chain}"."stream" = %s AND "{chain}"."length" = %s',
        [event.hash, event.seq, event.stream, event.seq - 1],
        rows=1,
        after=inserted,
    )
    writes.moved_heads.add(head.stream)


def record_many(entries: list[dict[str, Any]], *, at: datetime | None = None) -> list[AuditEvent]:
    """Append many events at once, each entry the keyword arguments of `record` (`action`,
    `actor`, `role`, `region_id`, `case_id`, `instance_id`, `payload`), in order.

    The same chains and hashes as one `record` per entry, in a fixed number of queries: the
    heads of the streams named are locked together (in stream order, so two callers never
    deadlock), missing heads are created, the events inserted in one statement and the heads
    moved once. For jobs that append to hundreds of chains (batch grants)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events are written inside the transaction of their change")
    if not entries:
        return []
    streams = sorted({stream_for(entry.get("case_id")) for entry in entries})
    heads = {
        head.stream: head
        for head in AuditChain.objects.select_for_update()
        .filter(stream__in=streams)
        .order_by("stream")
    }
    new_heads = [
        AuditChain(stream=stream, last_hash=GENESIS, length=0)
        for stream in streams
        if stream not in heads
    ]
    # A case's chain begins in the transaction that creates the case, so no one races us.
    AuditChain.objects.bulk_create(new_heads)
    heads.update({head.stream: head for head in new_heads})
    when = (at or clock.now()).astimezone(UTC)
    start = {stream: head.length for stream, head in heads.items()}
    events = []
    for entry in entries:
        head = heads[stream_for(entry.get("case_id"))]
        fields = {name: value for name, value in entry.items() if name != "action"}
        event = next_event(head, entry["action"], **{"actor": None, **fields, "at": when})
        events.append(event)
    # The database moves a head by one event at a time, onto an event already there
    # (engine migration 0007): the n-th new event of every stream goes in, then those heads
    # move, then the next round.
    rounds: dict[int, list[AuditEvent]] = {}
    for event in events:
        rounds.setdefault(event.seq - start[event.stream], []).append(event)
    chain, event_table = AuditChain._meta.db_table, AuditEvent._meta.db_table
    for number in sorted(rounds):
        appended = rounds[number]
        AuditEvent.objects.bulk_create(appended)
        # Each head onto the event just appended after it (one statement; bulk_update's
        # CASE per row costs more in Python than the whole insert).
        moved = [event.stream for event in appended]
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(
                f'UPDATE "{chain}" SET "last_hash" = e."hash", "length" = e."seq" '  # noqa: S608
                f'FROM "{event_table}" AS e WHERE e."stream" = "{chain}"."stream" '
                f'AND e."seq" = "{chain}"."length" + 1 '
                f'AND "{chain}"."stream" IN ({", ".join(["%s"] * len(moved))})',
                moved,
            )
            if cursor.rowcount != len(moved):
                raise RuntimeError("audit chain heads did not all move onto their new event")
    return events


def verify(*, store: EvidenceStore | None = None) -> VerifyReport:
    """Check the whole trail against its hash chains and signed checkpoints (engine.verification).

    The report lists problems by stream with plain messages, and the latest checkpoint.
    """
    from engine.verification import verify as verify_trail

    return verify_trail(store=store)
