"""人情保、关系保: relatives of staff and village cadres receiving benefits (R7, R10).

Three ways a case is tied to a staff member (any user: township and county staff, village
cadres, who register their near relatives under R7):

- a member of the household is a near relative the staff member declared (NearRelative);
- the staff member belongs to the household themselves (their resident ID, StaffProfile);
- and, on an open case of either kind, the staff member acted on it: any event of theirs on
  the case's audit trail except reading (a relative's case should have seen them recused).

Active cases are listed for the first two; a case still in progress only when the related
staff member acted on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assistance.models import NearRelative
from audit.reports import Rule, register

# Events that read a case rather than act on it.
READ_ACTIONS = ("evidence.viewed",)


@register
class Relatives(Rule):
    code = "relatives"
    order = 10
    title = gettext_lazy("Relatives of staff and village cadres receiving benefits")
    explanation = gettext_lazy(
        "Active cases whose household includes a near relative a staff member or village "
        "cadre declared, or the staff member themselves (by the resident ID on their staff "
        "record); and open cases of such households on which that staff member took a step "
        "(claimed, completed, uploaded — anything but reading): benefits by favour or by "
        "connection, in the words of the special rectification."
    )

    def sql(self) -> str:
        return """
            SELECT c.id AS case_id, s.township_id,
                   jsonb_build_object(
                       'kind', r.kind, 'member', m.name, 'relation', r.relation,
                       'staff', coalesce(nullif(sp.full_name, ''), u.username),
                       'steps', acts.n
                   ) AS facts
            FROM (
                SELECT nr.staff_id, nr.resident_id, nr.relation, 'declared' AS kind
                FROM assistance_nearrelative nr
                UNION ALL
                SELECT own.user_id, own.resident_id, '', 'own_household'
                FROM assistance_staffprofile own WHERE own.resident_id <> ''
            ) r
            JOIN assistance_member m ON m.resident_id = r.resident_id
            JOIN assistance_case c
              ON c.household_id = m.household_id AND c.status IN ('active', 'in_progress')
            JOIN scope s ON s.region_id = c.region_id
            JOIN auth_user u ON u.id = r.staff_id
            LEFT JOIN assistance_staffprofile sp ON sp.user_id = r.staff_id
            CROSS JOIN LATERAL (
                SELECT count(*)::int AS n FROM engine_auditevent e
                WHERE e.case_id = c.id AND e.actor_id = r.staff_id
                  AND NOT (e.action = ANY(%(relatives_reads)s))
                  AND NOT starts_with(e.action, 'audit.')
            ) acts
            WHERE c.status = 'active' OR acts.n > 0
        """

    def params(self, today: Any) -> dict[str, Any]:
        return {"relatives_reads": list(READ_ACTIONS)}

    def why(self, facts: Mapping[str, Any]) -> str:
        values = {
            "member": facts.get("member", ""),
            "staff": facts.get("staff", ""),
            "steps": facts.get("steps") or 0,
        }
        if facts.get("kind") == "own_household":
            text = _("Staff member %(staff)s is a member of this household") % values
        else:
            labels = dict(NearRelative.Relation.choices)
            relation = labels.get(facts.get("relation", ""), facts.get("relation", ""))
            text = _("%(member)s is a declared near relative (%(relation)s) of %(staff)s") % {
                **values,
                "relation": relation,
            }
        if values["steps"]:
            text += (
                ngettext(
                    ", and %(staff)s took %(steps)s step on this case",
                    ", and %(staff)s took %(steps)s steps on this case",
                    values["steps"],
                )
                % values
            )
        return text
