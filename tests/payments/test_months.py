"""Every month rule of the payment roster, as tables (payments/months.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from payments import months
from payments.months import BACK_PAY, MONTHLY, CaseFacts

D = date
AMOUNT = Decimal("500.00")


def facts(start, ended=None, died=None, amount=AMOUNT, account=True):
    return CaseFacts(
        start_month=start, ended_on=ended, died_on=died, monthly_amount=amount, has_account=account
    )


@pytest.mark.parametrize(
    ("case", "month", "owed"),
    [
        # Start: the month after confirmation (start_month as the process set it).
        (facts(D(2026, 4, 1)), D(2026, 3, 1), False),
        (facts(D(2026, 4, 1)), D(2026, 4, 1), True),
        (facts(D(2026, 4, 1)), D(2026, 9, 1), True),
        # Disability subsidies: the month of application is the start month itself.
        (facts(D(2026, 3, 1)), D(2026, 3, 1), True),
        # No start month (never confirmed): never owed.
        (facts(None), D(2026, 4, 1), False),
        # Exit: ended_on is the first month no longer paid.
        (facts(D(2026, 1, 1), ended=D(2026, 5, 1)), D(2026, 4, 1), True),
        (facts(D(2026, 1, 1), ended=D(2026, 5, 1)), D(2026, 5, 1), False),
        # A mid-month end stops from the month after.
        (facts(D(2026, 1, 1), ended=D(2026, 5, 20)), D(2026, 5, 1), True),
        (facts(D(2026, 1, 1), ended=D(2026, 5, 20)), D(2026, 6, 1), False),
        # Gradual exit (渐退期): still active, no ended_on yet -> paid through it; once it ends
        # the process writes ended_on = the month after its last month.
        (facts(D(2025, 1, 1)), D(2026, 8, 1), True),
        (facts(D(2025, 1, 1), ended=D(2026, 10, 1)), D(2026, 9, 1), True),
        (facts(D(2025, 1, 1), ended=D(2026, 10, 1)), D(2026, 10, 1), False),
        # Death: paid for the month of death, never for a month after it, even while the
        # case is still open.
        (facts(D(2026, 1, 1), died=D(2026, 4, 30)), D(2026, 4, 1), True),
        (facts(D(2026, 1, 1), died=D(2026, 4, 30)), D(2026, 5, 1), False),
        (facts(D(2026, 1, 1), died=D(2026, 4, 1)), D(2026, 5, 1), False),
        # Death before an exit's later ended_on: the death wins.
        (facts(D(2026, 1, 1), ended=D(2026, 8, 1), died=D(2026, 5, 3)), D(2026, 6, 1), False),
    ],
)
def test_it_owes_exactly_the_months_between_start_and_stop(case, month, owed):
    assert months.is_owed(case, month) is owed


@pytest.mark.parametrize(
    ("case", "month", "since", "paid", "expected"),
    [
        # The ordinary month: one monthly line.
        (
            facts(D(2026, 1, 1)),
            D(2026, 4, 1),
            D(2026, 1, 1),
            {D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)},
            [(D(2026, 4, 1), MONTHLY)],
        ),
        # Already paid this month (a rebuild, another roster): nothing.
        (facts(D(2026, 1, 1)), D(2026, 4, 1), D(2026, 4, 1), {D(2026, 4, 1)}, []),
        # Confirmed late: start_month in the past, never paid -> back pay for each month.
        (
            facts(D(2026, 2, 1)),
            D(2026, 4, 1),
            D(2026, 1, 1),
            set(),
            [(D(2026, 2, 1), BACK_PAY), (D(2026, 3, 1), BACK_PAY), (D(2026, 4, 1), MONTHLY)],
        ),
        # A failed payment (not among the standing payments) is paid again as back pay.
        (
            facts(D(2026, 1, 1)),
            D(2026, 4, 1),
            D(2026, 1, 1),
            {D(2026, 1, 1), D(2026, 2, 1)},
            [(D(2026, 3, 1), BACK_PAY), (D(2026, 4, 1), MONTHLY)],
        ),
        # Back pay reaches no earlier than the county's first roster (`since`).
        (
            facts(D(2025, 6, 1)),
            D(2026, 4, 1),
            D(2026, 3, 1),
            set(),
            [(D(2026, 3, 1), BACK_PAY), (D(2026, 4, 1), MONTHLY)],
        ),
        # …and no more than BACK_PAY_MONTHS back.
        (
            facts(D(2020, 1, 1)),
            D(2026, 4, 1),
            D(2020, 1, 1),
            set(),
            [
                (months.add_months(D(2026, 4, 1), -n), BACK_PAY)
                for n in range(months.BACK_PAY_MONTHS, 0, -1)
            ]
            + [(D(2026, 4, 1), MONTHLY)],
        ),
        # Ended: back pay for the months it was still owed, nothing for this month.
        (
            facts(D(2026, 1, 1), ended=D(2026, 4, 1)),
            D(2026, 4, 1),
            D(2026, 1, 1),
            {D(2026, 1, 1), D(2026, 2, 1)},
            [(D(2026, 3, 1), BACK_PAY)],
        ),
        # Dead in February: paid through February, nothing after.
        (
            facts(D(2026, 1, 1), died=D(2026, 2, 10)),
            D(2026, 4, 1),
            D(2026, 1, 1),
            {D(2026, 1, 1)},
            [(D(2026, 2, 1), BACK_PAY)],
        ),
        # No account or no amount: nothing (the months stay owed for later).
        (facts(D(2026, 1, 1), account=False), D(2026, 4, 1), D(2026, 1, 1), set(), []),
        (facts(D(2026, 1, 1), amount=None), D(2026, 4, 1), D(2026, 1, 1), set(), []),
        (facts(D(2026, 1, 1), amount=Decimal("0")), D(2026, 4, 1), D(2026, 1, 1), set(), []),
        # Not started yet.
        (facts(D(2026, 5, 1)), D(2026, 4, 1), D(2026, 1, 1), set(), []),
    ],
)
def test_it_pays_this_month_and_back_pay_once_each(case, month, since, paid, expected):
    assert months.owed_lines(case, month, since=since, paid=paid) == expected


@pytest.mark.parametrize(
    ("case", "month", "reason"),
    [
        (facts(D(2026, 1, 1)), D(2026, 4, 1), None),
        (facts(D(2026, 1, 1), account=False), D(2026, 4, 1), months.NO_ACCOUNT),
        (facts(D(2026, 1, 1), amount=None), D(2026, 4, 1), months.NO_AMOUNT),
        # Died, case still open: listed as deceased every month until the exit closes it.
        (facts(D(2026, 1, 1), died=D(2026, 3, 5)), D(2026, 4, 1), months.DEAD),
        (facts(D(2026, 1, 1), died=D(2026, 1, 5)), D(2026, 4, 1), months.DEAD),
        # Died this month: still paid this month.
        (facts(D(2026, 1, 1), died=D(2026, 4, 5)), D(2026, 4, 1), None),
        # Closed for the death this month: deceased; closed long ago: not listed.
        (facts(D(2026, 1, 1), ended=D(2026, 4, 1), died=D(2026, 3, 5)), D(2026, 4, 1), months.DEAD),
        (facts(D(2026, 1, 1), ended=D(2026, 2, 1), died=D(2026, 1, 5)), D(2026, 4, 1), None),
        # Exit this month: listed as ended; earlier: not listed.
        (facts(D(2026, 1, 1), ended=D(2026, 4, 1)), D(2026, 4, 1), months.ENDED),
        (facts(D(2026, 1, 1), ended=D(2026, 3, 1)), D(2026, 4, 1), None),
        # Not started: not listed.
        (facts(D(2026, 5, 1), account=False), D(2026, 4, 1), None),
    ],
)
def test_it_says_why_a_case_is_left_off(case, month, reason):
    assert months.exclusion(case, month) == reason


@pytest.mark.parametrize(
    ("single", "covered", "deaths", "expected"),
    [
        # One person's benefit: their death.
        (7, [7, 8], {7: D(2026, 3, 1)}, D(2026, 3, 1)),
        (7, [7, 8], {8: D(2026, 3, 1)}, None),
        # A household: only once every covered member has died, on the last death.
        (None, [1, 2], {1: D(2026, 3, 1)}, None),
        (None, [1, 2], {1: D(2026, 3, 1), 2: D(2026, 5, 9)}, D(2026, 5, 9)),
        # A member no longer covered (recalculated after their death) does not count.
        (None, [2], {1: D(2026, 1, 1)}, None),
        (None, [], {1: D(2026, 1, 1)}, None),
    ],
)
def test_it_finds_the_death_that_stops_a_case(single, covered, deaths, expected):
    assert months.death_day(single, covered, deaths) == expected


@pytest.mark.parametrize(
    ("payable_from", "month", "account", "died", "due"),
    [
        (D(2026, 4, 1), D(2026, 4, 1), True, None, True),
        (D(2026, 2, 1), D(2026, 4, 1), True, None, True),  # late: the next roster pays it
        (D(2026, 5, 1), D(2026, 4, 1), True, None, False),
        (D(2026, 4, 1), D(2026, 4, 1), False, None, False),
        (D(2026, 4, 1), D(2026, 4, 1), True, D(2026, 3, 31), False),
        (D(2026, 4, 1), D(2026, 4, 1), True, D(2026, 4, 2), True),
    ],
)
def test_it_pays_a_grant_from_its_month_to_a_living_person_with_an_account(
    payable_from, month, account, died, due
):
    assert months.grant_due(payable_from, month, has_account=account, died_on=died) is due


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (D(2026, 1, 1), -1, D(2025, 12, 1)),
        (D(2026, 12, 1), 1, D(2027, 1, 1)),
        (D(2026, 4, 1), -12, D(2025, 4, 1)),
    ],
)
def test_it_counts_months_across_years(month, n, expected):
    assert months.add_months(month, n) == expected
