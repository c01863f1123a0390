"""Checking the audit trail: every hash chain, against the signed checkpoints.

Each stream's events are walked in order: every event must hash to its stored hash and link to
the one before it, and the chain head must name the last one. Then the events are held against
what the checkpoints signed: an event at a signed position must carry the signed hash, and a
stream must still be at least as long as it was signed, or be there at all. So an edited,
deleted or moved event is named by the chain, and a rewritten and recomputed chain, a tail cut
off together with its head, and a deleted stream by the checkpoints. Events after the last
checkpoint are protected by their hash chain only, and the report says how many there are.

On PostgreSQL it also checks that the triggers refusing changes to the audit tables are there
and enabled (engine migration 0007), on every monthly partition of the events too (0010).
"""

from __future__ import annotations

import copy
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from engine.audit import GENESIS, event_hash
from engine.checkpoints import (
    CheckpointInfo,
    CheckpointProblem,
    SignedPoint,
    SignedState,
    load_signed_state,
)
from engine.models import AuditChain, AuditEvent
from storage.base import EvidenceStore

# (table, trigger) pairs engine migration 0007 creates.
GUARDS = (
    ("engine_auditevent", "doudi_append_only"),
    ("engine_auditcheckpoint", "doudi_append_only"),
    ("engine_auditchain", "doudi_append_only"),
    ("engine_auditchain", "doudi_head_forward"),
)
# What engine migration 0010 adds once the events are partitioned by month: on the parent,
# and on every partition (the row triggers inherited, the statement one its own).
PARTITIONED_GUARDS = (
    "doudi_append_only_row",
    "doudi_event_position",
    "doudi_event_chained",
)
PARTITION_GUARDS = ("doudi_append_only", *PARTITIONED_GUARDS)
CHECKPOINTS = "checkpoints"
DATABASE = "database"


@dataclass(frozen=True)
class Problem:
    """One thing found wrong, named by stream (a case's "case:42", "system"; or "checkpoints",
    "database"), position and kind.

    `code` is one of: edited, reordered, replaced, deleted, head, truncated, rewritten,
    stream_deleted (a stream's events), a CheckpointProblem code (stream "checkpoints", with
    `checkpoint` naming it), or guard (stream "database").
    """

    stream: str
    code: str
    message: str | Promise
    seq: int | None = None
    event_id: int | None = None
    checkpoint: str | None = None


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str | Promise] = field(default_factory=list)
    streams: int = 0
    events: int = 0
    # The newest valid checkpoint, and how many events came after what it (and those before
    # it) signed: those are checked by their hash chain only.
    checkpoint: CheckpointInfo | None = None
    unsigned_events: int = 0
    store_checked: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_stream(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = defaultdict(list)
        for problem in self.problems:
            grouped[problem.stream].append(problem)
        return dict(grouped)

    @property
    def broken_streams(self) -> list[str]:
        return sorted({p.stream for p in self.problems if p.stream not in (CHECKPOINTS, DATABASE)})


def verify(*, store: EvidenceStore | None = None) -> VerifyReport:
    """Check every stream's chain, its head, and what the checkpoints signed of it."""
    report = VerifyReport()
    state = load_signed_state(store=store)
    report.checkpoint = state.latest
    report.store_checked = state.store_checked
    report.problems += [_checkpoint_problem(p) for p in state.problems]
    report.problems += _guard_problems()
    heads = {h.stream: h for h in AuditChain.objects.all()}
    pending = set(heads) | set(state.points)
    for stream, events in _streams():
        pending.discard(stream)
        _check(report, stream, events, heads.get(stream), state)
    for stream in sorted(pending):
        _check(report, stream, [], heads.get(stream), state)
    _add_notes(report, state)
    return report


def _streams() -> Iterator[tuple[str, list[AuditEvent]]]:
    # One pass over the table in (stream, seq) order, the unique index's order.
    rows = AuditEvent.objects.order_by("stream", "seq").iterator(chunk_size=2000)
    for stream, events in itertools.groupby(rows, key=lambda event: event.stream):
        yield stream, list(events)


def _check(
    report: VerifyReport,
    stream: str,
    events: list[AuditEvent],
    head: AuditChain | None,
    state: SignedState,
) -> None:
    report.streams += 1
    report.events += len(events)
    points = {point.seq: point for point in state.points.get(stream, [])}
    broken, intact = _chain_problem(stream, events)
    if broken is not None:
        report.problems.append(broken)
    else:
        length = events[-1].seq if events else 0
        last = events[-1].hash if events else GENESIS
        if (head is None and events) or (
            head is not None and (head.length != length or head.last_hash != last)
        ):
            report.problems.append(
                Problem(
                    stream,
                    "head",
                    _("The chain head does not match its last event: events were removed."),
                )
            )
    rewritten = _rewritten(stream, events[:intact], points)
    if rewritten is not None:
        report.problems.append(rewritten)
    signed = state.signed_head(stream)
    if signed is None:
        report.unsigned_events += len(events)
        return
    length = events[-1].seq if events else 0
    if not events:
        report.problems.append(
            Problem(
                stream,
                "stream_deleted",
                format_lazy(
                    _(
                        "The whole stream was deleted: checkpoint {number} signed {signed} "
                        "events of it, none remain."
                    ),
                    number=signed.number,
                    signed=signed.seq,
                ),
            )
        )
    elif length < signed.seq:
        report.problems.append(
            Problem(
                stream,
                "truncated",
                format_lazy(
                    _(
                        "Its last events were removed: it now ends at event {length}, but "
                        "checkpoint {number} signed {signed} events."
                    ),
                    length=length,
                    number=signed.number,
                    signed=signed.seq,
                ),
                seq=length + 1,
            )
        )
    report.unsigned_events += max(0, len(events) - signed.seq)


def _chain_problem(stream: str, events: list[AuditEvent]) -> tuple[Problem | None, int]:
    """The first broken link, and how many events before it are sound."""
    previous = GENESIS
    for index, event in enumerate(events):
        expected = index + 1
        if event.seq != expected:
            return _deleted(stream, expected, event.seq - 1), index
        if event_hash(event) != event.hash:
            return _moved_or_edited(stream, event, events), index
        if event.prev_hash != previous:
            problem = _unlinked(stream, event, events)
            # A replaced event is named itself: it is not sound either.
            return problem, index - 1 if problem.code == "replaced" else index
        previous = event.hash
    return None, len(events)


def _deleted(stream: str, first: int, last: int) -> Problem:
    message = ngettext_lazy(
        "Event %(first)s is missing: it was deleted.",
        "Events %(first)s to %(last)s are missing: they were deleted.",
        "count",
    ) % {"first": first, "last": last, "count": last - first + 1}
    return Problem(stream, "deleted", message, seq=first)


def _moved_or_edited(stream: str, event: AuditEvent, events: list[AuditEvent]) -> Problem:
    original = _written_as(event, len(events))
    if original is not None and original != event.seq:
        return Problem(
            stream,
            "reordered",
            format_lazy(
                _(
                    "Event {seq} was written as event {original}: the events were put in "
                    "another order (or one before it was deleted and the rest renumbered)."
                ),
                seq=event.seq,
                original=original,
            ),
            seq=event.seq,
            event_id=event.pk,
        )
    return Problem(
        stream,
        "edited",
        format_lazy(
            _("Event {seq} was changed after it was written: its content does not match its hash."),
            seq=event.seq,
        ),
        seq=event.seq,
        event_id=event.pk,
    )


def _written_as(event: AuditEvent, count: int) -> int | None:
    """The position the event's hash was computed at, if only its position changed."""
    moved = copy.copy(event)
    for seq in range(1, count + 2):
        moved.seq = seq
        if event_hash(moved) == event.hash:
            return seq
    return None


def _unlinked(stream: str, event: AuditEvent, events: list[AuditEvent]) -> Problem:
    # The event itself is intact, but the one before it is not the one it was written after.
    linked = next((e for e in events if e.hash == event.prev_hash), None)
    if linked is not None:
        return Problem(
            stream,
            "reordered",
            format_lazy(
                _(
                    "Event {seq} was written after event {original}, which now stands "
                    "elsewhere: the events were put in another order."
                ),
                seq=event.seq,
                original=linked.seq,
            ),
            seq=event.seq,
            event_id=event.pk,
        )
    before = event.seq - 1
    if before == 0:
        return Problem(
            stream,
            "deleted",
            _("The first event does not start the chain: the events before it were deleted."),
            seq=1,
            event_id=event.pk,
        )
    replaced = next(e for e in events if e.seq == before)
    return Problem(
        stream,
        "replaced",
        format_lazy(
            _(
                "Event {seq} was replaced by another (its hash recomputed): the event after it "
                "was written after a different one."
            ),
            seq=before,
        ),
        seq=before,
        event_id=replaced.pk,
    )


def _rewritten(
    stream: str, events: Iterable[AuditEvent], points: dict[int, SignedPoint]
) -> Problem | None:
    """The first signed position whose event no longer carries the signed hash."""
    if not points:
        return None
    matched = 0
    for event in events:
        point = points.get(event.seq)
        if point is None:
            continue
        if event.hash == point.hash:
            matched = event.seq
            continue
        return Problem(
            stream,
            "rewritten",
            format_lazy(
                _(
                    "The events up to {seq} were rewritten and their hashes recomputed: they "
                    "no longer lead to the head checkpoint {number} signed. The change lies "
                    "between event {first} and event {seq}."
                ),
                seq=event.seq,
                number=point.number,
                first=matched + 1,
            ),
            seq=event.seq,
            event_id=event.pk,
        )
    return None


def _checkpoint_problem(problem: CheckpointProblem) -> Problem:
    return Problem(CHECKPOINTS, problem.code, problem.message, checkpoint=problem.checkpoint)


def _guard_problems() -> list[Problem]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'engine_auditevent'::regclass ORDER BY 1"
        )
        partitions = [name for (name,) in cursor.fetchall()]
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
            " AND c.relname = ANY(%s)",
            [["engine_auditevent", "engine_auditcheckpoint", "engine_auditchain", *partitions]],
        )
        present = set(cursor.fetchall())
    guards = list(GUARDS)
    if partitions:
        guards += [("engine_auditevent", trigger) for trigger in PARTITIONED_GUARDS]
        guards += [(name, trigger) for name in partitions for trigger in PARTITION_GUARDS]
    return [
        Problem(
            DATABASE,
            "guard",
            format_lazy(
                _(
                    "PostgreSQL no longer refuses changes to {table}: its trigger {trigger} "
                    "was dropped or disabled."
                ),
                table=table,
                trigger=trigger,
            ),
        )
        for table, trigger in guards
        if (table, trigger) not in present
    ]


def _add_notes(report: VerifyReport, state: SignedState) -> None:
    if not state.key_known and any(p.code == "no_key" for p in state.problems):
        report.notes.append(
            _("No public key is configured: the events are checked by their hash chains only.")
        )
    elif report.checkpoint is None:
        report.notes.append(
            _("No checkpoint has been signed yet: every event is checked by its hash chain only.")
        )
    else:
        report.notes.append(
            format_lazy(
                _(
                    "Checked against checkpoint {number} of {at}; {count} event(s) written since "
                    "are checked by their hash chain only."
                ),
                number=report.checkpoint.number,
                at=report.checkpoint.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                count=report.unsigned_events,
            )
        )
    if not state.store_checked:
        report.notes.append(
            _(
                "The evidence store could not be reached: checkpoints were read from the "
                "database's copies only."
            )
        )
    if connection.vendor != "postgresql":
        report.notes.append(
            _("This database (SQLite, the demo) does not itself refuse changes to the trail.")
        )
