"""Minimum living guarantee (低保): the pattern the other kinds follow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from assistance.amounts import (
    DeductionInput,
    DibaoBreakdown,
    DibaoPolicy,
    IncomeInput,
    MemberInput,
    dibao_breakdown,
)
from assistance.kinds import Kind, register
from assistance.models import AssistanceType, Case, Deduction, Member


def start_data(case: Case, common: dict[str, Any]) -> dict[str, Any]:
    return {}


def standard_key(case: Case) -> str:
    """The policy parameter of the standard this household is measured against."""
    return f"dibao_standard_{case.household.hukou}"


def amount_breakdown(
    case: Case,
    members: Iterable[Member],
    deductions: Iterable[Deduction],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> DibaoBreakdown:
    """The same inputs the process's `calculate` step gives dibao_amount, from the records.

    `members` come with their incomes prefetched, so this runs no query of its own.
    Dibao reads the records alone: `process` is accepted like every kind's and not used.
    """
    people = list(members)
    return dibao_breakdown(
        policy=DibaoPolicy(
            standard_monthly=Decimal(str(policy[standard_key(case)])),
            employment_cost_cap=Decimal(str(policy["employment_cost_cap"])),
        ),
        members=[MemberInput(key=str(m.pk), covered=m.covered) for m in people],
        incomes=[
            IncomeInput(member=str(m.pk), kind=i.kind, monthly=i.monthly_amount)
            for m in people
            for i in m.incomes.all()
        ],
        deductions=[
            DeductionInput(
                kind=d.kind,
                monthly=d.monthly_amount,
                member=str(d.member_id) if d.member_id else None,
            )
            for d in deductions
        ],
        single_person=str(case.single_person_id) if case.single_person_id else None,
    )


KIND = register(
    Kind(
        paid_monthly=True,
        code=AssistanceType.DIBAO,
        process_key="dibao",
        case_prefix="DB",
        start_data=start_data,
        amount_breakdown=amount_breakdown,
        # The application's (and an exit's) `amount`, a periodic review's `recalculated`.
        amount_computed=("amount", "recalculated"),
        intake_form="intake_dibao.json",
        single_person_cover=True,
    )
)
