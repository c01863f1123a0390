"""The read side of the window's pages: the register with its filters, and the referrals
open per department. A page costs the same few queries however many requests there are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from assistance.models import CaseStatus
from engine.clock import clock
from engine.models import Task
from onewindow import access
from onewindow.models import Department, Disposition

PAGE_SIZE = 50
# Steps a request reaches only once its deadline has passed (the diagrams' escalations).
ESCALATED_STEPS = ("chase_reply", "county_handle")

STATES = {
    "open": _("Still open"),
    "closed": _("Closed or handled"),
    "all": _("All"),
}


class RequestFilters(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=list(STATES.items()), required=False)
    disposition = forms.ChoiceField(
        label=_("Handled as"), choices=[("", "—"), *Disposition.choices], required=False
    )
    department = forms.ChoiceField(
        label=_("Department"), choices=[("", "—"), *Department.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


def _open() -> Q:
    return Q(disposition=Disposition.OPEN) | Q(case__status=CaseStatus.IN_PROGRESS)


def _annotated(rows: Any) -> Any:
    today = clock.today()
    tasks = Task.objects.filter(case_id=OuterRef("case_id"))
    return rows.annotate(
        # Past a step's due date, or past the deadline the escalation was for.
        overdue=Exists(tasks.filter(Q(due_date__lt=today) | Q(spec_name__in=ESCALATED_STEPS))),
        escalated=Exists(tasks.filter(spec_name__in=ESCALATED_STEPS)),
        due=Subquery(
            tasks.filter(due_date__isnull=False)
            .order_by()
            .values("case_id")
            .annotate(first=Min("due_date"))
            .values("first")[:1]
        ),
    )


def filtered(user: User, data: dict[str, Any]) -> Any:
    rows = _annotated(access.requests_for_user(user))
    state = data.get("state") or "open"
    if state == "open":
        rows = rows.filter(_open())
    elif state == "closed":
        rows = rows.exclude(_open())
    if data.get("disposition"):
        rows = rows.filter(disposition=data["disposition"])
    if data.get("department"):
        rows = rows.filter(department=data["department"])
    if data.get("overdue"):
        rows = rows.filter(overdue=True)
    return rows


def page_of(rows: Any, number: str | None) -> Page:
    ordered = rows.select_related("region", "case").order_by("-registered_at", "-pk")
    return Paginator(ordered, PAGE_SIZE).get_page(number)


@dataclass
class DepartmentLine:
    code: str
    label: str
    open: int
    overdue: int


def referrals_by_department(user: User) -> list[DepartmentLine]:
    """Referrals still open, per department, with how many are past their deadline."""
    rows = (
        _annotated(access.requests_for_user(user))
        .filter(disposition=Disposition.REFERRED, case__status=CaseStatus.IN_PROGRESS)
        .values("department")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(overdue=True)))
        .order_by("department")
    )
    labels = dict(Department.choices)
    return [
        DepartmentLine(
            row["department"], str(labels.get(row["department"], "")), row["n"], row["late"]
        )
        for row in rows
    ]
