"""One staff member both investigating and confirming the same case (R2, separation of duties).

The home investigation (two investigators, R2) and the confirmation are meant to be different
people; the dibao diagram enforces it (`excludeActorsOf`), but a diagram may not, and an older
version may not have. The audit trail is the record: a `task.completed` event names the step
(its `task`, the diagram's element id) and who completed it. Within one process (the
application, or an exit), a user who completed an investigating step and a confirming step is
listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from audit.reports import Rule, register

# Element ids of the steps, as the diagrams in workflows/ name them.
INVESTIGATING = {
    "investigate": gettext_lazy("home investigation"),
    "cosign": gettext_lazy("second investigator's signature"),
    "county_investigate": gettext_lazy("county home investigation"),
    "investigate_exit": gettext_lazy("exit investigation"),
}
CONFIRMING = {
    "township_confirm": gettext_lazy("township confirmation"),
    "county_confirm": gettext_lazy("county confirmation"),
    "township_approve": gettext_lazy("township approval"),
    "county_approve": gettext_lazy("county approval"),
    "county_decision": gettext_lazy("county decision"),
    "county_approval": gettext_lazy("county approval of the exit"),
}


@register
class SameStaff(Rule):
    code = "same_staff"
    order = 70
    title = gettext_lazy("One staff member investigated and confirmed the same case")
    explanation = gettext_lazy(
        "Cases where the same person completed an investigating step (home investigation, "
        "the second investigator's signature, the county's investigation, an exit "
        "investigation) and a confirming step (township or county confirmation or approval) "
        "of the same process, according to the audit trail."
    )

    def sql(self) -> str:
        # A confirming step and an investigating step of one process by one person: a join
        # (the cases of the scope first, so a county reads only its own cases' events).
        return """
            SELECT x.case_id, x.township_id,
                   jsonb_build_object(
                       'staff', coalesce(nullif(sp.full_name, ''), u.username),
                       'investigated', x.investigated, 'confirmed', x.confirmed
                   ) AS facts
            FROM (
                SELECT c.id AS case_id, s.township_id, conf.actor_id,
                       jsonb_agg(DISTINCT inv.payload->>'task') AS investigated,
                       jsonb_agg(DISTINCT conf.payload->>'task') AS confirmed
                FROM scope s
                JOIN assistance_case c ON c.region_id = s.region_id
                JOIN engine_auditevent conf
                  ON conf.case_id = c.id AND conf.action = 'task.completed'
                 AND conf.actor_id IS NOT NULL
                 AND conf.payload->>'task' = ANY(%(same_staff_confirming)s)
                JOIN engine_auditevent inv
                  ON inv.case_id = c.id AND inv.actor_id = conf.actor_id
                 AND coalesce(inv.instance_id, 0) = coalesce(conf.instance_id, 0)
                 AND inv.action = 'task.completed'
                 AND inv.payload->>'task' = ANY(%(same_staff_investigating)s)
                GROUP BY c.id, s.township_id, conf.instance_id, conf.actor_id
            ) x
            JOIN auth_user u ON u.id = x.actor_id
            LEFT JOIN assistance_staffprofile sp ON sp.user_id = x.actor_id
        """

    def params(self, today: Any) -> dict[str, Any]:
        return {
            "same_staff_investigating": list(INVESTIGATING),
            "same_staff_confirming": list(CONFIRMING),
        }

    def why(self, facts: Mapping[str, Any]) -> str:
        separator = pgettext("list separator", ", ")

        def steps(codes: Any, labels: Mapping[str, Any]) -> str:
            done = set(codes or [])
            # In the order of the process, then any step this code does not name.
            names = [str(label) for code, label in labels.items() if code in done]
            names += sorted(code for code in done if code not in labels)
            return separator.join(names)

        return _("%(staff)s did the %(investigated)s and the %(confirmed)s") % {
            "staff": facts.get("staff", ""),
            "investigated": steps(facts.get("investigated"), INVESTIGATING),
            "confirmed": steps(facts.get("confirmed"), CONFIRMING),
        }
