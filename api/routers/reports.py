"""Figures for the caller's jurisdiction: cases by assistance type and status (the auditors'
home page counts, audit.queries.counts), and the open and overdue steps on those cases."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from api.auth import staff_user
from api.schemas import ERRORS, STAFF
from assistance import access
from assistance.models import CaseStatus
from audit.queries import counts
from engine.clock import clock
from engine.models import Task

router = Router(tags=["reports"])


class TypeStatusCount(Schema):
    assistance_type: str
    label: str
    status: str
    count: int


class Summary(Schema):
    as_of: date
    region_paths: list[str]
    cases_total: int
    cases: list[TypeStatusCount]
    open_tasks: int
    overdue_tasks: int


@router.get(
    "/reports/summary",
    response={200: Summary, **ERRORS},
    summary="Cases by type and status, and overdue steps, in my jurisdiction",
    openapi_extra=STAFF,
)
def summary(request: HttpRequest) -> Summary:
    user = staff_user(request)
    if not access.reads_cases(user):
        # Policy staff read no case (PIPL), so no figure built from them either.
        raise Http404("No such page.")
    today = clock.today()
    rows = [
        TypeStatusCount(
            assistance_type=entry["kind"],
            label=str(entry["label"]),
            status=status,
            count=entry[status],
        )
        for entry in counts(user)
        for status in CaseStatus.values
        if entry.get(status)
    ]
    steps = Task.objects.filter(case__in=access.cases_for_user(user)).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
    )
    return Summary(
        as_of=today,
        region_paths=access.jurisdiction_paths(user),
        cases_total=sum(row.count for row in rows),
        cases=rows,
        open_tasks=steps["open"],
        overdue_tasks=steps["overdue"],
    )
