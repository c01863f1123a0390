"""Evidence in an S3-compatible object store (MinIO in production) through the `minio` client.

An upload streams to a unique temporary key `incoming/<uuid>` while it is checked; only a
complete, accepted upload is copied server-side to its content-addressed key, and the temporary
object is removed on every path. So a refused or failed upload never shows up under `sha256/`.

What may survive a crash or a store outage in the middle of an upload is a temporary object or an
incomplete multipart upload under `incoming/`: when this store creates the lifecycle of a bucket
that has none, it adds a rule expiring them after a day. Such leftovers are never evidence.

Two uploads of the same new content at the same moment can both copy it to its key; the bytes are
identical by construction, and with versioning on both versions are kept.

Records (`checkpoints/…json`) are written once: a taken key is refused. With object lock on the
bucket (created so when `object_lock` is set, or by the operator: docs/operations.md) each
record is kept in compliance mode for the retention asked, so not even the store's root user can
delete or overwrite that version before it ends.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO, Final

import certifi
import urllib3
from django.conf import settings
from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED, CopySource, Filter
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.lifecycleconfig import (
    AbortIncompleteMultipartUpload,
    Expiration,
    LifecycleConfig,
    NoncurrentVersionExpiration,
    Rule,
)
from minio.retention import Retention
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
)
from storage.intake import Intake

logger = logging.getLogger(__name__)

PART_SIZE: Final = 10 * 1024 * 1024
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
    ) -> None:
        self.bucket = bucket
        self._limit = limit
        self._object_lock = object_lock
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            http_client=_http_client(),
        )
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
        intake = Intake(stream, limit=self._limit or max_bytes(), expected_size=expected_size)
        content_type = intake.start()
        self._ensure_bucket()
        temp = f"{INCOMING_PREFIX}{uuid.uuid4().hex}"
        written: Any = None
        try:
            with _unavailable_on_failure():
                # One part at a time: a refusal raised by the intake inside read() then stops the
                # upload at once, and the client aborts the multipart upload it had started.
                written = self._client.put_object(
                    self.bucket,
                    temp,
                    intake,
                    length=-1,
                    part_size=PART_SIZE,
                    num_parallel_uploads=1,
                    content_type=content_type,
                )
            stored = StoredObject(key_for(intake.sha256), intake.sha256, intake.size, content_type)
            with _unavailable_on_failure():
                if self._stat(stored.key) is None:
                    source = CopySource(self.bucket, temp, version_id=written.version_id)
                    self._client.copy_object(self.bucket, stored.key, source)
                else:
                    logger.info(
                        "evidence %s already stored; keeping the existing object", stored.key
                    )
            return stored
        finally:
            self._discard(temp, written)

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
        with _optional("lifecycle rule for incoming/", self.bucket):
            if self._client.get_bucket_lifecycle(self.bucket) is not None:
                return
            rule = Rule(
                ENABLED,
                rule_filter=Filter(prefix=INCOMING_PREFIX),
                rule_id="doudi-expire-incoming",
                expiration=Expiration(days=1),
                noncurrent_version_expiration=NoncurrentVersionExpiration(1),
                abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(1),
            )
            self._client.set_bucket_lifecycle(self.bucket, LifecycleConfig([rule]))

    def _discard(self, temp: str, written: Any) -> None:
        """Remove every trace of a temporary upload, without hiding the error that ended it."""
        try:
            if written is not None:
                # Naming the version deletes it for good; a plain delete on a versioned bucket
                # would only add a delete marker and keep the bytes. Unversioned: None.
                self._client.remove_object(self.bucket, temp, version_id=written.version_id)
            else:
                self._purge(temp)
        except Exception as exc:
            # Cleanup is best effort and must not replace the error that ended the upload.
            logger.warning("could not remove temporary upload %s/%s: %r", self.bucket, temp, exc)

    def _purge(self, temp: str) -> None:
        # The upload may have completed on the server even though the client saw it fail.
        for version_id in self._temp_versions(temp):
            self._client.remove_object(self.bucket, temp, version_id=version_id)
        self._abort_uploads(temp)

    def _temp_versions(self, temp: str) -> list[str | None]:
        try:
            return [
                item.version_id
                for item in self._client.list_objects(
                    self.bucket, prefix=temp, include_version=True
                )
                if item.object_name == temp
            ]
        except (S3Error, ValueError):
            # Servers without version listing, or whose listing the client cannot parse
            # (SeaweedFS dates versions in its local time zone): the latest version is there.
            found = self._stat(temp)
            return [] if found is None else [found.version_id]

    def _abort_uploads(self, temp: str) -> None:
        # The client aborts its multipart upload when a part fails, but not when the abort itself
        # fails; minio 7.2 exposes listing and aborting only as private methods.
        list_uploads = getattr(self._client, "_list_multipart_uploads", None)
        abort_upload = getattr(self._client, "_abort_multipart_upload", None)
        if list_uploads is None or abort_upload is None:
            return
        for upload in list_uploads(self.bucket, prefix=temp).uploads:
            if upload.object_name == temp:
                abort_upload(self.bucket, temp, upload.upload_id)


def _http_client() -> urllib3.PoolManager:
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
    )


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
