"""The auditor's home and the search across cases and people, with its exports.

Read-only and scoped: an auditor sees the cases of their jurisdiction (a county auditor the
county, a province auditor everything); to anyone else these pages do not exist (404).
Every search and every export is recorded in the audit trail (`do_record_read`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assistance.models import StaffProfile
from audit import exports, queries
from audit.access import require_auditor
from audit.actions import do_record_read
from engine.clock import clock
from portal.http import AuthedRequest


@login_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    require_auditor(request.user)
    scope = queries.scope_for(request.user)
    context = {"scope": scope, "counts": queries.counts(request.user)}
    return render(request, "audit/home.html", context)


def _search_form(request: AuthedRequest) -> queries.CaseSearchForm:
    """The filters of the query string; none given lists every case in scope."""
    scope = queries.scope_for(request.user)
    return queries.CaseSearchForm(request.GET, scope=scope, stages=queries.stages_for(request.user))


@login_required
@require_GET
def search(request: AuthedRequest) -> HttpResponse:
    require_auditor(request.user)
    form = _search_form(request)
    context: dict[str, Any] = {"form": form, "page": None, "query": _query_without_page(request)}
    if form.is_valid():
        cases = queries.search(request.user, form.cleaned_data, form.scope)
        page = queries.page_of(cases, request.GET.get("page"))
        do_record_read(
            None,
            "audit.searched",
            actor=request.user,
            filters=form.filters(),
            found=page.paginator.count,
            page=page.number,
        )
        context.update(page=page, export_limit=exports.EXPORT_LIMIT)
    status = 200 if form.is_valid() else 400
    return render(request, "audit/search.html", context, status=status)


@login_required
@require_GET
def search_export(request: AuthedRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The search's cases with the same filters, as XLSX or CSV: resident IDs in full, at
    most EXPORT_LIMIT rows, the export on the record before a byte leaves."""
    require_auditor(request.user)
    form = _search_form(request)
    if not form.is_valid():
        context = {"form": form, "page": None, "query": _query_without_page(request)}
        return render(request, "audit/search.html", context, status=400)
    cases = queries.search(request.user, form.cleaned_data, form.scope)
    filters = form.filters()
    now = clock.now()
    about = [
        (_("Exported by"), _staff_name(request.user)),
        (_("Exported at"), now),
        (_("Jurisdiction"), form.scope.label),
        *((str(form.fields[name].label), value) for name, value in filters.items()),
    ]
    return exports.audited_export(
        request.user,
        fmt,
        _("case-list") + f"-{timezone.localtime(now):%Y%m%d-%H%M}",
        [str(header) for header in queries.EXPORT_HEADERS],
        queries.export_rows(cases, exports.EXPORT_LIMIT),
        listing="search",
        count=cases.count(),
        limit=exports.EXPORT_LIMIT,
        sheet_title=_("Cases"),
        about=about,
        filters=filters,
    )


def _staff_name(user: User) -> str:
    profile = StaffProfile.objects.filter(user=user).values_list("full_name", flat=True).first()
    return f"{profile} ({user.get_username()})" if profile else user.get_username()


def _query_without_page(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
