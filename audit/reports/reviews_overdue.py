"""Periodic reviews overdue for their class (动态管理, R11; domain.md "Classification").

Each active dibao and 特困 case is reviewed at the cycle of its class, a policy parameter of
its region (assistance.processes.review): A and B every `review_cycle_months_a/_b` months, C
every `review_cycle_months_c_urban/_rural` by hukou. The review is due one cycle after the
last completed review (the case's `last_review_on`), or after the confirmation when there has
been none. A case whose due date has passed without a completed review is listed, with the
days since; a review under way does not count until it is decided. A case never classified
is measured with the class A cycle and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.reports import Rule, register
from audit.reports.sql import ISO_DAY, policy


@register
class ReviewsOverdue(Rule):
    code = "reviews_overdue"
    order = 60
    title = gettext_lazy("Periodic reviews overdue")
    explanation = gettext_lazy(
        "Active dibao and extreme-poverty cases whose periodic review is past due: one cycle "
        "of the case's class (A, B or C, months set by the region's policy) after the last "
        "completed review, or after the confirmation when there has been none. A case never "
        "classified is measured with the class A cycle."
    )

    def sql(self) -> str:
        cycle = f"""(CASE x.review_class
            WHEN 'B' THEN {policy("review_cycle_months_b")}
            WHEN 'C' THEN (CASE WHEN (SELECT h.hukou FROM assistance_household h
                                      WHERE h.id = x.household_id) = 'urban'
                                THEN {policy("review_cycle_months_c_urban")}
                                ELSE {policy("review_cycle_months_c_rural")} END)
            ELSE {policy("review_cycle_months_a")} END)"""
        return f"""
            SELECT y.id AS case_id, y.township_id,
                   jsonb_build_object(
                       'class', y.review_class, 'reviewed_on', y.reviewed_on,
                       'since', y.since, 'due', y.due, 'days', %(today)s::date - y.due
                   ) AS facts
            FROM (
                SELECT x.*, (x.since + make_interval(months => {cycle}))::date AS due
                FROM (
                    SELECT c.id, c.household_id, c.review_class, s.township_id, s.policy_id,
                           r.reviewed_on,
                           coalesce(r.reviewed_on, c.decided_on, c.start_month) AS since
                    FROM assistance_case c
                    JOIN scope s ON s.region_id = c.region_id
                    CROSS JOIN LATERAL (
                        SELECT CASE WHEN (c.details->>'last_review_on') ~ {ISO_DAY}
                                    THEN (c.details->>'last_review_on')::date END AS reviewed_on
                    ) r
                    WHERE c.status = 'active' AND c.assistance_type IN ('dibao', 'tekun')
                ) x
                JOIN policies p ON p.id = x.policy_id
            ) y
            WHERE y.due < %(today)s::date
        """

    def why(self, facts: Mapping[str, Any]) -> str:
        days = int(facts.get("days") or 0)
        values = {"due": facts.get("due", ""), "since": facts.get("since", ""), "days": days}
        if facts.get("class"):
            text = _("Class %(cls)s") % {"cls": facts["class"]}
        else:
            text = _("Never classified (class A cycle)")
        if facts.get("reviewed_on"):
            text += _(", last reviewed %(since)s") % values
        else:
            text += _(", not reviewed since the confirmation on %(since)s") % values
        text += (
            ngettext(
                ": review due %(due)s, %(days)s day overdue",
                ": review due %(due)s, %(days)s days overdue",
                days,
            )
            % values
        )
        return text
