"""The studio home's list of parameter changes waiting for the signed-in user's review."""

from __future__ import annotations

from typing import Any

from django import template

from studio import parameters

register = template.Library()


@register.inclusion_tag("studio/_parameters_pending.html", takes_context=True)
def policy_changes_to_review(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    return {"changes": parameters.changes_to_review(user), "user": user, "title_all": False}
