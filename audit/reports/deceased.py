"""Benefits paid to the deceased (死亡人员享受低保、特困供养, seed 000; R10).

A death record (civil registry import or a reported death) names a person the benefit is for:
the member covered alone, else a covered member of the household. Benefits stop from the
month after the death, so every month paid from then on is to be recovered:

- an active case: paid up to and including this month;
- a closed case: paid up to the month before it ended, or — when the exit stopped the benefit
  back-dated to the death (its `overpaid_from`) — up to the month the exit was decided.

There is no payment ledger yet: months paid follow from the active period (start month, end)
and the amount is months × the monthly amount when the dead person was the only one paid for.
An active case is listed even with no month paid yet; a closed one only with months paid.
One-off temporary aid is not paid by the month and is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.reports import Rule, money, register
from audit.reports.sql import ISO_DAY

MONTH = "(EXTRACT(YEAR FROM {d}) * 12 + EXTRACT(MONTH FROM {d}))"


def _month_index(day: str) -> str:
    return MONTH.format(d=day)


@register
class Deceased(Rule):
    code = "deceased"
    order = 20
    title = gettext_lazy("Benefits paid to the deceased")
    explanation = gettext_lazy(
        "A death record names a person a case pays for (the member covered alone, or a "
        "covered member of the household), and the case is still active, or it was closed "
        "after months were paid past the death. Benefits stop from the month after the death; "
        "every month paid from then on is to be recovered. Without a payment ledger, months "
        "paid follow from the case's active period and the amount from its monthly amount."
    )

    def sql(self) -> str:
        paid_until = f"""
            CASE WHEN c.status = 'active'
                 THEN (date_trunc('month', %(today)s::date) + interval '1 month')::date
                 ELSE greatest(c.ended_on, (
                     SELECT max(date_trunc('month', (x->>'decided_on')::date)
                                + interval '1 month')::date
                     FROM jsonb_array_elements(
                         CASE WHEN jsonb_typeof(c.details->'exits') = 'array'
                              THEN c.details->'exits' ELSE '[]'::jsonb END) x
                     WHERE x ? 'overpaid_from' AND (x->>'decided_on') ~ {ISO_DAY}
                 )) END
        """
        return f"""
            WITH dead AS (
                SELECT m.id AS member_id, m.name, m.household_id, m.covered, d.died_on
                FROM assistance_deathrecord d
                JOIN assistance_member m ON m.resident_id = d.resident_id
            ), paid AS (
                SELECT k.id AS case_id, k.dead_id FROM (
                    SELECT c.id, dd.member_id AS dead_id
                    FROM dead dd JOIN assistance_case c
                      ON c.household_id = dd.household_id AND c.single_person_id IS NULL
                    WHERE dd.covered
                    UNION ALL
                    SELECT c.id, dd.member_id
                    FROM dead dd JOIN assistance_case c ON c.single_person_id = dd.member_id
                ) k
            ), spans AS (
                SELECT c.id AS case_id, s.township_id, c.status, c.monthly_amount,
                       dd.name, dd.died_on,
                       (c.single_person_id IS NOT NULL OR (
                           SELECT count(*) FROM assistance_member o
                           WHERE o.household_id = c.household_id AND o.covered) = 1) AS alone,
                       greatest((date_trunc('month', dd.died_on) + interval '1 month')::date,
                                c.start_month) AS stop_from,
                       {paid_until} AS paid_until
                FROM paid
                JOIN assistance_case c ON c.id = paid.case_id
                JOIN dead dd ON dd.member_id = paid.dead_id
                JOIN scope s ON s.region_id = c.region_id
                WHERE c.status IN ('active', 'closed') AND c.assistance_type <> 'temporary'
            )
            SELECT case_id, township_id,
                   jsonb_build_object(
                       'member', name, 'died_on', died_on, 'status', status,
                       'months', months, 'alone', alone,
                       'amount', CASE WHEN alone THEN months * monthly_amount END
                   ) AS facts
            FROM (
                SELECT spans.*, greatest(0, {_month_index("paid_until")}
                                            - {_month_index("stop_from")})::int AS months
                FROM spans
            ) counted
            WHERE status = 'active' OR months > 0
        """

    def why(self, facts: Mapping[str, Any]) -> str:
        months = int(facts.get("months") or 0)
        values = {"member": facts.get("member", ""), "died_on": facts.get("died_on", "")}
        text = _("%(member)s died on %(died_on)s") % values
        if facts.get("status") == "active":
            text += _("; the case is still active")
        if months:
            text += ngettext(
                "; %(months)s month paid after the death",
                "; %(months)s months paid after the death",
                months,
            ) % {"months": months}
            if facts.get("amount") is not None:
                text += _(" (%(amount)s yuan)") % {"amount": money(facts["amount"])}
        if not facts.get("alone"):
            text += _("; still counted among the household's covered members")
        return text
