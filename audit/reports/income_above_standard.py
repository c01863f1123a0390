"""错保: income above the standard, yet the case is still active (R10, domain.md "Exit").

The counted income is worked out from the records as the amount calculation counts it
(assistance.amounts): a dibao household's members, or the member covered alone; a 特困 person
alone. When the per-capita figure reaches the dibao standard in force for the household's
hukou, the household no longer qualifies: the case should have gone through an exit (with
the gradual exit where the county grants one, which closes the case with a later end date).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.models import AssistanceType
from audit.reports import Rule, money, register
from audit.reports.sql import income, income_sources, standard


@register
class IncomeAboveStandard(Rule):
    code = "income_above_standard"
    order = 50
    title = gettext_lazy("Income above the standard, still active")
    explanation = gettext_lazy(
        "Active dibao and extreme-poverty cases whose counted per-capita income, worked out "
        "from the incomes and rigid expenditures on record the way the amount is calculated, "
        "is not below the dibao standard in force today. Such a household no longer "
        "qualifies and should have been through an exit: wrong coverage, in the words of the "
        "special rectification."
    )

    def sql(self) -> str:
        std = standard("p", "x.hukou")
        return f"""
            WITH {income_sources()}
            SELECT x.id AS case_id, x.township_id,
                   jsonb_build_object(
                       'kind', x.assistance_type, 'per_capita', x.per_capita,
                       'size', x.size, 'standard', {std}
                   ) AS facts
            FROM ({income()}) x
            JOIN policies p ON p.id = x.policy_id
            WHERE x.per_capita >= {std}
        """

    def why(self, facts: Mapping[str, Any]) -> str:
        kinds = dict(AssistanceType.choices)
        return _(
            "%(kind)s: counted income %(income)s a month per person (%(size)s counted) is not "
            "below the standard %(standard)s"
        ) % {
            "kind": kinds.get(facts.get("kind", ""), facts.get("kind", "")),
            "income": money(facts.get("per_capita")),
            "size": facts.get("size", ""),
            "standard": money(facts.get("standard")),
        }
