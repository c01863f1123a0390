"""Evidence in an S3-compatible object store (MinIO in production) through the `minio` client.

An upload goes once, straight to its content-addressed key: its hash is known before the first
byte is sent (from the receipt the upload handler made while Django received the file, or from
spooling a bare stream: `storage.intake`), every check has passed by then, and if the key is
taken already nothing is sent at all. There is no temporary object and no server-side copy.

A file up to `SINGLE_PUT_MAX` goes in one PUT, streamed from the file in small blocks, with its
SHA-256 both signed (`x-amz-content-sha256`) and as a checksum (`x-amz-checksum-sha256`): the
server refuses bytes that are not what the key says (MinIO and S3 check both, SeaweedFS the
checksum), so an object under `sha256/` is complete and right or absent. `If-None-Match: *` keeps
an object that another upload of the same bytes stored meanwhile. Larger files go as a multipart
upload, aborted on any failure; each part's hash is read from the file before the part is sent.

A crash mid-multipart can leave an incomplete upload (never an object): when this store creates
the lifecycle of a bucket that has none, a rule aborts them after a day (MinIO also drops stale
uploads itself). `incoming/`, where earlier versions staged uploads, gets its old expiry rule.

Records (`checkpoints/…json`) are written once: a taken key is refused. With object lock on the
bucket (created so when `object_lock` is set, or by the operator: docs/operations.md) each
record is kept in compliance mode for the retention asked, so not even the store's root user can
delete or overwrite that version before it ends.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import math
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any, BinaryIO, Final

import certifi
import urllib3
from django.conf import settings
from minio import Minio
from minio import time as s3_time
from minio.commonconfig import COMPLIANCE, ENABLED, Filter
from minio.credentials import Credentials
from minio.datatypes import Part
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.helpers import BaseURL
from minio.lifecycleconfig import (
    AbortIncompleteMultipartUpload,
    Expiration,
    LifecycleConfig,
    NoncurrentVersionExpiration,
    Rule,
)
from minio.retention import Retention
from minio.signer import sign_v4_s3
from minio.versioningconfig import VersioningConfig

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
    rejected_truncated,
)
from storage.intake import Receipt, accept, receipt_of, spooled

logger = logging.getLogger(__name__)

# S3 takes at most 5 GiB in one PUT; above, a multipart upload of at most 10,000 parts.
SINGLE_PUT_MAX: Final = 5 * 1024**3
MIN_PART_SIZE: Final = 64 * 1024 * 1024
MAX_PARTS: Final = 10_000
# What is read from the file and handed to the socket at a time: memory stays at about this.
SEND_BLOCK: Final = 256 * 1024
# Where earlier versions staged uploads; only the lifecycle rule for their leftovers remains.
INCOMING_PREFIX: Final = "incoming/"
EVIDENCE_PREFIX: Final = "sha256/"
# Short, so that a store that is down fails the request within seconds instead of hanging it.
CONNECT_TIMEOUT: Final = 5.0
# Longer than the connect timeout: completing a multipart upload of a large scan takes a moment.
READ_TIMEOUT: Final = 10.0

# Everything the client raises when the server is down, unreachable, misconfigured or failing.
_STORE_ERRORS: Final = (
    S3Error,
    ServerError,
    InvalidResponseError,
    urllib3.exceptions.HTTPError,
    OSError,
)


class MinioStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        limit: int | None = None,
        object_lock: bool = False,
        single_put_max: int = SINGLE_PUT_MAX,
        part_size: int = MIN_PART_SIZE,
    ) -> None:
        self.bucket = bucket
        self._limit = limit
        self._object_lock = object_lock
        self._single_put_max = single_put_max
        self._part_size = part_size
        self._http = _http_client()
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            http_client=self._http,
        )
        self._base_url = BaseURL(f"{'https' if secure else 'http'}://{endpoint}", None)
        self._credentials = Credentials(access_key, secret_key)
        self._ready = False
        self._ready_lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> MinioStore:
        return cls(
            settings.MINIO_ENDPOINT,
            settings.MINIO_ACCESS_KEY,
            settings.MINIO_SECRET_KEY,
            settings.MINIO_BUCKET,
            secure=settings.MINIO_SECURE,
            object_lock=settings.AUDIT_RETENTION_DAYS > 0,
        )

    def put(self, stream: BinaryIO, *, expected_size: int | None = None) -> StoredObject:
        limit = self._limit or max_bytes()
        receipt = receipt_of(stream)
        if receipt is not None:
            content_type = accept(receipt, limit=limit, expected_size=expected_size)
            stream.seek(0)
            return self._store(stream, receipt, content_type)
        with spooled(stream, limit=limit, expected_size=expected_size) as (spool, receipt):
            return self._store(spool, receipt, accept(receipt, limit=limit))

    def _store(self, source: IO[bytes], receipt: Receipt, content_type: str) -> StoredObject:
        stored = StoredObject(key_for(receipt.sha256), receipt.sha256, receipt.size, content_type)
        self._ensure_bucket()
        with _unavailable_on_failure():
            if self._stat(stored.key) is not None:
                logger.info("evidence %s already stored; nothing sent", stored.key)
            elif stored.size <= self._single_put_max:
                self._put_once(source, stored)
            else:
                self._put_in_parts(source, stored)
        return stored

    def _put_once(self, source: IO[bytes], stored: StoredObject) -> None:
        checksum = base64.b64encode(bytes.fromhex(stored.sha256)).decode()
        response = self._send(
            source,
            stored.key,
            size=stored.size,
            sha256=stored.sha256,
            headers={
                "Content-Type": stored.content_type,
                "x-amz-checksum-sha256": checksum,
                "If-None-Match": "*",
            },
        )
        if response.status == 412:
            logger.info("evidence %s stored meanwhile by another upload; kept", stored.key)

    def _put_in_parts(self, source: IO[bytes], stored: StoredObject) -> None:
        part_size = max(self._part_size, math.ceil(stored.size / MAX_PARTS))
        upload_id = self._client._create_multipart_upload(
            self.bucket, stored.key, {"Content-Type": stored.content_type}
        )
        try:
            parts = []
            for number, offset in enumerate(range(0, stored.size, part_size), start=1):
                size = min(part_size, stored.size - offset)
                source.seek(offset)
                # A part is signed with its own hash, which no one computed on the way in.
                sha256 = hashlib.file_digest(_Bounded(source, size), "sha256").hexdigest()
                source.seek(offset)
                response = self._send(
                    source,
                    stored.key,
                    size=size,
                    sha256=sha256,
                    query={"partNumber": str(number), "uploadId": upload_id},
                )
                parts.append(Part(number, response.headers["ETag"].replace('"', "")))
            self._client._complete_multipart_upload(self.bucket, stored.key, upload_id, parts)
        except BaseException:
            self._abort(stored.key, upload_id)
            raise

    def _send(
        self,
        source: IO[bytes],
        key: str,
        *,
        size: int,
        sha256: str,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Any:
        """PUT `size` bytes of `source`, from where it stands, streamed; the response if 2xx/412.

        The client's own put_object would hold each part whole in memory to sign it; here the
        hash is known beforehand, so the body can flow from the file.
        """
        region = self._client._get_region(self.bucket)
        url = self._base_url.build(
            method="PUT",
            region=region,
            bucket_name=self.bucket,
            object_name=key,
            query_params=query,
        )
        date = s3_time.utcnow()
        signed = sign_v4_s3(
            method="PUT",
            url=url,
            region=region,
            headers={
                **(headers or {}),
                "Host": url.netloc,
                "Content-Length": str(size),
                "x-amz-content-sha256": sha256,
                "x-amz-date": s3_time.to_amz_date(date),
            },
            credentials=self._credentials,
            content_sha256=sha256,
            date=date,
        )
        # No retries: the body is a one-way stream and could not be sent again.
        response = self._http.urlopen(
            "PUT", url.geturl(), body=_blocks(source, size), headers=signed, retries=False
        )
        if response.status in (200, 412):
            return response
        if response.data and b"<Error>" in response.data:
            raise S3Error.fromxml(response)
        raise ServerError(f"PUT {key}: HTTP {response.status}", response.status)

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self._client._abort_multipart_upload(self.bucket, key, upload_id)
        except Exception as exc:
            # Best effort: the lifecycle rule (or MinIO itself) drops it within a day.
            logger.warning("could not abort upload %s of %s: %r", upload_id, key, exc)

    def open(self, key: str) -> Iterator[bytes]:
        if not is_key(key):
            raise KeyError(key)
        self._ensure_bucket()
        with _unavailable_on_failure():
            try:
                response = self._client.get_object(self.bucket, key)
            except S3Error as exc:
                if exc.code == "NoSuchKey":
                    raise KeyError(key) from None
                raise
        return _stream(response)

    def exists(self, key: str) -> bool:
        if not is_key(key):
            return False
        self._ensure_bucket()
        with _unavailable_on_failure():
            return self._stat(key) is not None

    def size(self, key: str) -> int:
        if not is_key(key):
            raise KeyError(key)
        self._ensure_bucket()
        with _unavailable_on_failure():
            found = self._stat(key)
        if found is None:
            raise KeyError(key)
        return int(found.size)

    def keys(self) -> Iterator[str]:
        self._ensure_bucket()
        with _unavailable_on_failure():
            for item in self._client.list_objects(
                self.bucket, prefix=EVIDENCE_PREFIX, recursive=True
            ):
                if is_key(item.object_name):
                    yield item.object_name

    def put_record(self, key: str, data: bytes, *, retain_days: int = 0) -> None:
        if not is_record_key(key):
            raise KeyError(key)
        self._ensure_bucket()
        retention = None
        if retain_days > 0:
            until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=retain_days)
            retention = Retention(COMPLIANCE, until)
        with _unavailable_on_failure():
            # Checked first; a writer racing us would only add a version (versioning is on),
            # and a locked version cannot be removed.
            if self._stat(key) is not None:
                raise RecordExists(key)
            try:
                self._client.put_object(
                    self.bucket,
                    key,
                    io.BytesIO(data),
                    len(data),
                    content_type="application/json",
                    retention=retention,
                )
            except S3Error as exc:
                if retention is not None and exc.code == "InvalidRequest":
                    logger.error(
                        "bucket %s refuses object retention (no object lock?): %r", self.bucket, exc
                    )
                    raise StoreUnavailable(
                        "The evidence bucket has no object lock, so a record cannot be kept "
                        "under retention; create the bucket with object lock or set "
                        "DOUDI_AUDIT_RETENTION_DAYS=0."
                    ) from exc
                raise

    def get_record(self, key: str) -> bytes:
        if not is_record_key(key):
            raise KeyError(key)
        self._ensure_bucket()
        with _unavailable_on_failure():
            try:
                response = self._client.get_object(self.bucket, key)
            except S3Error as exc:
                if exc.code == "NoSuchKey":
                    raise KeyError(key) from None
                raise
            try:
                return bytes(response.read())
            finally:
                response.close()
                response.release_conn()

    def record_keys(self) -> Iterator[str]:
        self._ensure_bucket()
        with _unavailable_on_failure():
            names = [
                item.object_name
                for item in self._client.list_objects(
                    self.bucket, prefix=RECORD_PREFIX, recursive=True
                )
            ]
        yield from sorted(name for name in names if is_record_key(name))

    def _stat(self, key: str) -> Any:
        try:
            return self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                return None
            raise

    def _ensure_bucket(self) -> None:
        with self._ready_lock:
            if self._ready:
                return
            with _unavailable_on_failure():
                if not self._client.bucket_exists(self.bucket):
                    self._make_bucket()
                self._enable_versioning()
                self._expire_leftovers()
            self._ready = True

    def _make_bucket(self) -> None:
        try:
            self._client.make_bucket(self.bucket, object_lock=self._object_lock)
        except S3Error as exc:
            # Another process created it in between.
            if exc.code != "BucketAlreadyOwnedByYou":
                raise

    def _enable_versioning(self) -> None:
        # Versioning keeps tampered or overwritten evidence recoverable. Servers without it (or
        # keys without the right to configure it) still store evidence, so only log the refusal.
        with _optional("bucket versioning", self.bucket):
            if self._client.get_bucket_versioning(self.bucket).status != ENABLED:
                self._client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
                logger.info("turned on versioning for bucket %s", self.bucket)

    def _expire_leftovers(self) -> None:
        # Only on a bucket without lifecycle rules: an operator's own rules are never replaced.
        with _optional("lifecycle rules for leftover uploads", self.bucket):
            if self._client.get_bucket_lifecycle(self.bucket) is not None:
                return
            incoming = Rule(
                ENABLED,
                rule_filter=Filter(prefix=INCOMING_PREFIX),
                rule_id="doudi-expire-incoming",
                expiration=Expiration(days=1),
                noncurrent_version_expiration=NoncurrentVersionExpiration(1),
                abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(1),
            )
            # Aborts unfinished uploads only: stored evidence never expires.
            evidence = Rule(
                ENABLED,
                rule_filter=Filter(prefix=EVIDENCE_PREFIX),
                rule_id="doudi-abort-incomplete-evidence",
                abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(1),
            )
            self._client.set_bucket_lifecycle(self.bucket, LifecycleConfig([incoming, evidence]))


def _http_client() -> urllib3.PoolManager:
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
    )


def _blocks(source: IO[bytes], size: int) -> Iterator[bytes]:
    """Exactly `size` bytes of the source in SEND_BLOCK pieces; a short source is truncated."""
    left = size
    while left:
        block = source.read(min(SEND_BLOCK, left))
        if not block:
            raise rejected_truncated()
        left -= len(block)
        yield block


class _Bounded:
    """The next `size` bytes of a file, as a file (for hashlib.file_digest)."""

    def __init__(self, source: IO[bytes], size: int) -> None:
        self._source = source
        self._left = size

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)[: self._left]
        count = self._source.readinto(view)  # type: ignore[attr-defined]
        self._left -= count
        return count

    def readable(self) -> bool:
        return True


def _stream(response: Any) -> Iterator[bytes]:
    try:
        with _unavailable_on_failure():
            yield from response.stream(CHUNK_SIZE)
    finally:
        response.close()
        response.release_conn()


@contextlib.contextmanager
def _unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    except _STORE_ERRORS as exc:
        logger.error("evidence object store failed: %r", exc)
        raise StoreUnavailable() from exc


@contextlib.contextmanager
def _optional(feature: str, bucket: str) -> Iterator[None]:
    try:
        yield
    except (S3Error, ServerError, InvalidResponseError) as exc:
        logger.warning("bucket %s: %s not available on this server: %r", bucket, feature, exc)


def check_bucket(*, timeout: float) -> None:
    """Raise StoreUnavailable unless the configured bucket exists, within `timeout` and without
    retries (readiness probes)."""
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=False,
    )
    client = Minio(
        settings.MINIO_ENDPOINT,
        access_key=settings.MINIO_ACCESS_KEY,
        secret_key=settings.MINIO_SECRET_KEY,
        secure=settings.MINIO_SECURE,
        http_client=http,
    )
    try:
        with _unavailable_on_failure():
            exists = client.bucket_exists(settings.MINIO_BUCKET)
    finally:
        http.clear()
    if not exists:
        raise StoreUnavailable()
