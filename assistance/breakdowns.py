"""The amount of every kind but dibao as a list of lines, for the task and case pages.

Each kind builds its lines by calling the helpers its diagram calls (never a formula of its
own), and names the policy parameters each figure comes from; the page adds where each
parameter is set (region, effective date) from `policy_in_force`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from assistance.models import Case, Deduction, Member

CENT = Decimal("0.01")
MONTHLY = _("Monthly amount")


@dataclass(frozen=True)
class Line:
    """One figure: money (`amount`) or a fact (`value`), and the parameters behind it."""

    label: Any  # lazy text
    amount: Decimal | None = None
    value: Any = ""
    params: tuple[str, ...] = ()
    note: Any = ""
    subtotal: bool = False


@dataclass(frozen=True)
class Breakdown:
    kind: str
    lines: tuple[Line, ...]
    total: Decimal
    total_label: Any = MONTHLY
    formula: Any = ""
    eligible: bool = True
    ineligible_reason: Any = ""
    notes: tuple[Any, ...] = field(default_factory=tuple)


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def household_json(case: Case, members: Sequence[Member], deductions: Iterable[Deduction]) -> dict:
    """The household as the process sees it (assistance.actions.household_snapshot), built
    from records already loaded, so a page computing an amount runs no query of its own."""
    from engine.clock import clock

    day = clock.today()
    return {
        "hukou": case.household.hukou,
        "members": [
            {
                "key": str(m.pk),
                "name": m.name,
                "covered": m.covered,
                "minor": m.age_on(day) < 18,
                "age": m.age_on(day),
                "disability_grade": m.disability_grade,
                "seriously_ill": m.seriously_ill,
            }
            for m in members
        ],
        "incomes": [
            {"member": str(m.pk), "kind": i.kind, "monthly": str(i.monthly_amount)}
            for m in members
            for i in m.incomes.all()
        ],
        "deductions": [
            {
                "kind": d.kind,
                "monthly": str(d.monthly_amount),
                "member": str(d.member_id) if d.member_id else None,
            }
            for d in deductions
        ],
        "single_person": str(case.single_person_id) if case.single_person_id else None,
    }


def fact(process: Mapping[str, Any], case: Case, name: str, default: Any = None) -> Any:
    """A figure the process decided (a DMN output, a form value), else what the case keeps."""
    if process.get(name) not in (None, ""):
        return process[name]
    return case.details.get(name, default)
