"""The read side of the auditor's home and search: cases and people in the auditor's scope.

Scope is the auditor's jurisdiction (a county auditor sees the county, a province auditor
everything), less the cases they are recused from, as for every other reader
(`assistance.access.cases_for_user`). Every query here costs the same whatever the number of
rows: the form's choices (one or two), the count, the page; an export is one query streamed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from assistance import access, lookup
from assistance.models import AssistanceType, Case, CaseStatus, Member, Region, RegionLevel
from engine.models import AuditEvent
from portal import workflow_text

PAGE_SIZE = 50
# Above the county, villages would make the region list thousands long: townships suffice.
BROAD_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY)
# Staff "acted" on a case when they left any event on it but an auditor's own reads.
READ_EVENTS_PREFIX = "audit."


@dataclass
class Scope:
    """What the auditor may search: their jurisdiction's regions, for the region filter."""

    top: list[Region]
    regions: list[Region]

    @property
    def label(self) -> str:
        """The granted regions, as a sentence names them ("示范县、邻县")."""
        return pgettext("list separator", ", ").join(region.name for region in self.top)

    @property
    def paths(self) -> dict[int, str]:
        return {region.pk: region.path for region in self.regions}


def scope_for(user: User) -> Scope:
    """The granted regions and every region below them worth filtering by (villages only
    for an auditor of a county or below). One query, two for a county or below."""
    paths = access.jurisdiction_paths(user)
    regions = list(
        access.regions_for_user(user).exclude(level=RegionLevel.VILLAGE).order_by("code")
    )
    top = [region for region in regions if region.path in paths]
    granted_villages = not top and bool(paths)
    if granted_villages or not any(region.level in BROAD_LEVELS for region in top):
        regions = list(access.regions_for_user(user).order_by("code"))
        top = [region for region in regions if region.path in paths]
    return Scope(top=top, regions=regions)


def _region_label(region: Region, depth: int) -> str:
    # Indented under its parent with no-break spaces (an <option> keeps no other indent).
    return "\u00a0\u00a0\u00a0" * depth + region.name


def _region_choices(scope: Scope) -> list[tuple[Any, str]]:
    tops = [region.path for region in scope.top]
    choices: list[tuple[Any, str]] = [("", "—")]
    for region in scope.regions:
        top = next((path for path in tops if region.path.startswith(path)), region.path)
        depth = region.path.count("/") - top.count("/")
        choices.append((region.pk, _region_label(region, depth)))
    return choices


class CaseSearchForm(forms.Form):
    """Every filter of the auditor's search; all optional, all combined with AND."""

    q = forms.CharField(
        label=_("Name, resident ID, its last digits or case number"),
        max_length=lookup.MAX_LENGTH,
        required=False,
        strip=True,
    )
    kind = forms.ChoiceField(
        label=_("Assistance type"), choices=[("", "—"), *AssistanceType.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *CaseStatus.choices], required=False
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), coerce=int, required=False, empty_value=None)
    applied_from = forms.DateField(
        label=_("Applied from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    applied_to = forms.DateField(
        label=_("Applied until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    decided_from = forms.DateField(
        label=_("Decided from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    decided_to = forms.DateField(
        label=_("Decided until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount_min = forms.DecimalField(
        label=_("Monthly amount from"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
    )
    amount_max = forms.DecimalField(
        label=_("Monthly amount up to"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
    )
    staff = forms.CharField(
        label=_("Staff member who acted (name or login)"),
        max_length=50,
        required=False,
        strip=True,
    )

    RANGES = (
        ("applied_from", "applied_to"),
        ("decided_from", "decided_to"),
        ("amount_min", "amount_max"),
    )

    def __init__(self, *args: Any, scope: Scope, stages: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["region"].choices = _region_choices(scope)  # type: ignore[attr-defined]
        self.stages = {stage_key(stage): stage for stage in stages}
        self.fields["stage"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((key, workflow_text.translate(stage)) for key, stage in self.stages.items()),
        ]

    def clean_q(self) -> str:
        query: str = self.cleaned_data["q"]
        return lookup.clean_query(query) if query else ""

    def clean_stage(self) -> str:
        """The stage as cases store it (the choice's value is its key)."""
        key: str = self.cleaned_data["stage"]
        return self.stages.get(key, "")

    def clean_staff(self) -> str:
        staff: str = self.cleaned_data["staff"]
        if "%" in staff or "_" in staff:
            raise forms.ValidationError(
                _("Search with letters, digits and Chinese characters only.")
            )
        return staff

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for low, high in self.RANGES:
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, _("The end of a range comes after its start."))
        return data

    def filters(self) -> dict[str, Any]:
        """The filters given, JSON-safe, for the audit trail and the export's notes."""
        return {
            name: str(value) for name, value in self.cleaned_data.items() if value not in (None, "")
        }


def stage_key(stage: str) -> str:
    """A stage's value in the filter: stages are stored in the diagrams' language (Chinese),
    and a URL or an English page should not carry that."""
    return hashlib.sha256(stage.encode()).hexdigest()[:12]


def stages_for(user: User) -> list[str]:
    """The stages cases in scope are at, for the stage filter. One query."""
    stages = access.cases_for_user(user).exclude(stage="").values_list("stage", flat=True)
    return sorted(set(stages.distinct().order_by()))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search(user: User, data: dict[str, Any], scope: Scope) -> QuerySet[Case]:
    """Cases in scope matching every filter given, newest application first, with what the
    list shows: applicant, the person matched by the query, household size, region."""
    cases = access.cases_for_user(user)
    members = Member.objects.filter(household_id=OuterRef("household_id"))
    query = data.get("q")
    if query:
        matching = members.filter(lookup.member_condition(query))
        condition = Q(Exists(matching))
        if lookup.may_be_case_number(query):
            condition |= Q(number__icontains=query)
        cases = cases.filter(condition).annotate(
            matched_name=Subquery(matching.order_by("-is_applicant", "pk").values("name")[:1]),
            matched_id=Subquery(matching.order_by("-is_applicant", "pk").values("resident_id")[:1]),
        )
    if data.get("kind"):
        cases = cases.filter(assistance_type=data["kind"])
    if data.get("status"):
        cases = cases.filter(status=data["status"])
    if data.get("stage"):
        cases = cases.filter(stage=data["stage"])
    if data.get("region"):
        path = scope.paths.get(data["region"])
        cases = cases.filter(region__path__startswith=path) if path else cases.none()
    if data.get("applied_from"):
        cases = cases.filter(created_at__gte=_day_start(data["applied_from"]))
    if data.get("applied_to"):
        cases = cases.filter(created_at__lt=_day_start(data["applied_to"] + timedelta(days=1)))
    if data.get("decided_from"):
        cases = cases.filter(decided_on__gte=data["decided_from"])
    if data.get("decided_to"):
        cases = cases.filter(decided_on__lte=data["decided_to"])
    if data.get("amount_min") is not None:
        cases = cases.filter(monthly_amount__gte=data["amount_min"])
    if data.get("amount_max") is not None:
        cases = cases.filter(monthly_amount__lte=data["amount_max"])
    if data.get("staff"):
        staff = data["staff"]
        people = User.objects.filter(
            Q(username__iexact=staff) | Q(staff__full_name__contains=staff)
        )
        acted = AuditEvent.objects.filter(
            case_id=OuterRef("pk"), actor_id__in=people.values("pk")
        ).exclude(action__startswith=READ_EVENTS_PREFIX)
        cases = cases.filter(Exists(acted))
    applicant = members.filter(is_applicant=True)
    size = (
        members.filter(covered=True)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        cases.select_related("region", "region__parent")
        .annotate(
            applicant_name=Subquery(applicant.values("name")[:1]),
            applicant_id=Subquery(applicant.values("resident_id")[:1]),
            household_size=Subquery(size[:1]),
        )
        .order_by(F("created_at").desc(), F("pk").desc())
    )


def page_of(cases: QuerySet[Case], number: str | None) -> Page:
    return Paginator(cases, PAGE_SIZE).get_page(number)


def counts(user: User) -> list[dict[str, Any]]:
    """Cases in scope by type and status, for the home page. One query."""
    rows = (
        access.cases_for_user(user)
        .order_by()
        .values("assistance_type", "status")
        .annotate(n=Count("pk"))
    )
    by_type: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = by_type.setdefault(
            row["assistance_type"], {"kind": row["assistance_type"], "total": 0}
        )
        entry[row["status"]] = row["n"]
        entry["total"] += row["n"]
    labels = dict(AssistanceType.choices)
    return [{**by_type[kind], "label": labels[kind]} for kind in labels if kind in by_type]


EXPORT_HEADERS = (
    _("Case number"),
    _("Assistance type"),
    _("Status"),
    _("Stage"),
    _("Township"),
    _("Village"),
    pgettext_lazy("column", "Applicant"),
    _("Applicant's resident ID"),
    _("Person found"),
    _("Resident ID of the person found"),
    _("Covered members"),
    _("Monthly amount (yuan)"),
    _("Applied on"),
    _("Decided on"),
    _("Ended on"),
    _("Case ID"),
)


def export_rows(cases: QuerySet[Case], limit: int) -> Iterator[list[Any]]:
    """One row per case, resident IDs in full (an export is for cross-checking against other
    registers; it is on the record). At most `limit` + 1 rows are read, so a cut is seen."""
    for case in cases[: limit + 1].iterator(chunk_size=2000):
        township, village = _township_and_village(case.region)
        yield [
            case.number,
            case.get_assistance_type_display(),
            case.get_status_display(),
            workflow_text.translate(case.stage),
            township,
            village,
            getattr(case, "applicant_name", ""),
            getattr(case, "applicant_id", ""),
            getattr(case, "matched_name", ""),
            getattr(case, "matched_id", ""),
            getattr(case, "household_size", None),
            case.monthly_amount,
            timezone.localtime(case.created_at).date(),
            case.decided_on,
            case.ended_on,
            case.pk,
        ]


def _township_and_village(region: Region) -> tuple[str, str]:
    if region.level == RegionLevel.VILLAGE:
        return (region.parent.name if region.parent is not None else "", region.name)
    return (region.name if region.level == RegionLevel.TOWNSHIP else "", "")
