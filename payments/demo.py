"""Demo payments: bank accounts on the demo's active cases (one left without, to show the
"no account" line), and this month's roster of the demo county built and approved once, so
the second officer (finance2) can give the second approval, export and import results."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from assistance.models import Case, CaseStatus, Region
from engine.clock import clock
from payments import months
from payments.actions import do_approve_roster, do_build_roster, do_set_bank_account
from payments.models import Roster

COUNTY = "431102"


def luhn_card(prefix: str) -> str:
    for digit in "0123456789":
        number = prefix + digit
        total = 0
        for position, char in enumerate(reversed(number)):
            value = int(char)
            if position % 2 == 1:
                value = value * 2 - 9 if value > 4 else value * 2
            total += value
        if total % 10 == 0:
            return number
    raise AssertionError("no check digit")


def seed() -> Roster | None:
    """Idempotent: nothing happens once the demo county has a roster."""
    county = Region.objects.filter(code=COUNTY).first()
    if county is None or Roster.objects.filter(county=county).exists():
        return None
    finance = User.objects.get(username="finance")
    active = list(
        Case.objects.filter(status=CaseStatus.ACTIVE, region__path__startswith=county.path)
        .exclude(assistance_type="temporary")
        .order_by("pk")
    )
    for index, case in enumerate(active[1:], start=1):
        if not case.bank_card:
            member = case.household.members.order_by("-is_applicant", "pk").first()
            do_set_bank_account(
                case.pk,
                actor=finance,
                payee_name=member.name if member else "收款人",
                bank_name="湖南农村信用社",
                card_number=luhn_card(f"621799{index:012d}"),
            )
    month = months.month_of(clock.today())
    with transaction.atomic():
        roster = do_build_roster(county.pk, month, actor=finance)
    roster.refresh_from_db()
    do_approve_roster(roster.pk, actor=finance)
    return roster
