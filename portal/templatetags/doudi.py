from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS = {
    "case.created": _("Application registered"),
    "case.decided": _("Case decided"),
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
