"""The read side of the public site: what a resident may see, masked and minors left out.

Every list runs a fixed number of queries whatever its length (tests/public/
test_query_counts.py). What a row may show is decided here, once, for every page: the name
of an adult the case covers (the applicant when an adult), the number of people covered,
the amount, the type, the village. Never a resident ID, an address or a minor's name; never
an orphan's or de facto unattended child's case (R4, R9).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from assistance.models import AssistanceType, Case, CaseStatus, Member, Region, RegionLevel
from engine.clock import clock
from engine.models import InstanceStatus, Wait
from public.models import NoticePeriod, PageKind, PublicPage

OBJECTION_MESSAGE = "objection"
# Cases about children are never published, whatever their process does (R4: privacy).
NEVER_PUBLIC_TYPES = frozenset({AssistanceType.ORPHAN})
# Paid once, not monthly: the amount is shown as a one-off sum.
ONE_OFF_TYPES = frozenset({AssistanceType.TEMPORARY})
ADULT_AGE = 18
PUBLIC_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


@dataclass(frozen=True)
class PublicRow:
    """One household as a public page shows it."""

    id: int  # the notice's id on notice pages; the case is never numbered in public
    name: str
    household_size: int
    amount: Decimal | None
    assistance_type: str
    village: str
    township: str
    one_off: bool


@dataclass(frozen=True)
class NoticeRow(PublicRow):
    notice_from: date
    last_day: date
    round: int
    termination: bool


def waits_for_message(name: str) -> Q:
    """Wait rows whose comma-separated `messages` include `name`."""
    return (
        Q(messages=name)
        | Q(messages__startswith=f"{name},")
        | Q(messages__endswith=f",{name}")
        | Q(messages__contains=f",{name},")
    )


# ---------------------------------------------------------------- regions


def public_region(region_id: object) -> Region | None:
    """A county, township or village by id; None for anything else."""
    try:
        pk = int(str(region_id))
    except (TypeError, ValueError):
        return None
    return Region.objects.filter(pk=pk, level__in=PUBLIC_LEVELS).first()


def lineage(region: Region) -> list[Region]:
    """The region's ancestors from the top down, itself last (one query)."""
    ids = region.ancestor_ids()
    found = {r.pk: r for r in Region.objects.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def children(region: Region | None) -> list[Region]:
    """The regions to pick below `region`; at the top, the counties."""
    if region is None:
        return list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    return list(region.children.filter(level__in=PUBLIC_LEVELS).order_by("code"))


# ---------------------------------------------------------------- rows


def _members_prefetch(prefix: str) -> Prefetch[str]:
    return Prefetch(f"{prefix}household__members", queryset=Member.objects.order_by("pk"))


def _published(case: Case, today: date) -> tuple[str, int] | None:
    """(name shown, people covered), or None when the case may not be shown at all."""
    if case.assistance_type in NEVER_PUBLIC_TYPES:
        return None
    members = list(case.household.members.all())
    if case.single_person_id:
        covered = [m for m in members if m.pk == case.single_person_id]
    else:
        covered = [m for m in members if m.covered]
    adults = [m for m in covered if m.age_on(today) >= ADULT_AGE]
    # R4: a notice naming only minors is never posted; a minor is never named.
    named = next((m for m in adults if m.is_applicant), adults[0] if adults else None)
    if named is None:
        return None
    return named.name, len(covered)


def _row_fields(case: Case, today: date) -> dict[str, object] | None:
    published = _published(case, today)
    if published is None:
        return None
    village = case.region
    township = village.parent if village.parent is not None else village
    return {
        "name": published[0],
        "household_size": published[1],
        "assistance_type": case.get_assistance_type_display(),
        "one_off": case.assistance_type in ONE_OFF_TYPES,
        "village": village.name,
        "township": township.name,
    }


# ---------------------------------------------------------------- notices


def running_notice_periods(region: Region | None = None) -> QuerySet[NoticePeriod]:
    """Notices running now: the process waits for an objection, the period has not ended,
    and no later round of the same process exists."""
    objection = Wait.objects.filter(instance=OuterRef("instance")).filter(
        waits_for_message(OBJECTION_MESSAGE)
    )
    later = NoticePeriod.objects.filter(instance=OuterRef("instance"), round__gt=OuterRef("round"))
    notices = (
        NoticePeriod.objects.filter(Exists(objection), ~Exists(later))
        .filter(instance__status=InstanceStatus.RUNNING, notice_until__gt=clock.now())
        .exclude(case__assistance_type__in=NEVER_PUBLIC_TYPES)
    )
    if region is not None:
        notices = notices.filter(case__region__path__startswith=region.path)
    return notices


def running_notices(region: Region | None = None) -> list[NoticeRow]:
    """The rows of the notice list: two queries, however many notices."""
    notices = running_notice_periods(region).order_by("case__region__path", "notice_from", "pk")
    return [row for _notice, row in _rows_of(notices)]


def notice_row(notice_id: int) -> NoticeRow | None:
    """One running notice as the public sees it; None when not running or never public."""
    rows = _rows_of(running_notice_periods().filter(pk=notice_id))
    return rows[0][1] if rows else None


def _rows_of(notices: QuerySet[NoticePeriod]) -> list[tuple[NoticePeriod, NoticeRow]]:
    today = clock.today()
    rows = []
    notices = notices.select_related("case__region__parent", "case__household")
    for notice in notices.prefetch_related(_members_prefetch("case__")):
        fields = _row_fields(notice.case, today)
        if fields is not None:
            row = NoticeRow(
                id=notice.pk,
                amount=notice.monthly_amount,
                notice_from=notice.notice_from,
                last_day=notice.last_day,
                round=notice.round,
                termination=notice.termination,
                **fields,  # type: ignore[arg-type]
            )
            rows.append((notice, row))
    return rows


def ended_notice(notice_id: int) -> NoticePeriod | None:
    """A notice that once ran publicly but no longer does (its id only; nothing personal)."""
    notice = NoticePeriod.objects.filter(pk=notice_id).select_related("case").first()
    if notice is None or notice.case.assistance_type in NEVER_PUBLIC_TYPES:
        return None
    return notice


# ---------------------------------------------------------------- disclosure (R9)


class DisclosureList:
    FIRST_OPINION = "first"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"
    ALL = (FIRST_OPINION, CONFIRMED, TERMINATED)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


def disclosure(region: Region, which: str, month: date) -> list[PublicRow]:
    """One R9 list for a region and month, in three queries however long."""
    first, following = month_bounds(month)
    if which == DisclosureList.FIRST_OPINION:
        notices = (
            NoticePeriod.objects.filter(
                termination=False, notice_from__gte=first, notice_from__lt=following
            )
            .filter(case__region__path__startswith=region.path)
            .exclude(case__assistance_type__in=NEVER_PUBLIC_TYPES)
            .order_by("case__region__path", "case_id", "round")
        )
        # One line per household: the latest round of the month.
        by_case: dict[int, PublicRow] = {}
        for notice, row in _rows_of(notices):
            by_case[notice.case_id] = row
        return list(by_case.values())
    cases = Case.objects.filter(region__path__startswith=region.path).exclude(
        assistance_type__in=NEVER_PUBLIC_TYPES
    )
    if which == DisclosureList.CONFIRMED:
        cases = cases.filter(
            decided_on__gte=first,
            decided_on__lt=following,
            start_month__isnull=False,
            monthly_amount__isnull=False,
            status__in=(CaseStatus.ACTIVE, CaseStatus.CLOSED),
        )
    elif which == DisclosureList.TERMINATED:
        cases = cases.filter(status=CaseStatus.CLOSED, ended_on__gte=first, ended_on__lt=following)
    else:
        return []
    return _case_rows(cases.order_by("region__path", "pk"))


def _case_rows(cases: QuerySet[Case]) -> list[PublicRow]:
    today = clock.today()
    rows = []
    for case in cases.select_related("region__parent", "household").prefetch_related(
        _members_prefetch("")
    ):
        fields = _row_fields(case, today)
        if fields is not None:
            rows.append(PublicRow(id=0, amount=case.monthly_amount, **fields))  # type: ignore[arg-type]
    return rows


# ---------------------------------------------------------------- pages


def pages_for(kind: str, region: Region | None) -> list[PublicPage]:
    """Published pages of a kind for a region: province-wide ones and those of its ancestors."""
    scope = Q(region__isnull=True)
    if region is not None:
        scope |= Q(region_id__in=region.ancestor_ids())
    return list(
        PublicPage.objects.filter(scope, kind=kind, published=True)
        .select_related("region")
        .order_by("position", "pk")
    )


def hotline(region: Region | None) -> PublicPage | None:
    """The hotline page nearest the region (its own, else an ancestor's, else the province)."""
    pages = pages_for(PageKind.HOTLINE, region)
    depth = {pk: index for index, pk in enumerate(region.ancestor_ids())} if region else {}
    pages.sort(key=lambda page: -depth.get(page.region_id or -1, -1))
    return pages[0] if pages else None


def pages_in_scopes(paths: Iterable[str], *, province: bool) -> QuerySet[PublicPage]:
    """The pages a policy officer with these jurisdiction paths may edit."""
    scope = Q(pk__in=[])
    for path in paths:
        scope |= Q(region__path__startswith=path)
    if province:
        scope |= Q(region__isnull=True)
    return PublicPage.objects.filter(scope).select_related("region")
