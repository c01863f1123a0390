"""Amounts out of line with the standard and the household size (R10: 错保, 人情保 by amount).

For the kinds whose amount follows the dibao standard, the most and the least a case can be
paid follow from the policy in force and the records:

- dibao: at most (standard + the highest 增发 supplement) × covered members — no household
  can get more; at least half of (standard − counted per-capita income) × covered members,
  the base amount the records give today (a rise of the standard since the last review does
  not come near half);
- 特困: at least the basic living standard (standard × the multiplier, rounded up to the cent),
  at most that plus the full-care allowance (minimum wage × the full-care percentage).

Disability, elderly and orphan benefits are flat rates and temporary aid is one-off: not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.reports import Rule, money, register
from audit.reports.sql import income, income_sources, policy, standard

SUPPLEMENTS = (
    "dibao_supplement_elderly",
    "dibao_supplement_minor",
    "dibao_supplement_severe_disability",
    "dibao_supplement_serious_illness",
)


@register
class AmountOutliers(Rule):
    code = "amount_outliers"
    order = 80
    title = gettext_lazy("Amounts out of line with the standard and household size")
    explanation = gettext_lazy(
        "Active dibao cases paid more than the standard plus the highest supplement for "
        "each covered member, or less than half of what the standard and the incomes on "
        "record give; extreme-poverty cases paid below the basic living standard or above it "
        "plus the full-care allowance."
    )

    def sql(self) -> str:
        std = standard("p", "x.hukou")
        top_supplement = (
            "greatest(" + ", ".join(f"coalesce({policy(key)}, 0)" for key in SUPPLEMENTS) + ")"
        )
        basic = f"(ceil({std} * {policy('tekun_basic_multiplier')} * 100) / 100)"
        care = (
            f"round({policy('minimum_wage_monthly')} "
            f"* {policy('tekun_care_full_percent')} / 100, 2)"
        )
        return f"""
            WITH {income_sources()}
            SELECT id AS case_id, township_id,
                   jsonb_build_object(
                       'kind', assistance_type, 'amount', amount, 'standard', standard,
                       'covered', covered, 'most', round(most, 2), 'least', round(least, 2),
                       'expected', round(expected, 2), 'high', amount > most
                   ) AS facts
            FROM (
                SELECT bounds.*,
                       CASE WHEN assistance_type = 'dibao' THEN expected / 2
                            ELSE basic END AS least
                FROM (
                    SELECT x.id, x.township_id, x.assistance_type, x.covered,
                           coalesce(x.monthly_amount, 0) AS amount, {std} AS standard,
                           {basic} AS basic,
                           greatest({std} - x.per_capita, 0) * x.covered AS expected,
                           CASE WHEN x.assistance_type = 'dibao'
                                THEN ({std} + {top_supplement}) * x.covered
                                ELSE {basic} + {care} END AS most
                    FROM ({income()}) x
                    JOIN policies p ON p.id = x.policy_id
                ) bounds
            ) limits
            WHERE amount > most OR amount < least
        """

    def why(self, facts: Mapping[str, Any]) -> str:
        values = {
            "amount": money(facts.get("amount")),
            "most": money(facts.get("most")),
            "least": money(facts.get("least")),
            "expected": money(facts.get("expected")),
            "covered": facts.get("covered", ""),
            "standard": money(facts.get("standard")),
        }
        if facts.get("kind") == "dibao":
            if facts.get("high"):
                return (
                    _(
                        "Paid %(amount)s a month, more than the %(most)s the standard "
                        "%(standard)s and the highest supplement allow for %(covered)s covered "
                        "member(s)"
                    )
                    % values
                )
            return (
                _(
                    "Paid %(amount)s a month, less than half of the %(expected)s the standard "
                    "%(standard)s and the incomes on record give for %(covered)s covered "
                    "member(s)"
                )
                % values
            )
        if facts.get("high"):
            return (
                _(
                    "Paid %(amount)s a month, more than the basic living standard plus the "
                    "full-care allowance (%(most)s)"
                )
                % values
            )
        return _("Paid %(amount)s a month, below the basic living standard %(least)s") % values
