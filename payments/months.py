"""What a case is owed for a roster month: the month rules of the payment roster, pure.

No database here: the roster builder (payments/build.py) feeds these functions one case's
facts at a time and tests/payments/test_months.py holds every rule to a table.

Months are `date`s on the first of the month. A case is owed its monthly amount for every
month `m` with

    start_month <= m < stop

- `start_month` is the case's (`Case.start_month`, set by the application process: the month
  after confirmation, R8; disability subsidies the month of application, see
  assistance/kinds/disability.py `disability_month_of`).
- `stop` is the earlier of the exit's `ended_on` and the month after the death of the person
  the benefit is for. The exit process (workflows/exit.bpmn) writes `ended_on` as the first
  month no longer paid: the month after the decision, the month after a death, or, for a
  gradual exit (渐退期), the month after the last gradual month; until then the case stays
  active and is paid. A death on record stops payment from the month after it even while the
  case is still active (the exit not yet approved): `died_on < m` means not owed for `m`.
- The amount is the case's current `monthly_amount` (back pay too: the earlier amount of a
  recalculated case is not looked up).

Back pay: owed months before the roster month with no payment that stands (none, or only
failed ones), from `since` (the county's first roster in Doudi: earlier months were paid
outside it) and at most BACK_PAY_MONTHS back.

A case owed something but without a bank account, or without an amount, is listed as
excluded with the reason and paid nothing; its months become back pay once it is fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# How far back a roster looks for unpaid owed months.
BACK_PAY_MONTHS = 12

MONTHLY = "monthly"
BACK_PAY = "back_pay"

# Why an owed case is left off a roster (RosterExclusion.reason).
DEAD = "dead"
ENDED = "ended"
NO_ACCOUNT = "no_account"
NO_AMOUNT = "no_amount"


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_from(first: date, until: date) -> list[date]:
    """Months from `first` up to, not including, `until`."""
    months: list[date] = []
    current = month_of(first)
    while current < until:
        months.append(current)
        current = add_months(current, 1)
    return months


def death_day(
    single_person: int | None, covered: Iterable[int], deaths: Mapping[int, date]
) -> date | None:
    """The day the benefit's person died, for the roster: the single person's death, or,
    for a household, the last death once every covered member has died (a member's death
    in a larger household recalculates the amount instead, through the exit process)."""
    if single_person is not None:
        return deaths.get(single_person)
    people = list(covered)
    if not people or any(member not in deaths for member in people):
        return None
    return max(deaths[member] for member in people)


@dataclass(frozen=True)
class CaseFacts:
    start_month: date | None
    ended_on: date | None = None
    died_on: date | None = None
    monthly_amount: Decimal | None = None
    has_account: bool = True


def stop_month(facts: CaseFacts) -> date | None:
    """The first month not owed any more, or None while the case runs."""
    stops = []
    if facts.ended_on is not None:
        # ended_on is a first of month; a mid-month date still stops from the month after.
        ended = facts.ended_on
        stops.append(ended if ended.day == 1 else add_months(month_of(ended), 1))
    if facts.died_on is not None:
        stops.append(add_months(month_of(facts.died_on), 1))
    return min(stops) if stops else None


def is_owed(facts: CaseFacts, month: date) -> bool:
    if facts.start_month is None or month_of(facts.start_month) > month:
        return False
    stop = stop_month(facts)
    return stop is None or month < stop


def payable(facts: CaseFacts) -> bool:
    return facts.has_account and bool(facts.monthly_amount) and facts.monthly_amount is not None


def exclusion(facts: CaseFacts, month: date) -> str | None:
    """Why a case that was or would be owed this month is left off the roster, else None.

    Only what the county must see this month: a death that stops it now or before while the
    case is still open, an exit that stops it this month, a missing account or amount.
    """
    if facts.start_month is None or month_of(facts.start_month) > month:
        return None
    if facts.died_on is not None and not is_owed(facts, month):
        ended = facts.ended_on
        if ended is None or ended >= month:
            return DEAD
        return None
    if not is_owed(facts, month):
        return ENDED if facts.ended_on is not None and facts.ended_on == month else None
    if not facts.has_account:
        return NO_ACCOUNT
    if not facts.monthly_amount:
        return NO_AMOUNT
    return None


def owed_lines(
    facts: CaseFacts, month: date, *, since: date, paid: Iterable[date] = ()
) -> list[tuple[date, str]]:
    """(for_month, kind) of each payment this month's roster makes for the case: this
    month's benefit and back pay for earlier owed months without a payment that stands."""
    if not payable(facts):
        return []
    first = max(month_of(since), add_months(month, -BACK_PAY_MONTHS))
    done = set(paid)
    lines = [
        (earlier, BACK_PAY)
        for earlier in months_from(first, month)
        if is_owed(facts, earlier) and earlier not in done
    ]
    if is_owed(facts, month) and month not in done:
        lines.append((month, MONTHLY))
    return lines


def grant_due(
    payable_from: date, month: date, *, has_account: bool, died_on: date | None = None
) -> bool:
    """A one-off grant is paid by the first roster of its month or later, to a living
    person with an account."""
    if payable_from > month or not has_account:
        return False
    return died_on is None or died_on >= month
