"""Request ids and JSON log lines."""

from __future__ import annotations

import io
import json
import logging

import pytest

from portal.celery import app
from portal.logs import ContextFilter, JsonFormatter, TextFormatter


@pytest.fixture
def json_lines():
    """What the root logger writes through Doudi's JSON formatter, one object per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    access = logging.getLogger("doudi.access")
    saved = access.level
    access.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        access.setLevel(saved)


@pytest.mark.django_db
def test_it_keeps_a_well_formed_request_id_and_logs_it(client, world, json_lines):
    client.force_login(world["clerk"])
    response = client.get("/", HTTP_X_REQUEST_ID="caddy-4f1c2a.17")
    assert response["X-Request-ID"] == "caddy-4f1c2a.17"
    access = [line for line in json_lines() if line["logger"] == "doudi.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "caddy-4f1c2a.17"
    assert line["user_id"] == world["clerk"].pk
    assert line["path"] == "/"
    assert line["status"] == 200
    assert line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")
    assert line["message"] == "GET / 200"


@pytest.mark.parametrize(
    "sent", ["", "x" * 129, "two words", 'quote"d', "line\nbreak", "-leading-dash"]
)
@pytest.mark.django_db
def test_it_replaces_a_malformed_request_id(client, sent):
    response = client.get("/login/", HTTP_X_REQUEST_ID=sent)
    given = response["X-Request-ID"]
    assert given != sent
    assert len(given) == 32 and given.isalnum()


@pytest.mark.django_db
def test_it_logs_no_query_string_and_no_user_for_the_anonymous(client, json_lines):
    client.get("/public/?q=张三")
    (line,) = [line for line in json_lines() if line["logger"] == "doudi.access"]
    assert line["path"] == "/public/"
    assert "user_id" not in line
    assert "张三" not in json.dumps(line, ensure_ascii=False)


def test_it_writes_readable_text_with_the_ids():
    record = logging.LogRecord("doudi.x", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
    ContextFilter().filter(record)
    record.task_id = "abc-123"
    text = TextFormatter().format(record)
    assert text.endswith("WARNING doudi.x [task_id=abc-123] hello you")


def test_it_logs_celery_tasks_with_their_task_id(json_lines):
    @app.task(name="tests.portal.test_logs.speak")
    def speak() -> None:
        logging.getLogger("doudi.test").warning("inside the task")

    speak.apply(task_id="task-77")
    logging.getLogger("doudi.test").warning("after the task")
    lines = [line for line in json_lines() if line["logger"] == "doudi.test"]
    assert lines[0]["task_id"] == "task-77"
    assert "task_id" not in lines[1]
