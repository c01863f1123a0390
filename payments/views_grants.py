"""Batch grants pages: the list, a new relocation import, a new price-linked subsidy, a batch
(its preview, submit, approve or return, and the grants it made)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance import access
from assistance.actions import ActionError
from assistance.models import AssistanceType
from engine.clock import clock
from payments import grants
from payments.actions_grants import (
    do_approve_batch,
    do_continue_granting,
    do_import_relocation_list,
    do_return_batch,
    do_select_price_subsidy,
    do_submit_batch,
    may_continue,
)
from payments.forms_grants import DecisionForm, PriceSubsidyForm, RelocationImportForm
from payments.models import BatchStatus, GrantBatch, GrantKind
from portal.http import AuthedRequest

ROWS_PER_PAGE = 100


@login_required
@require_GET
def batch_list(request: AuthedRequest) -> HttpResponse:
    if not grants.counties_for_user(request.user):
        raise Http404("No such page.")
    page = Paginator(grants.batch_list(request.user), 50).get_page(request.GET.get("page"))
    context = {"page": page, "prepares": bool(grants.preparing_counties(request.user))}
    return render(request, "payments/grants/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_relocation(request: AuthedRequest) -> HttpResponse:
    grants.require_write_access(request.user)
    counties = grants.preparing_counties(request.user)
    form = RelocationImportForm(request.POST or None, request.FILES or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["source"]
        try:
            batch = do_import_relocation_list(
                form.cleaned_data["county"].pk,
                actor=request.user,
                file_name=upload.name or "",
                data=upload.read(),
                title=form.cleaned_data["title"],
            )
        except ActionError as exc:
            form.add_error("source", str(exc))
        else:
            messages.success(request, _("List read: check the preview, then submit it."))
            return redirect("payments:grant-batch", batch.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "payments/grants/new_relocation.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def new_price_subsidy(request: AuthedRequest) -> HttpResponse:
    grants.require_write_access(request.user)
    counties = grants.preparing_counties(request.user)
    today = clock.today()
    initial = {
        "types": list(grants.DEFAULT_SUBSIDY_TYPES),
        "as_of": today,
        "per": grants.PER_PERSON,
        "month": f"{grants.first_of_next_month(today):%Y-%m}",
    }
    form = PriceSubsidyForm(request.POST or None, initial=initial, counties=counties, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            batch = do_select_price_subsidy(
                form.cleaned_data["county"].pk,
                form.subsidy_class(),
                actor=request.user,
                title=form.cleaned_data["title"],
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Recipients chosen: check the preview, then submit it."))
            return redirect("payments:grant-batch", batch.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "payments/grants/new_price_subsidy.html", {"form": form}, status=status)


@login_required
@require_GET
def batch(request: AuthedRequest, batch_id: int) -> HttpResponse:
    found = grants.get_batch_for_user(request.user, batch_id)
    user = request.user
    acting = set(access.acting_roles(user))
    show = request.GET.get("show", "")
    rows = found.rows
    if show == "excluded":
        rows = [row for row in rows if not row.get("ok")]
    elif show == "kept":
        rows = [row for row in rows if row.get("ok")]
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    shown = grants.display_rows(
        page.object_list,
        full_ids=access.sees_full_ids(user),
        cases=grants.cases_of(found, page.object_list)
        if found.status in (BatchStatus.APPROVED, BatchStatus.GRANTING)
        else None,
    )
    submitted = found.status == BatchStatus.SUBMITTED
    context: dict[str, Any] = {
        "batch": found,
        "relocation": found.kind == GrantKind.RELOCATION,
        "criteria": _criteria(found),
        "totals": grants.totals(found),
        "page": page,
        "rows": shown,
        "show": show,
        "created_by": grants.person(found.created_by),
        "decided_by": grants.person(found.decided_by),
        "may_submit": found.status == BatchStatus.DRAFT
        and found.created_by_id == user.pk
        and bool(grants.PREPARE_ROLES & acting),
        "may_decide": submitted
        and found.created_by_id != user.pk
        and bool(grants.APPROVE_ROLES & acting),
        "own_waiting": submitted and found.created_by_id == user.pk,
        "decision_form": DecisionForm(),
        "same_file": grants.same_file_batch(found),
        "type_labels": dict(AssistanceType.choices),
        "grant_count": found.grants.count() if found.status == BatchStatus.APPROVED else 0,
        "may_continue": may_continue(found)
        and bool((grants.APPROVE_ROLES | grants.PREPARE_ROLES) & acting),
        "progress_url": reverse("payments:grant-progress", args=[found.pk]),
    }
    return render(request, "payments/grants/batch.html", context)


def progress_data(found: GrantBatch) -> dict[str, Any]:
    """What the batch page's poll (payments/grants_progress.js) shows while granting."""
    return {
        "status": found.status,
        "status_label": str(found.get_status_display()),
        "granting": found.granting,
        "done": found.job_done,
        "total": found.job_total,
        "error": found.job_error,
    }


@login_required
@require_GET
def progress(request: AuthedRequest, batch_id: int) -> JsonResponse:
    return JsonResponse(progress_data(grants.batch_progress_for_user(request.user, batch_id)))


def _criteria(found: Any) -> dict[str, Any]:
    if found.kind != GrantKind.PRICE_SUBSIDY:
        return {"per_person": found.criteria.get("per_person", "")}
    criteria = dict(found.criteria)
    labels = dict(AssistanceType.choices)
    criteria["type_names"] = [str(labels.get(code, code)) for code in criteria.get("types", [])]
    criteria["month_label"] = f"{date.fromisoformat(criteria['month']):%Y-%m}"
    return criteria


@login_required
@require_POST
def submit(request: AuthedRequest, batch_id: int) -> HttpResponse:
    found = grants.get_batch_for_user(request.user, batch_id)
    try:
        do_submit_batch(found.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Submitted: a county approver decides it."))
    return redirect("payments:grant-batch", found.pk)


@login_required
@require_POST
def approve(request: AuthedRequest, batch_id: int) -> HttpResponse:
    found = grants.get_batch_for_user(request.user, batch_id)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        done = do_approve_batch(found.pk, actor=request.user, note=note)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        # With eager Celery (the demo, no broker) the job has already run at the commit.
        after = GrantBatch.objects.only("status", "total_amount").get(pk=done.pk)
        if after.status == BatchStatus.APPROVED:
            text = _(
                "Approved: %(count)s grants, %(total)s yuan, paid with the roster of their month."
            )
            count = found.grants.count()
        else:
            text = _(
                "Approved: %(count)s grants, %(total)s yuan, being made now; they are paid "
                "with the roster of their month."
            )
            count = done.job_total
        messages.success(request, text % {"count": count, "total": after.total_amount})
    return redirect("payments:grant-batch", found.pk)


@login_required
@require_POST
def continue_granting(request: AuthedRequest, batch_id: int) -> HttpResponse:
    found = grants.get_batch_for_user(request.user, batch_id)
    try:
        do_continue_granting(found.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Continued: the rows not yet granted are being granted."))
    return redirect("payments:grant-batch", found.pk)


@login_required
@require_POST
def send_back(request: AuthedRequest, batch_id: int) -> HttpResponse:
    found = grants.get_batch_for_user(request.user, batch_id)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        do_return_batch(found.pk, note, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Returned to the person who prepared it."))
    return redirect("payments:grant-batch", found.pk)
