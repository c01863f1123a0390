"""The work queue (我的待办): tabs, filters, countdowns and per-stage counts.

Every query here is independent of the number of rows: one for the counts (which also count
the pages), one for the page, one for the waits; the working-day calendar comes from the
copy the process keeps (assistance.workdays), read at most once a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from assistance import access
from assistance.models import AssistanceType, Member, RegionLevel
from assistance.workdays import WorkdayCalendar, add_working_days
from engine.clock import clock
from engine.models import AuditEvent, TaskQuerySet, WaitQuerySet

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
    """A task, or a wait: both carry a case, a region, a title and a due date."""

    task: Any
    remaining: int | None

    @property
    def record_page(self) -> str:
        """For a wait, the URL name of the page that records what it awaits ("" for none)."""
        messages = getattr(self.task, "messages", "")
        return next((RECORD_PAGES[m] for m in messages.split(",") if m in RECORD_PAGES), "")

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


# Pages that record what a wait is waiting for; other waits link to the case file.
RECORD_PAGES = {"check_result": "case-check-result"}


def landing_tab(user: User) -> str:
    """ "Mine" when the user holds claimed work, else the office's unclaimed tasks."""
    return "mine" if access.inbox(user).claimed_by(user).exists() else "office"


def filtered(user: User, data: dict[str, Any]) -> TaskQuerySet:
    tasks = access.inbox(user)
    tasks = tasks.claimed_by(user) if data.get("tab") == "mine" else tasks.unclaimed()
    return _narrowed(tasks, data)


def _narrowed(rows: Any, data: dict[str, Any]) -> Any:
    if data.get("type"):
        rows = rows.filter(case__assistance_type=data["type"])
    if data.get("village"):
        rows = rows.filter(region_id=data["village"])
    today = clock.today()
    if data.get("overdue"):
        rows = rows.filter(due_date__lt=today)
    if data.get("due_within") is not None:
        rows = rows.filter(due_date__lte=add_working_days(today, data["due_within"]))
    return rows


def waiting(user: User, data: dict[str, Any]) -> list[QueueRow]:
    """Stages waiting on a record from one of the user's roles (a check report, the notice)."""
    waits: WaitQuerySet = access.waits_for_user(user)
    ordered = _with_applicant(_narrowed(waits, data)).select_related("case", "region")
    rows = rows_with_countdown(
        list(ordered.order_by(F("due_date").asc(nulls_last=True), "pk")[:PAGE_SIZE])
    )
    return rows


def _with_applicant(rows: QuerySet[Any]) -> QuerySet[Any]:
    applicant = Member.objects.filter(
        household_id=OuterRef("case__household_id"), is_applicant=True
    )
    return rows.annotate(
        applicant_name=Subquery(applicant.values("name")[:1]),
        applicant_id=Subquery(applicant.values("resident_id")[:1]),
    )


def stage_counts(tasks: TaskQuerySet) -> list[Any]:
    return list(tasks.values("spec_name", "title").annotate(n=Count("id")).order_by("title"))


def total_of(counts: list[Any], stage: str | None) -> int:
    """The tasks on the tab (of one stage): the stage counts already hold them all."""
    return sum(count["n"] for count in counts if not stage or count["spec_name"] == stage)


class _CountedPaginator(Paginator):
    """A paginator told its count, so no second pass over every task in scope counts them."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


def page_of(
    tasks: TaskQuerySet, number: str | None, count: int | None = None
) -> tuple[Page, list[QueueRow]]:
    """A page of tasks, the most urgent first: the queue indexes hand over the page's tasks in
    due order (engine.models.Task.Meta); only these rows are joined to their cases."""
    ordered = _with_applicant(tasks.select_related("case", "region", "claimed_by")).order_by(
        F("due_date").asc(nulls_last=True), "pk"
    )
    paginator = (
        Paginator(ordered, PAGE_SIZE)
        if count is None
        else _CountedPaginator(ordered, PAGE_SIZE, count)
    )
    page = paginator.get_page(number)
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
