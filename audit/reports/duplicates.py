"""Duplicates (重复享受): one person paid for by two active cases that should not both exist.

A person (one resident ID: one member record) is paid for by a case as the member covered
alone, or as a covered member of the case's household. Two active cases paying for the same
person are a finding when they are

- of the same kind of assistance (two dibao cases, a household's and a single-person one);
- of two households (the member covered alone on another household's case);
- in two regions (a case left running where the person used to live).

Two active cases of different kinds for one household in one place (dibao and a disability
subsidy) are normal and not listed. The other case may lie outside the auditor's
jurisdiction: its number and region are shown, not its file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from assistance.ids import mask_resident_id
from assistance.models import AssistanceType
from audit.reports import Rule, register


@register
class Duplicates(Rule):
    code = "duplicates"
    order = 30
    title = gettext_lazy("One person in two active cases")
    explanation = gettext_lazy(
        "A person (one resident ID) paid for by two active cases of the same kind, of two "
        "households, or in two regions. Cases of different kinds for the same household in "
        "the same place are normal and not listed."
    )

    def sql(self) -> str:
        return """
            WITH paying AS (
                -- Only where a person can be paid twice: households with more than one
                -- active household case, and the members covered alone with the household
                -- cases of their own households (see the module docstring).
                SELECT c.id AS case_id, m.id AS member_id
                FROM assistance_case c
                JOIN assistance_member m ON m.household_id = c.household_id AND m.covered
                WHERE c.status = 'active' AND c.single_person_id IS NULL
                  AND EXISTS (
                      SELECT 1 FROM assistance_case twin
                      WHERE twin.household_id = c.household_id AND twin.id <> c.id
                        AND twin.status = 'active' AND twin.single_person_id IS NULL)
                  AND (NOT %(scope_narrow)s OR c.household_id IN (
                      SELECT mine.household_id FROM assistance_case mine
                      JOIN scope s ON s.region_id = mine.region_id
                      WHERE mine.status = 'active'))
                UNION
                SELECT c.id, c.single_person_id FROM assistance_case c
                WHERE c.status = 'active' AND c.single_person_id IS NOT NULL
                UNION
                SELECT c.id, m.id
                FROM assistance_case alone
                JOIN assistance_member m ON m.id = alone.single_person_id AND m.covered
                JOIN assistance_case c
                  ON c.household_id = m.household_id AND c.single_person_id IS NULL
                WHERE alone.status = 'active' AND alone.single_person_id IS NOT NULL
                  AND c.status = 'active'
            ), twice AS (
                SELECT member_id FROM paying GROUP BY member_id HAVING count(*) > 1
            ), pairs AS (
                SELECT a.case_id, b.case_id AS other_id, a.member_id
                FROM twice t
                JOIN paying a ON a.member_id = t.member_id
                JOIN paying b ON b.member_id = t.member_id AND b.case_id <> a.case_id
            )
            SELECT c.id AS case_id, s.township_id,
                   jsonb_build_object(
                       'member', m.name, 'resident_id', m.resident_id,
                       'other', o.number, 'other_kind', o.assistance_type,
                       'other_region', r.name,
                       'same_kind', o.assistance_type = c.assistance_type,
                       'two_households', o.household_id <> c.household_id,
                       'two_regions', o.region_id <> c.region_id
                   ) AS facts
            FROM pairs
            JOIN assistance_case c ON c.id = pairs.case_id
            JOIN scope s ON s.region_id = c.region_id
            JOIN assistance_case o ON o.id = pairs.other_id
            JOIN assistance_member m ON m.id = pairs.member_id
            JOIN assistance_region r ON r.id = o.region_id
            WHERE o.assistance_type = c.assistance_type
               OR o.household_id <> c.household_id
               OR o.region_id <> c.region_id
        """

    def why(self, facts: Mapping[str, Any]) -> str:
        ways = []
        if facts.get("same_kind"):
            ways.append(_("the same kind"))
        if facts.get("two_households"):
            ways.append(_("another household"))
        if facts.get("two_regions"):
            ways.append(_("another region"))
        kinds = dict(AssistanceType.choices)
        return _(
            "%(member)s (%(id)s) is also paid for by case %(other)s (%(kind)s, %(region)s): "
            "%(ways)s"
        ) % {
            "member": facts.get("member", ""),
            "id": mask_resident_id(str(facts.get("resident_id", ""))),
            "other": facts.get("other", ""),
            "kind": kinds.get(facts.get("other_kind", ""), facts.get("other_kind", "")),
            "region": facts.get("other_region", ""),
            "ways": pgettext("list separator", ", ").join(str(way) for way in ways),
        }
