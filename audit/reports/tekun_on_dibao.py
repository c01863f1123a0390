"""该吃五保吃低保: people who meet the extreme-poverty (特困) criteria kept on dibao (seed 004).

A person paid for by an active dibao case (a covered member, or the member covered alone) who,
as recorded, meets all three 特困 criteria (domain.md, assistance.kinds.tekun):

- no capacity to work: aged 60 or over, under 16, or severely disabled (grade 1-2);
- no income: their own counted income (dibao rules, their own rigid expenditures deducted)
  below the dibao standard in force for their household;
- no one to support them: no other member of their household of working age (16-59) who is
  not severely disabled. Supporters living elsewhere are not in the records; the home
  investigation decides on them, so a listed person is a lead to check, not a verdict.

People already on 特困 support or the orphan programme (an active case paying for them) are
not listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.kinds.tekun import CHILD_AGE, OLD_AGE, SEVERE_DISABILITY_GRADES
from audit.reports import Rule, money, register
from audit.reports.sql import COST_KINDS, COUNTED_KINDS, age, policy, sql_list, standard

SEVERE = ", ".join(str(grade) for grade in sorted(SEVERE_DISABILITY_GRADES))


@register
class TekunOnDibao(Rule):
    code = "tekun_on_dibao"
    order = 40
    title = gettext_lazy("Eligible for extreme-poverty support but kept on dibao")
    explanation = gettext_lazy(
        "People paid for by an active dibao case who, as recorded, meet all three criteria "
        "of extreme-poverty support: no capacity to work (60 or over, under 16, or a grade 1-2 "
        "disability), their own income below the dibao standard, and no other member of the "
        "household of working age able to support them. Supporters living elsewhere are not "
        "in the records: each person listed is a lead for a home investigation. "
        "该吃五保吃低保 in the special rectification."
    )

    def sql(self) -> str:
        person_age = age("m.birth_date")
        other_age = age("o.birth_date")
        return f"""
            WITH cases AS (
                SELECT c.id, c.household_id, c.single_person_id, s.township_id, s.policy_id,
                       h.hukou
                FROM assistance_case c
                JOIN scope s ON s.region_id = c.region_id
                JOIN assistance_household h ON h.id = c.household_id
                WHERE c.status = 'active' AND c.assistance_type = 'dibao'
            ), people AS (
                SELECT k.*, m.id AS member_id FROM cases k
                JOIN assistance_member m ON m.household_id = k.household_id AND m.covered
                WHERE k.single_person_id IS NULL
                UNION ALL
                SELECT k.*, k.single_person_id FROM cases k WHERE k.single_person_id IS NOT NULL
            ), unable AS (
                SELECT x.*, m.name, m.household_id AS home_id, m.disability_grade,
                       {person_age} AS age
                FROM people x JOIN assistance_member m ON m.id = x.member_id
                WHERE {person_age} >= {OLD_AGE} OR {person_age} < {CHILD_AGE}
                   OR m.disability_grade IN ({SEVERE})
            )
            SELECT u.id AS case_id, u.township_id,
                   jsonb_build_object(
                       'member', u.name, 'age', u.age, 'grade', u.disability_grade,
                       'income', own.income, 'standard', {standard()}
                   ) AS facts
            FROM unable u
            JOIN policies p ON p.id = u.policy_id
            CROSS JOIN LATERAL (
                SELECT greatest(
                    coalesce(sum(i.monthly_amount) FILTER (WHERE i.kind IN ({sql_list(COUNTED_KINDS)})), 0)
                    - least(
                        coalesce(sum(i.monthly_amount) FILTER (WHERE i.kind IN ({sql_list(COST_KINDS)})), 0),
                        {policy("employment_cost_cap")},
                        coalesce(sum(i.monthly_amount) FILTER (WHERE i.kind = 'wage'), 0))
                    - coalesce((SELECT sum(d.monthly_amount) FROM assistance_deduction d
                                WHERE d.member_id = u.member_id), 0),
                    0) AS income
                FROM assistance_incomeitem i WHERE i.member_id = u.member_id
            ) own
            WHERE own.income < {standard()}
              AND NOT EXISTS (
                  SELECT 1 FROM assistance_member o
                  WHERE o.household_id = u.home_id AND o.id <> u.member_id
                    AND {other_age} BETWEEN {CHILD_AGE} AND {OLD_AGE - 1}
                    AND coalesce(o.disability_grade, 0) NOT IN ({SEVERE})
              )
              AND NOT EXISTS (
                  SELECT 1 FROM assistance_case t
                  WHERE t.status = 'active' AND t.assistance_type IN ('tekun', 'orphan')
                    AND (t.single_person_id = u.member_id
                         OR (t.single_person_id IS NULL AND t.household_id = u.home_id
                             AND EXISTS (SELECT 1 FROM assistance_member tm
                                         WHERE tm.id = u.member_id AND tm.covered)))
              )
        """

    def why(self, facts: Mapping[str, Any]) -> str:
        age_years = int(facts.get("age") or 0)
        if facts.get("grade") in SEVERE_DISABILITY_GRADES:
            capacity = _("disability of grade %(grade)s") % {"grade": facts["grade"]}
        elif age_years < CHILD_AGE:
            capacity = _("under 16 (aged %(age)s)") % {"age": age_years}
        else:
            capacity = _("aged %(age)s") % {"age": age_years}
        return _(
            "%(member)s: %(capacity)s, own income %(income)s below the standard %(standard)s, "
            "no one of working age in the household"
        ) % {
            "member": facts.get("member", ""),
            "capacity": capacity,
            "income": money(facts.get("income")),
            "standard": money(facts.get("standard")),
        }
