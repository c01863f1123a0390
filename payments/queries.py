"""The read side of the payments pages, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Sum

from assistance.models import AssistanceType, Region
from payments.models import LineKind, LineStatus, Roster, RosterExclusion, RosterLine

PAGE_SIZE = 50


def roster_list(rosters: Any) -> list[Roster]:
    return list(
        rosters.select_related(
            "county",
            "built_by__staff",
            "first_approved_by__staff",
            "second_approved_by__staff",
        ).order_by("-month", "county__code")[:200]
    )


@dataclass
class Total:
    label: str
    count: int
    amount: Decimal


def totals(roster: Roster) -> dict[str, list[Total]]:
    """Totals per assistance type and per township: one query, summed both ways here."""
    rows = (
        RosterLine.objects.filter(roster=roster)
        .values("township_id", "assistance_type")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    by_type: dict[str, list[Any]] = {}
    by_township: dict[int, list[Any]] = {}
    for row in rows:
        for entry in (
            by_type.setdefault(row["assistance_type"], [0, Decimal("0")]),
            by_township.setdefault(row["township_id"], [0, Decimal("0")]),
        ):
            entry[0] += row["count"]
            entry[1] += row["amount"] or Decimal("0")
    names = dict(Region.objects.filter(pk__in=list(by_township)).values_list("pk", "name"))
    types = dict(AssistanceType.choices)
    return {
        "types": [
            Total(str(types.get(code, code)), count, amount)
            for code, (count, amount) in sorted(by_type.items())
        ],
        "townships": [
            Total(names.get(pk, str(pk)), count, amount)
            for pk, (count, amount) in sorted(
                by_township.items(), key=lambda i: names.get(i[0], "")
            )
        ],
    }


def line_filters(roster: Roster, params: Any) -> dict[str, str]:
    wanted: dict[str, str] = {}
    if params.get("township", "").isdigit():
        wanted["township_id"] = params["township"]
    if params.get("type") in AssistanceType.values:
        wanted["assistance_type"] = params["type"]
    if params.get("kind") in LineKind.values:
        wanted["kind"] = params["kind"]
    if params.get("status") in LineStatus.values:
        wanted["status"] = params["status"]
    return wanted


def lines_page(roster: Roster, params: Any) -> Page:
    lines = (
        RosterLine.objects.filter(roster=roster, **line_filters(roster, params))
        .select_related("case", "township")
        .order_by("township__name", "case__number", "for_month", "pk")
    )
    return Paginator(lines, PAGE_SIZE).get_page(params.get("page"))


def exclusions(roster: Roster, limit: int = 200) -> list[RosterExclusion]:
    return list(
        RosterExclusion.objects.filter(roster=roster)
        .select_related("case", "township")
        .order_by("reason", "township__name", "case__number")[:limit]
    )


def townships_of_roster(roster: Roster) -> list[Region]:
    return list(Region.objects.filter(parent=roster.county).order_by("name"))


def failed_payments(case: Any, limit: int = 24) -> list[RosterLine]:
    """The case's payments the bank returned, newest first, for its bank account page."""
    return list(
        RosterLine.objects.filter(case=case, status=LineStatus.FAILED)
        .select_related("roster")
        .order_by("-roster__month", "-pk")[:limit]
    )
