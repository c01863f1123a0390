"""Periodic review (复核) of active cases: classes A/B/C, due dates, the review process.

Dynamic management (R11) re-checks every household on benefits: stable households yearly,
unstable ones more often. Locally (A/B/C classes) A and B are reviewed yearly and C every
quarter (urban) or half-year (rural); each cycle is a policy parameter of the region.

A daily job (`start_due_reviews`, run by Celery beat through assistance.tasks) starts the
"review" process for every active case whose review is due and moves its due date on by one
cycle. The process ends with outcome "reviewed" (new amount, case stays active) or "exit"
(handed to the exit process, which ends the case); `apply_review_outcome` does either.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance import access, actions
from assistance.actions import ActionError, process_data
from assistance.ids import make_resident_id
from assistance.models import Case, CaseStatus, Hukou, Region
from assistance.policy import Param, PolicyError, policy_for, register_params
from assistance.projections import register_outcome_handler
from engine import audit, registry, runtime
from engine.clock import clock
from engine.incidents import atomic_with_incidents
from engine.models import InstanceStatus, ProcessInstance

logger = logging.getLogger(__name__)

PROCESS_KEY = "review"
REVIEW_CLASSES = ("A", "B", "C")
_CENT = Decimal("0.01")


def _months(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise PolicyError(gettext_lazy("Expected a whole number of months from 1 to 60."))
    return value


register_params(
    {
        "review_cycle_months_a": Param(
            gettext_lazy("Review cycle of class A (months)"), _months, "integer"
        ),
        "review_cycle_months_b": Param(
            gettext_lazy("Review cycle of class B (months)"), _months, "integer"
        ),
        "review_cycle_months_c_urban": Param(
            gettext_lazy("Review cycle of class C, urban households (months)"), _months, "integer"
        ),
        "review_cycle_months_c_rural": Param(
            gettext_lazy("Review cycle of class C, rural households (months)"), _months, "integer"
        ),
    }
)

DEMO_POLICY: dict[str, object] = {
    "review_cycle_months_a": 12,
    "review_cycle_months_b": 12,
    "review_cycle_months_c_urban": 3,
    "review_cycle_months_c_rural": 6,
}


# ---------------------------------------------------------------- schedule


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Aug → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cycle_months(case: Case, policy: Mapping[str, Any]) -> int:
    if case.review_class == "C":
        hukou = case.household.hukou
        return int(policy[f"review_cycle_months_c_{'urban' if hukou == Hukou.URBAN else 'rural'}"])
    if case.review_class == "B":
        return int(policy["review_cycle_months_b"])
    # An unclassified case is reviewed as a stable household (yearly) until it is classified.
    return int(policy["review_cycle_months_a"])


def next_review_date(case: Case, from_day: date) -> date:
    """When the review after `from_day` is due, by the cycle the region's policy sets that day."""
    return add_months(from_day, cycle_months(case, policy_for(case.region, from_day)))


# The county approver classifies at confirmation; the township reviewer, who sees the
# household at each review, may classify too and change the class later.
CLASSIFY_ROLES = {"township_reviewer", "county_approver"}
# Kinds reviewed by this process; the others have their own yearly checks (elderly, orphans)
# or end on their own (temporary aid, disability subsidies).
REVIEWED_KINDS = frozenset({"dibao", "tekun"})


def _lock_for_classification(case: Case, actor: User, review_class: str) -> Case:
    access.require_role_in_region(actor, case.region, CLASSIFY_ROLES)
    if case.recusals.filter(user=actor).exists():
        # Recused staff take no part in the case's review either (R7).
        raise Http404("No such case.")
    if review_class not in REVIEW_CLASSES:
        raise ActionError(_("Choose review class A, B or C."), case=case)
    locked = Case.objects.select_for_update().select_related("household", "region").get(pk=case.pk)
    if locked.assistance_type not in REVIEWED_KINDS:
        raise ActionError(_("This kind of assistance has no periodic review."), case=case)
    if locked.status not in (CaseStatus.IN_PROGRESS, CaseStatus.ACTIVE):
        raise ActionError(_("Only an open case can be classified for review."), case=case)
    return locked


def _classifying_role(actor: User) -> str:
    return next(role for role in access.acting_roles(actor) if role in CLASSIFY_ROLES)


@transaction.atomic
def do_classify(case: Case, *, actor: User, review_class: str) -> Case:
    """The first classification of an open case; its next review follows the class."""
    locked = _lock_for_classification(case, actor, review_class)
    if locked.review_class:
        raise ActionError(
            _("This case is already classified; change its class with a reason."), case=case
        )
    locked.review_class = review_class
    locked.next_review_on = next_review_date(locked, clock.today())
    locked.save(update_fields=["review_class", "next_review_on"])
    audit.record(
        "case.classified",
        actor=actor,
        role=_classifying_role(actor),
        region_id=locked.region_id,
        case_id=locked.pk,
        payload={
            "review_class": review_class,
            "previous_class": "",
            "next_review_on": locked.next_review_on.isoformat(),
        },
    )
    case.review_class, case.next_review_on = locked.review_class, locked.next_review_on
    return case


def _last_reviewed(case: Case, today: date) -> date:
    last = case.details.get("last_review_on")
    if last:
        return date.fromisoformat(str(last)[:10])
    return case.decided_on or today


@transaction.atomic
def do_change_review_class(case: Case, *, actor: User, review_class: str, reason: str) -> Case:
    """A later change of class, with its reason on the record.

    The next review is counted from the last one (or the decision) under the new cycle, so a
    household moved to class C is not left waiting out the rest of a class-A year; a review
    that would already be overdue falls due today.
    """
    locked = _lock_for_classification(case, actor, review_class)
    previous = locked.review_class
    if not previous:
        raise ActionError(_("Classify the case first."), case=case)
    if review_class == previous:
        raise ActionError(_("The case is already in this class."), case=case)
    if len(reason.strip()) < 2:
        raise ActionError(_("Give the reason for the change of class."), case=case)
    locked.review_class = review_class
    today = clock.today()
    locked.next_review_on = max(next_review_date(locked, _last_reviewed(locked, today)), today)
    locked.save(update_fields=["review_class", "next_review_on"])
    audit.record(
        "case.reclassified",
        actor=actor,
        role=_classifying_role(actor),
        region_id=locked.region_id,
        case_id=locked.pk,
        payload={
            "review_class": review_class,
            "previous_class": previous,
            "reason": reason.strip(),
            "next_review_on": locked.next_review_on.isoformat(),
        },
    )
    case.review_class, case.next_review_on = locked.review_class, locked.next_review_on
    return case


def start_due_reviews(today: date) -> int:
    """Start a review for every active case due by `today`, one after the other in this
    process, each case in its own transaction (the demo's ticker, tests). Beat instead sends
    each due case to a task of its own (assistance.tasks).

    Idempotent: starting moves the due date past `today`, under the case's row lock, so a
    second run the same day (or a concurrent one) finds nothing left to start.
    """
    started, after = 0, 0
    while batch := due_for_review(today, after=after):
        started += sum(start_review(case_id, today) for case_id in batch)
        after = batch[-1]
    return started


def due_for_review(today: date, *, after: int = 0, limit: int = 1000) -> list[int]:
    """The next active cases (by id, after `after`) whose review is due by `today`."""
    due = Case.objects.filter(status=CaseStatus.ACTIVE, next_review_on__lte=today, pk__gt=after)
    return list(due.order_by("pk").values_list("pk", flat=True)[:limit])


def start_review(case_id: int, today: date) -> int:
    """Start the review of one case if it is still due by `today`: 1 if it started, else 0."""
    try:
        return _start_review(case_id, today)
    except (PolicyError, runtime.EngineError):
        # One case's missing policy or process must not hold up every other review; this
        # one stays due (its transaction rolled back) and is tried again on the next run.
        logger.exception("could not start the review of case %s", case_id)
        return 0


@transaction.atomic
def _start_review(case_id: int, today: date) -> int:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("household", "region")
        .filter(pk=case_id, status=CaseStatus.ACTIVE, next_review_on__lte=today)
        .first()
    )
    if case is None or case.next_review_on is None:
        return 0
    # Messages (the check centre's report) go to a case's one running instance: a review
    # waits until whatever else runs on the case has finished.
    if ProcessInstance.objects.filter(case_id=case.pk, status=InstanceStatus.RUNNING).exists():
        return 0
    due_on = case.next_review_on
    following = next_review_date(case, due_on)
    if following <= today:
        # The job did not run for a whole cycle: restart the rhythm from today.
        following = next_review_date(case, today)
    moved = Case.objects.filter(pk=case.pk, next_review_on=due_on).update(next_review_on=following)
    if moved != 1:
        return 0
    case.next_review_on = following
    audit.record(
        "case.review_due",
        actor=None,
        role="system",
        region_id=case.region_id,
        case_id=case.pk,
        payload={
            "review_class": case.review_class,
            "due_on": due_on.isoformat(),
            "next_review_on": following.isoformat(),
        },
    )
    runtime.start(
        PROCESS_KEY,
        case_id=case.pk,
        region_id=case.region_id,
        actor=None,
        role="system",
        data=review_data(case, due_on),
    )
    return 1


def review_data(case: Case, due_on: date) -> dict[str, Any]:
    """What the review starts with: the case's data as for an application, plus its benefit."""
    return {
        **process_data(case),
        "current_amount": str(case.monthly_amount if case.monthly_amount is not None else "0.00"),
        "review_class": case.review_class,
        "review_due_on": due_on.isoformat(),
        "next_review_on": case.next_review_on.isoformat() if case.next_review_on else None,
    }


# ---------------------------------------------------------------- the check centre's report


def running_review(case: Case) -> ProcessInstance | None:
    return (
        ProcessInstance.objects.filter(
            case=case, status=InstanceStatus.RUNNING, definition__key=PROCESS_KEY
        )
        .order_by("-pk")
        .first()
    )


@atomic_with_incidents
def do_record_review_check(
    case: Case,
    *,
    actor: User,
    eligible: bool,
    changed: bool,
    report_no: str,
    reasons: str = "",
) -> ProcessInstance:
    """The check centre's report for a review: like the application's, saying if anything changed.

    A change in income, property or members sends the household to a new home investigation.
    """
    access.require_role_in_region(actor, case.region, {"county_checker"})
    if running_review(case) is None:
        raise ActionError(_("This case is not under review."), case=case)
    return send_review_check(
        case,
        actor=actor,
        role="county_checker",
        eligible=eligible,
        changed=changed,
        report_no=report_no,
        reasons=reasons,
    )


def send_review_check(
    case: Case,
    *,
    actor: User,
    role: str,
    eligible: bool,
    changed: bool,
    report_no: str,
    reasons: str = "",
    instance_id: int | None = None,
) -> ProcessInstance:
    """Deliver a review's check report; the caller has checked who sends it (the checker's
    action above, or `exchanges.checks` for the centre's system)."""
    if (not eligible or changed) and len(reasons.strip()) < 2:
        raise ActionError(_("Describe what changed or why the household no longer qualifies."))
    payload = {
        "result": "eligible" if eligible else "ineligible",
        "changed": changed,
        "report_no": report_no,
        "reasons": reasons,
    }
    return runtime.send_message(
        case.pk, "check_result", payload, actor=actor, role=role, instance_id=instance_id
    )


# ---------------------------------------------------------------- helper for the diagram


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(_CENT) if amount.is_finite() and amount >= 0 else None


def review_settlement(
    decision: str, current_amount: Any, proposed_amount: Any, entered_amount: Any = None
) -> dict[str, str]:
    """The amount a review decision leads to, or why the decision does not fit the amounts.

    result: continue / increase / decrease / exit, or "invalid" with a problem code that
    sends the decision back to the reviewer. A recalculated amount of 0 allows only exit.
    """
    current = _amount(current_amount) or Decimal("0.00")
    proposed = _amount(proposed_amount)
    entered = _amount(entered_amount)

    def invalid(problem: str) -> dict[str, str]:
        return {"result": "invalid", "monthly_amount": str(current), "problem": problem}

    if decision == "exit":
        return {"result": "exit", "monthly_amount": "0.00", "problem": ""}
    if proposed is None:
        return invalid("no_recalculated_amount")
    if proposed == 0 and entered is None:
        return invalid("recalculated_amount_is_zero")
    if decision == "continue":
        return {"result": "continue", "monthly_amount": str(current), "problem": ""}
    new = entered if entered is not None else proposed
    if decision == "increase" and new <= current:
        return invalid("not_an_increase")
    if decision == "decrease" and not Decimal("0") < new < current:
        return invalid("not_a_decrease")
    if decision not in ("increase", "decrease"):
        return invalid("unknown_decision")
    return {"result": decision, "monthly_amount": str(new), "problem": ""}


registry.register_helper("review_settlement", review_settlement)


# ---------------------------------------------------------------- outcome


def apply_review_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    """A finished review: the new amount on an active case, or the exit process started."""
    outcome = str(data.get("outcome", ""))
    decided_on = str(data.get("decided_on") or clock.today().isoformat())
    details = dict(case.details)
    details["last_review_on"] = decided_on
    details["last_review_result"] = str(data.get("review_result", outcome))
    case.details = details
    if outcome == "reviewed":
        case.monthly_amount = Decimal(str(data["new_monthly_amount"]))
        case.status = CaseStatus.ACTIVE
        return ["details", "monthly_amount", "status"]
    if outcome == "exit":
        # The review does not end the case itself: the exit process gives the written notice
        # with the remedies, the termination notice, the gradual exit or extension, the stop.
        from assistance.processes.exit import start_exit_from_review

        start_exit_from_review(
            case,
            reason=str(data.get("exit_reason") or "income_above_standard"),
            reasons=str(data.get("exit_reasons", "")),
        )
        return ["details"]
    raise ValueError(f"the review ended without a known outcome (got {outcome!r})")


register_outcome_handler(PROCESS_KEY, apply_review_outcome)


# ---------------------------------------------------------------- demo


# (applicant, wage, how far the review gets)
DEMO_REVIEWS = [
    ("钱守义", "300.00", "check"),
    ("冯玉珍", "200.00", "investigate"),
    ("蒋大山", "450.00", "decide"),
    ("韩秋菊", "150.00", "confirm"),
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    """Reviews in every stage: waiting for the check, investigating, deciding, confirming."""
    village = regions["431102001001"]
    now = clock.now()
    try:
        for index, (name, wage, stage) in enumerate(DEMO_REVIEWS):
            # Approved a little over a year ago, class A: the yearly review fell due last month.
            clock.set(now - timedelta(days=400, minutes=len(DEMO_REVIEWS) - index))
            case = _demo_active_case(users, village, index, name, wage)
            do_classify(case, actor=users["reviewer"], review_class="A")
            clock.set(now - timedelta(days=3, minutes=len(DEMO_REVIEWS) - index))
            _start_review(case.pk, clock.today())
            _demo_review_steps(users, case, stage)
    finally:
        clock.reset()


def _demo_active_case(
    users: Mapping[str, User], village: Region, index: int, name: str, wage: str
) -> Case:
    people = [
        actions.MemberData(
            name=name if position == 0 else f"{name[0]}家成员{position}",
            resident_id=make_resident_id(
                "431102", date(1958 + position * 20, 2 + index, 11), 90 + position, "M"
            ),
            relation="self" if position == 0 else "family",
            is_applicant=position == 0,
            incomes=[("wage", Decimal(wage))] if position == 0 else [],
        )
        for position in range(2)
    ]
    application = actions.ApplicationData(
        region_id=village.pk, address=f"东村{index + 11}组", hukou="rural", members=people
    )
    case = actions.do_apply(application, actor=users["clerk"])
    _demo_complete(users, case, "clerk", "acceptance", acceptance_decision="complete")
    case.refresh_from_db()
    actions.do_record_check_result(
        case, actor=users["checker"], eligible=True, report_no=f"HD-{case.pk:05d}"
    )
    _demo_investigate(users, case)
    _demo_complete(users, case, "reviewer", "opinion", opinion="approve")
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    _demo_complete(users, case, "approver", "county_confirm", decision="approve")
    case.refresh_from_db()
    return case


def _demo_review_steps(users: Mapping[str, User], case: Case, stage: str) -> None:
    if stage == "check":
        return
    case.refresh_from_db()
    do_record_review_check(
        case,
        actor=users["checker"],
        eligible=True,
        changed=stage == "investigate",
        reasons="家庭成员新增就业收入" if stage == "investigate" else "",
        report_no=f"FH-{case.pk:05d}",
    )
    if stage == "confirm":
        _demo_complete(
            users,
            case,
            "reviewer",
            "decide",
            review_decision="decrease",
            new_amount=500,
            decision_reasons="家庭收入增加，减发保障金。",
        )


def _demo_investigate(users: Mapping[str, User], case: Case) -> None:
    _demo_complete(
        users,
        case,
        "investigator",
        "investigate",
        visited_on=clock.today().isoformat(),
        findings="入户核实，家庭困难情况属实。",
        matches_declaration=True,
    )
    _demo_complete(users, case, "investigator2", "cosign", cosign_agrees=True)


def _demo_complete(
    users: Mapping[str, User], case: Case, username: str, spec_name: str, **data: object
) -> None:
    from assistance.demo import complete_step

    complete_step(users, case, username, spec_name, **data)
