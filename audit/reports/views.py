"""Abuse report pages: the list of rules, one rule per township and its cases, the workbook.

Auditors only, inside their jurisdiction; anyone else gets the 404 of a missing page. Every
view is recorded in the audit trail (audit.report_viewed, audit.exported).
"""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from audit.access import require_auditor
from audit.reports import Rule, all_rules, get_rule, queries
from audit.reports.actions import do_record_report_export, do_record_report_view
from audit.reports.export import XLSX_TYPE, case_path, workbook_bytes
from engine.clock import clock
from portal.http import AuthedRequest


def _unavailable(request: AuthedRequest) -> HttpResponse:
    """The reports are PostgreSQL queries: the embedded SQLite demo says so instead."""
    return render(request, "audit/reports/unavailable.html")


def _rule(code: str) -> Rule:
    rule = get_rule(code)
    if rule is None:
        raise Http404("No such report.")
    return rule


def _township(request: AuthedRequest, scope: queries.Scope) -> int | None:
    """The township filter: None for all; 404 outside the jurisdiction; ValueError if bad."""
    raw = request.GET.get("township", "")
    if not raw:
        return None
    township_id = int(raw)
    if scope.township(township_id) is None:
        raise Http404("No such township.")
    return township_id


@login_required
@require_GET
def report_list(request: AuthedRequest) -> HttpResponse:
    require_auditor(request.user)
    if not queries.available():
        return _unavailable(request)
    scope = queries.scope_for(request.user, clock.today())
    rows = [
        (rule, sum(count.cases for count in queries.township_counts(rule, scope)))
        for rule in all_rules()
    ]
    do_record_report_view(actor=request.user, report="", cases=sum(n for _rule, n in rows))
    return render(request, "audit/reports/list.html", {"rows": rows, "today": scope.today})


@login_required
@require_GET
def report_detail(request: AuthedRequest, code: str) -> HttpResponse:
    require_auditor(request.user)
    rule = _rule(code)
    if not queries.available():
        return _unavailable(request)
    scope = queries.scope_for(request.user, clock.today())
    try:
        township_id = _township(request, scope)
    except ValueError:
        return HttpResponseBadRequest(_("No such township."))
    with queries.run(rule, scope) as report:
        counts = report.counts()
        grand_total = sum(count.cases for count in counts)
        if township_id is None:
            total = grand_total
        else:
            total = next((c.cases for c in counts if c.township.id == township_id), 0)
        pages = max(1, math.ceil(total / queries.PAGE_SIZE))
        try:
            page = min(max(1, int(request.GET.get("page", "1"))), pages)
        except ValueError:
            page = 1
        findings = report.page(township_id, page) if total else []
    do_record_report_view(
        actor=request.user, report=rule.code, township=township_id, page=page, cases=total
    )
    context = {
        "rule": rule,
        "counts": counts,
        "total": total,
        "grand_total": grand_total,
        "township": scope.places[township_id] if township_id is not None else None,
        "findings": [(finding, case_path(finding.case_id)) for finding in findings],
        "page": page,
        "pages": pages,
        "today": scope.today,
    }
    return render(request, "audit/reports/report.html", context)


@login_required
@require_GET
def report_export(request: AuthedRequest, code: str) -> HttpResponse:
    require_auditor(request.user)
    rule = _rule(code)
    if not queries.available():
        return _unavailable(request)
    scope = queries.scope_for(request.user, clock.today())
    try:
        township_id = _township(request, scope)
    except ValueError:
        return HttpResponseBadRequest(_("No such township."))
    place = scope.places[township_id] if township_id is not None else None
    separator = pgettext("list separator", ", ")
    about = [
        (_("Township"), place.name if place is not None else _("All townships")),
        (_("Jurisdiction"), separator.join(_jurisdiction_names(scope))),
        (_("As of"), scope.today.isoformat()),
        (_("Exported by"), request.user.get_username()),
        (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    with queries.run(rule, scope) as report:
        counts = report.counts()
        if township_id is not None:
            counts = [count for count in counts if count.township.id == township_id]
        body, written = workbook_bytes(
            rule,
            report.all(township_id),
            counts,
            about=about,
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
    do_record_report_export(
        actor=request.user, report=rule.code, township=township_id, rows=written
    )
    response = HttpResponse(body, content_type=XLSX_TYPE)
    filename = f"report-{rule.code}-{scope.today.isoformat()}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def _jurisdiction_names(scope: queries.Scope) -> list[str]:
    """The regions granted to the auditor (the tops of their jurisdiction)."""
    inside = set(scope.region_ids)
    names = []
    for pk in scope.region_ids:
        ids = [int(part) for part in scope.places[pk].path.strip("/").split("/")]
        if len(ids) < 2 or ids[-2] not in inside:
            names.append(scope.places[pk].name)
    return sorted(names)
