"""One pass over an upload that checks it while it flows, shared by every backend.

The bytes are sniffed, hashed, counted and held to the size limit as they are read, so a bad
upload is refused before (type, emptiness) or while (size, truncation) it is written, and never
needs to be held whole in memory.

An object store names evidence by its hash, and cannot rename an object once written, so it
must know the hash before it sends a byte. Web uploads therefore are hashed as they arrive: the
upload handler feeds each chunk Django receives to a `Digester` and attaches the `Receipt` to the
received file, and the store sends that file once, straight to its key. A stream without a
receipt is spooled through an `Intake` first (`spooled`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO, Final

from django.utils.translation import gettext_lazy as _

from storage.base import (
    CHUNK_SIZE,
    SNIFF_BYTES,
    StoreUnavailable,
    rejected_empty,
    rejected_too_large,
    rejected_truncated,
    rejected_type,
    sniff,
)

logger = logging.getLogger(__name__)

# The attribute of a received file that holds its receipt (set by `attach_receipt`).
_RECEIPT_ATTRIBUTE: Final = "doudi_receipt"
# Spooled uploads this small stay in memory; larger ones go to an unnamed temporary file.
SPOOL_MEMORY_BYTES: Final = 1024 * 1024


@dataclass(frozen=True)
class Receipt:
    """What the bytes of an upload were, learned as they went by: enough to name and check them."""

    sha256: str
    size: int
    # The first SNIFF_BYTES bytes (fewer if the upload is shorter): its type is read from them.
    head: bytes


class Digester:
    """Hashes, counts and keeps the head of chunks fed to it; checks nothing itself."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._size = 0
        self._head = b""

    def update(self, chunk: bytes) -> None:
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
        self._digest.update(chunk)
        self._size += len(chunk)

    @property
    def size(self) -> int:
        return self._size

    def receipt(self) -> Receipt:
        return Receipt(self._digest.hexdigest(), self._size, self._head)


def attach_receipt(received: object, receipt: Receipt) -> None:
    """Mark a received file (seekable, at its start) with what its bytes were."""
    setattr(received, _RECEIPT_ATTRIBUTE, receipt)


def receipt_of(stream: object) -> Receipt | None:
    found = getattr(stream, _RECEIPT_ATTRIBUTE, None)
    return found if isinstance(found, Receipt) else None


def accept(receipt: Receipt, *, limit: int, expected_size: int | None = None) -> str:
    """The content type of an upload already received whole, or RejectedFile as `Intake` would."""
    if expected_size is not None and expected_size > limit:
        raise rejected_too_large(limit)
    if receipt.size == 0:
        raise rejected_empty()
    content_type = sniff(receipt.head)
    if content_type is None:
        raise rejected_type()
    if receipt.size > limit:
        raise rejected_too_large(limit)
    if expected_size is not None and receipt.size != expected_size:
        raise rejected_truncated()
    return content_type


@contextlib.contextmanager
def spooled(
    stream: BinaryIO, *, limit: int, expected_size: int | None = None
) -> Iterator[tuple[IO[bytes], Receipt]]:
    """The stream's bytes checked, hashed and kept in a temporary file for as long as needed."""
    intake = Intake(stream, limit=limit, expected_size=expected_size)
    intake.start()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
        for chunk in intake.chunks():
            try:
                spool.write(chunk)
            except OSError as exc:
                # Stream errors were already turned into RejectedFile; this is the disk failing.
                logger.error("could not spool an upload: %s", exc)
                raise StoreUnavailable(
                    _("The evidence store failed; nothing was saved. Try again later.")
                ) from exc
        spool.seek(0)
        yield spool, Receipt(intake.sha256, intake.size, intake.head)


class Intake:
    """A read-once view of an upload stream that raises RejectedFile as soon as it can tell.

    Backends call `start()` before touching the store, then consume the bytes through `read()`
    (a file-like for clients that pull) or `chunks()`; `sha256` and `size` are final at the end.
    """

    def __init__(self, stream: BinaryIO, *, limit: int, expected_size: int | None = None) -> None:
        self._stream = stream
        self._limit = limit
        self._expected_size = expected_size
        self._digest = Digester()
        self._pending = b""
        self._finished = False
        self.content_type = ""
        self.head = b""

    def start(self) -> str:
        """Read the first bytes and return the sniffed content type, or refuse the upload."""
        if self._expected_size is not None and self._expected_size > self._limit:
            # The client announced the size: refuse without reading a byte.
            raise rejected_too_large(self._limit)
        head = b""
        while len(head) < SNIFF_BYTES:
            data = self._pull(CHUNK_SIZE)
            if not data:
                break
            head += data
        if not head:
            raise rejected_empty()
        content_type = sniff(head)
        if content_type is None:
            raise rejected_type()
        self._pending = head
        self.head = head[:SNIFF_BYTES]
        self.content_type = content_type
        return content_type

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            # An empty read must not be mistaken for the end of the stream.
            return b""
        if self._pending:
            if size < 0 or size >= len(self._pending):
                data, self._pending = self._pending, b""
            else:
                data, self._pending = self._pending[:size], self._pending[size:]
            return data
        if self._finished:
            return b""
        # All that was asked, in one read: a client gluing small reads into a part copies it
        # over and over.
        return self._pull(CHUNK_SIZE if size < 0 else size)

    def chunks(self) -> Iterator[bytes]:
        while data := self.read(CHUNK_SIZE):
            yield data

    @property
    def sha256(self) -> str:
        self._require_finished()
        return self._digest.receipt().sha256

    @property
    def size(self) -> int:
        self._require_finished()
        return self._digest.size

    def _pull(self, size: int) -> bytes:
        # Never ask for more than one byte past the limit: that byte alone proves it too large.
        size = min(size, self._limit + 1 - self._digest.size)
        try:
            data = self._stream.read(size)
        except OSError as exc:
            raise rejected_truncated() from exc
        if not data:
            self._finish()
            return b""
        self._digest.update(data)
        if self._digest.size > self._limit:
            raise rejected_too_large(self._limit)
        if self._expected_size is not None and self._digest.size > self._expected_size:
            raise rejected_truncated()
        return data

    def _finish(self) -> None:
        if self._expected_size is not None and self._digest.size != self._expected_size:
            raise rejected_truncated()
        self._finished = True

    def _require_finished(self) -> None:
        if not self._finished:
            raise RuntimeError("the upload has not been read to its end")
