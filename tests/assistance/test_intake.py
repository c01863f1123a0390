"""do_apply at the counter: single-person cover only for who qualifies, the bank card's
Luhn check, the elderly household, and two clerks registering the same person at once."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import translation

from assistance import actions
from assistance.ids import InvalidBankCard, luhn_valid, parse_bank_card
from assistance.models import ONE_WINDOW_TYPES, AssistanceType, Case, Member
from tests.fixtures import deploy_only
from tests.workflows.dibao import resident_id

CARD = "6222020200112233446"


def member(name, born, *, applicant=False, **fields):
    return actions.MemberData(
        name=name, resident_id=resident_id(born), is_applicant=applicant, **fields
    )


def dibao(world, people, single=None, **extra):
    return actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村1组",
        hukou="rural",
        members=people,
        single_person_index=single,
        **extra,
    )


@pytest.fixture
def dibao_deployed(world):
    deploy_only("dibao.bpmn", actor=world["policy"])


# ---------------------------------------------------------------- single-person cover

pytestmark = pytest.mark.usefixtures("fixed_clock")


def household(**second):
    return [
        member("户主", date(1975, 1, 1), applicant=True, incomes=[("wage", Decimal("900"))]),
        member("成员", date(1980, 1, 1), **second),
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("dibao_deployed")
@pytest.mark.parametrize(
    ("second", "reason"),
    [
        ({}, "has neither a grade 1-2 disability nor a serious illness"),
        ({"disability_grade": 3}, "has neither a grade 1-2 disability nor a serious illness"),
        (
            {"disability_grade": 1, "incomes": [("wage", Decimal("300"))]},
            "has income from work",
        ),
        (
            {"seriously_ill": True, "incomes": [("business", Decimal("100"))]},
            "has income from work",
        ),
    ],
)
def test_it_refuses_single_person_cover_to_who_does_not_qualify(world, second, reason):
    with pytest.raises(actions.ActionError, match=reason):
        actions.do_apply(dibao(world, household(**second), single=1), actor=world["clerk"])
    assert not Case.objects.exists() and not Member.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("dibao_deployed")
def test_it_refuses_single_person_cover_to_a_minor(world):
    people = [
        member("户主", date(1975, 1, 1), applicant=True),
        member("孩子", date(2012, 1, 1), disability_grade=1),
    ]
    with pytest.raises(actions.ActionError, match="is not an adult"):
        actions.do_apply(dibao(world, people, single=1), actor=world["clerk"])


@pytest.mark.django_db
@pytest.mark.usefixtures("dibao_deployed")
@pytest.mark.parametrize("second", [{"disability_grade": 2}, {"seriously_ill": True}])
def test_it_covers_alone_an_adult_without_work_severely_disabled_or_ill(world, second):
    case = actions.do_apply(dibao(world, household(**second), single=1), actor=world["clerk"])
    assert case.single_person is not None and case.single_person.name == "成员"
    covered = case.instances.get().state
    assert str(case.single_person_id) in str(covered)


@pytest.mark.django_db
def test_it_offers_single_person_cover_only_for_dibao(world):
    deploy_only("tekun.bpmn", actor=world["policy"])
    people = [
        member("老人", date(1950, 1, 1), applicant=True),
        member("成员", date(1980, 1, 1), disability_grade=1),
    ]
    application = dibao(world, people, single=1, assistance_type=AssistanceType.TEKUN)
    with pytest.raises(actions.ActionError, match="no single-person cover"):
        actions.do_apply(application, actor=world["clerk"])


@pytest.mark.django_db
@pytest.mark.usefixtures("dibao_deployed")
def test_it_refuses_a_single_person_outside_the_household(world):
    with pytest.raises(actions.ActionError, match="among the household members"):
        actions.do_apply(dibao(world, household(), single=5), actor=world["clerk"])


# ---------------------------------------------------------------- payment account


@pytest.mark.parametrize(
    ("card", "valid"),
    [
        (CARD, True),
        ("6222020200112233440", False),
        ("79927398713", True),
        ("4539148803436467", True),
    ],
)
def test_it_checks_card_numbers_with_luhn(card, valid):
    assert luhn_valid(card) is valid


@pytest.mark.parametrize("raw", ["", "1234", "62220202001122334461234", "6222-0202-0011-2233-446"])
def test_it_refuses_card_numbers_of_the_wrong_shape(raw):
    with pytest.raises(InvalidBankCard, match="12 to 19 digits"):
        parse_bank_card(raw)


def test_it_reads_a_card_number_typed_in_groups():
    assert parse_bank_card(" 6222 0202 0011 2233 446 ") == CARD


@pytest.mark.django_db
@pytest.mark.usefixtures("dibao_deployed")
def test_it_refuses_a_card_failing_luhn_in_the_domain_too(world):
    payment = actions.PaymentAccount(
        payee_name="户主", bank_name="农信社", card_number=CARD[:-1] + "0"
    )
    with pytest.raises(actions.ActionError, match="check digit"):
        actions.do_apply(dibao(world, household(), payment=payment), actor=world["clerk"])
    payment = actions.PaymentAccount(payee_name="", bank_name="农信社", card_number=CARD)
    with pytest.raises(actions.ActionError, match="account holder"):
        actions.do_apply(dibao(world, household(), payment=payment), actor=world["clerk"])


# ---------------------------------------------------------------- elderly household


@pytest.mark.django_db
def test_it_takes_an_elderly_applicant_with_the_household_uncovered(world):
    deploy_only("elderly.bpmn", actor=world["policy"])
    people = [
        member("老人", date(1940, 1, 1), applicant=True),
        member("儿子", date(1970, 1, 1), covered=False),
    ]
    application = dibao(
        world, people, assistance_type=AssistanceType.ELDERLY, details={"allowance": "old_age"}
    )
    case = actions.do_apply(application, actor=world["clerk"])
    assert case.household.members.count() == 2
    people = [
        member("老人二", date(1941, 1, 1), applicant=True),
        member("儿子二", date(1971, 1, 1)),
    ]
    application = dibao(
        world, people, assistance_type=AssistanceType.ELDERLY, details={"allowance": "old_age"}
    )
    with pytest.raises(actions.ActionError, match="elderly applicant alone"):
        actions.do_apply(application, actor=world["clerk"])


# ---------------------------------------------------------------- two clerks at once


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("dibao_deployed")
def test_it_tells_the_second_of_two_simultaneous_clerks_what_happened(world):
    number = resident_id(date(1976, 1, 1))

    def application():
        person = actions.MemberData(name="王五", resident_id=number, is_applicant=True)
        return dibao(world, [person])

    inserted = threading.Event()
    release = threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        try:
            with translation.override("en"), transaction.atomic():
                actions.do_apply(application(), actor=world["clerk"])
                inserted.set()
                # Hold the transaction open until the second clerk waits on the member row.
                release.wait(timeout=20)
            outcomes["first"] = "ok"
        except Exception as exc:  # reported by the assertion below
            outcomes["first"] = repr(exc)
        finally:
            inserted.set()
            connection.close()

    def second() -> None:
        inserted.wait(timeout=20)
        try:
            with translation.override("en"):
                actions.do_apply(application(), actor=world["village_clerk"])
            outcomes["second"] = "ok"
        except actions.ActionError as exc:
            outcomes["second"] = f"refused: {exc}"
        except Exception as exc:
            outcomes["second"] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    # Deterministic interleaving: the second clerk is blocked (on the person's lock, or on
    # inserting the same resident ID) before the first one commits.
    deadline = time.monotonic() + 20
    while _lock_waiters() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _lock_waiters() == 1
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes["first"] == "ok"
    # The person's lock makes the second clerk see the first one's case once it commits.
    assert outcomes["second"].startswith("refused: A member already has an open case")
    assert Case.objects.count() == 1 and Member.objects.filter(resident_id=number).count() == 1


# ---------------------------------------------------------------- disability grade


def disability(world, grade_on_member):
    from tests.workflows.disability import details

    people = [member("残疾人", date(1980, 1, 1), applicant=True, disability_grade=grade_on_member)]
    return dibao(world, people, assistance_type=AssistanceType.DISABILITY, details=details(grade=1))


@pytest.mark.django_db
def test_it_records_the_certificate_grade_on_the_disabled_member(world):
    deploy_only("disability.bpmn", actor=world["policy"])
    case = actions.do_apply(disability(world, None), actor=world["clerk"])
    assert case.household.members.get().disability_grade == 1


@pytest.mark.django_db
def test_it_refuses_a_member_grade_the_certificate_contradicts(world):
    deploy_only("disability.bpmn", actor=world["policy"])
    with pytest.raises(actions.ActionError, match="grade 3, the certificate says 1"):
        actions.do_apply(disability(world, 3), actor=world["clerk"])


# ---------------------------------------------------------------- intake schemas


def test_it_gives_every_kind_a_valid_intake_schema():
    from jsonschema import Draft202012Validator

    from assistance.kinds import KINDS, intake_schema

    # Every type a household applies for is a kind; the one window's are not applied for.
    assert set(KINDS) == set(AssistanceType.values) - ONE_WINDOW_TYPES
    for kind in KINDS.values():
        schema = intake_schema(kind)
        Draft202012Validator.check_schema(schema)
        assert kind.intake_form == f"intake_{kind.code}.json"
        assert schema["additionalProperties"] is False
        assert set(schema.get("required", [])) <= set(schema["properties"])
