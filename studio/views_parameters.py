"""Policy parameters: the regions, one region's values in force and their history, a
proposed change with what it does to cases, and the four-eyes review of it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance.actions import ActionError
from engine.clock import clock
from portal.http import AuthedRequest
from studio import parameters
from studio.access import require_studio
from studio.actions import (
    do_approve_policy_change,
    do_propose_policy_change,
    do_return_policy_change,
    do_withdraw_policy_change,
)
from studio.models import PolicyChangeStatus


@login_required
@require_GET
def region_list(request: AuthedRequest) -> HttpResponse:
    require_studio(request.user)
    context = {
        "rows": parameters.region_rows(request.user),
        "pending": parameters.pending_changes(request.user),
    }
    return render(request, "studio/parameters.html", context)


@login_required
@require_GET
def region(request: AuthedRequest, code: str) -> HttpResponse:
    found = parameters.get_region_for_user(request.user, code)
    page = parameters.region_page(found, clock.today())
    return render(request, "studio/parameters_region.html", {"page": page, "today": clock.today()})


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: AuthedRequest, code: str) -> HttpResponse:
    """GET: the form. POST "check": the same form with the checks' messages, or the change
    and its effect on cases. POST "submit": propose it for review."""
    found = parameters.get_region_for_user(request.user, code)
    today = clock.today()
    context: dict[str, Any] = {"page": parameters.region_page(found, today), "today": today}
    if request.method == "GET":
        form = parameters.ParameterChangeForm(
            initial={"effective_from": parameters.first_of_next_month(today)}
        )
        return _propose_page(request, context, form)
    form = parameters.ParameterChangeForm(request.POST)
    if form.is_valid():
        values = form.values()
        lowers = form.cleaned_data["lowers_standard"]
        reason = form.cleaned_data["override_reason"]
        effective_from = form.cleaned_data["effective_from"]
        try:
            if "submit" in request.POST:
                change = do_propose_policy_change(
                    found.pk,
                    values,
                    effective_from,
                    form.cleaned_data["note"],
                    actor=request.user,
                    lowers_standard=lowers,
                    override_reason=reason,
                )
                messages.success(
                    request,
                    _("Change proposed. Another policy staff member reviews it before it applies."),
                )
                return redirect("studio:parameter-change", change.pk)
            valid = parameters.validate_change(
                found,
                effective_from,
                values,
                lowers_standard=lowers,
                override_reason=reason,
                today=today,
            )
        except parameters.ChangeInvalid as exc:
            form.add_change_errors(exc.errors)
        except ActionError as exc:
            messages.error(request, str(exc))
        else:
            context["diff"] = parameters.diff_rows(valid.values, valid.previous)
            context["impact"] = parameters.impact(found, effective_from, list(valid.values))
    return _propose_page(request, context, form)


def _propose_page(
    request: AuthedRequest, context: dict[str, Any], form: parameters.ParameterChangeForm
) -> HttpResponse:
    inputs = form.inputs(context["page"].rows)
    return render(
        request, "studio/parameters_propose.html", {**context, "form": form, "inputs": inputs}
    )


@login_required
@require_GET
def change(request: AuthedRequest, change_id: int) -> HttpResponse:
    found = parameters.get_policy_change_for_user(request.user, change_id)
    waiting = found.status == PolicyChangeStatus.SUBMITTED
    context = {
        "change": found,
        "author": parameters.person(found.author),
        "reviewer": parameters.person(found.reviewer),
        "diff": parameters.diff_rows(found.values, found.previous),
        "waiting": waiting,
        "mine": found.author_id == request.user.pk,
        "today": clock.today(),
        # What the change does to cases is worth telling while it can still be decided.
        "impact": parameters.impact(found.region, found.effective_from, list(found.values))
        if waiting
        else None,
    }
    return render(request, "studio/parameters_change.html", context)


@login_required
@require_POST
def approve(request: AuthedRequest, change_id: int) -> HttpResponse:
    found = parameters.get_policy_change_for_user(request.user, change_id)
    try:
        do_approve_policy_change(
            found.pk, actor=request.user, note=request.POST.get("note", "")[:2000]
        )
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Approved: the new values apply in %(region)s from %(day)s.")
            % {"region": found.region.name, "day": found.effective_from.isoformat()},
        )
    return redirect("studio:parameter-change", found.pk)


@login_required
@require_POST
def send_back(request: AuthedRequest, change_id: int) -> HttpResponse:
    found = parameters.get_policy_change_for_user(request.user, change_id)
    try:
        do_return_policy_change(found.pk, request.POST.get("note", "")[:2000], actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Sent back to its author."))
    return redirect("studio:parameter-change", found.pk)


@login_required
@require_POST
def withdraw(request: AuthedRequest, change_id: int) -> HttpResponse:
    found = parameters.get_policy_change_for_user(request.user, change_id)
    try:
        do_withdraw_policy_change(found.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Change withdrawn."))
    return redirect("studio:region-parameters", found.region.code)
