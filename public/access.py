"""Who may edit the public pages: policy staff, within their jurisdiction; to anyone else
the editor does not exist (404). Everything else on the public site needs no sign-in."""

from __future__ import annotations

from django.http import Http404

from assistance import access
from assistance.access import AnyUser
from assistance.models import Region
from public.models import PublicPage

MANAGER_ROLES = frozenset({"policy_staff"})


def may_manage(user: AnyUser) -> bool:
    return bool(user.is_authenticated and MANAGER_ROLES.intersection(access.user_roles(user)))


def require_manager(user: AnyUser) -> None:
    if not may_manage(user):
        raise Http404("No such page.")


def covers_province(user: AnyUser) -> bool:
    # A grant at the top of the tree: paths "/<id>/".
    return any(path.count("/") == 2 for path in access.jurisdiction_paths(user))


def covers(user: AnyUser, region: Region | None) -> bool:
    """Whether the user may write pages for this scope (None: the whole province)."""
    if region is None:
        return covers_province(user)
    return any(region.path.startswith(path) for path in access.jurisdiction_paths(user))


def get_page_for_user(user: AnyUser, page_id: int) -> PublicPage:
    require_manager(user)
    page = PublicPage.objects.select_related("region").filter(pk=page_id).first()
    if page is None or not covers(user, page.region):
        raise Http404("No such page.")
    return page
