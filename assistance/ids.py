"""Chinese resident identity numbers (GB 11643-1999).

An 18-character number: a 6-digit region code, an 8-digit birth date
(YYYYMMDD), a 3-digit sequence whose last digit gives the sex, and a check
character computed with ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.utils.translation import gettext_lazy as _

from assistance.errors import UserFacingError

Sex = Literal["M", "F"]

_LENGTH = 18
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH_YEAR = 1900
# [0-9] rather than \d: \d also matches full-width and other Unicode digits.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


class InvalidResidentId(UserFacingError):
    """A string that is not a valid resident ID; `message` is shown to users."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: Sex
    region_code: str

    def age_on(self, day: date) -> int:
        """Completed years of age on `day`."""
        if day < self.birth_date:
            raise ValueError("day is before the birth date")
        # Someone born on 29 February turns a year older on 1 March in
        # common years, because (2, 28) < (2, 29).
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


def _check_char(body: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_resident_id(raw: str, *, today: date | None = None) -> ResidentId:
    """Validate `raw` and return its parts, or raise InvalidResidentId."""
    number = raw.strip().upper()
    if len(number) != _LENGTH:
        raise InvalidResidentId(_("A resident ID has 18 characters."), "length")
    if not _SHAPE.fullmatch(number):
        raise InvalidResidentId(
            _("A resident ID has 17 digits followed by a digit or X."), "characters"
        )
    # The check character is tested first: a typo is the likeliest mistake,
    # and it would otherwise surface as a confusing date or region error.
    if _check_char(number[:17]) != number[17]:
        raise InvalidResidentId(_("The check character of this resident ID is wrong."), "check")
    region_code = number[:6]
    if region_code.startswith("0"):
        raise InvalidResidentId(_("The region code in this resident ID is not valid."), "region")
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidResidentId(
            _("The birth date in this resident ID is not a real date."), "birth_date"
        ) from None
    if birth_date.year < _EARLIEST_BIRTH_YEAR:
        raise InvalidResidentId(
            _("The birth date in this resident ID is before 1900."), "birth_date_too_early"
        )
    if birth_date > (today if today is not None else date.today()):
        raise InvalidResidentId(
            _("The birth date in this resident ID is in the future."), "birth_date_future"
        )
    sex: Sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth_date, sex=sex, region_code=region_code)


def is_valid_resident_id(raw: str) -> bool:
    try:
        parse_resident_id(raw)
    except InvalidResidentId:
        return False
    return True


def make_resident_id(region_code: str, birth_date: date, sequence: int, sex: Sex) -> str:
    """Build a valid ID, for demo data and tests.

    `sequence` (0-99) gives characters 15-16; the 17th digit is 1 for "M" and
    2 for "F" so that its parity encodes the sex.
    """
    if not (len(region_code) == 6 and region_code.isascii() and region_code.isdigit()):
        raise ValueError("region_code must be 6 digits")
    if region_code.startswith("0"):
        raise ValueError("region_code must not start with 0")
    if not 0 <= sequence <= 99:
        raise ValueError("sequence must be between 0 and 99")
    if birth_date.year < _EARLIEST_BIRTH_YEAR:
        raise ValueError("birth_date must be in or after 1900")
    if sex not in ("M", "F"):
        raise ValueError('sex must be "M" or "F"')
    birth = f"{birth_date:%Y%m%d}"
    body = f"{region_code}{birth}{sequence:02d}{1 if sex == 'M' else 2}"
    return body + _check_char(body)


def mask_resident_id(number: str, *, head: int = 4) -> str:
    """4301**********1234: the region and the last digits stay, enough to tell people apart.

    Public sheets keep the whole six-digit region code (`head=6`), lists inside the portal four.
    """
    if len(number) <= head + 4:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - 4) + number[-4:]


_CARD = re.compile(r"[0-9]{12,19}")


class InvalidBankCard(UserFacingError):
    """A bank card number that cannot be right; `message` is shown to users."""


def parse_bank_card(raw: str) -> str:
    """A bank card number without spaces, checked with the Luhn check digit, or raise.

    Chinese debit cards (UnionPay) carry 16 to 19 digits; the Luhn digit catches a single
    mistyped digit and most swapped neighbours before payments bounce months later.
    """
    number = "".join(raw.split())
    if not _CARD.fullmatch(number):
        raise InvalidBankCard(_("A bank card number has 12 to 19 digits."), "card_length")
    if not luhn_valid(number):
        raise InvalidBankCard(
            _("The bank card number is wrong: its check digit does not match."), "card_check"
        )
    return number


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
