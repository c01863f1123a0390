"""`case_documents`: the notices a case page offers (see portal/_documents.html)."""

from __future__ import annotations

from typing import Any

from django import template

from assistance.documents import Offer, issuable
from assistance.models import Case

register = template.Library()


@register.simple_tag(takes_context=True)
def case_documents(context: dict[str, Any], case: Case) -> list[Offer]:
    return issuable(case, context["request"].user)
