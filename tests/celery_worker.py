"""A real Celery worker for tests, over the machine's Redis broker (the `redis_worker`
fixture; registered in tests/conftest.py), and the same broker with no worker
(`redis_queue`), whose queue a test reads with `queued_tasks`."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from portal.celery import app

REDIS_URL = os.environ.get("DOUDI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_worker():
    """A worker on a queue of this run's own: two runs on one machine share the Redis
    database, and a worker of one must not take the other's tasks (they would run against
    the wrong test database)."""
    with (
        _queue_of_this_run() as queue,
        start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]
        ) as worker,
    ):
        yield worker


@pytest.fixture
def redis_queue() -> Iterator[str]:
    """A queue of this run's own that no worker reads: what tasks send stays there."""
    with _queue_of_this_run() as queue:
        try:
            yield queue
        finally:
            redis.Redis.from_url(REDIS_URL).delete(queue)


def queued_tasks(queue: str) -> list[tuple[str, list[Any]]]:
    """The (task name, arguments) of the messages waiting on `queue`, oldest first."""
    found = []
    # Kombu's Redis transport pushes on the left and pops on the right.
    for raw in reversed(redis.Redis.from_url(REDIS_URL).lrange(queue, 0, -1)):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.append((message["headers"]["task"], args))
    return found


@contextmanager
def _queue_of_this_run() -> Iterator[str]:
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
        yield queue
    finally:
        app.conf.update(saved)
        _forget_cached_routing()


def _forget_cached_routing() -> None:
    app._local.__dict__.pop("backend", None)
    for cached in ("queues", "router", "_producer_pool"):
        app.amqp.__dict__.pop(cached, None)
    # The connection pool (remote control: ping, broadcast) keeps the broker it was made for.
    app._pool = None
