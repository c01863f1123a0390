"""The payments officer's pages: rosters (list, build, detail with progress, approve,
export, import of the bank's results) and a case's bank account. Views are thin: access
helper, form, one do_*, message, redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance.actions import ActionError
from payments import access, actions, queries
from payments.forms import AccountForm, BuildForm, ResultsForm
from payments.models import (
    ExclusionReason,
    LineKind,
    LineStatus,
    Roster,
    RosterStatus,
)
from portal.http import AuthedRequest


def _counties(request: AuthedRequest) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in access.counties_for_user(request.user)]


@login_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    access.require_payments_page(request.user)
    rosters = queries.roster_list(access.rosters_for_user(request.user))
    counties = _counties(request)
    context = {
        "rosters": rosters,
        "form": BuildForm(counties=counties) if counties else None,
        "acts": access.acts_on_rosters(request.user),
    }
    return render(request, "payments/home.html", context)


@login_required
@require_POST
def roster_build(request: AuthedRequest) -> HttpResponse:
    access.require_payments_page(request.user)
    if not access.acts_on_rosters(request.user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Your role may not build rosters.")
    counties = _counties(request)
    form = BuildForm(request.POST, counties=counties)
    if form.is_valid():
        try:
            roster = actions.do_build_roster(
                form.cleaned_data["county"], form.cleaned_data["month"], actor=request.user
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The roster is being built."))
            return redirect("payments:roster", roster_id=roster.pk)
    rosters = queries.roster_list(access.rosters_for_user(request.user))
    context = {"rosters": rosters, "form": form, "acts": True}
    return render(request, "payments/home.html", context, status=400)


def _detail_context(request: AuthedRequest, roster: Roster) -> dict[str, Any]:
    built = roster.status != RosterStatus.BUILDING
    context: dict[str, Any] = {
        "roster": roster,
        "acts": access.acts_on_rosters(request.user),
        "built": built,
        "results_form": ResultsForm(),
        "statuses": RosterStatus,
    }
    if built:
        params = request.GET
        context.update(
            totals=queries.totals(roster),
            page=queries.lines_page(roster, params),
            exclusions=queries.exclusions(roster),
            townships=queries.townships_of_roster(roster),
            filters=queries.line_filters(roster, params),
            kinds=LineKind.choices,
            line_statuses=LineStatus.choices,
            reasons=dict(ExclusionReason.choices),
            query=_query_without_page(request),
        )
    return context


@login_required
@require_GET
def roster_detail(request: AuthedRequest, roster_id: int) -> HttpResponse:
    roster = access.get_roster_for_user(request.user, roster_id, to_act=False)
    context = _detail_context(request, roster)
    if not access.acts_on_rosters(request.user):
        page = context.get("page")
        actions.do_record_roster_read(
            roster.pk, actor=request.user, page=page.number if page is not None else None
        )
    return render(request, "payments/roster.html", context)


@login_required
@require_GET
def roster_progress(request: AuthedRequest, roster_id: int) -> JsonResponse:
    roster = access.get_roster_for_user(request.user, roster_id, to_act=False)
    return JsonResponse(
        {
            "status": roster.status,
            "done": roster.progress_done,
            "total": roster.progress_total,
            "building": roster.status == RosterStatus.BUILDING,
        }
    )


@login_required
@require_POST
def roster_approve(request: AuthedRequest, roster_id: int) -> HttpResponse:
    roster = access.get_roster_for_user(request.user, roster_id, to_act=True)
    try:
        actions.do_approve_roster(roster.pk, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return _detail_page(request, roster, status=400)
    messages.success(request, _("Your approval is recorded."))
    return redirect("payments:roster", roster_id=roster.pk)


@login_required
@require_POST
def roster_export(request: AuthedRequest, roster_id: int, fmt: str) -> HttpResponse | FileResponse:
    roster = access.get_roster_for_user(request.user, roster_id, to_act=True)
    try:
        result = actions.do_export_roster(roster.pk, fmt, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return _detail_page(request, roster, status=400)
    return FileResponse(
        result.file, as_attachment=True, filename=result.filename, content_type=result.content_type
    )


@login_required
@require_POST
def roster_import(request: AuthedRequest, roster_id: int) -> HttpResponse:
    roster = access.get_roster_for_user(request.user, roster_id, to_act=True)
    form = ResultsForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["results"]
        from django.conf import settings

        if upload.size > settings.PAYMENTS_RESULTS_MAX_BYTES:
            errors = [_("The file is too large.")]
        else:
            try:
                report = actions.do_import_results(
                    roster.pk, upload.name, upload.read(), actor=request.user
                )
            except ActionError as exc:
                errors = [str(exc)]
            else:
                errors = report.errors
                if not errors:
                    messages.success(
                        request,
                        _(
                            "Results imported: %(paid)s paid, %(failed)s failed; "
                            "%(tasks)s tasks for the township clerks."
                        )
                        % {
                            "paid": report.paid,
                            "failed": report.failed,
                            "tasks": report.tasks_started,
                        },
                    )
                    return redirect("payments:roster", roster_id=roster.pk)
    context = _detail_context(request, roster)
    context.update(results_form=form, import_errors=errors)
    return render(request, "payments/roster.html", context, status=400)


def _detail_page(request: AuthedRequest, roster: Roster, *, status: int) -> HttpResponse:
    roster.refresh_from_db()
    return render(request, "payments/roster.html", _detail_context(request, roster), status=status)


def _query_without_page(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@require_http_methods(["GET", "POST"])
def case_account(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access.get_case_account_for_user(request.user, case_id, to_act=request.method == "POST")
    may_edit = access.may_record_account(request.user, case)
    failed = queries.failed_payments(case)
    initial = {"payee_name": case.payee_name, "bank_name": case.bank_name}
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_bank_account(
                case.pk,
                actor=request.user,
                payee_name=form.cleaned_data["payee_name"],
                bank_name=form.cleaned_data["bank_name"],
                card_number=form.cleaned_data["bank_card"],
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The bank account is recorded."))
            return redirect("case", case_id=case.pk)
    context = {"case": case, "form": form, "may_edit": may_edit, "failed": failed}
    status = 400 if request.method == "POST" else 200
    return render(request, "payments/account.html", context, status=status)
