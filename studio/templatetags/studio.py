"""Template filters of the studio."""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist

register = template.Library()


@register.filter
def person(user: object) -> str:
    """A staff member as colleagues know them: the name on their staff profile, else their
    full name, else their login; "—" for nobody."""
    if user is None:
        return "—"
    try:
        profile = user.staff  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, AttributeError):
        profile = None
    if profile is not None and profile.full_name:
        return str(profile.full_name)
    full_name = getattr(user, "get_full_name", lambda: "")()
    return str(full_name or getattr(user, "username", "") or "—")
