"""The tamper-evident audit trail: one hash chain per case, one for the system."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from engine.clock import clock
from engine.models import AuditChain, AuditEvent

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
    event.save(force_insert=True)
    head.last_hash = event.hash
    head.length = event.seq
    head.save(update_fields=["last_hash", "length"])
    return event


@dataclass
class ChainProblem:
    event: AuditEvent | None
    stream: str
    reason: str


def verify() -> Iterator[ChainProblem]:
    """Walk every chain; yield the first broken link of each broken chain."""
    heads = {head.stream: head for head in AuditChain.objects.all()}
    streams = set(AuditEvent.objects.values_list("stream", flat=True).distinct()) | set(heads)
    for stream in sorted(streams):
        problem = _verify_stream(stream, heads.get(stream))
        if problem is not None:
            yield problem


def _verify_stream(stream: str, head: AuditChain | None) -> ChainProblem | None:
    previous = GENESIS
    expected_seq = 1
    for event in AuditEvent.objects.filter(stream=stream).order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainProblem(
                event, stream, f"sequence jumps from {expected_seq - 1} to {event.seq}"
            )
        if event.prev_hash != previous:
            return ChainProblem(event, stream, "does not link to the event before it")
        if event_hash(event) != event.hash:
            return ChainProblem(event, stream, "its content does not match its hash")
        previous = event.hash
        expected_seq += 1
    if head is None or head.last_hash != previous or head.length != expected_seq - 1:
        return ChainProblem(
            None, stream, "the chain head does not match its last event (events removed?)"
        )
    return None
