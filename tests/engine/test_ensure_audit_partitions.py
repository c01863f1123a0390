"""`ensure_audit_partitions`: the coming months' audit partitions, created once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from engine import audit, partitions
from engine.clock import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_2038():
    clock.set(datetime(2038, 6, 20, 9, 0, tzinfo=UTC))
    yield
    clock.reset()


def test_it_creates_the_coming_months_once_and_lists_them(in_2038, capsys):
    call_command("ensure_audit_partitions", "--ahead", "2")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "created engine_auditevent_2038_06",
        "created engine_auditevent_2038_07",
        "created engine_auditevent_2038_08",
        "every month through 2038-08 has its audit partition",
    ]
    call_command("ensure_audit_partitions", "--ahead", "2", "--list")
    out = capsys.readouterr().out
    assert "created" not in out
    assert "engine_auditevent_2038_07\tFOR VALUES FROM ('2038-07-01 00:00:00+00')" in out
    assert "engine_auditevent_default\tDEFAULT" in out


def test_it_fails_naming_the_month_whose_events_wait_in_default(in_2038, capsys):
    with transaction.atomic():
        audit.record("definition.deployed", actor=None, role="system")
    assert partitions.events_in_default() == [(datetime(2038, 6, 1).date(), 1)]
    with pytest.raises(
        CommandError, match=r"1 audit event\(s\) of 2038-06 are in engine_auditevent_default"
    ):
        call_command("ensure_audit_partitions", "--ahead", "1")
    assert capsys.readouterr().out == "created engine_auditevent_2038_07\n"


def test_it_refuses_a_negative_count_of_months():
    with pytest.raises(CommandError, match="0 or more"):
        call_command("ensure_audit_partitions", "--ahead", "-1")
