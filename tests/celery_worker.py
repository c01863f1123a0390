"""A real Celery worker for tests, over the machine's Redis broker (the `redis_worker`
fixture; registered in tests/conftest.py)."""

from __future__ import annotations

import os
import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from portal.celery import app

REDIS_URL = os.environ.get("DOUDI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_worker():
    """A worker on a queue of this run's own: two runs on one machine share the Redis
    database, and a worker of one must not take the other's tasks (they would run against
    the wrong test database)."""
    queue = f"doudi-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
    )
    # Celery caches the result backend per thread once any test touched it, and the queues
    # and router per app: build them anew.
    _forget_cached_routing()
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]
        ) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        _forget_cached_routing()


def _forget_cached_routing() -> None:
    app._local.__dict__.pop("backend", None)
    for cached in ("queues", "router", "_producer_pool"):
        app.amqp.__dict__.pop(cached, None)
