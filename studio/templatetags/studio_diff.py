"""How a changed property reads on the diff page: names through the workflow translations,
lanes as the role they stand for, yes/no for "required"."""

from __future__ import annotations

from django import template

from assistance.roles import ROLES
from portal import workflow_text
from studio.diff import Change

register = template.Library()


def _shown(change: Change, value: str | None) -> str | None:
    if value is None:
        return None
    if change.key == "lane" and value in ROLES:
        return f"{ROLES[value]} ({value})"
    if change.is_text:
        return workflow_text.translate(value)
    return value


@register.filter
def diff_old(change: Change) -> str | None:
    return _shown(change, change.shown_old)


@register.filter
def diff_new(change: Change) -> str | None:
    return _shown(change, change.shown_new)
