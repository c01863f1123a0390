"""Who may use the studio: policy staff read it (the superuser too); nobody else sees it."""

from __future__ import annotations

from django.http import Http404

from assistance import access
from assistance.access import AnyUser

STUDIO_ROLES = frozenset({"policy_staff"})


def may_use_studio(user: AnyUser) -> bool:
    return bool(user.is_authenticated and STUDIO_ROLES.intersection(access.user_roles(user)))


def require_studio(user: AnyUser) -> None:
    """Policy staff only; to anyone else the studio does not exist (404, like a missing page)."""
    if not may_use_studio(user):
        raise Http404("No such page.")
