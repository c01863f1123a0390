"""Evidence in a local folder: the embedded default, with the same guarantees as the object store.

Layout under the root: `sha256/<2 hex>/<64 hex>` for stored objects (read-only files),
`checkpoints/<name>.json` for records (read-only files too) and `.incoming/` for uploads in
progress. An upload becomes visible only through an atomic hard link
of a complete, fsynced temporary file, which fails rather than replace an existing object.
A process killed mid-upload can leave a temporary file in `.incoming/`; it is never listed as
evidence and may be removed by hand.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from storage.base import (
    CHUNK_SIZE,
    RECORD_PREFIX,
    RecordExists,
    StoredObject,
    StoreUnavailable,
    is_key,
    is_record_key,
    key_for,
    max_bytes,
    sha256_of_key,
)
from storage.intake import Intake

logger = logging.getLogger(__name__)

INCOMING = ".incoming"
_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


class LocalStore:
    def __init__(self, root: Path, *, limit: int | None = None) -> None:
        self.root = Path(root)
        self._limit = limit

    @classmethod
    def from_settings(cls) -> LocalStore:
        return cls(Path(settings.EVIDENCE_DIR))

    def put(self, stream: BinaryIO, *, expected_size: int | None = None) -> StoredObject:
        intake = Intake(stream, limit=self._limit or max_bytes(), expected_size=expected_size)
        content_type = intake.start()
        incoming = self.root / INCOMING
        try:
            incoming.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(dir=incoming, prefix="upload-")
        except OSError as exc:
            raise _failed(exc) from exc
        temp = Path(temp_name)
        try:
            _write_all(fd, intake)
            stored = StoredObject(key_for(intake.sha256), intake.sha256, intake.size, content_type)
            self._publish(temp, stored.key)
            return stored
        finally:
            # The published object is a second link to the same inode, so this never loses data.
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()

    def open(self, key: str) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise KeyError(key) from None
        except OSError as exc:
            raise _failed(exc) from exc
        return _read_chunks(handle)

    def exists(self, key: str) -> bool:
        return is_key(key) and self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise KeyError(key) from None

    def keys(self) -> Iterator[str]:
        top = self.root / "sha256"
        if not top.is_dir():
            return
        for prefix in sorted(top.iterdir()):
            if not prefix.is_dir():
                continue
            for entry in sorted(prefix.iterdir()):
                key = f"sha256/{prefix.name}/{entry.name}"
                if is_key(key) and entry.is_file():
                    yield key

    def put_record(self, key: str, data: bytes, *, retain_days: int = 0) -> None:
        # A local folder has no retention; the file is read-only and never replaced.
        path = self._record_path(key)
        try:
            (self.root / INCOMING).mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(dir=self.root / INCOMING, prefix="record-")
        except OSError as exc:
            raise _failed(exc) from exc
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, _READ_ONLY)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.link(temp, path)
            _fsync_dir(path.parent)
        except FileExistsError:
            raise RecordExists(key) from None
        except OSError as exc:
            raise _failed(exc) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()

    def get_record(self, key: str) -> bytes:
        try:
            return self._record_path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None
        except OSError as exc:
            raise _failed(exc) from exc

    def record_keys(self) -> Iterator[str]:
        folder = self.root / RECORD_PREFIX
        if not folder.is_dir():
            return
        for entry in sorted(folder.iterdir()):
            key = RECORD_PREFIX + entry.name
            if is_record_key(key) and entry.is_file():
                yield key

    def _record_path(self, key: str) -> Path:
        if not is_record_key(key):
            raise KeyError(key)
        return self.root / key

    def _path(self, key: str) -> Path:
        # Also the guard against path traversal: only well-formed keys map to a file.
        sha256 = sha256_of_key(key)
        return self.root / "sha256" / sha256[:2] / sha256

    def _publish(self, temp: Path, key: str) -> None:
        final = self._path(key)
        try:
            os.chmod(temp, _READ_ONLY)
            final.parent.mkdir(parents=True, exist_ok=True)
            # link() fails if the name exists: an existing object is kept, never replaced.
            os.link(temp, final)
            _fsync_dir(final.parent)
        except FileExistsError:
            logger.info("evidence %s already stored; keeping the existing file", key)
        except OSError as exc:
            raise _failed(exc) from exc


def _write_all(fd: int, intake: Intake) -> None:
    with os.fdopen(fd, "wb") as handle:
        try:
            for chunk in intake.chunks():
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        except OSError as exc:
            # Stream errors were already turned into RejectedFile; this is the disk failing.
            raise _failed(exc) from exc


def _read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


def _fsync_dir(path: Path) -> None:
    # Makes the new directory entry durable; some filesystems cannot fsync a directory.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _failed(exc: OSError) -> StoreUnavailable:
    logger.error("local evidence store failed: %s", exc)
    return StoreUnavailable(_("The evidence store failed; nothing was saved. Try again later."))


def check_folder(root: Path) -> None:
    """Raise StoreUnavailable unless a file can be created under `root` (readiness probes)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as exc:
        raise _failed(exc) from exc
