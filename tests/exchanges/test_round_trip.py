"""The check centre's round trip on a real Celery worker over Redis: the case reaches the
check, the request is written and sent by the worker, the centre's report completes the
waiting step and the case moves on; the same report delivered again changes nothing."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User

from engine import audit
from engine.models import AuditEvent, ProcessInstance
from exchanges import checks
from exchanges.models import CheckRequest, CheckStatus
from tests.exchanges.helpers import centre, request_of, waiting_case
from tests.fixtures import deploy_only
from tests.workflows.dibao import open_tasks

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_clock")]


def sent(request_id: int, timeout: float = 30) -> CheckRequest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = CheckRequest.objects.get(pk=request_id)
        if request.status != CheckStatus.PENDING:
            return request
        time.sleep(0.1)
    raise AssertionError(f"check request still pending after {timeout}s")


def test_it_goes_out_to_the_centre_and_its_report_moves_the_case_on(world, redis_worker):
    deploy_only("dibao.bpmn", actor=world["policy"])
    system_user = User.objects.create_user("check-centre")
    case = waiting_case(world)
    assert open_tasks(case) == []

    request = sent(request_of(case).pk)
    assert (request.status, request.attempts) == (CheckStatus.SENT, 1)
    assert [r.number for r in checks.open_requests(None, centre(world))] == [request.number]

    outcome = checks.do_receive_check_result(
        request.number,
        result="eligible",
        report_no="HD-2026-0042",
        actor=system_user,
        system=centre(world),
    )
    assert outcome.status == "recorded"
    assert open_tasks(case) == ["investigate"]
    assert request_of(case).status == CheckStatus.ANSWERED
    assert list(checks.open_requests(None, centre(world))) == []

    revision = ProcessInstance.objects.get(case=case).revision
    events = AuditEvent.objects.count()
    again = checks.do_receive_check_result(
        request.number,
        result="eligible",
        report_no="HD-2026-0042",
        actor=system_user,
        system=centre(world),
    )
    assert again.status == "duplicate"
    assert ProcessInstance.objects.get(case=case).revision == revision
    assert AuditEvent.objects.count() == events
    assert open_tasks(case) == ["investigate"]
    assert audit.verify().ok
