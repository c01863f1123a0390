"""Sending check requests (exchanges/tasks.py): on the commit of the engine's change, once,
retried while the sender fails, and swept up by beat when a delivery was lost."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry

from engine.models import AuditEvent
from exchanges import checks, tasks
from exchanges.models import CheckRequest, CheckStatus
from tests.exchanges.helpers import request_of, waiting_case
from tests.fixtures import deploy_only

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "dibao_deployed")]

FAILURES: list[str] = []


def failing_sender(request: CheckRequest) -> None:
    FAILURES.append(request.number)
    raise ConnectionError("check centre unreachable")


@pytest.fixture
def dibao_deployed(world):
    deploy_only("dibao.bpmn", actor=world["policy"])


def test_it_sends_the_request_once_the_engines_change_commits(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = waiting_case(world)
    assert callbacks
    request = request_of(case)
    assert (request.status, request.attempts) == (CheckStatus.SENT, 1)
    assert request.sent_at is not None
    assert AuditEvent.objects.filter(case_id=case.pk, action="check_request.sent").count() == 1


def test_it_does_nothing_when_delivered_again(world):
    case = waiting_case(world)
    request = request_of(case)
    assert tasks.send_check_request(request.pk) == "sent"
    assert tasks.send_check_request(request.pk) == "skipped"
    request.refresh_from_db()
    assert request.attempts == 1
    assert AuditEvent.objects.filter(case_id=case.pk, action="check_request.sent").count() == 1


def test_it_leaves_an_answered_or_cancelled_request_alone(world):
    case = waiting_case(world)
    CheckRequest.objects.filter(case=case).update(status=CheckStatus.CANCELLED)
    assert checks.send_request(request_of(case).pk) == "skipped"
    assert request_of(case).attempts == 0


def test_it_keeps_a_failed_delivery_pending_and_retries_it(world, settings):
    settings.EXCHANGES_CHECK_SENDER = "tests.exchanges.test_tasks.failing_sender"
    case = waiting_case(world)
    request = request_of(case)
    with pytest.raises((checks.DeliveryFailed, Retry)):
        tasks.send_check_request.apply(args=[request.pk], throw=True)
    request.refresh_from_db()
    assert request.status == CheckStatus.PENDING
    assert request.attempts >= 1 and "unreachable" in request.last_error
    assert tasks.send_check_request.autoretry_for == (checks.DeliveryFailed,)
    settings.EXCHANGES_CHECK_SENDER = "exchanges.checks.make_available"
    assert tasks.send_check_request(request.pk) == "sent"


def test_it_sweeps_up_requests_whose_delivery_was_lost(world, settings):
    from datetime import timedelta

    from engine.clock import clock

    case = waiting_case(world)
    assert checks.unsent_request_ids() == []
    clock.advance(timedelta(minutes=6))
    assert checks.unsent_request_ids() == [request_of(case).pk]
    assert tasks.resend_unsent_check_requests() == 1
    assert request_of(case).status == CheckStatus.SENT
    assert settings.CELERY_BEAT_SCHEDULE["resend-unsent-check-requests"]["task"] == (
        tasks.resend_unsent_check_requests.name
    )
