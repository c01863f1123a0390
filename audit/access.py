"""Who may use the auditors' workspace: auditors (and discipline inspectors), read-only, within
their jurisdiction. To anyone else it does not exist (404, like a missing page)."""

from __future__ import annotations

from django.http import Http404

from assistance import access
from assistance.access import AnyUser

AUDIT_ROLES = frozenset({"auditor"})


def may_audit(user: AnyUser) -> bool:
    return bool(user.is_authenticated and AUDIT_ROLES.intersection(access.user_roles(user)))


def require_auditor(user: AnyUser) -> None:
    if not may_audit(user):
        raise Http404("No such page.")
