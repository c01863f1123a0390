"""The actions on a case page: exit, review class, reported change, check results, objection.

Each is offered only to a role that may take it, and only when the case can take it: the
messages a process waits for come from the engine (its projected `Wait` rows), never from
the stage label. Each view: access helper, form, one `do_*`, message, redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assistance import access, actions
from assistance.models import Case, CaseStatus
from assistance.processes import changes, review
from assistance.processes import exit as exits
from engine import incidents, runtime
from engine.models import InstanceStatus, ProcessInstance
from portal.case_action_forms import (
    ClassifyForm,
    ExitForm,
    ReclassifyForm,
    ReportChangeForm,
    ReviewCheckForm,
)
from portal.forms import CheckResultForm, ObjectionForm
from portal.http import AuthedRequest

CHECK_ROLES = {"county_checker"}
OBJECTION_ROLES = {"township_clerk", "village_clerk"}
# Refusals the person acting should read, from the domain or from the engine.
REFUSALS = (actions.ActionError, runtime.EngineError)
# What the sender of a message (a check result, an objection) reads when the process fails
# after it: the engine's own words are for policy staff, on the incident.
RECORD_HELD = gettext_lazy(
    "The process could not carry this through, so the case is held. Policy staff have been "
    "told; what you recorded is kept and will go through when they retry it, so there is no "
    "need to record it again."
)


# ---------------------------------------------------------------- what the case page offers


def _running(case: Case) -> ProcessInstance | None:
    # The instance a message would go to (runtime.send_message): the case's latest running one.
    return (
        ProcessInstance.objects.filter(case=case, status=InstanceStatus.RUNNING)
        .select_related("definition")
        .order_by("-pk")
        .first()
    )


def _waiting(instance: ProcessInstance | None) -> tuple[str, set[str]]:
    """The running process's key and the messages it waits for, as the engine projects them
    (`Wait` rows), so showing the page loads no workflow."""
    if instance is None:
        return "", set()
    names = {name for wait in instance.waits.all() for name in wait.messages.split(",")}
    return instance.definition.key, names


def _may_exit(roles: set[str], case: Case) -> bool:
    return bool(roles & exits.EXIT_ROLES) and case.status == CaseStatus.ACTIVE


def _may_classify(roles: set[str], case: Case) -> bool:
    return (
        bool(roles & review.CLASSIFY_ROLES)
        and case.assistance_type in review.REVIEWED_KINDS
        and case.status in (CaseStatus.IN_PROGRESS, CaseStatus.ACTIVE)
    )


def _change_form(user: User, case: Case, busy: bool) -> ReportChangeForm:
    return ReportChangeForm(
        changes=changes.changes_for_user(user, case, busy=busy),
        members=case.household.members.order_by("pk"),
    )


def case_actions_context(user: User, case: Case) -> dict[str, Any]:
    """The forms of portal/_case_actions.html; None for each action the user may not take."""
    roles = set(access.acting_roles(user))
    instance = _running(case) if roles else None
    key, waiting = _waiting(instance) if roles & (CHECK_ROLES | OBJECTION_ROLES) else ("", set())
    if waiting and instance is not None and incidents.held_message(case.pk, instance.pk):
        # A message held on an incident goes first (runtime.send_message refuses others).
        waiting = set()
    # One process at a time on a case (see do_start_exit).
    may_exit = _may_exit(roles, case) and instance is None
    classify = _may_classify(roles, case)
    change_form = _change_form(user, case, busy=instance is not None)
    checking = bool(roles & CHECK_ROLES) and "check_result" in waiting
    return {
        "exit_form": (
            ExitForm(reasons=exits.allowed_reasons(case.assistance_type)) if may_exit else None
        ),
        "classify_form": ClassifyForm() if classify and not case.review_class else None,
        "reclassify_form": (
            ReclassifyForm(initial={"review_class": case.review_class})
            if classify and case.review_class
            else None
        ),
        "change_form": change_form if change_form.fields["change"].choices else None,  # type: ignore[attr-defined]
        "review_check_form": ReviewCheckForm() if checking and key == review.PROCESS_KEY else None,
        "check_form": CheckResultForm() if checking and key != review.PROCESS_KEY else None,
        "objection_form": (
            ObjectionForm() if roles & OBJECTION_ROLES and "objection" in waiting else None
        ),
    }


# ---------------------------------------------------------------- the actions


def _case_for(request: AuthedRequest, case_id: int, roles: set[str]) -> Case:
    """404 outside jurisdiction or when recused; 403 for a role that may not act here."""
    case = access.get_case_for_user(request.user, case_id)
    access.require_role_in_region(request.user, case.region, roles)
    return case


def _refused(request: AuthedRequest, exc: Exception) -> None:
    if isinstance(exc, runtime.ProcessFailed) and exc.incident is not None:
        messages.warning(request, RECORD_HELD)
    else:
        messages.error(request, str(exc))


def _form_errors(request: AuthedRequest, form: Any) -> None:
    labels = {name: field.label for name, field in form.fields.items()}
    parts = [
        f"{labels[name]}：{'；'.join(errors)}" if name in labels else "；".join(errors)
        for name, errors in form.errors.items()
    ]
    messages.error(request, _("Please correct: %(errors)s") % {"errors": " ".join(parts)})


def _back(case: Case) -> HttpResponse:
    return redirect("case", case_id=case.pk)


@login_required
@require_POST
def case_exit(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case_for(request, case_id, exits.EXIT_ROLES)
    form = ExitForm(request.POST, reasons=exits.allowed_reasons(case.assistance_type))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        exits.do_start_exit(
            case, actor=request.user, reason=form.cleaned_data["reason"], details=form.details()
        )
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The exit was started."))
    return _back(case)


@login_required
@require_POST
def case_classify(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case_for(request, case_id, review.CLASSIFY_ROLES)
    form = ClassifyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        review.do_classify(case, actor=request.user, review_class=form.cleaned_data["review_class"])
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Classified as class %(cls)s; next review on %(day)s.")
            % {"cls": case.review_class, "day": case.next_review_on},
        )
    return _back(case)


@login_required
@require_POST
def case_reclassify(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case_for(request, case_id, review.CLASSIFY_ROLES)
    form = ReclassifyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        review.do_change_review_class(
            case,
            actor=request.user,
            review_class=form.cleaned_data["review_class"],
            reason=form.cleaned_data["reason"],
        )
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The class is now %(cls)s; next review on %(day)s.")
            % {"cls": case.review_class, "day": case.next_review_on},
        )
    return _back(case)


CHANGE_EFFECTS = {
    "review": gettext_lazy("The change was recorded; a review of the case has started."),
    "reassessment": gettext_lazy(
        "The change was recorded; the self-care re-assessment has started."
    ),
    "exit": gettext_lazy("The death was recorded; the exit of the case has started."),
    "recalculation": gettext_lazy(
        "The death was recorded; the amount is recalculated for the remaining members."
    ),
    "noted": gettext_lazy("The death was recorded on the exit already under way."),
    "held": gettext_lazy(
        "The death was recorded, but the exit under way could not carry it through, so the "
        "case is held. Policy staff have been told and will retry it."
    ),
    "recorded": gettext_lazy("The death was recorded; this case does not pay for that member."),
}


@login_required
@require_POST
def case_report_change(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_id)
    access.require_role_in_region(request.user, case.region, changes.reporting_roles(case))
    # Parsed against every change of the kind: which of them this role may report is the
    # action's to say (403), not a form error.
    form = ReportChangeForm(
        request.POST,
        changes=changes.kind_changes(case),
        members=case.household.members.order_by("pk"),
    )
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        reported = changes.do_report_change(
            case,
            actor=request.user,
            change=form.cleaned_data["change"],
            note=form.cleaned_data["note"],
            member=form.cleaned_data["member"],
            died_on=form.cleaned_data["died_on"],
        )
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        effect = str(CHANGE_EFFECTS[reported.effect])
        if reported.effect == "held":
            messages.warning(request, effect)
        else:
            messages.success(request, effect)
    return _back(case)


@login_required
@require_POST
def case_review_check(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case_for(request, case_id, CHECK_ROLES)
    form = ReviewCheckForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        review.do_record_review_check(case, actor=request.user, **form.cleaned_data)
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The review check was recorded."))
    return _back(case)


@login_required
@require_POST
def case_objection(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _case_for(request, case_id, OBJECTION_ROLES)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        actions.do_record_objection(case, actor=request.user, **form.cleaned_data)
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, _("The objection was recorded; the case goes back to investigation.")
        )
    return _back(case)
