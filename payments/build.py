"""Building one county's roster for one month: the Celery task's work.

Cases are read in keyset batches of BATCH_SIZE (a values() query each, never model
instances), the month rules of payments/months.py decide each case's lines and exclusions,
and the rows are written with bulk_create; one transaction per batch, whose last statement
moves the progress on only while the roster is still building under this pass's token, so
a rebuild (a new token) stops an older pass at its next batch. A pass starts by deleting what
an interrupted pass of the same roster left, so a repeated delivery builds the same roster.

Deaths are read once per build for the county (DeathRecord joined to members: few rows);
payments that stand (not failed) are read per batch for the back-pay window. The unique
constraint `one_payment_per_case_month` stands behind it all: a case-month paid elsewhere
already is never paid again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum

from assistance.kinds import KINDS
from assistance.models import Case, CaseStatus, DeathRecord, Member, Region, RegionLevel
from engine import audit
from engine.clock import clock
from payments import months
from payments.models import (
    BatchStatus,
    LineKind,
    LineStatus,
    OneOffGrant,
    Roster,
    RosterExclusion,
    RosterLine,
    RosterStatus,
)

BATCH_SIZE = 5000

CASE_FIELDS = (
    "pk",
    "region_id",
    "household_id",
    "single_person_id",
    "assistance_type",
    "start_month",
    "ended_on",
    "monthly_amount",
    "payee_name",
    "bank_name",
    "bank_card",
)


def monthly_kinds() -> list[str]:
    return sorted(code for code, kind in KINDS.items() if kind.paid_monthly)


def townships_of(county: Region) -> dict[int, int]:
    """Region id -> its township's id, for every region of the county below it."""
    rows = list(
        Region.objects.filter(path__startswith=county.path).values_list("pk", "level", "parent_id")
    )
    by_id = {pk: (level, parent) for pk, level, parent in rows}
    result: dict[int, int] = {}
    for pk in by_id:
        current: int | None = pk
        while current is not None and by_id.get(current, ("", None))[0] not in (
            RegionLevel.TOWNSHIP,
            RegionLevel.COUNTY,
        ):
            current = by_id.get(current, ("", None))[1]
        if current is not None and by_id[current][0] == RegionLevel.TOWNSHIP:
            result[pk] = current
    return result


def first_month(county: Region, month: date) -> date:
    """Back pay reaches no earlier than the county's first roster in Doudi."""
    earliest = (
        Roster.objects.filter(county=county).order_by("month").values_list("month", flat=True)
    ).first()
    return min(earliest, month) if earliest is not None else month


def window_start(county: Region, month: date) -> date:
    return max(first_month(county, month), months.add_months(month, -months.BACK_PAY_MONTHS))


@dataclass
class Deaths:
    """The deaths on record among the county's households, for months.death_day."""

    by_member: dict[int, date]
    covered: dict[int, list[int]]  # household -> covered members, for households with a death

    def day_for(self, household_id: int, single_person_id: int | None) -> date | None:
        if household_id not in self.covered and single_person_id not in self.by_member:
            return None
        return months.death_day(
            single_person_id, self.covered.get(household_id, []), self.by_member
        )


def deaths_in(region_ids: list[int]) -> Deaths:
    died = DeathRecord.objects.filter(resident_id=OuterRef("resident_id")).values("died_on")[:1]
    rows = (
        Member.objects.filter(
            household__region_id__in=region_ids,
            resident_id__in=DeathRecord.objects.values("resident_id"),
        )
        .annotate(died_on=Subquery(died))
        .values_list("pk", "household_id", "died_on")
    )
    by_member: dict[int, date] = {}
    households: set[int] = set()
    for pk, household_id, died_on in rows:
        by_member[pk] = died_on
        households.add(household_id)
    covered: dict[int, list[int]] = {household: [] for household in households}
    for household_id, pk in Member.objects.filter(
        household_id__in=households, covered=True
    ).values_list("household_id", "pk"):
        covered[household_id].append(pk)
    return Deaths(by_member, covered)


def candidate_cases(region_ids: list[int], month: date, window: date) -> Any:
    """Cases that may be owed something in [window, month]: of a kind paid monthly, started
    by the month, active or ended within the window."""
    return Case.objects.filter(
        region_id__in=region_ids,
        assistance_type__in=monthly_kinds(),
        start_month__isnull=False,
        start_month__lte=month,
    ).filter(Q(status=CaseStatus.ACTIVE) | Q(status=CaseStatus.CLOSED, ended_on__gte=window))


def batches(cases: Any) -> Iterator[list[tuple[Any, ...]]]:
    last = 0
    while True:
        rows = list(cases.filter(pk__gt=last).order_by("pk").values_list(*CASE_FIELDS)[:BATCH_SIZE])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def standing_payments(case_ids: list[int], window: date, month: date) -> dict[int, set[date]]:
    paid: dict[int, set[date]] = defaultdict(set)
    rows = (
        RosterLine.objects.filter(
            case_id__in=case_ids,
            grant__isnull=True,
            for_month__gte=window,
            for_month__lte=month,
        )
        .exclude(status=LineStatus.FAILED)
        .values_list("case_id", "for_month")
    )
    for case_id, for_month in rows:
        paid[case_id].add(for_month)
    return paid


def plan_batch(
    roster: Roster,
    rows: list[tuple[Any, ...]],
    *,
    townships: dict[int, int],
    deaths: Deaths,
    window: date,
    paid: dict[int, set[date]],
) -> tuple[list[RosterLine], list[RosterExclusion]]:
    lines: list[RosterLine] = []
    excluded: list[RosterExclusion] = []
    month = roster.month
    for (
        pk,
        region_id,
        household_id,
        single_person_id,
        kind,
        start_month,
        ended_on,
        amount,
        payee_name,
        bank_name,
        bank_card,
    ) in rows:
        facts = months.CaseFacts(
            start_month=start_month,
            ended_on=ended_on,
            died_on=deaths.day_for(household_id, single_person_id),
            monthly_amount=amount,
            has_account=bool(bank_card),
        )
        township = townships.get(region_id, region_id)
        reason = months.exclusion(facts, month)
        if reason is not None:
            excluded.append(
                RosterExclusion(
                    roster=roster,
                    case_id=pk,
                    township_id=township,
                    assistance_type=kind,
                    reason=reason,
                    died_on=facts.died_on if reason == months.DEAD else None,
                )
            )
        for for_month, line_kind in months.owed_lines(
            facts, month, since=window, paid=paid.get(pk, ())
        ):
            lines.append(
                RosterLine(
                    roster=roster,
                    case_id=pk,
                    township_id=township,
                    assistance_type=kind,
                    kind=line_kind,
                    for_month=for_month,
                    amount=amount,
                    payee_name=payee_name,
                    bank_name=bank_name,
                    bank_card=bank_card,
                )
            )
    return lines, excluded


def grant_lines(
    roster: Roster, region_ids: list[int], townships: dict[int, int], deaths: Deaths, skip: set[int]
) -> tuple[list[RosterLine], list[RosterExclusion]]:
    """Lines for the one-off grants due by this month and not yet on any roster."""
    grants = (
        OneOffGrant.objects.filter(
            case__region_id__in=region_ids, payable_from__lte=roster.month, line__isnull=True
        )
        .filter(Q(batch__isnull=True) | Q(batch__status=BatchStatus.APPROVED))
        .order_by("pk")
        .values_list(
            "pk",
            "amount",
            "payable_from",
            "case_id",
            "case__region_id",
            "case__household_id",
            "case__single_person_id",
            "case__assistance_type",
            "case__payee_name",
            "case__bank_name",
            "case__bank_card",
        )
    )
    lines: list[RosterLine] = []
    excluded: list[RosterExclusion] = []
    for (
        pk,
        amount,
        payable_from,
        case_id,
        region_id,
        household_id,
        single_person_id,
        kind,
        payee_name,
        bank_name,
        bank_card,
    ) in grants.iterator(chunk_size=BATCH_SIZE):
        died_on = deaths.day_for(household_id, single_person_id)
        township = townships.get(region_id, region_id)
        if months.grant_due(
            payable_from, roster.month, has_account=bool(bank_card), died_on=died_on
        ):
            lines.append(
                RosterLine(
                    roster=roster,
                    case_id=case_id,
                    township_id=township,
                    assistance_type=kind,
                    kind=LineKind.GRANT,
                    for_month=roster.month,
                    grant_id=pk,
                    amount=amount,
                    payee_name=payee_name,
                    bank_name=bank_name,
                    bank_card=bank_card,
                )
            )
        elif case_id not in skip:
            skip.add(case_id)
            reason = months.NO_ACCOUNT if not bank_card else months.DEAD
            excluded.append(
                RosterExclusion(
                    roster=roster,
                    case_id=case_id,
                    township_id=township,
                    assistance_type=kind,
                    reason=reason,
                    died_on=died_on if reason == months.DEAD else None,
                )
            )
    return lines, excluded


def run_build(roster_id: int, token: str) -> str:
    """One pass building the roster; returns "built", "stopped" or "skipped"."""
    mine = Roster.objects.filter(pk=roster_id, build_token=token, status=RosterStatus.BUILDING)
    roster = mine.select_related("county").first()
    if roster is None:
        return "skipped"
    county = roster.county
    townships = townships_of(county)
    region_ids = sorted(townships)
    window = window_start(county, roster.month)
    with transaction.atomic():
        # What an interrupted pass of this roster left.
        RosterLine.objects.filter(roster=roster).delete()
        RosterExclusion.objects.filter(roster=roster).delete()
        cases = candidate_cases(region_ids, roster.month, window)
        if not mine.update(progress_total=cases.count(), progress_done=0):
            return "stopped"
    deaths = deaths_in(region_ids)
    done = 0
    excluded_ids: set[int] = set()
    for rows in batches(cases):
        ids = [row[0] for row in rows]
        with transaction.atomic():
            paid = standing_payments(ids, window, roster.month)
            lines, excluded = plan_batch(
                roster, rows, townships=townships, deaths=deaths, window=window, paid=paid
            )
            RosterLine.objects.bulk_create(lines, batch_size=BATCH_SIZE)
            RosterExclusion.objects.bulk_create(excluded, batch_size=BATCH_SIZE)
            excluded_ids.update(entry.case_id for entry in excluded)
            done += len(rows)
            if not mine.update(progress_done=done):
                transaction.set_rollback(True)
                return "stopped"
    with transaction.atomic():
        lines, excluded = grant_lines(roster, region_ids, townships, deaths, excluded_ids)
        RosterLine.objects.bulk_create(lines, batch_size=BATCH_SIZE)
        RosterExclusion.objects.bulk_create(excluded, batch_size=BATCH_SIZE)
        totals = RosterLine.objects.filter(roster=roster).aggregate(
            count=Count("pk"), total=Sum("amount")
        )
        finished = mine.update(
            status=RosterStatus.BUILT,
            built_at=clock.now(),
            line_count=totals["count"] or 0,
            total_amount=totals["total"] or Decimal("0"),
        )
        if not finished:
            transaction.set_rollback(True)
            return "stopped"
        audit.record(
            "payments.roster_built",
            actor=None,
            role="system",
            region_id=county.pk,
            payload={
                "roster": roster.pk,
                "month": roster.month.isoformat(),
                "lines": totals["count"] or 0,
                "total": str(totals["total"] or Decimal("0")),
                "excluded": RosterExclusion.objects.filter(roster=roster).count(),
            },
        )
    return "built"
