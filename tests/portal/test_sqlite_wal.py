"""The embedded default's SQLite file: readers go on while one writes, writers queue."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
from django.db.utils import ConnectionHandler

from portal.env import database_from_url


@pytest.fixture
def sqlite_file(tmp_path, django_db_blocker):
    config = database_from_url(f"sqlite:///{tmp_path / 'doudi.sqlite3'}", str(tmp_path))
    handler = ConnectionHandler({"default": config, "writer": config, "reader": config})
    with django_db_blocker.unblock():
        with handler["default"].cursor() as cursor:
            cursor.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
        yield handler
        handler.close_all()


@contextlib.contextmanager
def atomic(connection) -> Iterator[None]:
    """What transaction.atomic does on a connection outside django.db.connections: begins the
    transaction the way the settings say (BEGIN IMMEDIATE), commits at the end."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield
        connection.commit()
    finally:
        connection.set_autocommit(True)


def rows(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM note")
        return cursor.fetchone()[0]


def test_it_opens_the_file_in_wal_mode_with_normal_sync(sqlite_file):
    with sqlite_file["default"].cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20000


def test_it_lets_two_connections_read_while_one_writes(sqlite_file):
    writer, reader = sqlite_file["writer"], sqlite_file["reader"]
    with atomic(writer):
        with writer.cursor() as cursor:
            cursor.execute("INSERT INTO note (body) VALUES ('written')")
        # Uncommitted: both readers see the file as it was, without waiting.
        started = time.monotonic()
        assert rows(reader) == 0
        assert rows(sqlite_file["default"]) == 0
        assert time.monotonic() - started < 1
    assert rows(reader) == 1


def test_it_makes_a_second_writer_wait_for_the_first(sqlite_file):
    done: list[str] = []

    def second_writer() -> None:
        other = sqlite_file["writer"]  # this thread's own connection
        try:
            with atomic(other):
                # Reads, then writes what it read: begun lazily, this would read an old
                # snapshot and fail at the write with "database is locked", at once.
                seen = rows(other)
                with other.cursor() as cursor:
                    cursor.execute("INSERT INTO note (body) VALUES (%s)", [f"after {seen}"])
            done.append("ok")
        except Exception as exc:  # recorded, so the test fails with it
            done.append(repr(exc))
        finally:
            other.close()

    first = sqlite_file["default"]
    with atomic(first):
        with first.cursor() as cursor:
            cursor.execute("INSERT INTO note (body) VALUES ('first')")
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(0.5)
        assert done == []  # waiting for the lock, not failed
    thread.join(10)
    assert done == ["ok"]
    assert rows(first) == 2
    with first.cursor() as cursor:
        assert cursor.execute("SELECT body FROM note ORDER BY id").fetchall()[1] == ("after 1",)
