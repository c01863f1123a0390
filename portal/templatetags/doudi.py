from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS = {
    "case.created": _("Application registered"),
    "case.decided": _("Case decided"),
    "document.issued": _("Document issued"),
    "case.relatives_flagged": _("Near relative of staff flagged"),
    "instance.started": _("Process started"),
    "task.claimed": _("Task claimed"),
    "task.unclaimed": _("Task released"),
    "task.assigned": _("Task assigned"),
    "task.completed": _("Step completed"),
    "timer.fired": _("Time limit reached"),
    "message.received": _("Received"),
    "evidence.uploaded": _("Scan uploaded"),
    "evidence.viewed": _("Scan viewed"),
    "definition.deployed": _("Process deployed"),
}


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


INCOME_LABELS = {
    "wage": _("Wage"),
    "business": _("Business income"),
    "property": _("Property income"),
    "transfer": _("Transfer income"),
    "employment_cost": _("Employment costs"),
    "award": _("Award"),
    "student_aid": _("Student aid"),
    "temporary_assistance": _("Temporary assistance"),
    "disability_subsidy": _("Disability subsidies"),
    "orphan_allowance": _("Orphan allowance"),
    "basic_pension": _("Basic pension"),
    "medical": _("Medical expenses"),
    "education": _("Education expenses"),
    "disability": _("Disability expenses"),
}


@register.filter
def money_kind(kind: str) -> str:
    return str(INCOME_LABELS.get(kind, kind))
