"""Who may see and act on what. One helper per object type; "no access" looks like "missing".

Jurisdiction is a guardian grant of `assistance.act_in_region` on a Region; a grant covers
the whole subtree below it (a county grant covers its townships and villages).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from assistance.models import Case, Evidence, Household, Region
from assistance.roles import NO_PERSONAL_DATA_ROLES, READ_ONLY_ROLES, ROLES
from engine.models import Task, TaskQuerySet, Wait, WaitQuerySet

AnyUser = User | AnonymousUser
JURISDICTION_PERMISSION = "assistance.act_in_region"


def jurisdiction_paths(user: AnyUser) -> list[str]:
    """Paths of the regions granted to the user, cached on the user object per request.

    A grant without a role covers nothing: a region grant left behind when a role is taken
    away must not keep every case of the region readable.
    """
    cached: list[str] | None = getattr(user, "_doudi_paths", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user_roles(user):
        return []
    regions = get_objects_for_user(
        user, JURISDICTION_PERMISSION, klass=Region, accept_global_perms=False, with_superuser=False
    )
    paths = sorted(set(regions.values_list("path", flat=True)))
    setattr(user, "_doudi_paths", paths)  # noqa: B010 - per-request cache
    return paths


def user_roles(user: AnyUser) -> list[str]:
    cached: list[str] | None = getattr(user, "_doudi_roles", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        return []
    assert isinstance(user, User)
    roles = [name for name in user.groups.values_list("name", flat=True) if name in ROLES]
    setattr(user, "_doudi_roles", roles)  # noqa: B010 - per-request cache
    return roles


def acting_roles(user: AnyUser) -> list[str]:
    return [role for role in user_roles(user) if role not in READ_ONLY_ROLES]


def reads_cases(user: AnyUser) -> bool:
    """Whether the user's roles read households' personal data at all (policy staff do not)."""
    return any(role not in NO_PERSONAL_DATA_ROLES for role in user_roles(user))


def _case_paths(user: AnyUser) -> list[str]:
    """The jurisdiction in which the user reads cases and households: none for policy staff."""
    return jurisdiction_paths(user) if reads_cases(user) else []


def in_jurisdiction(user: AnyUser, region: Region) -> bool:
    return any(region.path.startswith(path) for path in jurisdiction_paths(user))


def _region_filter(user: AnyUser, field: str, paths: list[str] | None = None) -> Q:
    condition = Q(pk__in=[])
    for path in _case_paths(user) if paths is None else paths:
        condition |= Q(**{f"{field}__path__startswith": path})
    return condition


def regions_for_user(user: AnyUser) -> Any:
    condition = Q(pk__in=[])
    for path in jurisdiction_paths(user):
        condition |= Q(path__startswith=path)
    return Region.objects.filter(condition)


def cases_for_user(user: AnyUser) -> Any:
    """Cases in the user's jurisdiction from which they are not recused, with everything on
    them (household, members, scans): none for a role that reads no personal data."""
    return Case.objects.filter(_region_filter(user, "region")).exclude(recusals__user=user.pk)


def cases_in_jurisdiction(user: AnyUser) -> Any:
    """Cases in the user's jurisdiction whatever their role, for pages that show a case's
    number and process state and nothing personal (the studio's impact and migration pages).
    Never hand these rows to a page that shows the household."""
    paths = jurisdiction_paths(user)
    return Case.objects.filter(_region_filter(user, "region", paths)).exclude(
        recusals__user=user.pk
    )


def get_case_for_user(user: AnyUser, case_id: int) -> Case:
    case = cases_for_user(user).select_related("region", "household").filter(pk=case_id).first()
    if case is None:
        raise Http404("No such case.")
    return case


def households_for_user(user: AnyUser) -> Any:
    """Households registered in the user's jurisdiction or with a case there, unless the user
    is recused from any of their cases: a recused colleague never sees the family's file."""
    if not _case_paths(user):
        return Household.objects.none()
    seen = _region_filter(user, "region") | Q(pk__in=cases_for_user(user).values("household_id"))
    return Household.objects.filter(seen).exclude(cases__recusals__user=user.pk)


def get_household_for_user(user: AnyUser, household_id: int) -> Household:
    household = households_for_user(user).select_related("region").filter(pk=household_id).first()
    if household is None:
        raise Http404("No such household.")
    return household


# Roles whose work needs whole resident ID numbers (registering, investigating, checking
# against other databases); everyone else sees them masked.
FULL_ID_ROLES = frozenset(
    {
        "village_clerk",
        "township_clerk",
        "township_investigator",
        "county_investigator",
        "county_checker",
    }
)


def sees_full_ids(user: AnyUser) -> bool:
    return bool(FULL_ID_ROLES.intersection(acting_roles(user)))


def get_evidence_for_user(user: AnyUser, evidence_id: int) -> Evidence:
    evidence = (
        Evidence.objects.filter(case__in=cases_for_user(user), pk=evidence_id)
        .select_related("case")
        .first()
    )
    if evidence is None:
        raise Http404("No such evidence.")
    return evidence


def inbox(user: AnyUser) -> TaskQuerySet:
    """Tasks the user may act on: a lane role they hold, in a region they cover."""
    roles = acting_roles(user)
    if not roles:
        return Task.objects.none()
    tasks = Task.objects.for_roles(roles).in_regions(jurisdiction_paths(user))
    return tasks.exclude(case__recusals__user=user.pk)


def waits_for_user(user: AnyUser) -> WaitQuerySet:
    """Stages waiting on a record from a role the user acts in, in a region they cover."""
    roles = acting_roles(user)
    if not roles:
        return Wait.objects.none()
    waits = Wait.objects.for_roles(roles).in_regions(jurisdiction_paths(user))
    return waits.exclude(case__recusals__user=user.pk)


def get_task_for_user(user: AnyUser, task_id: int, *, to_act: bool) -> Task:
    """404 outside the user's jurisdiction; 403 inside it for a role that may not act."""
    task = (
        Task.objects.filter(_region_filter(user, "region"), pk=task_id)
        .exclude(case__recusals__user=user.pk)
        .select_related("case", "case__household", "region", "claimed_by")
        .first()
    )
    if task is None:
        raise Http404("No such task.")
    if to_act and task.lane_role not in acting_roles(user):
        raise PermissionDenied("Your role does not act on this task.")
    return task


LEADER_ROLES = frozenset({"township_reviewer", "county_approver"})


def is_leader(user: AnyUser) -> bool:
    return bool(LEADER_ROLES.intersection(acting_roles(user)))


def colleagues_for(task: Task) -> Any:
    """Users who could act on the task: its lane role, jurisdiction over it, not recused."""
    from guardian.models import UserObjectPermission

    region_ids = [int(part) for part in task.region.path.strip("/").split("/") if part]
    granted = UserObjectPermission.objects.filter(
        permission__codename="act_in_region",
        content_type__app_label="assistance",
        content_type__model="region",
        object_pk__in=[str(pk) for pk in region_ids],
    ).values("user_id")
    return (
        User.objects.filter(is_active=True, groups__name=task.lane_role, pk__in=granted)
        .exclude(recusals__case_id=task.case_id)
        .order_by("username")
        .distinct()
    )


def require_acting_in_region(user: AnyUser, region: Region) -> None:
    """Any role that acts (not a read-only one), inside the user's jurisdiction."""
    if not in_jurisdiction(user, region):
        raise Http404("No such region.")
    if not acting_roles(user):
        raise PermissionDenied("Your role may not change cases.")


def require_role_in_region(user: AnyUser, region: Region, roles: set[str]) -> None:
    if not in_jurisdiction(user, region):
        raise Http404("No such region.")
    if not roles.intersection(acting_roles(user)):
        raise PermissionDenied("Your role may not do this.")
