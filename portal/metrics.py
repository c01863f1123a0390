"""Prometheus metrics at `/metrics` (docs/operations.md, "Metrics").

Two kinds: histograms the web process fills as it works (request time by view and status
class, time of each public runtime call), and gauges of the work waiting (open tasks, due
timers, open incidents, how late the oldest due timer is, the broker's queue), computed at
scrape time with a few cheap queries, so they are the same whichever replica is asked.

Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR (portal/gunicorn_conf.py
empties it at start and drops dead workers' files): each worker writes its histograms to
files there and a scrape of any one adds them all up.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# A management command run in the web container writes its metrics beside gunicorn's: the
# folder must exist before the first value is made.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Pages take tens of milliseconds to a few seconds; runtime calls a few milliseconds up.
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RUNTIME_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUEST_SECONDS = Histogram(
    "doudi_http_request_duration_seconds",
    "Time to answer a request, by view name (never the raw path) and status class.",
    ["view", "method", "status"],
    buckets=REQUEST_BUCKETS,
)
RUNTIME_SECONDS = Histogram(
    "doudi_runtime_call_duration_seconds",
    "Time of a public engine.runtime call, by call and outcome (ok or error).",
    ["call", "outcome"],
    buckets=RUNTIME_BUCKETS,
)

# The engine's calls that move cases; what they cost is what the people waiting feel.
RUNTIME_CALLS = (
    "start",
    "claim",
    "unclaim",
    "complete",
    "send_message",
    "set_variables",
    "fire_due_timers",
    "fire_instance_timers",
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def timed(call: Callable[P, R], name: str) -> Callable[P, R]:
    @functools.wraps(call)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = call(*args, **kwargs)
            outcome = "ok"
            return result
        finally:
            RUNTIME_SECONDS.labels(name, outcome).observe(time.perf_counter() - started)

    wrapper.__doudi_timed__ = True  # type: ignore[attr-defined]
    return wrapper


def instrument_runtime() -> None:
    """Time the runtime's public calls by replacing them on the module (once, at start):
    every caller goes through `runtime.<call>`, and the engine's own code stays unaware."""
    from engine import runtime

    for name in RUNTIME_CALLS:
        call = getattr(runtime, name)
        if not getattr(call, "__doudi_timed__", False):
            setattr(runtime, name, timed(call, name))


def observe_request(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match is not None else "unmatched"
    method = request.method if request.method in METHODS else "other"
    status = f"{response.status_code // 100}xx"
    REQUEST_SECONDS.labels(view, method, status).observe(seconds)


class WorkWaitingCollector(Collector):
    """Gauges of the work waiting, read from the database when scraped (three queries on
    indexed columns, or small tables)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from engine.clock import clock
        from engine.models import Incident, Task, Timer

        now = clock.now()
        up = GaugeMetricFamily(
            "doudi_work_gauges_up", "1 when the gauges below could be read from the database."
        )
        try:
            tasks = Task.objects.aggregate(
                open=Count("pk"), unclaimed=Count("pk", filter=Q(claimed_by__isnull=True))
            )
            timers = Timer.objects.filter(due_at__lte=now).aggregate(
                due=Count("pk"), oldest=Min("due_at")
            )
            incidents = Incident.objects.open().count()
        except DatabaseError as exc:
            logger.warning("metrics: work gauges unavailable: %r", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        open_tasks = GaugeMetricFamily(
            "doudi_open_tasks", "User tasks waiting for someone (queue depth).", labels=["claimed"]
        )
        open_tasks.add_metric(["no"], tasks["unclaimed"])
        open_tasks.add_metric(["yes"], tasks["open"] - tasks["unclaimed"])
        yield open_tasks
        yield GaugeMetricFamily(
            "doudi_due_timers", "Timers due now and not fired yet.", value=timers["due"]
        )
        oldest = timers["oldest"]
        yield GaugeMetricFamily(
            "doudi_timer_lag_seconds",
            "Age of the oldest due timer not fired yet (0 when none): how far beat and the "
            "workers are behind.",
            value=(now - oldest).total_seconds() if oldest is not None else 0.0,
        )
        yield GaugeMetricFamily(
            "doudi_open_incidents", "Incidents not resolved yet.", value=incidents
        )
        length = broker_queue_length()
        if length is not None:
            yield GaugeMetricFamily(
                "doudi_celery_queue_length",
                "Tasks waiting in the broker's default queue (Redis only).",
                value=length,
            )


def broker_queue_length() -> int | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
    try:
        return int(client.llen(queue))
    except redis.RedisError as exc:
        logger.warning("metrics: broker queue length unavailable: %r", exc)
        return None
    finally:
        client.close()


_work_waiting = CollectorRegistry(auto_describe=False)
_work_waiting.register(WorkWaitingCollector())


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every gunicorn worker's histograms from their files; a fresh registry per scrape,
        # as prometheus_client's multiprocess mode asks.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        process = generate_latest(registry)
    else:
        process = generate_latest(REGISTRY)
    return process + generate_latest(_work_waiting)


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse(status=403)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def request_timer(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., Any]:
    """Middleware: times every request but the probes (answered before it)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = get_response(request)
        observe_request(request, response, time.perf_counter() - started)
        return response

    return middleware
