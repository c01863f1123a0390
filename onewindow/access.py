"""Who sees and handles the window's register.

Township clerks register requests and decide what becomes of them; staff who handle cases
in the region (reviewers, investigators, the county) and auditors read the register. To
anyone else, and to a staff member a complaint is about or who is recused from the
request's case, a request does not exist (404); a reader who may not write gets 403.
Policy staff read no personal data, so the register does not exist for them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from assistance import access
from assistance.access import AnyUser
from assistance.models import Region, RegionLevel
from onewindow.models import HelpRequest

WINDOW_ROLES = frozenset({"township_clerk"})


def may_read(user: AnyUser) -> bool:
    return bool(access.reads_cases(user) and access.jurisdiction_paths(user))


def may_register(user: AnyUser) -> bool:
    return bool(WINDOW_ROLES.intersection(access.acting_roles(user)))


def require_reader(user: AnyUser) -> None:
    if not may_read(user):
        raise Http404("No such page.")


def require_registrar(user: AnyUser) -> None:
    require_reader(user)
    if not may_register(user):
        raise PermissionDenied("Only the township window registers requests.")


def requests_for_user(user: AnyUser) -> Any:
    """Requests in the user's jurisdiction, less those about them or whose case they are
    recused from (a complaint about a staff member is hidden from that staff member)."""
    if not may_read(user):
        return HelpRequest.objects.none()
    inside = Q(pk__in=[])
    for path in access.jurisdiction_paths(user):
        inside |= Q(region__path__startswith=path)
    return (
        HelpRequest.objects.filter(inside)
        .exclude(subject_staff=user.pk)
        .exclude(case__recusals__user=user.pk)
    )


def get_request_for_user(user: AnyUser, request_id: int, *, to_act: bool = False) -> HelpRequest:
    found = (
        requests_for_user(user)
        .select_related("region", "case", "registered_by", "subject_case", "subject_staff")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404("No such request.")
    if to_act and not may_register(user):
        raise PermissionDenied("Only the township window handles requests.")
    return found


def window_regions(user: AnyUser) -> list[Region]:
    """Villages and townships where the user's window takes requests."""
    regions = access.regions_for_user(user).filter(
        level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]
    )
    return list(regions.order_by("path"))
