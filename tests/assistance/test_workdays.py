"""Working days on the Chinese calendar, with adjusted working weekends and DB extensions."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from assistance import workdays
from assistance.models import CalendarDay
from assistance.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 2), True),  # an ordinary Monday
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 2, 14), True),  # Saturday worked for the Spring Festival (调休)
        (date(2026, 2, 17), False),  # Spring Festival
        (date(2026, 9, 20), True),  # Sunday worked before National Day
    ],
)
def test_it_knows_holidays_and_adjusted_weekends(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 2), 5, date(2026, 3, 9)),  # Monday + 5 skips the weekend
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 is Monday
        (date(2026, 3, 2), 0, date(2026, 3, 2)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # across the National Day week
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # the adjusted Saturday counts
        (date(2026, 3, 9), -5, date(2026, 3, 2)),
    ],
)
def test_it_adds_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_it_counts_working_days_between():
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5


def test_it_uses_database_days_for_years_the_package_lacks():
    # 2027 is not in the package yet: plain weekdays until the State Council's notice is entered.
    assert is_working_day(date(2027, 10, 1)) is True
    CalendarDay.objects.create(day=date(2027, 10, 1), is_working_day=False, note="国庆节")
    CalendarDay.objects.create(day=date(2027, 9, 26), is_working_day=True, note="国庆调休")
    assert is_working_day(date(2027, 10, 1)) is False
    assert is_working_day(date(2027, 9, 26)) is True  # a Sunday
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 4)


def test_it_lets_the_database_correct_the_package():
    CalendarDay.objects.create(day=date(2026, 3, 3), is_working_day=False, note="临时调整")
    assert add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 4)


def test_it_reads_the_calendar_once_for_every_walk(django_assert_num_queries):
    add_working_days(date(2026, 3, 2), 5)
    with django_assert_num_queries(0):
        assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
        assert working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
        assert is_working_day(date(2026, 3, 3)) is True


def test_it_sees_a_day_corrected_again_or_removed_at_once():
    assert is_working_day(date(2026, 3, 3)) is True
    day = CalendarDay.objects.create(day=date(2026, 3, 3), is_working_day=False, note="临时调整")
    assert is_working_day(date(2026, 3, 3)) is False
    day.is_working_day = True
    day.save()
    assert is_working_day(date(2026, 3, 3)) is True
    day.is_working_day = False
    day.save()
    assert is_working_day(date(2026, 3, 3)) is False
    day.delete()
    assert is_working_day(date(2026, 3, 3)) is True


class Undone(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_it_shares_no_correction_its_transaction_rolled_back():
    assert add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 3)
    with pytest.raises(Undone), transaction.atomic():
        CalendarDay.objects.create(day=date(2026, 3, 3), is_working_day=False, note="临时调整")
        # The transaction that made the correction sees it at once…
        assert add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 4)
        raise Undone
    # …and no one keeps it once it is rolled back.
    assert add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 3)


def test_it_sees_a_change_made_elsewhere_once_its_copy_is_old(monkeypatch, request):
    assert is_working_day(date(2026, 3, 3)) is True
    # Another process's change (bulk_create sends no signal here, as if it came from there).
    CalendarDay.objects.bulk_create([CalendarDay(day=date(2026, 3, 3), is_working_day=False)])
    # The copy would outlive the rollback of this test's rows: no signal tells it either.
    request.addfinalizer(workdays.forget_calendar)
    assert is_working_day(date(2026, 3, 3)) is True
    monkeypatch.setattr(workdays, "CACHE_SECONDS", 0.0)
    assert is_working_day(date(2026, 3, 3)) is False
