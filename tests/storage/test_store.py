"""The evidence store contract, run on the local folder and on a real S3 server."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import stat
from collections.abc import Iterator

import pytest
from django.conf import settings
from minio import Minio

from storage.base import (
    CHUNK_SIZE,
    RejectedFile,
    StoredObject,
    StoreUnavailable,
    get_store,
    is_key,
    key_for,
    reset_store_cache,
)
from storage.local import LocalStore
from storage.minio_store import MinioStore
from storage.verify import verify_object

MAGIC = {
    "application/pdf": b"%PDF-1.7\n",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/tiff": b"II*\x00\x08\x00\x00\x00",
}
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00"


def scan(content_type: str = "application/pdf", size: int = 150 * 1024) -> bytes:
    """Distinct bytes of the given type, larger than a chunk so reads come in several pieces."""
    head = MAGIC[content_type]
    body = os.urandom(size - len(head))
    return head + body


class GeneratorStream:
    """A file-like fed by a generator that counts what was read, as an HTTP upload would be."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return b""
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.bytes_read += len(data)
        return data


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def leftovers(store) -> list[str]:
    """Anything an upload left outside the stored evidence: temporary files or objects."""
    if isinstance(store, LocalStore):
        incoming = store.root / ".incoming"
        return sorted(p.name for p in incoming.iterdir()) if incoming.exists() else []
    client = raw(store)
    # Anywhere in the bucket: uploads go straight to their key, so nothing else may appear.
    found = [
        f"{item.object_name}@{item.version_id}"
        for item in client.list_objects(store.bucket, recursive=True, include_version=True)
        if not is_key(item.object_name)
    ]
    uploads = client._list_multipart_uploads(store.bucket).uploads
    return found + [f"upload:{upload.object_name}" for upload in uploads]


def raw(store: MinioStore) -> Minio:
    """A plain client, to look at (or tamper with) the bucket behind the store's back."""
    return Minio(
        settings.MINIO_ENDPOINT,
        settings.MINIO_ACCESS_KEY,
        settings.MINIO_SECRET_KEY,
        secure=settings.MINIO_SECURE,
    )


def assert_nothing_stored(store) -> None:
    assert list(store.keys()) == []
    assert leftovers(store) == []


@pytest.mark.parametrize("content_type", sorted(MAGIC))
def test_it_stores_each_accepted_type_and_reads_it_back_in_chunks(store, content_type):
    data = scan(content_type)
    digest = hashlib.sha256(data).hexdigest()

    stored = store.put(io.BytesIO(data), expected_size=len(data))

    assert stored == StoredObject(
        key=f"sha256/{digest[:2]}/{digest}",
        sha256=digest,
        size=len(data),
        content_type=content_type,
    )
    assert store.exists(stored.key)
    assert store.size(stored.key) == len(data)
    assert list(store.keys()) == [stored.key]
    chunks = list(store.open(stored.key))
    assert len(chunks) > 1
    assert all(len(chunk) <= CHUNK_SIZE for chunk in chunks)
    assert b"".join(chunks) == data
    assert leftovers(store) == []


def test_it_accepts_big_endian_tiff_and_a_stream_that_trickles_in(store):
    data = b"MM\x00*" + os.urandom(5000)

    stored = store.put(GeneratorStream(pieces(data, 1)))

    assert stored.content_type == "image/tiff"
    assert b"".join(store.open(stored.key)) == data


def test_it_keeps_the_first_copy_of_a_duplicate(store):
    data = scan("image/png")
    first = store.put(io.BytesIO(data))
    before = stored_versions(store, first.key)

    second = store.put(io.BytesIO(data))

    assert second == first
    assert list(store.keys()) == [first.key]
    assert stored_versions(store, first.key) == before
    assert leftovers(store) == []


def stored_versions(store, key: str) -> list[object]:
    """What identifies the stored copy: its inode, or every version the bucket holds."""
    if isinstance(store, LocalStore):
        path = store.root / key
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
        return [path.stat().st_ino]
    return [
        item.version_id
        for item in raw(store).list_objects(store.bucket, prefix=key, include_version=True)
    ]


def test_it_rejects_an_executable_renamed_to_pdf(store, tmp_path):
    upload = tmp_path / "income-certificate.pdf"
    upload.write_bytes(ELF + os.urandom(4096))

    with upload.open("rb") as handle, pytest.raises(RejectedFile) as caught:
        store.put(handle)

    assert caught.value.code == "type"
    assert (
        str(caught.value)
        == "Only PDF, JPEG, PNG, TIFF files are accepted; this file is not one of them."
    )
    assert_nothing_stored(store)


def test_it_rejects_a_file_too_short_to_tell_its_type(store):
    with pytest.raises(RejectedFile) as caught:
        store.put(io.BytesIO(b"\x89PNG"))

    assert caught.value.code == "type"
    assert_nothing_stored(store)


def test_it_rejects_an_empty_file(store):
    with pytest.raises(RejectedFile) as caught:
        store.put(io.BytesIO(b""), expected_size=0)

    assert caught.value.code == "empty"
    assert str(caught.value) == "The file is empty."
    assert_nothing_stored(store)


def test_it_stops_reading_an_oversized_file_at_the_limit(store):
    limit = settings.EVIDENCE_MAX_BYTES
    total = 4 * limit
    stream = GeneratorStream(pieces(scan(size=total), 16 * 1024))

    with pytest.raises(RejectedFile) as caught:
        store.put(stream)

    assert caught.value.code == "too_large"
    assert str(caught.value) == "The file is larger than the limit of 256 KiB."
    assert stream.bytes_read == limit + 1
    assert_nothing_stored(store)


def test_it_refuses_an_oversized_upload_of_megabytes_before_storing_any(store, settings):
    # Larger than the old 10 MiB part, after which an S3 multipart upload had begun.
    settings.EVIDENCE_MAX_BYTES = 12 * 1024 * 1024
    total = 20 * 1024 * 1024
    block = MAGIC["application/pdf"] + b"x" * (CHUNK_SIZE - len(MAGIC["application/pdf"]))
    stream = GeneratorStream(pieces(block + b"y" * (total - len(block)), CHUNK_SIZE))

    with pytest.raises(RejectedFile) as caught:
        store.put(stream)

    assert caught.value.code == "too_large"
    assert stream.bytes_read < total
    assert_nothing_stored(store)


def test_it_refuses_an_announced_size_over_the_limit_without_reading(store):
    stream = GeneratorStream(pieces(scan(), 1024))

    with pytest.raises(RejectedFile) as caught:
        store.put(stream, expected_size=settings.EVIDENCE_MAX_BYTES + 1)

    assert caught.value.code == "too_large"
    assert stream.bytes_read == 0
    assert_nothing_stored(store)


def test_it_rejects_an_upload_whose_stream_breaks_midway(store):
    data = scan()

    def breaking() -> Iterator[bytes]:
        yield from pieces(data[: 100 * 1024], 8 * 1024)
        raise OSError("connection reset by peer")

    with pytest.raises(RejectedFile) as caught:
        store.put(GeneratorStream(breaking()), expected_size=len(data))

    assert caught.value.code == "truncated"
    assert_nothing_stored(store)


@pytest.mark.parametrize("announced", [-1, +1])
def test_it_rejects_an_upload_of_another_size_than_announced(store, announced):
    data = scan()

    with pytest.raises(RejectedFile) as caught:
        store.put(io.BytesIO(data), expected_size=len(data) + announced)

    assert caught.value.code == "truncated"
    assert_nothing_stored(store)


def test_it_treats_unknown_and_malformed_keys_as_missing(store):
    unknown = key_for(hashlib.sha256(b"never stored").hexdigest())

    for key in (unknown, "sha256/../../../etc/passwd", "incoming/x", f"{unknown}/"):
        assert not store.exists(key)
        with pytest.raises(KeyError):
            store.open(key)
        with pytest.raises(KeyError):
            store.size(key)


def test_it_verifies_intact_missing_and_tampered_objects(store):
    stored = store.put(io.BytesIO(scan("image/jpeg")))
    missing = key_for(hashlib.sha256(b"lost").hexdigest())

    assert verify_object(store, stored.key, stored.sha256) is None
    assert verify_object(store, missing, hashlib.sha256(b"lost").hexdigest()) == "missing"

    tamper(store, stored.key, b"\xff\xd8\xff\xe0 edited")

    assert verify_object(store, stored.key, stored.sha256) == "sha256 mismatch"


def tamper(store, key: str, data: bytes) -> None:
    if isinstance(store, LocalStore):
        path = store.root / key
        path.chmod(0o644)
        path.write_bytes(data)
    else:
        raw(store).put_object(store.bucket, key, io.BytesIO(data), len(data))


def test_it_reports_an_unreachable_object_store_quickly(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings.EVIDENCE_BACKEND = "minio"
    settings.MINIO_ENDPOINT = f"127.0.0.1:{closed_port}"
    reset_store_cache()
    try:
        store = get_store()
    finally:
        reset_store_cache()
    key = key_for(hashlib.sha256(b"x").hexdigest())

    with pytest.raises(StoreUnavailable) as caught:
        store.put(io.BytesIO(scan()))
    assert str(caught.value) == (
        "The evidence store cannot be reached; nothing was saved. Try again later."
    )
    for call in (lambda: store.exists(key), lambda: store.open(key), lambda: list(store.keys())):
        with pytest.raises(StoreUnavailable):
            call()


def test_it_reports_a_local_store_that_cannot_write(settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    store = LocalStore(blocker)

    with pytest.raises(StoreUnavailable):
        store.put(io.BytesIO(scan()))
