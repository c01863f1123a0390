"""What several kinds do alike: whole-number policy values, the checks of a member index and
of a household's benefits, the figures a one-off case records, and replaying demo cases
under a clock set back in time.

A kind module keeps what is particular to its type and calls these for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _lazy

from assistance.ids import InvalidResidentId, parse_resident_id
from assistance.models import Case, CaseStatus, Region
from assistance.policy import PolicyError, policy_for
from engine.clock import clock

CENT = Decimal("0.01")

# ---------------------------------------------------------------- policy values


def whole_number(low: int, high: int, message: Any) -> Callable[[Any], int]:
    """A policy cleaner for a whole number from `low` to `high`, refusing with `message`."""

    def clean(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PolicyError(message)
        return value

    return clean


whole_percent = whole_number(0, 100, _lazy("Expected a whole percentage from 0 to 100."))


# ---------------------------------------------------------------- figures


def decimal_or_none(value: Any) -> Decimal | None:
    """A form or policy value as a finite number, None when it is not one."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def cents(value: Any, what: str, error: type[ValueError]) -> Decimal:
    """A sum of 0 yuan or more, to the cent; the kind's rule `error` naming `what` if not."""
    number = decimal_or_none(value)
    if number is None or number < 0:
        raise error(f"{what} is not an amount: {value!r}")
    return number.quantize(CENT)


# ---------------------------------------------------------------- application checks


def policy_today(application: Any) -> dict[str, Any]:
    """The parameters in force today in the application's region."""
    return policy_for(Region.objects.get(pk=application.region_id), clock.today())


def is_member_index(value: Any, members: int) -> bool:
    """`value` points at one of the application's `members` (a whole number, not a flag)."""
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value < members


def resident_numbers(members: Iterable[Any]) -> list[str]:
    """The resident numbers of the members whose ids parse; the common member checks report
    the others with the member's name."""
    numbers = []
    for member in members:
        try:
            numbers.append(parse_resident_id(member.resident_id, today=clock.today()).number)
        except InvalidResidentId:
            continue
    return numbers


def receives_now(assistance_type: str, numbers: Iterable[str]) -> bool:
    """One of the persons with these resident numbers is in a household with an active case
    of the type."""
    return Case.objects.filter(
        assistance_type=assistance_type,
        status=CaseStatus.ACTIVE,
        household__members__resident_id__in=list(numbers),
    ).exists()


# ---------------------------------------------------------------- one-off amounts


def paid_once(amount: Decimal) -> dict[str, str]:
    """What a case granted once records of its amount (`close_when_granted` closes it)."""
    return {"monthly_amount": str(amount), "one_off_amount": str(amount)}


# ---------------------------------------------------------------- demo

DEMO_VILLAGE = "431102001001"


def unseeded_village(regions: Mapping[str, Region], assistance_type: str) -> Region | None:
    """The demo village, or None when the kind's demo cases are already there."""
    village = regions[DEMO_VILLAGE]
    if Case.objects.filter(assistance_type=assistance_type, region=village).exists():
        return None
    return village


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Replay what the block does at `moment`, then give the clock back to real time."""
    clock.set(moment)
    try:
        yield
    finally:
        clock.reset()


DemoRow = tuple[Any, ...]


def replay_demo_cases(
    rows: Sequence[DemoRow],
    seed_one: Callable[..., object],
    days_ago: int | Callable[[DemoRow], int],
) -> None:
    """`seed_one(index, *row)` for each row, under a clock set back `days_ago` days (a
    number, or one per row) and a minute more for each later row, so that the cases keep
    the rows' order."""
    now = clock.now()
    for index, row in enumerate(rows):
        days = days_ago(row) if callable(days_ago) else days_ago
        with clock_at(now - timedelta(days=days, minutes=index)):
            seed_one(index, *row)
