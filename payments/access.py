"""Who may see and act on rosters: the county payments officers of the county act; auditors
read within their jurisdiction (403 on every write); to anyone else a roster does not exist
(404). Bank accounts are recorded by the township clerk and the county payments officer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from assistance import access
from assistance.access import AnyUser
from assistance.models import Case, Region, RegionLevel
from payments.models import Roster

FINANCE_ROLE = "county_finance"
READ_ROLES = frozenset({"auditor"})
ACCOUNT_ROLES = {"township_clerk", FINANCE_ROLE}


def acts_on_rosters(user: AnyUser) -> bool:
    return FINANCE_ROLE in access.acting_roles(user)


def reads_rosters(user: AnyUser) -> bool:
    return acts_on_rosters(user) or bool(READ_ROLES.intersection(access.user_roles(user)))


def rosters_for_user(user: AnyUser) -> Any:
    if not reads_rosters(user):
        return Roster.objects.none()
    condition = Q(pk__in=[])
    for path in access.jurisdiction_paths(user):
        condition |= Q(county__path__startswith=path)
    return Roster.objects.filter(condition)


def get_roster_for_user(user: AnyUser, roster_id: int, *, to_act: bool) -> Roster:
    roster = (
        rosters_for_user(user)
        .select_related(
            "county", "built_by__staff", "first_approved_by__staff", "second_approved_by__staff"
        )
        .filter(pk=roster_id)
        .first()
    )
    if roster is None:
        raise Http404("No such roster.")
    if to_act and not acts_on_rosters(user):
        raise PermissionDenied("Your role may not change rosters.")
    return roster


def counties_for_user(user: AnyUser) -> Any:
    """Counties whose rosters the user builds: those of their jurisdiction."""
    if not acts_on_rosters(user):
        return Region.objects.none()
    return access.regions_for_user(user).filter(level=RegionLevel.COUNTY).order_by("code")


def require_payments_page(user: AnyUser) -> None:
    if not reads_rosters(user):
        raise Http404("No such page.")


def get_case_account_for_user(user: AnyUser, case_id: int, *, to_act: bool) -> Case:
    """A case whose bank account the user may see (404 otherwise) and, with `to_act`,
    record: the township clerk or the county payments officer over its region (403)."""
    case = access.get_case_for_user(user, case_id)
    if to_act and not ACCOUNT_ROLES.intersection(access.acting_roles(user)):
        raise PermissionDenied("Your role may not record bank accounts.")
    return case


def may_record_account(user: AnyUser, case: Case) -> bool:
    return bool(ACCOUNT_ROLES.intersection(access.acting_roles(user))) and access.in_jurisdiction(
        user, case.region
    )
