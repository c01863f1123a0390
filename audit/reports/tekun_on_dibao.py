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
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.kinds.tekun import CHILD_AGE, OLD_AGE, SEVERE_DISABILITY_GRADES
from audit.reports import Rule, money, register
from audit.reports.sql import born_before, income_sources, member_net, standard
from engine.clock import clock

SEVERE = ", ".join(str(grade) for grade in sorted(SEVERE_DISABILITY_GRADES))


def age_on(born: date, day: date) -> int:
    return day.year - born.year - int((day.month, day.day) < (born.month, born.day))


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
        "In the words of the special rectification: on dibao when they should be on five "
        "guarantees."
    )

    def sql(self) -> str:
        unable = (
            "(m.birth_date <= %(tekun_born_old)s OR m.birth_date > %(tekun_born_child)s "
            f"OR m.disability_grade IN ({SEVERE}))"
        )
        people = """
            SELECT c.id AS case_id, s.township_id, s.policy_id, h.hukou, m.id AS member_id,
                   m.name, m.birth_date, m.disability_grade, m.household_id AS home_id,
                   m.covered
            FROM assistance_case c
            JOIN scope s ON s.region_id = c.region_id
            JOIN assistance_household h ON h.id = c.household_id
            JOIN assistance_member m ON {join}
            WHERE c.status = 'active' AND c.assistance_type = 'dibao' AND {where} AND {unable}
        """
        household = people.format(
            join="m.household_id = c.household_id AND m.covered",
            where="c.single_person_id IS NULL",
            unable=unable,
        )
        single = people.format(
            join="m.id = c.single_person_id", where="c.single_person_id IS NOT NULL", unable=unable
        )
        own_income = f"greatest({member_net()}, 0)"
        return f"""
            WITH {income_sources("'dibao'")}
            SELECT u.case_id, u.township_id,
                   jsonb_build_object(
                       'member', u.name, 'born', u.birth_date, 'grade', u.disability_grade,
                       'income', {own_income}, 'standard', {standard("p", "u.hukou")}
                   ) AS facts
            FROM ({household} UNION ALL {single}) u
            JOIN policies p ON p.id = u.policy_id
            LEFT JOIN member_income mi ON mi.member_id = u.member_id
            LEFT JOIN member_deduction md ON md.member_id = u.member_id
            WHERE {own_income} < {standard("p", "u.hukou")}
              AND NOT EXISTS (
                  SELECT 1 FROM assistance_member o
                  WHERE o.household_id = u.home_id
                    AND o.birth_date > %(tekun_born_old)s AND o.birth_date <= %(tekun_born_child)s
                    AND coalesce(o.disability_grade, 0) NOT IN ({SEVERE})
              )
              AND NOT EXISTS (
                  SELECT 1 FROM assistance_case t
                  WHERE t.single_person_id = u.member_id
                    AND t.status = 'active' AND t.assistance_type IN ('tekun', 'orphan')
              )
              AND NOT (u.covered AND EXISTS (
                  SELECT 1 FROM assistance_case t
                  WHERE t.household_id = u.home_id AND t.single_person_id IS NULL
                    AND t.status = 'active' AND t.assistance_type IN ('tekun', 'orphan')
              ))
        """

    def params(self, today: date) -> dict[str, Any]:
        # Aged 60 or more: born on or before this day; under 16: born after this one.
        return {
            "tekun_born_old": born_before(OLD_AGE, today),
            "tekun_born_child": born_before(CHILD_AGE, today),
        }

    def why(self, facts: Mapping[str, Any]) -> str:
        age_years = age_on(date.fromisoformat(str(facts["born"])), clock.today())
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
