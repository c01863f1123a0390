"""The evidence store contract: what a stored scan is, what uploads are refused, and the backend.

Evidence is content-addressed (`sha256/<2 hex>/<64 hex>`), so a key names exactly one content and
a stored object is never replaced. There is deliberately no delete operation: evidence backs
decisions about people's benefits and must outlive every case that refers to it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, Protocol

from django.conf import settings
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

CHUNK_SIZE: Final = 64 * 1024
# The longest signature `sniff` knows (PNG); fewer bytes cannot rule every type in or out.
SNIFF_BYTES: Final = 8

ALLOWED_TYPES: Final[dict[str, str]] = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
}

_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)

_KEY_RE: Final = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{64})")
# Records are small documents the application writes itself (the audit trail's signed
# checkpoints), never uploads: write-once like evidence, but named by their writer.
RECORD_PREFIX: Final = "checkpoints/"
_RECORD_KEY_RE: Final = re.compile(r"checkpoints/[0-9A-Za-z][0-9A-Za-z._-]{0,80}\.json")
_SHA256_RE: Final = re.compile(r"[0-9a-f]{64}")


class RejectedFile(ValueError):
    """An upload refused because of its content; `message` is shown to the person uploading.

    `code` is one of "empty", "too_large", "type", "truncated".
    """

    def __init__(self, message: str | Promise, code: str) -> None:
        # Both go to args so the exception survives pickling (e.g. via Celery).
        super().__init__(message, code)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        # Kept lazy until displayed, so it follows the language active at that moment.
        return str(self.message)


class StoreUnavailable(RuntimeError):
    """The store could not be reached or failed; `message` is safe to show to users."""

    def __init__(self, message: str | Promise | None = None) -> None:
        if message is None:
            message = _("The evidence store cannot be reached; nothing was saved. Try again later.")
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class RecordExists(RuntimeError):
    """A record is written once: its key is already taken, and the stored one is kept."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    content_type: str


class EvidenceStore(Protocol):
    def put(self, stream: BinaryIO, *, expected_size: int | None = None) -> StoredObject:
        """Store the stream's bytes, or raise RejectedFile / StoreUnavailable leaving nothing."""
        ...

    def open(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks; raises KeyError at once if there is no such object."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """Size in bytes; KeyError if missing."""
        ...

    def keys(self) -> Iterator[str]:
        """Every stored evidence key (temporary uploads excluded)."""
        ...

    def put_record(self, key: str, data: bytes, *, retain_days: int = 0) -> None:
        """Write a record once under `key` (see `is_record_key`); RecordExists if it is taken.

        With `retain_days`, an object store that supports object lock keeps it in compliance
        mode for that long (no one may delete or overwrite that version, not even its owner).
        """
        ...

    def get_record(self, key: str) -> bytes:
        """The record's bytes; KeyError if there is none."""
        ...

    def record_keys(self) -> Iterator[str]:
        """Every record key, in name order."""
        ...


def sniff(head: bytes) -> str | None:
    """The content type named by the leading magic bytes; names and client types are never used."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def key_for(sha256: str) -> str:
    if not _SHA256_RE.fullmatch(sha256):
        raise ValueError(f"not a lowercase sha256 hex digest: {sha256!r}")
    return f"sha256/{sha256[:2]}/{sha256}"


def is_key(key: str) -> bool:
    """Whether `key` is a well-formed evidence key; anything else can never be stored."""
    match = _KEY_RE.fullmatch(key)
    return match is not None and match.group(2).startswith(match.group(1))


def is_record_key(key: str) -> bool:
    return _RECORD_KEY_RE.fullmatch(key) is not None


def sha256_of_key(key: str) -> str:
    if not is_key(key):
        raise KeyError(key)
    return key.rsplit("/", 1)[1]


def hash_stream(chunks: Iterable[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def max_bytes() -> int:
    # Read on each upload rather than cached, so a changed setting applies without a restart.
    return int(settings.EVIDENCE_MAX_BYTES)


def rejected_empty() -> RejectedFile:
    return RejectedFile(_("The file is empty."), "empty")


def rejected_type() -> RejectedFile:
    names = ", ".join(ALLOWED_TYPES.values())
    return RejectedFile(
        format_lazy(
            _("Only {types} files are accepted; this file is not one of them."), types=names
        ),
        "type",
    )


def rejected_too_large(limit: int) -> RejectedFile:
    return RejectedFile(
        format_lazy(_("The file is larger than the limit of {limit}."), limit=_human_size(limit)),
        "too_large",
    )


def rejected_truncated() -> RejectedFile:
    return RejectedFile(
        _("The upload did not arrive complete; nothing was saved. Please upload the file again."),
        "truncated",
    )


def _human_size(size: int) -> str:
    mib = 1024 * 1024
    if size >= mib:
        return f"{size / mib:.4g} MiB"
    if size >= 1024:
        return f"{size / 1024:.4g} KiB"
    return f"{size} B"


_store: EvidenceStore | None = None
_store_lock = threading.Lock()


def get_store() -> EvidenceStore:
    """The store configured in settings, built once per process."""
    global _store
    with _store_lock:
        if _store is None:
            _store = _build_store()
        return _store


def reset_store_cache() -> None:
    """Forget the cached store, so the next `get_store()` reads settings again (tests)."""
    global _store
    with _store_lock:
        _store = None


def _build_store() -> EvidenceStore:
    # Imported here: the backends import this module, and only the configured one is needed.
    if settings.EVIDENCE_BACKEND == "minio":
        from storage.minio_store import MinioStore

        return MinioStore.from_settings()
    from storage.local import LocalStore

    return LocalStore.from_settings()


def check_ready(*, timeout: float) -> None:
    """Raise unless the configured store can take evidence now (readiness probes): the bucket
    exists, or the folder is writable. A fresh client with `timeout`, never the cached store,
    whose timeouts and retries are made for uploads."""
    if settings.EVIDENCE_BACKEND == "minio":
        from storage.minio_store import check_bucket

        check_bucket(timeout=timeout)
        return
    from storage.local import check_folder

    check_folder(Path(settings.EVIDENCE_DIR))
