"""The economic check with the county check centre (R1, 凡进必核): requests out, reports in.

A case's process waits at the shared `economic_check` stage for the `check_result` message
(a `Wait` row of role county_checker). When it starts waiting, `on_instance_changed` writes a
`CheckRequest` in the engine's own transaction and queues its delivery on commit
(`exchanges.tasks.send_check_request`, retried with backoff); when it stops waiting without
the centre's answer, the open request is cancelled. The centre answers through the API or a
checker imports its file: `do_receive_check_result` delivers the report to the waiting step
exactly as a checker typing it would (`assistance.actions.send_check_result`, or the
review's `send_review_check`), marks the request answered, and takes the same report twice
as a duplicate that changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from assistance import access as case_access
from assistance.actions import ActionError, send_check_result
from assistance.processes.review import PROCESS_KEY as REVIEW_PROCESS
from assistance.processes.review import send_review_check
from engine import audit, runtime
from engine.clock import clock
from engine.incidents import atomic_with_incidents
from engine.models import ProcessInstance, Wait
from exchanges import access
from exchanges.models import OPEN_CHECK_STATUSES, CheckRequest, CheckResult, CheckStatus
from exchanges.outcomes import DUPLICATE, RECORDED, Conflict, Outcome

MESSAGE = "check_result"
MAX_REPORT_NO = 50
MAX_REASONS = 2000


# ---------------------------------------------------------------- requests out


def on_instance_changed(
    sender: Any, *, instance: ProcessInstance, completed: bool, **kwargs: Any
) -> None:
    """Keep one open request per wait for the centre's report, in the engine's transaction."""
    waits = [] if completed else _check_waits(instance)
    if not waits and kwargs.get("previous_waits") == []:
        return  # no wait before or after: most steps, and they cost no query here
    open_requests = CheckRequest.objects.filter(instance=instance, status__in=OPEN_CHECK_STATUSES)
    waiting = [wait.spiff_id for wait in waits]
    open_requests.exclude(wait_spiff_id__in=waiting).update(
        status=CheckStatus.CANCELLED, cancelled_at=clock.now()
    )
    if not waits:
        return
    known = set(
        CheckRequest.objects.filter(instance=instance, wait_spiff_id__in=waiting).values_list(
            "wait_spiff_id", flat=True
        )
    )
    for wait in waits:
        if wait.spiff_id not in known:
            create_request(instance, wait)


def _check_waits(instance: ProcessInstance) -> list[Wait]:
    # Most changes leave no wait at all: the instance row says so without a query.
    if not (instance.projected or {}).get("waits"):
        return []
    rows = Wait.objects.filter(instance=instance, messages__contains=MESSAGE)
    return [wait for wait in rows if wait.waits_for(MESSAGE)]


def create_request(instance: ProcessInstance, wait: Wait) -> CheckRequest:
    round_ = CheckRequest.objects.filter(instance=instance).count() + 1
    # Numbered per case, not per instance: a case checked at application and again at each
    # yearly review keeps one series (…-C1, …-C2, …).
    serial = CheckRequest.objects.filter(case_id=instance.case_id).count() + 1
    number = f"{_case_number(instance)}-C{serial}"
    request = CheckRequest.objects.create(
        number=number,
        case_id=instance.case_id,
        instance=instance,
        region_id=instance.region_id,
        process_key=runtime.definition_key(instance.definition_id),
        round=round_,
        wait_spiff_id=wait.spiff_id,
        created_at=clock.now(),
    )
    audit.record(
        "check_request.created",
        actor=None,
        role="system",
        region_id=instance.region_id,
        case_id=instance.case_id,
        instance_id=instance.pk,
        payload={"request": request.number, "round": round_, "process": request.process_key},
    )
    transaction.on_commit(lambda: _queue(request.pk))
    return request


def _case_number(instance: ProcessInstance) -> str:
    from assistance.models import Case

    return str(Case.objects.values_list("number", flat=True).get(pk=instance.case_id))


def _queue(request_id: int) -> None:
    from exchanges.tasks import send_check_request

    send_check_request.delay(request_id)


class DeliveryFailed(Exception):
    """Sending failed for a reason that may pass (the centre's server down): try again."""


def make_available(request: CheckRequest) -> None:
    """The default delivery: the centre pulls open requests through the API (GET
    /api/v1/checks/requests), so a request is sent once it is there to be read."""


def send_request(request_id: int) -> str:
    """One delivery attempt; a request answered, cancelled or already sent is left alone."""
    counted = CheckRequest.objects.filter(pk=request_id, status=CheckStatus.PENDING).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        return "skipped"
    request = CheckRequest.objects.select_related("case").get(pk=request_id)
    deliver = import_string(settings.EXCHANGES_CHECK_SENDER)
    try:
        deliver(request)
    except Exception as exc:
        CheckRequest.objects.filter(pk=request_id).update(last_error=str(exc)[:200])
        raise DeliveryFailed(str(exc)) from exc
    with transaction.atomic():
        runtime.lock_instance(request.instance_id)
        sent = CheckRequest.objects.filter(pk=request_id, status=CheckStatus.PENDING).update(
            status=CheckStatus.SENT, sent_at=clock.now(), last_error=""
        )
        if sent:
            audit.record(
                "check_request.sent",
                actor=None,
                role="system",
                region_id=request.region_id,
                case_id=request.case_id,
                instance_id=request.instance_id,
                payload={"request": request.number, "attempts": request.attempts},
            )
    return "sent" if sent else "skipped"


def unsent_request_ids(older_than_seconds: int = 300) -> list[int]:
    """Pending requests whose delivery was lost (the broker down at commit, say)."""
    before = clock.now() - timedelta(seconds=older_than_seconds)
    return list(
        CheckRequest.objects.filter(status=CheckStatus.PENDING, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )


# ---------------------------------------------------------------- reports in


def requests_for(user: User | None, system: access.System | None) -> QuerySet[CheckRequest]:
    """The requests the sender may answer: a checker's jurisdiction (not recused), or the
    system's region."""
    requests = CheckRequest.objects.all()
    if system is not None:
        return requests.filter(region__path__startswith=system.region.path)
    assert user is not None
    if not access.acts_as(user, access.CHECK_ROLE):
        return requests.none()
    paths = case_access.jurisdiction_paths(user)
    return requests.filter(access.region_filter(paths, "region")).exclude(
        case__recusals__user=user.pk
    )


def open_requests(user: User | None, system: access.System | None) -> QuerySet[CheckRequest]:
    return requests_for(user, system).filter(status__in=OPEN_CHECK_STATUSES)


def _find(ref: int | str, *, actor: User, system: access.System | None) -> CheckRequest:
    requests = requests_for(None if system else actor, system)
    text = str(ref).strip()
    found = (
        requests.filter(pk=int(text))
        if text.isdigit() and len(text) < 19
        else requests.filter(number=text[:60])
    ).first()
    if found is None:
        raise Http404("No such check request.")
    runtime.lock_instance(found.instance_id)
    return CheckRequest.objects.select_for_update().get(pk=found.pk)


@atomic_with_incidents
def do_receive_check_result(
    ref: int | str,
    *,
    result: str,
    report_no: str,
    reasons: str = "",
    changed: bool | None = None,
    actor: User,
    system: access.System | None = None,
) -> Outcome:
    """The centre's report on one request (by id or number), from its system or a checker's
    import. Recorded once: the same report again is a duplicate, another one a Conflict."""
    if system is None:
        access.require_acting(actor, access.CHECK_ROLE)
    result, report_no, reasons = _clean(result, report_no, reasons)
    request = _find(ref, actor=actor, system=system)
    if request.status == CheckStatus.ANSWERED:
        return _repeat(request, result, report_no)
    if request.status == CheckStatus.CANCELLED:
        raise Conflict(_("The case no longer waits for this check; nothing was recorded."))
    role = system.role if system is not None else access.CHECK_ROLE
    request.status = CheckStatus.ANSWERED
    request.answered_at = clock.now()
    request.answered_by = actor
    request.answered_role = role
    request.result, request.report_no, request.reasons = result, report_no, reasons
    request.changed = bool(changed) if request.process_key == REVIEW_PROCESS else None
    # Answered before the message goes in: the process leaving the wait must not cancel it.
    request.save()
    audit.record(
        "check_request.answered",
        actor=actor,
        role=role,
        region_id=request.region_id,
        case_id=request.case_id,
        instance_id=request.instance_id,
        payload={"request": request.number, "result": result, "report_no": report_no},
    )
    held = _deliver(request, actor=actor, role=role)
    message = _("Recorded; the case is held on a failed step, for policy staff.") if held else ""
    return Outcome(RECORDED, message, request.number, extra=request)


def _clean(result: str, report_no: str, reasons: str) -> tuple[str, str, str]:
    result = str(result).strip().lower()
    if result not in CheckResult.values:
        raise ActionError(_("The result must be eligible or ineligible."))
    report_no = str(report_no).strip()
    if not report_no or len(report_no) > MAX_REPORT_NO:
        raise ActionError(_("Give the report number (at most 50 characters)."))
    reasons = str(reasons or "").strip()
    if len(reasons) > MAX_REASONS:
        raise ActionError(_("The reasons are longer than 2,000 characters."))
    return result, report_no, reasons


def _repeat(request: CheckRequest, result: str, report_no: str) -> Outcome:
    if request.report_no == report_no and request.result == result:
        return Outcome(DUPLICATE, "", request.number, extra=request)
    raise Conflict(
        _(
            "This check request was answered already (report %(report)s, %(result)s); "
            "a different result is refused."
        )
        % {"report": request.report_no, "result": request.get_result_display()}
    )


def _deliver(request: CheckRequest, *, actor: User, role: str) -> bool:
    """Complete the waiting step; True when its process failed and the case is held (the
    report is kept on the incident for policy staff to retry)."""
    case = request.case
    eligible = request.result == CheckResult.ELIGIBLE
    try:
        with transaction.atomic():
            if request.process_key == REVIEW_PROCESS:
                send_review_check(
                    case,
                    actor=actor,
                    role=role,
                    eligible=eligible,
                    changed=bool(request.changed),
                    report_no=request.report_no,
                    reasons=request.reasons,
                    instance_id=request.instance_id,
                )
            else:
                send_check_result(
                    case,
                    actor=actor,
                    role=role,
                    eligible=eligible,
                    report_no=request.report_no,
                    reasons=request.reasons,
                    instance_id=request.instance_id,
                )
    except runtime.ProcessFailed:
        return True
    except runtime.EngineError as exc:
        raise ActionError(str(exc)) from exc
    return False
