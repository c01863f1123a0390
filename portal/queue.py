"""The work queue (我的待办): tabs, filters, countdowns and per-stage counts.

Every query here is independent of the number of rows: one for the counts, one for the page
count, one for the page, one for the working-day calendar of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from assistance import access
from assistance.models import AssistanceType, RegionLevel
from assistance.workdays import WorkdayCalendar, add_working_days
from engine.clock import clock
from engine.models import AuditEvent, TaskQuerySet

PAGE_SIZE = 50
AMBER_WORKING_DAYS = 2

TABS = {
    "mine": _("Claimed by me"),
    "office": _("My office's unclaimed tasks"),
    "done": _("Done by me"),
}


class QueueFilters(forms.Form):
    tab = forms.ChoiceField(choices=list(TABS.items()), required=False)
    type = forms.ChoiceField(
        label=_("Assistance type"), choices=[("", "—"), *AssistanceType.choices], required=False
    )
    stage = forms.CharField(label=_("Stage"), required=False, max_length=100)
    village = forms.TypedChoiceField(
        label=_("Village"), coerce=int, required=False, empty_value=None
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    due_within = forms.IntegerField(
        label=_("Due within (working days)"), required=False, min_value=0, max_value=60
    )

    def __init__(self, *args: Any, villages: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", "—"), *villages]  # type: ignore[attr-defined]


@dataclass
class QueueRow:
    task: Any
    remaining: int | None

    @property
    def overdue_days(self) -> int:
        return -self.remaining if self.remaining is not None and self.remaining < 0 else 0

    @property
    def urgency(self) -> str:
        if self.remaining is None:
            return ""
        if self.remaining < 0:
            return "red"
        return "amber" if self.remaining <= AMBER_WORKING_DAYS else ""


def villages_for(user: User) -> list[tuple[int, str]]:
    regions = access.regions_for_user(user).filter(level=RegionLevel.VILLAGE)
    return list(regions.order_by("code").values_list("pk", "name"))


def filtered(user: User, data: dict[str, Any]) -> TaskQuerySet:
    tasks = access.inbox(user)
    tasks = tasks.claimed_by(user) if data.get("tab") == "mine" else tasks.unclaimed()
    if data.get("type"):
        tasks = tasks.filter(case__assistance_type=data["type"])
    if data.get("village"):
        tasks = tasks.filter(region_id=data["village"])
    today = clock.today()
    if data.get("overdue"):
        tasks = tasks.filter(due_date__lt=today)
    if data.get("due_within") is not None:
        tasks = tasks.filter(due_date__lte=add_working_days(today, data["due_within"]))
    return tasks


def stage_counts(tasks: TaskQuerySet) -> list[Any]:
    return list(tasks.values("spec_name", "title").annotate(n=Count("id")).order_by("title"))


def page_of(tasks: TaskQuerySet, number: str | None) -> tuple[Page, list[QueueRow]]:
    ordered = tasks.select_related("case", "region", "claimed_by").order_by(
        F("due_date").asc(nulls_last=True), "pk"
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(number)
    return page, rows_with_countdown(list(page.object_list))


def rows_with_countdown(tasks: list[Any]) -> list[QueueRow]:
    dues = [task.due_date for task in tasks if task.due_date is not None]
    if not dues:
        return [QueueRow(task, None) for task in tasks]
    today = clock.today()
    calendar = WorkdayCalendar(min([today, *dues]), max([today, *dues]))
    return [QueueRow(task, _remaining(calendar, today, task.due_date)) for task in tasks]


def _remaining(calendar: WorkdayCalendar, today: date, due: date | None) -> int | None:
    """Working days left until the due date: 0 on the day itself, negative once overdue."""
    if due is None:
        return None
    if due == today:
        return 0
    step, start, end = (1, today, due) if due > today else (-1, due, today)
    count = 0
    current = start
    while current < end:
        current = date.fromordinal(current.toordinal() + 1)
        if calendar.is_working_day(current):
            count += 1
    return count * step


def done_by(user: User) -> Any:
    return (
        AuditEvent.objects.filter(actor=user, action="task.completed")
        # A recusal declared after the work was done hides the case from the list too.
        .exclude(case__recusals__user=user.pk)
        .select_related("case")
        .order_by("-at")
    )
