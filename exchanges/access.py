"""Who sends and reads the exchanges' records.

Staff: the county checker answers check requests, the county approver (县民政, the office
that confirms and answers for the register, R10) imports death records and the poverty
registry; auditors read every page of their jurisdiction and get 403 on every write; to
anyone else the pages do not exist (404).

Outside systems call through the API (`api/`), which passes a `System`: the account's kind
and region. A record outside that region is missing to it, exactly as to staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from assistance import access
from assistance.access import AnyUser
from assistance.models import Region, RegionLevel

CHECK_ROLE = "county_checker"
DEATHS_ROLE = "county_approver"
REGISTRY_ROLE = "county_approver"
READ_ROLES = frozenset({"auditor"})


@dataclass(frozen=True)
class System:
    """An outside system's account as the API knows it; its user is the audit actor."""

    kind: str
    region: Region

    @property
    def role(self) -> str:
        return f"system:{self.kind}"

    def covers(self, region: Region) -> bool:
        return region.path.startswith(self.region.path)


def acts_as(user: AnyUser, role: str) -> bool:
    return role in access.acting_roles(user)


def reads(user: AnyUser, role: str) -> bool:
    """Whether the user sees the pages of the role's exchange: acting in it or auditing."""
    # Roles first: they are cached on the user, and most people hold none of these.
    if not (acts_as(user, role) or READ_ROLES.intersection(access.user_roles(user))):
        return False
    return bool(access.jurisdiction_paths(user))


def require_page(user: AnyUser, role: str) -> None:
    if not reads(user, role):
        raise Http404("No such page.")


def require_acting(user: AnyUser, role: str) -> None:
    """404 to strangers, 403 to readers, before any object is looked up."""
    require_page(user, role)
    if not acts_as(user, role):
        raise PermissionDenied("Your role may not do this.")


def region_filter(paths: list[str], field: str) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__path__startswith": path})
    return condition


def office_region(user: AnyUser) -> Region:
    """The widest region of the user's jurisdiction: where their imports are filed."""
    paths = access.jurisdiction_paths(user)
    region = Region.objects.filter(path__in=paths).order_by("path").first()
    if region is None:
        raise Http404("No such region.")
    return region


def counties_for(user: AnyUser) -> list[Region]:
    """The counties of the user's jurisdiction (their own, or those under a wider grant)."""
    counties = access.regions_for_user(user).filter(level=RegionLevel.COUNTY).order_by("code")
    return list(counties)
