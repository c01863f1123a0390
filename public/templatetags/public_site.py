"""What the portal's case page shows of the public site: the objections sent online."""

from __future__ import annotations

from typing import Any

from django import template

from assistance.models import Case
from public.models import PublicObjection

register = template.Library()


@register.inclusion_tag("public/_online_objections.html")
def online_objections(case: Case) -> dict[str, Any]:
    """For staff who may read the case (the page's own access check has run)."""
    objections = list(
        PublicObjection.objects.filter(case=case).select_related("notice").order_by("received_at")
    )
    return {"objections": objections}
