"""One pass over an upload that checks it while it flows, shared by every backend.

The bytes are sniffed, hashed, counted and held to the size limit as they are read, so a bad
upload is refused before (type, emptiness) or while (size, truncation) it is written, and never
needs to be held whole in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO

from storage.base import (
    CHUNK_SIZE,
    SNIFF_BYTES,
    rejected_empty,
    rejected_too_large,
    rejected_truncated,
    rejected_type,
    sniff,
)


class Intake:
    """A read-once view of an upload stream that raises RejectedFile as soon as it can tell.

    Backends call `start()` before touching the store, then consume the bytes through `read()`
    (a file-like for clients that pull) or `chunks()`; `sha256` and `size` are final at the end.
    """

    def __init__(self, stream: BinaryIO, *, limit: int, expected_size: int | None = None) -> None:
        self._stream = stream
        self._limit = limit
        self._expected_size = expected_size
        self._digest = hashlib.sha256()
        self._count = 0
        self._pending = b""
        self._finished = False
        self.content_type = ""

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
        return self._pull(CHUNK_SIZE if size < 0 else min(size, CHUNK_SIZE))

    def chunks(self) -> Iterator[bytes]:
        while data := self.read(CHUNK_SIZE):
            yield data

    @property
    def sha256(self) -> str:
        self._require_finished()
        return self._digest.hexdigest()

    @property
    def size(self) -> int:
        self._require_finished()
        return self._count

    def _pull(self, size: int) -> bytes:
        # Never ask for more than one byte past the limit: that byte alone proves it too large.
        size = min(size, self._limit + 1 - self._count)
        try:
            data = self._stream.read(size)
        except OSError as exc:
            raise rejected_truncated() from exc
        if not data:
            self._finish()
            return b""
        self._count += len(data)
        self._digest.update(data)
        if self._count > self._limit:
            raise rejected_too_large(self._limit)
        if self._expected_size is not None and self._count > self._expected_size:
            raise rejected_truncated()
        return data

    def _finish(self) -> None:
        if self._expected_size is not None and self._count != self._expected_size:
            raise rejected_truncated()
        self._finished = True

    def _require_finished(self) -> None:
        if not self._finished:
            raise RuntimeError("the upload has not been read to its end")
