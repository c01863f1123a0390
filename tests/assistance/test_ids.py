from datetime import date

import pytest
from django.conf import settings

from assistance.ids import (
    InvalidResidentId,
    ResidentId,
    Sex,
    is_valid_resident_id,
    make_resident_id,
    parse_resident_id,
)

# str() of a lazy message needs settings; the project's pytest setup provides
# them, this only covers running the module on its own.
if not settings.configured:
    settings.configure(USE_I18N=False)

TODAY = date(2024, 6, 1)


def with_check(body: str) -> str:
    """Append the GB 11643 check character, computed independently of the module."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7, 9, 10, 5, ... by definition
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def error_code(raw: str, today: date = TODAY) -> str:
    with pytest.raises(InvalidResidentId) as caught:
        parse_resident_id(raw, today=today)
    return caught.value.code


# Check sums worked out by hand (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2):
#   11010519491231002 -> 167, 167 % 11 = 2 -> "X"  (published GB 11643 sample)
#   11010519900101121 -> 138, 138 % 11 = 6 -> "6"
#   44030520000229002 -> 190, 190 % 11 = 3 -> "9"
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "11010519491231002X",
            ResidentId("11010519491231002X", date(1949, 12, 31), "F", "110105"),
        ),
        (
            "110105199001011216",
            ResidentId("110105199001011216", date(1990, 1, 1), "M", "110105"),
        ),
        (
            "440305200002290029",
            ResidentId("440305200002290029", date(2000, 2, 29), "F", "440305"),
        ),
        # Lower-case x and surrounding whitespace are normalised away.
        (
            " 11010519491231002x\n",
            ResidentId("11010519491231002X", date(1949, 12, 31), "F", "110105"),
        ),
    ],
)
def test_it_parses_valid_ids(raw: str, expected: ResidentId) -> None:
    assert parse_resident_id(raw, today=TODAY) == expected
    assert is_valid_resident_id(raw) is True


@pytest.mark.parametrize(
    ("region", "birth", "sequence", "sex", "expected"),
    [
        ("110105", date(1990, 1, 1), 12, "M", "110105199001011216"),
        ("440305", date(2000, 2, 29), 0, "F", "440305200002290029"),
    ],
)
def test_it_makes_known_ids(
    region: str, birth: date, sequence: int, sex: Sex, expected: str
) -> None:
    assert make_resident_id(region, birth, sequence, sex) == expected


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("sequence", [0, 1, 42, 99])
def test_it_makes_ids_that_parse_back(sequence: int, sex: Sex) -> None:
    number = make_resident_id("320102", date(1985, 7, 9), sequence, sex)
    parsed = parse_resident_id(number, today=TODAY)
    assert number[14:16] == f"{sequence:02d}"
    assert (parsed.sex, parsed.birth_date, parsed.region_code) == (
        sex,
        date(1985, 7, 9),
        "320102",
    )


@pytest.mark.parametrize(
    ("region", "birth", "sequence"),
    [
        ("010105", date(1990, 1, 1), 1),  # region starting with 0
        ("11010", date(1990, 1, 1), 1),  # region too short
        ("11010A", date(1990, 1, 1), 1),  # region not digits
        ("110105", date(1990, 1, 1), 100),  # sequence too large
        ("110105", date(1990, 1, 1), -1),  # sequence negative
        ("110105", date(1899, 12, 31), 1),  # before 1900
    ],
)
def test_it_refuses_to_make_invalid_ids(region: str, birth: date, sequence: int) -> None:
    with pytest.raises(ValueError):
        make_resident_id(region, birth, sequence, "M")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "length"),
        ("11010519491231002", "length"),  # 17 characters
        ("11010519491231002X0", "length"),  # 19 characters
        ("110105 19491231 002X", "length"),  # inner spaces are not stripped
        ("11010519491231002Y", "characters"),
        ("1101051949123100X2", "characters"),  # X only allowed last
        ("A1010519491231002X", "characters"),
        ("１10105199001011216", "characters"),  # full-width digit one
        ("110105194912310021", "check"),  # sample with 1 instead of X
        ("110105199001011215", "check"),  # should end in 6
        ("11010519491231002X".replace("1949", "1948"), "check"),  # typo in year
        (with_check("01010519900101121"), "region"),
        (with_check("11010519900230121"), "birth_date"),  # 30 February
        (with_check("11010520230229121"), "birth_date"),  # 2023 is not a leap year
        (with_check("11010519901301121"), "birth_date"),  # month 13
        (with_check("11010519900100121"), "birth_date"),  # day 0
        (with_check("11010518991231121"), "birth_date_too_early"),
        # Far future, so is_valid_resident_id (which uses the real date) agrees.
        (with_check("11010599991231121"), "birth_date_future"),
    ],
)
def test_it_rejects_invalid_ids(raw: str, code: str) -> None:
    assert error_code(raw) == code
    assert is_valid_resident_id(raw) is False


@pytest.mark.parametrize(
    ("body", "birth"),
    [
        ("11010520240531121", date(2024, 5, 31)),  # the day before TODAY
        ("11010520240601121", date(2024, 6, 1)),  # born TODAY is not "in the future"
    ],
)
def test_it_accepts_birth_dates_up_to_today(body: str, birth: date) -> None:
    assert parse_resident_id(with_check(body), today=TODAY).birth_date == birth


def test_it_rejects_a_birth_date_after_today() -> None:
    assert error_code(with_check("11010520240602121")) == "birth_date_future"


def test_it_defaults_today_to_the_real_date() -> None:
    # 9999-12-31 is after any real "today", so it must be refused without `today=`.
    with pytest.raises(InvalidResidentId) as caught:
        parse_resident_id(with_check("11010599991231121"))
    assert caught.value.code == "birth_date_future"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("123", "A resident ID has 18 characters."),
        ("110105199001011215", "The check character of this resident ID is wrong."),
        (
            with_check("11010519900230121"),
            "The birth date in this resident ID is not a real date.",
        ),
        (
            with_check("11010520240602121"),
            "The birth date in this resident ID is in the future.",
        ),
    ],
)
def test_it_gives_a_readable_message(raw: str, message: str) -> None:
    with pytest.raises(InvalidResidentId) as caught:
        parse_resident_id(raw, today=TODAY)
    assert str(caught.value) == message
    assert str(caught.value.message) == message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(1990, 1, 1), date(1990, 1, 1), 0),
        (date(1990, 1, 1), date(2020, 12, 31), 30),  # day before the 31st birthday
        (date(1990, 1, 1), date(2021, 1, 1), 31),  # on the birthday
        (date(1990, 6, 15), date(2024, 6, 14), 33),
        (date(1990, 6, 15), date(2024, 6, 15), 34),
        (date(2000, 2, 29), date(2001, 2, 28), 0),  # leap-day birth, common year
        (date(2000, 2, 29), date(2001, 3, 1), 1),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
    ],
)
def test_it_computes_completed_years(birth: date, day: date, age: int) -> None:
    person = ResidentId("x", birth, "M", "110105")
    assert person.age_on(day) == age


def test_it_refuses_an_age_before_birth() -> None:
    person = parse_resident_id("11010519491231002X", today=TODAY)
    with pytest.raises(ValueError):
        person.age_on(date(1949, 12, 30))
