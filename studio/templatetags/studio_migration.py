"""Migration reports in the page's language: the engine's problems and changes name steps
by their drawn (Chinese) titles, which are workflow texts."""

from django import template

from engine.migration import Change, Problem
from portal import workflow_text

register = template.Library()


@register.filter
def migration_text(item: Problem | Change) -> str:
    return item.message(workflow_text.translate)
