"""The read side of the household file (一户一档) and of the search: fixed query counts.

The file shows only what the user may see: the household's cases in their jurisdiction
(recusals already remove whole households), with the evidence and audit events of those cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from assistance import access, lookup
from assistance.models import Case, Evidence, Household, Member
from engine.models import AuditEvent

RESULT_LIMIT = 50
TIMELINE_LIMIT = 300


@dataclass
class HouseholdFile:
    household: Household
    members: list[Member]
    cases: list[Case]
    monitoring: list[Any]
    evidence: list[Evidence]
    events: list[AuditEvent]


def household_file(user: User, household: Household) -> HouseholdFile:
    cases = access.cases_for_user(user).filter(household=household)
    return HouseholdFile(
        household=household,
        members=list(household.members.order_by("-is_applicant", "pk")),
        cases=list(cases.select_related("region").order_by("-created_at", "-pk")),
        monitoring=list(household.monitoring.select_related("source_case").order_by("-added_on")),
        evidence=list(
            Evidence.objects.filter(case__in=cases)
            .select_related("case", "superseded_by")
            .order_by("case_id", "kind", "pk")
        ),
        events=list(
            AuditEvent.objects.filter(case__in=cases)
            # Auditors' reads stay out of the staff's view, as on the case page.
            .exclude(action__startswith="audit.")
            .select_related("case")
            .order_by("-at", "-seq")[:TIMELINE_LIMIT]
        ),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, resident ID, its last digits or case number"),
        max_length=lookup.MAX_LENGTH,
        strip=True,
    )

    def clean_q(self) -> str:
        return lookup.clean_query(self.cleaned_data["q"])


def search(user: User, query: str) -> list[Household]:
    """Households in view whose member, resident ID (whole or its end) or case number matches."""
    condition = lookup.member_condition(query, "members__")
    if lookup.may_be_case_number(query):
        condition |= Q(cases__number__icontains=query)
    matches = access.households_for_user(user).filter(condition).values("pk")
    visible_cases = access.cases_for_user(user).order_by("-created_at", "-pk")
    households = (
        _with_applicant(Household.objects.filter(pk__in=matches))
        .select_related("region")
        .prefetch_related(Prefetch("cases", queryset=visible_cases, to_attr="visible_cases"))
        .order_by("-pk")
    )
    return list(households[:RESULT_LIMIT])


def _with_applicant(rows: QuerySet[Household]) -> QuerySet[Household]:
    applicant = Member.objects.filter(household_id=OuterRef("pk"), is_applicant=True)
    return rows.annotate(
        applicant_name=Subquery(applicant.values("name")[:1]),
        applicant_id=Subquery(applicant.values("resident_id")[:1]),
    )
