"""Template filters of the studio."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist

from studio import queries

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


@register.inclusion_tag("studio/_home_counts.html", takes_context=True)
def studio_home_counts(context: dict[str, Any]) -> dict[str, Any]:
    """What waits for a policy officer, counted for the home page: drafts and parameter
    changes to review, their own drafts in progress, bulk migrations under way."""
    return queries.home_counts(context["request"].user)
