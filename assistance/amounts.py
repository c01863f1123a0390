"""Monthly minimum-living-guarantee (dibao) amount for a household.

monthly amount = (local monthly standard - household per-capita income)
                 x covered members

Counted income is wages (already net of tax and social insurance) minus
capped employment costs, plus business, property and transfer income.
Rigid expenditures (medical, disability, full-time education) are then
deducted. Some incomes are ignored by policy (see INCOME_KINDS).

An eligible household then gets the extra dibao for special groups (增发, seed 000): a
per-region monthly supplement for each covered member who is elderly, a minor, severely
disabled (grade 1-2) or seriously ill. A member in several groups gets the highest one, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from assistance.errors import UserFacingError

COUNTED: Final = "counted"
EMPLOYMENT_COST: Final = "employment_cost"
EXCLUDED: Final = "excluded"

INCOME_KINDS: Final[dict[str, str]] = {
    "wage": COUNTED,
    "business": COUNTED,
    "property": COUNTED,
    "transfer": COUNTED,
    "employment_cost": EMPLOYMENT_COST,
    # Policy says these must not reduce a household's benefit.
    "award": EXCLUDED,
    "student_aid": EXCLUDED,
    "temporary_assistance": EXCLUDED,
    "disability_subsidy": EXCLUDED,
    "orphan_allowance": EXCLUDED,
    "basic_pension": EXCLUDED,
}

DEDUCTION_KINDS: Final[frozenset[str]] = frozenset({"medical", "disability", "education"})

_CENT = Decimal("0.01")
_ZERO = Decimal("0")


class AmountInputError(UserFacingError):
    """Input the calculation cannot use; `message` is shown to users."""


@dataclass(frozen=True)
class MemberInput:
    key: str
    covered: bool = True
    # What puts a member in a special group (增发); unknown facts put them in none.
    age: int | None = None
    disability_grade: int | None = None
    seriously_ill: bool = False


@dataclass(frozen=True)
class IncomeInput:
    member: str
    kind: str
    monthly: Decimal


@dataclass(frozen=True)
class DeductionInput:
    kind: str
    monthly: Decimal
    # None: an expense of the household as a whole rather than of one member.
    member: str | None = None


# The special groups of 增发, in the order a tie between equal supplements is named.
SUPPLEMENT_GROUPS: Final = ("severe_disability", "serious_illness", "elderly", "minor")
SEVERE_DISABILITY_GRADES: Final = frozenset({1, 2})
ADULT_AGE: Final = 18


@dataclass(frozen=True)
class SupplementPolicy:
    """增发: yuan per month per covered member of each group; 0 where a region grants none."""

    elderly: Decimal = _ZERO
    minor: Decimal = _ZERO
    severe_disability: Decimal = _ZERO
    serious_illness: Decimal = _ZERO
    elderly_age: int = 60

    def groups_of(self, member: MemberInput) -> list[str]:
        found = []
        if member.disability_grade in SEVERE_DISABILITY_GRADES:
            found.append("severe_disability")
        if member.seriously_ill:
            found.append("serious_illness")
        if member.age is not None and member.age >= self.elderly_age:
            found.append("elderly")
        if member.age is not None and member.age < ADULT_AGE:
            found.append("minor")
        return found


@dataclass(frozen=True)
class DibaoPolicy:
    standard_monthly: Decimal
    employment_cost_cap: Decimal
    supplements: SupplementPolicy = SupplementPolicy()


@dataclass(frozen=True)
class Supplement:
    member: str
    group: str
    monthly: Decimal


@dataclass(frozen=True)
class DibaoResult:
    # Income after deductions; may be negative, only the per-capita figure is floored.
    counted_income: Decimal
    per_capita_income: Decimal
    household_size: int
    covered_members: int
    # (standard - per-capita income) x covered members, before 增发.
    base_amount: Decimal
    supplements: tuple[Supplement, ...]
    # base_amount + every supplement: what is paid each month.
    monthly_amount: Decimal
    eligible: bool


def _cents(value: Decimal) -> Decimal:
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    # Avoid "-0.00" reaching users.
    return rounded if rounded != 0 else _ZERO.quantize(_CENT)


def _check_amount(value: Decimal, what: str) -> None:
    if not value.is_finite() or value < 0:
        raise AmountInputError(
            format_lazy(_("The amount for {what} must be a number of at least 0."), what=what),
            "invalid_amount",
        )


def _validate(
    policy: DibaoPolicy,
    members: Sequence[MemberInput],
    incomes: Sequence[IncomeInput],
    deductions: Sequence[DeductionInput],
    single_person: str | None,
) -> None:
    if not members:
        raise AmountInputError(_("A household needs at least one member."), "no_members")
    keys = [member.key for member in members]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise AmountInputError(
            format_lazy(_("Member {key} is listed more than once."), key=duplicates[0]),
            "duplicate_member",
        )
    known = set(keys)
    if single_person is not None and single_person not in known:
        raise AmountInputError(
            format_lazy(
                _("The single-person applicant {key} is not a household member."),
                key=single_person,
            ),
            "unknown_single_person",
        )
    _check_amount(policy.standard_monthly, "standard_monthly")
    _check_amount(policy.employment_cost_cap, "employment_cost_cap")
    for group in SUPPLEMENT_GROUPS:
        _check_amount(getattr(policy.supplements, group), f"supplement {group}")
    for income in incomes:
        if income.kind not in INCOME_KINDS:
            raise AmountInputError(
                format_lazy(_("Unknown income kind {kind}."), kind=income.kind), "unknown_kind"
            )
        if income.member not in known:
            raise AmountInputError(
                format_lazy(_("Income refers to unknown member {key}."), key=income.member),
                "unknown_member",
            )
        _check_amount(income.monthly, income.kind)
    for deduction in deductions:
        if deduction.kind not in DEDUCTION_KINDS:
            raise AmountInputError(
                format_lazy(_("Unknown deduction kind {kind}."), kind=deduction.kind),
                "unknown_kind",
            )
        if deduction.member is not None and deduction.member not in known:
            raise AmountInputError(
                format_lazy(_("Deduction refers to unknown member {key}."), key=deduction.member),
                "unknown_member",
            )
        _check_amount(deduction.monthly, deduction.kind)


def _total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, _ZERO)


@dataclass(frozen=True)
class MemberLine:
    """How one counted member's income enters the calculation."""

    key: str
    incomes: tuple[IncomeInput, ...]  # everything declared, excluded kinds too
    counted: Decimal  # wages, business, property and transfer income
    employment_costs: Decimal  # as declared
    employment_costs_allowed: Decimal  # after the cap, never more than the wages
    net: Decimal  # counted - employment_costs_allowed


@dataclass(frozen=True)
class DibaoBreakdown:
    """Every figure behind a dibao amount, for the people who decide on it."""

    standard_monthly: Decimal
    employment_cost_cap: Decimal
    members: tuple[MemberLine, ...]  # the members whose income counts
    deductions: tuple[DeductionInput, ...]  # the rigid expenditures that apply
    deducted: Decimal
    result: DibaoResult


def _member_line(key: str, incomes: Sequence[IncomeInput], cap: Decimal) -> MemberLine:
    """Counted income of one member (all `incomes` belong to that member)."""
    wages = _total(i.monthly for i in incomes if i.kind == "wage")
    costs = _total(i.monthly for i in incomes if INCOME_KINDS[i.kind] == EMPLOYMENT_COST)
    counted = _total(i.monthly for i in incomes if INCOME_KINDS[i.kind] == COUNTED)
    # Employment costs are capped per earner and cannot turn wages negative,
    # so they never offset business or property income.
    allowed = min(costs, cap, wages)
    return MemberLine(
        key=key,
        incomes=tuple(incomes),
        counted=counted,
        employment_costs=costs,
        employment_costs_allowed=allowed,
        net=counted - allowed,
    )


def calculate_dibao(
    *,
    policy: DibaoPolicy,
    members: Sequence[MemberInput],
    incomes: Sequence[IncomeInput] = (),
    deductions: Sequence[DeductionInput] = (),
    single_person: str | None = None,
) -> DibaoResult:
    """Compute the monthly dibao amount; raise AmountInputError on bad input.

    With `single_person` set (单人户施保) only that member's incomes and
    deductions count and the household is treated as that one person;
    household-wide deductions (member None) are then ignored.
    """
    return dibao_breakdown(
        policy=policy,
        members=members,
        incomes=incomes,
        deductions=deductions,
        single_person=single_person,
    ).result


def dibao_breakdown(
    *,
    policy: DibaoPolicy,
    members: Sequence[MemberInput],
    incomes: Sequence[IncomeInput] = (),
    deductions: Sequence[DeductionInput] = (),
    single_person: str | None = None,
) -> DibaoBreakdown:
    """calculate_dibao with every intermediate figure kept (the amount is the same)."""
    _validate(policy, members, incomes, deductions, single_person)

    if single_person is not None:
        counted_keys = [single_person]
        paid = [member for member in members if member.key == single_person]
    else:
        counted_keys = [member.key for member in members]
        paid = [member for member in members if member.covered]
    covered = len(paid)

    lines = tuple(
        _member_line(key, [i for i in incomes if i.member == key], policy.employment_cost_cap)
        for key in counted_keys
    )
    applied = tuple(
        d
        for d in deductions
        if d.member in counted_keys or (d.member is None and single_person is None)
    )
    deducted = _total(d.monthly for d in applied)
    counted_income = _total(line.net for line in lines) - deducted
    household_size = len(counted_keys)
    per_capita = _cents(max(counted_income / household_size, _ZERO))

    # Compared after rounding so eligibility agrees with the figure shown.
    # With nobody covered there is no one to pay, whatever the income.
    eligible = per_capita < policy.standard_monthly and covered > 0
    amount = _cents((policy.standard_monthly - per_capita) * covered if eligible else _ZERO)
    # 增发 is for those who get dibao and still struggle: none without the dibao itself.
    extra = _supplements(paid, policy.supplements) if eligible else ()
    result = DibaoResult(
        counted_income=_cents(counted_income),
        per_capita_income=per_capita,
        household_size=household_size,
        covered_members=covered,
        base_amount=amount,
        supplements=extra,
        monthly_amount=_cents(amount + _total(line.monthly for line in extra)),
        eligible=eligible,
    )
    return DibaoBreakdown(
        standard_monthly=policy.standard_monthly,
        employment_cost_cap=policy.employment_cost_cap,
        members=lines,
        deductions=applied,
        deducted=deducted,
        result=result,
    )


def _supplements(paid: Sequence[MemberInput], policy: SupplementPolicy) -> tuple[Supplement, ...]:
    lines = []
    for member in paid:
        offers = [(getattr(policy, group), group) for group in policy.groups_of(member)]
        # The highest group counts, once: a severely disabled elder is not paid twice.
        best = max(offers, key=lambda offer: offer[0], default=None)
        if best is not None and best[0] > 0:
            lines.append(Supplement(member=member.key, group=best[1], monthly=_cents(best[0])))
    return tuple(lines)


# JSON-facing wrapper -------------------------------------------------------


def _malformed(where: str) -> AmountInputError:
    return AmountInputError(
        format_lazy(_("The household data is malformed at {where}."), where=where), "malformed"
    )


def _money(value: object, where: str) -> Decimal:
    # bool is an int subclass; say so explicitly rather than rely on Decimal("True") failing.
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _malformed(where)
    try:
        # str() first so floats keep their short repr: 0.1 -> "0.1", not its binary value.
        return Decimal(str(value))
    except InvalidOperation:
        raise _malformed(where) from None


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _malformed(where)
    return value


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _malformed(where)
    return value


def _items(value: object, where: str) -> list[Mapping[str, Any]]:
    # A missing or null list is empty; a string is a Sequence but never valid here.
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise _malformed(where)
    return [_mapping(item, f"{where}[{index}]") for index, item in enumerate(value)]


def _required(item: Mapping[str, Any], field: str, where: str) -> object:
    if field not in item:
        raise _malformed(f"{where}.{field}")
    return item[field]


def _member(item: Mapping[str, Any], where: str) -> MemberInput:
    covered = item.get("covered", True)
    if not isinstance(covered, bool):
        raise _malformed(f"{where}.covered")
    ill = item.get("seriously_ill", False)
    if not isinstance(ill, bool):
        raise _malformed(f"{where}.seriously_ill")
    return MemberInput(
        key=_text(_required(item, "key", where), f"{where}.key"),
        covered=covered,
        age=_optional_int(item.get("age"), f"{where}.age"),
        disability_grade=_optional_int(item.get("disability_grade"), f"{where}.disability_grade"),
        seriously_ill=ill,
    )


def _optional_int(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed(where)
    return value


def _supplement_policy(value: object) -> SupplementPolicy:
    """The `supplements` of a script's policy mapping; absent means no 增发."""
    if value is None:
        return SupplementPolicy()
    item = _mapping(value, "policy.supplements")
    where = "policy.supplements"
    age = _optional_int(item.get("elderly_age", 60), f"{where}.elderly_age")
    return SupplementPolicy(
        elderly=_money(item.get("elderly", 0), f"{where}.elderly"),
        minor=_money(item.get("minor", 0), f"{where}.minor"),
        severe_disability=_money(item.get("severe_disability", 0), f"{where}.severe_disability"),
        serious_illness=_money(item.get("serious_illness", 0), f"{where}.serious_illness"),
        elderly_age=60 if age is None else age,
    )


def dibao_supplements(policy: Mapping[str, Any]) -> dict[str, Any]:
    """The region policy's 增发 parameters, shaped for `dibao_amount` (a diagram helper)."""
    return {
        "elderly": policy["dibao_supplement_elderly"],
        "minor": policy["dibao_supplement_minor"],
        "severe_disability": policy["dibao_supplement_severe_disability"],
        "serious_illness": policy["dibao_supplement_serious_illness"],
        "elderly_age": policy["dibao_supplement_elderly_age"],
    }


def _income(item: Mapping[str, Any], where: str) -> IncomeInput:
    return IncomeInput(
        member=_text(_required(item, "member", where), f"{where}.member"),
        kind=_text(_required(item, "kind", where), f"{where}.kind"),
        monthly=_money(_required(item, "monthly", where), f"{where}.monthly"),
    )


def _deduction(item: Mapping[str, Any], where: str) -> DeductionInput:
    member = item.get("member")
    return DeductionInput(
        kind=_text(_required(item, "kind", where), f"{where}.kind"),
        monthly=_money(_required(item, "monthly", where), f"{where}.monthly"),
        member=None if member is None else _text(member, f"{where}.member"),
    )


def _money_text(value: Decimal) -> str:
    return format(_cents(value), "f")


def dibao_amount(household: Mapping[str, Any], policy: Mapping[str, Any]) -> dict[str, Any]:
    """calculate_dibao for BPMN scripts: plain JSON values in and out.

    Money comes in as strings or numbers and goes out as strings with two
    decimals, so no float rounding reaches the workflow data.
    """
    household = _mapping(household, "household")
    policy = _mapping(policy, "policy")
    single_person = household.get("single_person")
    result = calculate_dibao(
        policy=DibaoPolicy(
            standard_monthly=_money(
                _required(policy, "standard_monthly", "policy"), "policy.standard_monthly"
            ),
            employment_cost_cap=_money(
                _required(policy, "employment_cost_cap", "policy"), "policy.employment_cost_cap"
            ),
            supplements=_supplement_policy(policy.get("supplements")),
        ),
        members=[
            _member(item, f"members[{index}]")
            for index, item in enumerate(_items(household.get("members"), "members"))
        ],
        incomes=[
            _income(item, f"incomes[{index}]")
            for index, item in enumerate(_items(household.get("incomes"), "incomes"))
        ],
        deductions=[
            _deduction(item, f"deductions[{index}]")
            for index, item in enumerate(_items(household.get("deductions"), "deductions"))
        ],
        single_person=None if single_person is None else _text(single_person, "single_person"),
    )
    return {
        "counted_income": _money_text(result.counted_income),
        "per_capita_income": _money_text(result.per_capita_income),
        "household_size": result.household_size,
        "covered_members": result.covered_members,
        "base_amount": _money_text(result.base_amount),
        # 增发, one line per member who gets it: who, for which group, how much.
        "supplements": [
            {"member": line.member, "group": line.group, "monthly": _money_text(line.monthly)}
            for line in result.supplements
        ],
        "supplement_amount": _money_text(_total(line.monthly for line in result.supplements)),
        "monthly_amount": _money_text(result.monthly_amount),
        "eligible": result.eligible,
    }
