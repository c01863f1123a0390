"""Signed checkpoints of the audit trail: what even a database administrator cannot rewrite.

A hash chain alone can be recomputed by anyone who can write the database. So on a schedule
(Celery beat every `DOUDI_AUDIT_CHECKPOINT_MINUTES`; `manage.py audit_checkpoint`) the heads of
the chains that moved since the last checkpoint are signed with an Ed25519 key kept in a file
outside the database (`DOUDI_AUDIT_SIGNING_KEY_FILE`), and the signed document is written once
to the evidence store as `checkpoints/<number>-<time>.json` (kept under retention where the
store has object lock), with a copy in `AuditCheckpoint` for listing.

A checkpoint is `{"body": …, "signature": base64}`, the body holding:
- `number`, `created_at`, `key` (its own name in the store), `signing_key` (the key's id);
- `previous`: the store key and sha256 of the checkpoint before it (None for the first), so
  a checkpoint removed from the middle breaks the sequence;
- `heads`: `[stream, seq, hash]` for every stream whose chain grew since the previous one;
- `disputed`: `[stream, reason]` for streams whose current head contradicts what was signed
  (shorter, different, gone): they keep their signed head, and verification names them;
- `streams`, `events`, `root`: totals and a Merkle root over every signed head after this one.

Folding the checkpoints in order gives each stream the (seq, hash) points signed over time;
`engine.verification` checks the events against them. Verification trusts a checkpoint only
through its signature, checked with the public key (`DOUDI_AUDIT_PUBLIC_KEY_FILE`), never
through a copy of the key found in the database or the store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from engine.clock import clock
from engine.models import AuditChain, AuditCheckpoint, AuditEvent
from storage.base import RECORD_PREFIX, EvidenceStore, StoreUnavailable, get_store

logger = logging.getLogger(__name__)

FORMAT: Final = "doudi-audit-checkpoint/1"
# One writer at a time (PostgreSQL advisory lock); "doudi:ckpt" as a number.
_LOCK_ID: Final = 0x646F7564693A636B


class CheckpointError(RuntimeError):
    """No checkpoint can be written (no key, store refused); the message says what to do."""


@dataclass(frozen=True)
class SignedPoint:
    """A stream's head as one checkpoint signed it."""

    seq: int
    hash: str
    number: int
    created_at: datetime


@dataclass(frozen=True)
class CheckpointInfo:
    number: int
    key: str
    created_at: datetime
    sha256: str
    streams: int
    events: int
    changed: int
    root: str
    disputed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CheckpointProblem:
    """Something wrong with the checkpoints themselves, named by the checkpoint's key."""

    checkpoint: str
    code: str
    message: str | Promise


@dataclass
class SignedState:
    """What the valid checkpoints signed, folded in order, and what is wrong with the others."""

    checkpoints: list[CheckpointInfo] = field(default_factory=list)
    points: dict[str, list[SignedPoint]] = field(default_factory=dict)
    problems: list[CheckpointProblem] = field(default_factory=list)
    # False when the store could not be listed: only the database's copies were read.
    store_checked: bool = True
    # False when no public key is configured: no checkpoint could be trusted.
    key_known: bool = True

    @property
    def latest(self) -> CheckpointInfo | None:
        return self.checkpoints[-1] if self.checkpoints else None

    def signed_head(self, stream: str) -> SignedPoint | None:
        points = self.points.get(stream)
        return points[-1] if points else None

    def heads(self) -> dict[str, tuple[int, str]]:
        return {stream: (p[-1].seq, p[-1].hash) for stream, p in self.points.items() if p}


@dataclass(frozen=True)
class Written:
    """The outcome of one run of the checkpoint writer."""

    checkpoint: CheckpointInfo | None
    disputed: tuple[tuple[str, str], ...]


# --- keys -------------------------------------------------------------------------------


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def create_key() -> Ed25519PrivateKey:
    """Write a new key pair to the configured files; an existing key is never replaced."""
    private_path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    public_path = Path(settings.AUDIT_PUBLIC_KEY_FILE)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        _write_new(private_path, private_pem, 0o600)
    except FileExistsError:
        raise CheckpointError(f"a signing key already exists at {private_path}") from None
    try:
        _write_new(public_path, public_pem, 0o644)
    except FileExistsError:
        if public_path.read_bytes() != public_pem:
            private_path.unlink()
            raise CheckpointError(
                f"{public_path} holds another public key; move it away first"
            ) from None
    logger.warning(
        "created the audit signing key %s (id %s)", private_path, key_id(key.public_key())
    )
    return key


def _write_new(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def signing_key() -> Ed25519PrivateKey:
    """The private key; the embedded default creates one on first use, production never does."""
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if not path.exists():
        if not settings.EMBEDDED:
            raise CheckpointError(
                f"no audit signing key at {path} (DOUDI_AUDIT_SIGNING_KEY_FILE); create one "
                "with `python manage.py audit_checkpoint --create-key`"
            )
        try:
            return create_key()
        except CheckpointError:
            pass  # another process created it in between
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key")
    return key


def public_key() -> Ed25519PublicKey | None:
    """The key checkpoints are verified with: the public key file, else the signing key's."""
    public_path = Path(settings.AUDIT_PUBLIC_KEY_FILE)
    if public_path.exists():
        key = serialization.load_pem_public_key(public_path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError(f"{public_path} is not an Ed25519 public key")
        return key
    if Path(settings.AUDIT_SIGNING_KEY_FILE).exists():
        return signing_key().public_key()
    return None


# --- documents ----------------------------------------------------------------------------


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def merkle_root(heads: dict[str, tuple[int, str]]) -> str:
    """An RFC 6962-style tree over the heads sorted by stream (leaves and nodes kept apart)."""
    level = [
        hashlib.sha256(b"\x00" + f"{stream}\n{seq}\n{head}".encode()).digest()
        for stream, (seq, head) in sorted(heads.items())
    ]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


class _Unreadable(ValueError):
    pass


def _open(document: str, public: Ed25519PublicKey) -> dict[str, Any]:
    """The body of a checkpoint whose signature is valid, else _Unreadable(code)."""
    try:
        parsed = json.loads(document)
        body = parsed["body"]
        signature = base64.b64decode(parsed["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise _Unreadable("unreadable") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise _Unreadable("unreadable")
    if body.get("signing_key") != key_id(public):
        raise _Unreadable("unknown_key")
    try:
        public.verify(signature, canonical(body))
    except InvalidSignature:
        raise _Unreadable("signature") from None
    return body


def _info(body: dict[str, Any], sha256: str) -> CheckpointInfo:
    return CheckpointInfo(
        number=int(body["number"]),
        key=str(body["key"]),
        created_at=datetime.fromisoformat(body["created_at"]),
        sha256=sha256,
        streams=int(body["streams"]),
        events=int(body["events"]),
        changed=len(body["heads"]),
        root=str(body["root"]),
        disputed=tuple((str(s), str(r)) for s, r in body.get("disputed", [])),
    )


def _problem(checkpoint: str, code: str) -> CheckpointProblem:
    messages: dict[str, Promise] = {
        "unreadable": _("This checkpoint cannot be read: it is not a signed checkpoint."),
        "unknown_key": _("This checkpoint was signed with a key this installation does not trust."),
        "signature": _(
            "The signature of this checkpoint is not valid: its content was changed after "
            "it was signed."
        ),
        "misnamed": _("This checkpoint is stored under another checkpoint's name."),
        "duplicate": _("Two checkpoints carry this number."),
        "not_stored": _(
            "This checkpoint is in the database but not in the evidence store: the store's "
            "copy was removed, or the database's copy was made up."
        ),
        "copy_missing": _(
            "This checkpoint is in the evidence store but its copy is missing from the "
            "database: it was removed, or its writing was interrupted."
        ),
        "store_unreadable": _(
            "This checkpoint is listed in the evidence store but cannot be read."
        ),
        "broken_link": _(
            "This checkpoint does not name the checkpoint before it as it stands: one of them "
            "was replaced."
        ),
        "root": _(
            "The Merkle root of the latest checkpoint does not match the heads signed up to "
            "it: a checkpoint before it is missing or was replaced."
        ),
        "no_key": _(
            "No public key is configured (DOUDI_AUDIT_PUBLIC_KEY_FILE), so no checkpoint "
            "can be checked."
        ),
    }
    return CheckpointProblem(checkpoint, code, messages[code])


def _gap(first: int, last: int) -> CheckpointProblem:
    if first == last:
        message = format_lazy(
            _("Checkpoint {number} is missing from both the database and the evidence store."),
            number=first,
        )
    else:
        message = format_lazy(
            _(
                "Checkpoints {first} to {last} are missing from both the database and the "
                "evidence store."
            ),
            first=first,
            last=last,
        )
    return CheckpointProblem(f"#{first}", "gap", message)


# --- reading ------------------------------------------------------------------------------


def load_signed_state(
    *, public: Ed25519PublicKey | None = None, store: EvidenceStore | None = None
) -> SignedState:
    """Every checkpoint in the database or the store, checked and folded in number order."""
    state = SignedState()
    if public is None:
        public = public_key()
    store = store if store is not None else get_store()
    documents = dict(AuditCheckpoint.objects.order_by("number").values_list("key", "document"))
    try:
        stored = list(store.record_keys())
    except StoreUnavailable:
        logger.warning("audit checkpoints: the evidence store cannot be listed")
        state.store_checked = False
        stored = None
    if stored is not None:
        stored_set = set(stored)
        for key in sorted(set(documents) - stored_set):
            state.problems.append(_problem(key, "not_stored"))
        for key in stored:
            if key in documents or not key.startswith(RECORD_PREFIX):
                continue
            state.problems.append(_problem(key, "copy_missing"))
            try:
                documents[key] = store.get_record(key).decode()
            except (KeyError, StoreUnavailable, UnicodeDecodeError):
                state.problems.append(_problem(key, "store_unreadable"))
    if public is None:
        state.key_known = False
        if documents:
            state.problems.append(_problem("", "no_key"))
        return state
    opened: list[tuple[dict[str, Any], str]] = []
    rejected: set[int] = set()
    for key, document in documents.items():
        try:
            body = _open(document, public)
        except _Unreadable as exc:
            state.problems.append(_problem(key, str(exc)))
            rejected.add(_claimed_number(document))
            continue
        if body.get("key") != key:
            state.problems.append(_problem(key, "misnamed"))
            rejected.add(_claimed_number(document))
            continue
        opened.append((body, hashlib.sha256(document.encode()).hexdigest()))
    _fold(state, opened, rejected)
    return state


def _claimed_number(document: str) -> int:
    """The number a rejected checkpoint claims, so it is not also reported as missing."""
    try:
        return int(json.loads(document)["body"]["number"])
    except (ValueError, KeyError, TypeError):
        return 0


def _fold(state: SignedState, opened: list[tuple[dict[str, Any], str]], rejected: set[int]) -> None:
    opened.sort(key=lambda item: int(item[0]["number"]))
    expected = 1
    previous: CheckpointInfo | None = None
    heads: dict[str, tuple[int, str]] = {}
    for body, sha256 in opened:
        info = _info(body, sha256)
        if previous is not None and info.number == previous.number:
            state.problems.append(_problem(info.key, "duplicate"))
            continue
        if info.number > expected:
            missing = [n for n in range(expected, info.number) if n not in rejected]
            if missing:
                state.problems.append(_gap(missing[0], missing[-1]))
        else:
            link = body.get("previous")
            wanted = None if previous is None else {"key": previous.key, "sha256": previous.sha256}
            if link != wanted:
                state.problems.append(_problem(info.key, "broken_link"))
        for stream, seq, head in body["heads"]:
            point = SignedPoint(int(seq), str(head), info.number, info.created_at)
            state.points.setdefault(str(stream), []).append(point)
            heads[str(stream)] = (int(seq), str(head))
        state.checkpoints.append(info)
        previous = info
        expected = info.number + 1
    if previous is not None and merkle_root(heads) != previous.root:
        state.problems.append(_problem(previous.key, "root"))


def latest_checkpoint() -> CheckpointInfo | None:
    """The newest checkpoint copy in the database, as listed (not verified: see verify())."""
    row = AuditCheckpoint.objects.order_by("-number").first()
    return None if row is None else _row_info(row)


def recent_checkpoints(limit: int = 20) -> list[CheckpointInfo]:
    return [_row_info(row) for row in AuditCheckpoint.objects.order_by("-number")[:limit]]


def _row_info(row: AuditCheckpoint) -> CheckpointInfo:
    disputed: tuple[tuple[str, str], ...] = ()
    try:
        body = json.loads(row.document)["body"]
        disputed = tuple((str(s), str(r)) for s, r in body.get("disputed", []))
    except (ValueError, KeyError, TypeError):
        pass
    return CheckpointInfo(
        number=row.number,
        key=row.key,
        created_at=row.created_at,
        sha256=row.sha256,
        streams=row.streams,
        events=row.events,
        changed=row.changed,
        root=row.root,
        disputed=disputed,
    )


# --- writing ------------------------------------------------------------------------------


def current_heads() -> list[tuple[str, int, str, str | None]]:
    """(stream, length, head hash, hash of the event at that position) for every chain."""
    at_head = AuditEvent.objects.filter(stream=OuterRef("stream"), seq=OuterRef("length"))
    rows = (
        AuditChain.objects.filter(length__gt=0)
        .annotate(event_hash=Subquery(at_head.values("hash")[:1]))
        .order_by("stream")
        .values_list("stream", "length", "last_hash", "event_hash")
    )
    return [(stream, int(length), last, found) for stream, length, last, found in rows]


def _compare(
    state: SignedState, heads: Iterable[tuple[str, int, str, str | None]]
) -> tuple[list[tuple[str, int, str]], list[tuple[str, str]]]:
    """Heads that grew since they were signed, and streams that contradict their signature."""
    moved: list[tuple[str, int, str]] = []
    disputed: list[tuple[str, str]] = []
    seen: set[str] = set()
    for stream, length, last, at_head in heads:
        seen.add(stream)
        signed = state.signed_head(stream)
        if at_head != last:
            disputed.append((stream, "head_without_event"))
        elif signed is None or length > signed.seq:
            moved.append((stream, length, last))
        elif length < signed.seq:
            disputed.append((stream, "shorter"))
        elif last != signed.hash:
            disputed.append((stream, "different"))
    disputed += [(stream, "gone") for stream in sorted(set(state.points) - seen)]
    return moved, disputed


def write_checkpoint(*, store: EvidenceStore | None = None) -> Written:
    """Sign the heads that grew since the last checkpoint; no checkpoint if none grew."""
    key = signing_key()
    public = key.public_key()
    store = store if store is not None else get_store()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        state = load_signed_state(public=public, store=store)
        moved, disputed = _compare(state, current_heads())
        if disputed:
            logger.error("audit streams contradict their signed checkpoint: %s", disputed)
        if not moved:
            return Written(None, tuple(disputed))
        latest = state.latest
        number = latest.number + 1 if latest is not None else 1
        created = clock.now().astimezone(UTC)
        store_key = f"{RECORD_PREFIX}{number:08d}-{created:%Y%m%dT%H%M%SZ}.json"
        signed = state.heads()
        signed.update({stream: (length, last) for stream, length, last in moved})
        streams, events = len(signed), sum(seq for seq, _head in signed.values())
        root = merkle_root(signed)
        body: dict[str, Any] = {
            "format": FORMAT,
            "number": number,
            "created_at": created.isoformat(),
            "key": store_key,
            "signing_key": key_id(public),
            "previous": None if latest is None else {"key": latest.key, "sha256": latest.sha256},
            "heads": [[stream, length, last] for stream, length, last in moved],
            "disputed": [[stream, reason] for stream, reason in disputed],
            "streams": streams,
            "events": events,
            "root": root,
        }
        signature = base64.b64encode(key.sign(canonical(body))).decode()
        document = canonical({"body": body, "signature": signature})
        sha256 = hashlib.sha256(document).hexdigest()
        AuditCheckpoint.objects.create(
            number=number,
            key=store_key,
            created_at=created,
            document=document.decode(),
            sha256=sha256,
            streams=streams,
            events=events,
            changed=len(moved),
            root=root,
        )
        # Last: if the store refuses, the database's copy is rolled back with the transaction.
        store.put_record(store_key, document, retain_days=settings.AUDIT_RETENTION_DAYS)
    logger.info("audit checkpoint %s: %s heads signed", number, len(moved))
    return Written(_info(body, sha256), tuple(disputed))
