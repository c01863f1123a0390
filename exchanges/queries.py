"""The read side of the exchanges' pages, each list a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from assistance import access as case_access
from assistance.access import AnyUser
from assistance.models import Member, Region, RegionLevel
from engine.models import Wait
from exchanges import access, checks
from exchanges.models import (
    CheckRequest,
    FileImport,
    ImportKind,
    RegistryDifference,
    RegistryImport,
)
from exchanges.registry import differences_for

PAGE_SIZE = 50
RECENT = 20
# Which role's page reads which kind of import.
IMPORT_ROLES = {ImportKind.CHECK_RESULTS: access.CHECK_ROLE, ImportKind.DEATHS: access.DEATHS_ROLE}


def _applicant(field: str) -> Subquery:
    return Subquery(
        Member.objects.filter(household=OuterRef("case__household"), is_applicant=True).values(
            field
        )[:1]
    )


def open_check_requests(user: AnyUser) -> QuerySet[CheckRequest]:
    """Open requests of the checker's jurisdiction (auditors read them too), the oldest first,
    with the applicant and the wait's due date in the same query."""
    if access.acts_as(user, access.CHECK_ROLE):
        requests = checks.open_requests(user, None)  # type: ignore[arg-type]
    else:
        paths = case_access.jurisdiction_paths(user)
        requests = CheckRequest.objects.filter(
            access.region_filter(paths, "region"), status__in=("pending", "sent")
        ).exclude(case__recusals__user=user.pk)
    return (
        requests.select_related("case", "region")
        .annotate(
            applicant_name=_applicant("name"),
            applicant_id=_applicant("resident_id"),
            due_date=Subquery(
                Wait.objects.filter(spiff_id=OuterRef("wait_spiff_id")).values("due_date")[:1]
            ),
        )
        .order_by("created_at", "pk")
    )


def page(rows: Any, number: str | None) -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(number)


def _imports_in_jurisdiction(user: AnyUser) -> QuerySet[FileImport]:
    return FileImport.objects.filter(
        access.region_filter(case_access.jurisdiction_paths(user), "region")
    )


def recent_imports(user: AnyUser, kind: str) -> list[FileImport]:
    return list(
        _imports_in_jurisdiction(user)
        .filter(kind=kind)
        .select_related("uploaded_by__staff")
        .defer("report")
        .order_by("-created_at", "-pk")[:RECENT]
    )


def get_import_for_user(user: AnyUser, import_id: int) -> FileImport:
    imported = (
        _imports_in_jurisdiction(user)
        .select_related("uploaded_by__staff", "region")
        .filter(pk=import_id)
        .first()
    )
    if imported is None or not access.reads(user, IMPORT_ROLES[ImportKind(imported.kind)]):
        raise Http404("No such import.")
    return imported


def registry_imports(user: AnyUser) -> list[RegistryImport]:
    counties = [county.pk for county in access.counties_for(user)]
    return list(
        RegistryImport.objects.filter(county_id__in=counties)
        .select_related("county", "uploaded_by__staff")
        .defer("problems")
        .order_by("-created_at", "-pk")[:RECENT]
    )


def get_registry_import(user: AnyUser, import_id: int) -> RegistryImport:
    counties = [county.pk for county in access.counties_for(user)]
    found = (
        RegistryImport.objects.filter(county_id__in=counties, pk=import_id)
        .select_related("county", "uploaded_by__staff")
        .first()
    )
    if found is None:
        raise Http404("No such import.")
    return found


def townships_for(user: AnyUser) -> list[Region]:
    counties = access.counties_for(user)
    paths = [county.path for county in counties]
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return list(Region.objects.filter(condition, level=RegionLevel.TOWNSHIP).order_by("code"))


def differences(user: AnyUser, filters: dict[str, Any]) -> QuerySet[RegistryDifference]:
    rows = differences_for(user)  # type: ignore[arg-type]
    if filters.get("county"):
        rows = rows.filter(county=filters["county"])
    if filters.get("township"):
        rows = rows.filter(region__path__startswith=filters["township"].path)
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    rows = rows.filter(status=filters.get("status") or "open")
    return rows.select_related("region", "case", "county", "resolved_by__staff").order_by(
        "kind", "region__path", "resident_id", "pk"
    )
