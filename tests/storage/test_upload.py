"""Uploads as the views hand them over: received by the portal's upload handler, which hashes them
on the way, then put once to their content-addressed key; on S3 every request is watched."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.test import override_settings
from minio import Minio

from portal.uploads import LimitedUploadHandler
from storage.base import RejectedFile, StoreUnavailable, is_key, key_for
from storage.intake import receipt_of
from storage.local import LocalStore
from storage.minio_store import MinioStore

MIB = 1024 * 1024
PDF = b"%PDF-1.7\n"
ELF = b"\x7fELF\x02\x01\x01\x00"
on_s3 = pytest.mark.parametrize("store", ["s3"], indirect=True)
# The `store` fixture's limit is 256 KiB; these tests take files of megabytes.
roomy = pytest.mark.usefixtures("larger_limit")


@pytest.fixture
def larger_limit(store, settings) -> None:
    settings.EVIDENCE_MAX_BYTES = 32 * MIB


def pdf(size: int) -> bytes:
    return PDF + os.urandom(size - len(PDF))


def receive(data: bytes) -> UploadedFile:
    """The file as Django hands it to a view: through the handler, in its 64 KiB chunks."""
    handler = LimitedUploadHandler()
    handler.new_file("file", "scan.pdf", "application/pdf", None)
    for start in range(0, len(data), handler.chunk_size):
        handler.receive_data_chunk(data[start : start + handler.chunk_size], start)
    received = handler.file_complete(len(data))
    assert received is not None
    return received


class Requests:
    """Every request the store sends to the real server, and how many body bytes went with it."""

    def __init__(self, store: MinioStore) -> None:
        self.seen: list[dict[str, Any]] = []
        pool = store._http
        send = pool.urlopen

        def urlopen(method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
            entry = {
                "method": method,
                "key": unquote(urlsplit(url).path).split("/", 2)[-1],
                "query": urlsplit(url).query,
                "headers": {name.lower() for name in kwargs.get("headers") or {}},
                "sent": 0,
            }
            self.seen.append(entry)
            if body is not None and not isinstance(body, bytes | str):
                body = counted(body, entry)
            elif body:
                entry["sent"] = len(body)
            return send(method, url, body=body, **kwargs)

        pool.urlopen = urlopen  # type: ignore[method-assign]

    def writes(self) -> list[tuple[str, str]]:
        return [(entry["method"], entry["key"]) for entry in self.seen if entry["method"] != "GET"]


def counted(chunks: Iterator[bytes], entry: dict[str, Any]) -> Iterator[bytes]:
    for chunk in chunks:
        entry["sent"] += len(chunk)
        yield chunk


def raw(store: MinioStore) -> Minio:
    return Minio(
        settings.MINIO_ENDPOINT,
        settings.MINIO_ACCESS_KEY,
        settings.MINIO_SECRET_KEY,
        secure=settings.MINIO_SECURE,
    )


def bucket_contents(store) -> list[str]:
    """Every object version and unfinished multipart upload the server holds for the store."""
    if isinstance(store, LocalStore):
        incoming = store.root / ".incoming"
        stray = sorted(p.name for p in incoming.iterdir()) if incoming.exists() else []
        return [*stray, *store.keys()]
    client = raw(store)
    versions = [
        item.object_name
        for item in client.list_objects(store.bucket, recursive=True, include_version=True)
    ]
    uploads = client._list_multipart_uploads(store.bucket).uploads
    return versions + [f"upload:{upload.object_name}" for upload in uploads]


def ready(store) -> None:
    # The bucket and its settings are made on first use: not part of what an upload sends.
    store.exists(key_for("0" * 64))


@on_s3
@roomy
def test_it_sends_a_received_upload_once_straight_to_its_key(store):
    data = pdf(3 * MIB)
    received = receive(data)
    ready(store)
    requests = Requests(store)

    stored = store.put(received, expected_size=received.size)

    assert stored.sha256 == hashlib.sha256(data).hexdigest() == receipt_of(received).sha256
    assert requests.writes() == [("HEAD", stored.key), ("PUT", stored.key)]
    put = requests.seen[-1]
    assert put["sent"] == len(data)
    assert "x-amz-copy-source" not in put["headers"]
    assert {"x-amz-checksum-sha256", "if-none-match"} <= put["headers"]
    assert bucket_contents(store) == [stored.key]
    assert b"".join(store.open(stored.key)) == data


@on_s3
@roomy
def test_it_sends_nothing_when_the_same_bytes_are_stored_already(store):
    data = pdf(512 * 1024)
    first = store.put(receive(data))
    requests = Requests(store)

    again = store.put(receive(data))

    assert again == first
    assert requests.writes() == [("HEAD", first.key)]
    assert bucket_contents(store) == [first.key]


def test_it_names_a_received_upload_by_the_hash_of_its_bytes(store):
    data = pdf(200 * 1024)

    stored = store.put(receive(data), expected_size=len(data))

    assert stored.key == key_for(hashlib.sha256(data).hexdigest())
    assert (stored.size, stored.content_type) == (len(data), "application/pdf")
    assert b"".join(store.open(stored.key)) == data
    assert bucket_contents(store) == [stored.key]


@pytest.mark.parametrize(
    ("data", "code"),
    [(ELF + b"\x00" * 4096, "type"), (b"", "empty"), (pdf(300 * 1024), "too_large")],
)
def test_it_refuses_a_received_upload_before_sending_a_byte(store, data, code):
    # Received under a higher limit (another setting then): the store holds it to its own.
    with override_settings(EVIDENCE_MAX_BYTES=MIB):
        received = receive(data)
    ready(store)
    requests = Requests(store) if isinstance(store, MinioStore) else None

    with pytest.raises(RejectedFile) as caught:
        store.put(received, expected_size=len(data))

    assert caught.value.code == code
    assert requests is None or requests.writes() == []
    assert bucket_contents(store) == []


@on_s3
def test_it_leaves_nothing_when_the_received_file_ends_early(store):
    data = pdf(200 * 1024)
    received = receive(data)
    received.file.truncate(100 * 1024)

    with pytest.raises(RejectedFile) as caught:
        store.put(received)

    assert caught.value.code == "truncated"
    assert bucket_contents(store) == []


@on_s3
def test_it_lets_the_server_refuse_bytes_other_than_the_key_says(store):
    data = pdf(200 * 1024)
    received = receive(data)
    received.file.seek(len(data) - 4)
    received.file.write(b"edit")

    with pytest.raises(StoreUnavailable):
        store.put(received)

    assert bucket_contents(store) == []


def parts_store() -> MinioStore:
    # S3 takes parts of at least 5 MiB but the last; one PUT only up to 6 MiB here.
    return MinioStore(
        settings.MINIO_ENDPOINT,
        settings.MINIO_ACCESS_KEY,
        settings.MINIO_SECRET_KEY,
        settings.MINIO_BUCKET,
        limit=32 * MIB,
        single_put_max=6 * MIB,
        part_size=5 * MIB,
    )


@on_s3
@roomy
def test_it_sends_a_file_over_the_single_put_size_in_parts(store):
    parts = parts_store()
    data = pdf(11 * MIB)
    ready(parts)
    requests = Requests(parts)

    stored = parts.put(receive(data))

    assert [
        entry["query"].split("&")[0] for entry in requests.seen if entry["method"] == "PUT"
    ] == [
        "partNumber=1",
        "partNumber=2",
        "partNumber=3",
    ]
    assert sum(entry["sent"] for entry in requests.seen if entry["method"] == "PUT") == len(data)
    assert b"".join(parts.open(stored.key)) == data
    assert bucket_contents(parts) == [stored.key]


@on_s3
@roomy
def test_it_aborts_the_parts_of_an_upload_that_fails_midway(store):
    parts = parts_store()
    received = receive(pdf(11 * MIB))
    received.file.truncate(7 * MIB)

    with pytest.raises(RejectedFile):
        parts.put(received)

    assert bucket_contents(parts) == []


def traced_peak(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@roomy
def test_it_keeps_memory_flat_for_a_20_mib_upload(store):
    # Before, the S3 store held a 10 MiB part, glued from 64 KiB reads: a 30 MiB peak.
    data = pdf(20 * MIB)
    # Other bytes, else the second upload would find them stored and send nothing.
    other = data[:-1]
    ready(store)

    received_peak = traced_peak(lambda: store.put(receive(data)))
    stream_peak = traced_peak(lambda: store.put(io.BytesIO(other)))

    # The handler's work is inside the first figure; the test's own 20 MiB bytes are not.
    assert received_peak < 3 * MIB
    assert stream_peak < 3 * MIB
    assert len([key for key in bucket_contents(store) if is_key(key)]) == 2


@on_s3
def test_it_stores_into_a_bucket_with_object_lock(store):
    # The fixture's bucket is made on first use: this store makes it, with object lock.
    locked = MinioStore(
        settings.MINIO_ENDPOINT,
        settings.MINIO_ACCESS_KEY,
        settings.MINIO_SECRET_KEY,
        settings.MINIO_BUCKET,
        object_lock=True,
    )
    data = pdf(100 * 1024)

    stored = locked.put(receive(data))

    assert raw(locked).get_object_lock_config(locked.bucket) is not None
    assert b"".join(locked.open(stored.key)) == data
    assert locked.put(receive(data)) == stored
    assert bucket_contents(locked) == [stored.key]
