"""Logs a machine can follow across processes: every line of a request carries its request id
(the proxy's or the client's X-Request-ID when well-formed, else a new one, sent back on the
response), every line of a Celery task its task id, and with DOUDI_LOG_FORMAT=json each line
is one JSON object. The demo keeps readable text.

Only ids go into the context, never names or query strings: a search's query string may hold
the name of the person searched for.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# What a proxy or a client may send: a UUID, a trace id, a short token. Anything else (too
# long, spaces, quotes, control characters) is replaced, as it would end up in every line.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "doudi_request", default=None
)
_task_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("doudi_task_id", default=None)

access_logger = logging.getLogger("doudi.access")


def request_id_from(value: str | None) -> str:
    if value and VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | None:
    # Only a user the request already loaded: a log line must not cost a query (Django's
    # AuthenticationMiddleware keeps the loaded user there).
    user = request.__dict__.get("_cached_user")
    if user is not None and user.is_authenticated:
        return int(user.pk)
    return None


class RequestIdMiddleware:
    """Gives the request its id, makes it the context of every log line written while the
    request runs, and writes one access line at the end (logger `doudi.access`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_from(request.headers.get(HEADER))  # type: ignore[attr-defined]
        token = _request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request.request_id  # type: ignore[attr-defined]
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _request.reset(token)


def task_started(task_id: str | None = None, **kwargs: Any) -> None:
    _task_id.set(task_id)


def task_finished(**kwargs: Any) -> None:
    _task_id.set(None)


class ContextFilter(logging.Filter):
    """Adds request_id, user_id, path and task_id to every record (None outside a request or
    task), for the formatters below."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _request.get()
        record.request_id = getattr(request, "request_id", None) if request is not None else None
        record.user_id = _user_id(request) if request is not None else None
        record.path = request.path if request is not None else None
        record.task_id = _task_id.get()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [
            f"{name}={value}"
            for name in ("request_id", "task_id")
            if (value := getattr(record, name, None))
        ]
        record.context = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; keys with no value are left out."""

    FIELDS = ("request_id", "user_id", "path", "status", "duration_ms", "task_id")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
