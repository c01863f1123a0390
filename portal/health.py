"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and container healthchecks.

Liveness says only that the process answers: it touches nothing, so a database outage does not
make an orchestrator restart every web process at once. Readiness checks what a page needs: the
database, the Celery broker and the evidence store, each bounded by a short timeout, so a probe
never hangs on a service that is down. The answers name checks, never data or addresses.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse

from storage.base import check_ready as check_store

logger = logging.getLogger(__name__)

# Each check's own bound; the whole probe waits at most a little longer than this.
CHECK_TIMEOUT_SECONDS = 2.0

# Threads of their own: a check that hangs past its timeout keeps its thread, and once all
# are stuck later probes answer "timeout" at once instead of piling up threads.
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")


def check_database() -> None:
    # A connection of this thread's own, closed after: the probe never shares or keeps one.
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return  # tasks run in-process: there is no broker to wait for
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
        return
    from kombu import Connection

    with Connection(url, connect_timeout=CHECK_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "evidence_store": lambda: check_store(timeout=CHECK_TIMEOUT_SECONDS),
}


def readiness() -> dict[str, str]:
    """Each check's outcome: "ok", "failed" or "timeout" (no error text: it may name hosts)."""
    futures = {name: _pool.submit(check) for name, check in CHECKS.items()}
    outcome: dict[str, str] = {}
    for name, future in futures.items():
        try:
            future.result(timeout=CHECK_TIMEOUT_SECONDS + 0.5)
        except concurrent.futures.TimeoutError:
            logger.warning("readiness check %s timed out", name)
            outcome[name] = "timeout"
        except Exception as exc:
            logger.warning("readiness check %s failed: %r", name, exc)
            outcome[name] = "failed"
        else:
            outcome[name] = "ok"
    return outcome


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
