"""Who may use the studio: policy staff read it (the superuser too); nobody else sees it.

Drafts belong to a scope (the province, or one county): policy staff see and act on the
drafts of the scopes their jurisdiction covers; to anyone else a draft does not exist.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access
from assistance.access import AnyUser
from assistance.models import Region, RegionLevel
from engine.models import ProcessDefinition
from studio.models import Draft, DraftQuerySet

STUDIO_ROLES = frozenset({"policy_staff"})


def may_use_studio(user: AnyUser) -> bool:
    return bool(user.is_authenticated and STUDIO_ROLES.intersection(access.user_roles(user)))


def require_studio(user: AnyUser) -> None:
    """Policy staff only; to anyone else the studio does not exist (404, like a missing page)."""
    if not may_use_studio(user):
        raise Http404("No such page.")


def _is_top(path: str) -> bool:
    # Paths are "/<id>/" for a region at the top of the tree, "/<id>/<id>/…" below it.
    return path.count("/") == 2


def covers_province(user: AnyUser) -> bool:
    """Province-wide changes need a grant at the top of the administrative tree."""
    return any(_is_top(path) for path in access.jurisdiction_paths(user))


def covers_scope(user: AnyUser, region: Region | None) -> bool:
    """Whether the user's jurisdiction covers a scope: the province (None) or a region."""
    if region is None:
        return covers_province(user)
    return any(region.path.startswith(path) for path in access.jurisdiction_paths(user))


def draft_scopes(user: AnyUser) -> list[Region]:
    """The counties a user may make a county's own version for."""
    paths = access.jurisdiction_paths(user)
    if not paths:
        return []
    inside = Q()
    for path in paths:
        inside |= Q(path__startswith=path)
    return list(Region.objects.filter(inside, level=RegionLevel.COUNTY).order_by("code"))


def draft_scope_choices(user: AnyUser, definition: ProcessDefinition) -> list[tuple[str, str]]:
    """(value, label) of the scopes a draft of this version may have for this user: a
    county's version stays the county's; a province-wide one is edited for the province or
    made a county's own."""
    if definition.region is not None:
        if covers_scope(user, definition.region):
            return [(str(definition.region.pk), definition.region.name)]
        return []
    choices = []
    if covers_province(user):
        choices.append(("province", _("Province-wide")))
    choices += [
        (str(region.pk), _("%(county)s only") % {"county": region.name})
        for region in draft_scopes(user)
    ]
    return choices


def drafts_for_user(user: AnyUser) -> DraftQuerySet:
    """Drafts whose scope the user's jurisdiction covers; none for anyone outside the studio."""
    if not may_use_studio(user):
        return Draft.objects.none()
    condition = Q(pk__in=[])
    if covers_province(user):
        condition |= Q(region__isnull=True)
    for path in access.jurisdiction_paths(user):
        condition |= Q(region__path__startswith=path)
    return Draft.objects.filter(condition)


def get_draft_for_user(user: AnyUser, draft_id: int, *, lock: bool = False) -> Draft:
    """A draft the user may see and act on (policy staff covering its scope), else 404."""
    require_studio(user)
    drafts = drafts_for_user(user)
    if lock:
        drafts = drafts.select_for_update(of=("self",))
    draft = (
        drafts.select_related("region", "base", "author", "reviewer").filter(pk=draft_id).first()
    )
    if draft is None:
        raise Http404("No such draft.")
    return draft
