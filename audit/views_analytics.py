"""Statutory-limit analytics for auditors: the page (tables), the JSON its charts and its
heatmap are drawn from, and the XLSX export. Read-only, within the auditor's jurisdiction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assistance import access
from assistance.models import Case, Region
from assistance.roles import ROLES
from audit import analytics
from audit.access import require_auditor
from audit.actions_analytics import EXPORTED, VIEWED, do_record_analytics_read
from audit.analytics_export import workbook
from audit.analytics_stages import PROCEDURES
from audit.forms_analytics import AnalyticsForm, Choice, defaults
from engine import runtime
from engine.clock import clock
from portal import workflow_text
from portal.http import AuthedRequest


@dataclass
class Request:
    """A checked choice with everything the pages compute from."""

    form: AnalyticsForm
    choice: Choice | None
    scope: analytics.Scope
    cases: QuerySet[Case]
    lineage: list[int]
    today: date


def _read(request: AuthedRequest) -> Request:
    """404 for a region outside the auditor's jurisdiction; an invalid choice leaves
    `choice` None (the page says what is wrong)."""
    user = request.user
    require_auditor(user)
    today = clock.today()
    regions = list(access.regions_for_user(user).order_by("code"))
    paths = access.jurisdiction_paths(user)
    # The regions granted that no other grant of the user contains.
    roots = [
        region
        for region in regions
        if region.path in paths
        and not any(path != region.path and region.path.startswith(path) for path in paths)
    ]
    root_name = roots[0].name if len(roots) == 1 else _("All regions in your jurisdiction")
    total = analytics.scope_for(regions, root_name, roots[0].pk if len(roots) == 1 else None)
    by_id = {region.pk: region for region in regions}
    choosable = [by_id[unit.region_id] for unit in total.units[1:] if unit.region_id is not None]
    data = request.GET.copy()
    for name, value in defaults(today).items():
        if not data.get(name):
            data[name] = value
    raw_region = data.get("region", "")
    if raw_region.isdigit():
        if total.units[0].region_id == int(raw_region):
            data.pop("region")  # the whole jurisdiction, chosen by its name
        elif not any(region.pk == int(raw_region) for region in choosable):
            raise Http404("No such region.")
    form = AnalyticsForm(data, regions=choosable, root_label=root_name, today=today)
    choice = form.choice() if form.is_valid() else None
    chosen: Region | None = choice.region if choice else None
    if chosen is not None:
        inside = [region for region in regions if region.path.startswith(chosen.path)]
        scope = analytics.scope_for(inside, chosen.name, chosen.pk)
        lineage = chosen.ancestor_ids()
    else:
        scope = total
        lineage = roots[0].ancestor_ids() if len(roots) == 1 else []
    cases = access.cases_for_user(user)
    if choice is not None:
        cases = cases.filter(assistance_type=choice.kind)
        if chosen is not None:
            cases = cases.filter(region__path__startswith=chosen.path)
    return Request(form, choice, scope, cases, lineage, today)


def _analysis(read: Request, choice: Choice) -> analytics.Analysis:
    return analytics.analyse(
        read.cases, read.scope, choice.kind, choice.first, choice.last, read.today
    )


def _heatmap(read: Request, choice: Choice) -> analytics.Heatmap | None:
    """None while no version of the kind's process is deployed."""
    try:
        return analytics.heatmap(
            read.cases, choice.kind, read.lineage, choice.first, choice.last, read.today
        )
    except runtime.NotFound:
        return None


# ---------------------------------------------------------------- presenting figures


def days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".removesuffix(".0")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class Row:
    """One line of a table: a stage, a region or a month, with its figures as shown."""

    key: str
    label: str
    sample: analytics.Sample
    limit: str = ""
    level: str = ""
    has_limit: bool = True

    @property
    def cells(self) -> dict[str, Any]:
        sample = self.sample
        limited = self.has_limit
        return {
            "count": sample.count,
            "median": days(sample.median),
            "p90": days(sample.p90),
            "overdue": sample.overdue if limited else "—",
            "rate": percent(sample.overdue_rate) if limited else "—",
            "open": sample.open,
            "open_overdue": sample.open_overdue if limited else "—",
            "limit": (self.limit or sample.limit or "—") if limited else "—",
        }

    @property
    def late(self) -> bool:
        return bool(self.has_limit and (self.sample.overdue or self.sample.open_overdue))

    @property
    def finished_late(self) -> bool:
        return bool(self.has_limit and self.sample.overdue)

    @property
    def open_late(self) -> bool:
        return bool(self.has_limit and self.sample.open_overdue)


def _current_limits(read: Request, choice: Choice) -> dict[str, str]:
    """The limits in force today where the auditor looks (for stages with no stay yet)."""
    if not read.lineage:
        return {}
    limits = analytics.Limits(
        [region for region in read.scope.regions if region.pk == read.lineage[-1]]
    )
    procedure = PROCEDURES[choice.kind]
    found = {}
    for stage in procedure.stages:
        value = limits.limit(stage.limit, read.lineage[-1], read.today)
        if value is not None:
            found[stage.code] = str(value)
    value = limits.limit(procedure.limit, read.lineage[-1], read.today)
    if value is not None:
        found["procedure"] = str(value)
    return found


def stage_rows(analysis: analytics.Analysis, limits: dict[str, str]) -> list[Row]:
    return [
        Row(
            measure.code,
            str(measure.label),
            analysis.sample(measure.code),
            limit=analysis.sample(measure.code).limit or limits.get(measure.code, ""),
            has_limit=measure.has_limit,
        )
        for measure in analysis.measures
    ]


def region_rows(analysis: analytics.Analysis, measure: analytics.Measure) -> list[Row]:
    return [
        Row(
            unit.key,
            unit.name,
            analysis.sample(measure.code, unit.key),
            level=unit.level,
            has_limit=measure.has_limit,
        )
        for unit in analysis.scope.units
    ]


def month_rows(analysis: analytics.Analysis, measure: analytics.Measure) -> list[Row]:
    return [
        Row(month, month, analysis.month(measure.code, month), has_limit=measure.has_limit)
        for month in analysis.months
    ]


def node_rows(heat: analytics.Heatmap | None) -> list[dict[str, Any]]:
    if heat is None:
        return []
    return [
        {
            "element": node.element,
            "name": workflow_text.translate(node.name),
            "now": node.now,
            "passes": node.passes,
            "average": days(node.average),
            "level": node.level,
        }
        for node in heat.nodes
    ]


def _kind_label(read: Request, choice: Choice) -> str:
    return read.form.kind_label(choice.kind)


def _query(choice: Choice) -> str:
    return urlencode(choice.query())


# ---------------------------------------------------------------- views


@login_required
@require_GET
def analytics_page(request: AuthedRequest) -> HttpResponse:
    read = _read(request)
    context: dict[str, Any] = {"form": read.form, "choice": read.choice}
    if read.choice is None:
        return render(request, "audit/analytics.html", context, status=400)
    choice = read.choice
    analysis = _analysis(read, choice)
    heat = _heatmap(read, choice)
    measure = analysis.measure(choice.measure)
    query = _query(choice)
    context.update(
        {
            "analysis": analysis,
            "measure": measure,
            "stages": stage_rows(analysis, _current_limits(read, choice)),
            "regions": region_rows(analysis, measure),
            "months": month_rows(analysis, measure),
            "nodes": node_rows(heat),
            "definition": heat.definition if heat else None,
            "scope_name": read.scope.units[0].name,
            "kind_label": _kind_label(read, choice),
            "data_url": f"{reverse('audit:analytics-data')}?{query}",
            "diagram_url": f"{reverse('audit:analytics-diagram')}?{query}",
            "export_url": f"{reverse('audit:analytics-export')}?{query}",
            "lane_labels_json": json.dumps(
                {code: str(label) for code, label in ROLES.items()}, ensure_ascii=False
            ),
        }
    )
    do_record_analytics_read(
        VIEWED,
        actor=request.user,
        region_id=choice.region.pk if choice.region else None,
        payload=choice.as_payload(),
    )
    return render(request, "audit/analytics.html", context)


def _chart_row(row: Row) -> dict[str, Any]:
    sample = row.sample
    limit = max(sample.limits) if sample.limits else None
    if limit is None and row.limit.isdigit():
        limit = int(row.limit)
    return {
        "key": row.key,
        "label": row.label,
        "count": sample.count,
        "median": sample.median,
        "p90": sample.p90,
        "overdue_rate": sample.overdue_rate if row.has_limit else None,
        "limit": limit if row.has_limit else None,
    }


@login_required
@require_GET
def analytics_data(request: AuthedRequest) -> JsonResponse:
    """What analytics.js draws the charts from (the page's tables hold the same figures)."""
    read = _read(request)
    if read.choice is None:
        return JsonResponse({"errors": read.form.errors.get_json_data()}, status=400)
    choice = read.choice
    analysis = _analysis(read, choice)
    measure = analysis.measure(choice.measure)
    stages = stage_rows(analysis, _current_limits(read, choice))
    units = region_rows(analysis, measure)
    return JsonResponse(
        {
            "kind": choice.kind,
            "text": {
                "median": _("Median"),
                "p90": _("90th percentile"),
                "limit": _("Limit"),
                "overdue_rate": _("Overdue rate"),
                "days": _("Working days"),
                "count": _("Finished"),
            },
            "stages": [_chart_row(row) for row in stages],
            "regions": {
                "title": str(measure.label),
                # The total is the first bar only when there is no region below it.
                "rows": [_chart_row(row) for row in (units[1:] or units)],
            },
            "months": {
                "title": str(measure.label),
                "rows": [_chart_row(row) for row in month_rows(analysis, measure)],
            },
        }
    )


@login_required
@require_GET
def analytics_diagram(request: AuthedRequest) -> JsonResponse:
    """The process diagram with the heat of each element, for portal/diagram.js (which
    draws it) and analytics.js (which colours it)."""
    read = _read(request)
    if read.choice is None:
        return JsonResponse({"errors": read.form.errors.get_json_data()}, status=400)
    heat = _heatmap(read, read.choice)
    if heat is None:
        raise Http404("No process deployed.")
    xml = runtime.definition_diagram(heat.definition.pk)
    return JsonResponse(
        {
            "xml": xml,
            "labels": workflow_text.diagram_labels(xml),
            "completed": [],
            "active": [],
            "heat": heat.as_json(),
            "text": {
                "now": _("cases now"),
                "average": _("working days on average"),
            },
        }
    )


@login_required
@require_GET
def analytics_export(request: AuthedRequest) -> HttpResponse:
    read = _read(request)
    if read.choice is None:
        raise Http404("No such choice.")
    choice = read.choice
    analysis = _analysis(read, choice)
    heat = _heatmap(read, choice)
    limits = _current_limits(read, choice)
    content = workbook(
        scope_name=read.scope.units[0].name,
        kind_label=_kind_label(read, choice),
        choice=choice,
        stages=stage_rows(analysis, limits),
        regions={
            measure.code: (str(measure.label), region_rows(analysis, measure))
            for measure in analysis.measures
        },
        months={
            measure.code: (str(measure.label), month_rows(analysis, measure))
            for measure in analysis.measures
        },
        nodes=node_rows(heat),
    )
    do_record_analytics_read(
        EXPORTED,
        actor=request.user,
        region_id=choice.region.pk if choice.region else None,
        payload=choice.as_payload(),
    )
    name = f"analytics-{choice.kind}-{choice.first:%Y%m}-{choice.last:%Y%m}.xlsx"
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
