"""Near relatives of staff (R7): flagged, recused from every step, investigated by the county."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection, transaction
from django.http import Http404

from assistance import access, actions
from assistance.models import Case, CaseRecusal
from engine.models import AuditEvent
from tests.workflows.dibao import (
    accept,
    apply,
    check,
    complete,
    investigate,
    open_tasks,
    resident_id,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def declare(world, username: str, number: str) -> None:
    actions.do_declare_relative(
        actor=world[username], name="亲属", resident_id=number, relation="sibling"
    )


def apply_with(world, number: str):
    application = actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村",
        hukou="rural",
        members=[actions.MemberData(name="申请人", resident_id=number, is_applicant=True)],
    )
    return actions.do_apply(application, actor=world["clerk"])


def test_it_flags_a_relative_and_hides_the_case_from_the_related_staff(world):
    number = resident_id(date(1970, 1, 1))
    declare(world, "investigator", number)
    case = apply_with(world, number)
    assert case.relative_flag
    assert CaseRecusal.objects.filter(case=case, user=world["investigator"]).exists()
    accept(world, case)
    check(world, case)
    assert open_tasks(case) == ["investigate"]
    assert not access.inbox(world["investigator"]).filter(case=case).exists()
    assert access.inbox(world["investigator2"]).filter(case=case).exists()
    with pytest.raises(Http404):
        access.get_case_for_user(world["investigator"], case.pk)
    task = case.tasks.get()
    with pytest.raises(Http404):
        actions.do_complete_task(task.pk, actor=world["investigator"], data={})
    assert AuditEvent.objects.filter(case=case, action="case.relatives_flagged").exists()


def test_it_keeps_a_recused_clerk_from_accepting(world):
    number = resident_id(date(1971, 1, 1))
    declare(world, "clerk", number)
    case = apply_with(world, number)
    with pytest.raises(Http404):
        actions.do_complete_task(case.tasks.get().pk, actor=world["clerk"], data={})
    assert open_tasks(case) == ["acceptance"]


def test_it_requires_the_county_investigation_only_for_flagged_cases(world):
    number = resident_id(date(1972, 1, 1))
    declare(world, "reviewer2", number)
    flagged = apply_with(world, number)
    accept(world, flagged)
    check(world, flagged)
    investigate(world, flagged)
    assert open_tasks(flagged) == ["county_investigate"]
    actions.do_complete_task(
        flagged.tasks.get().pk,
        actor=world["county_investigator"],
        data={
            "visited_on": "2026-03-03",
            "county_findings": "县级入户核实属实",
            "county_agrees": True,
        },
    )
    assert open_tasks(flagged) == ["opinion"]
    plain = apply(world)
    accept(world, plain)
    check(world, plain)
    investigate(world, plain)
    assert open_tasks(plain) == ["opinion"]


def test_it_recuses_staff_from_open_cases_when_they_declare_later(world):
    case = apply(world)
    number = case.household.members.get(is_applicant=True).resident_id
    assert access.get_case_for_user(world["reviewer"], case.pk)
    declare(world, "reviewer", number)
    with pytest.raises(Http404):
        access.get_case_for_user(world["reviewer"], case.pk)


def test_it_refuses_a_malformed_or_repeated_declaration(world):
    with pytest.raises(actions.ActionError):
        actions.do_declare_relative(
            actor=world["clerk"], name="x", resident_id="123", relation="sibling"
        )
    number = resident_id(date(1973, 1, 1))
    declare(world, "clerk", number)
    with pytest.raises(actions.ActionError):
        declare(world, "clerk", number)


def test_it_sends_a_case_with_a_relative_declared_late_to_the_county_investigation(world):
    # Declared while the case waits for the check report: the home investigation has not
    # started, and must now end with the county's own visit (R7).
    case = apply(world)
    number = case.household.members.get(is_applicant=True).resident_id
    accept(world, case)
    declare(world, "reviewer2", number)
    case.refresh_from_db()
    assert case.relative_flag
    assert AuditEvent.objects.filter(case=case, action="case.relatives_flagged").exists()
    check(world, case)
    investigate(world, case)
    assert open_tasks(case) == ["county_investigate"]


def test_it_sends_a_case_to_the_county_when_the_relative_is_declared_during_the_visit(world):
    case = apply(world)
    number = case.household.members.get(is_applicant=True).resident_id
    accept(world, case)
    check(world, case)
    assert open_tasks(case) == ["investigate"]
    declare(world, "reviewer2", number)
    investigate(world, case)
    assert open_tasks(case) == ["county_investigate"]


def test_it_leaves_a_case_past_the_investigation_where_it_is(world):
    case = apply(world)
    number = case.household.members.get(is_applicant=True).resident_id
    accept(world, case)
    check(world, case)
    investigate(world, case)
    assert open_tasks(case) == ["opinion"]
    declare(world, "investigator", number)
    case.refresh_from_db()
    assert case.relative_flag
    assert open_tasks(case) == ["opinion"]
    complete(world, "reviewer", case, "opinion", opinion="approve")


def _hold_open_until_both_wrote(barrier: threading.Barrier, action: Callable[[], object]):
    """Run `action` and keep its transaction open until the other thread's action is done too,
    so that without a lock neither can see what the other wrote."""

    def run(errors: list[BaseException]) -> None:
        try:
            with transaction.atomic():
                action()
                # Broken: the other thread waits for our lock; commit and let it see us.
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=3)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    return run


@pytest.mark.django_db(transaction=True)
def test_it_recuses_when_a_declaration_races_the_application(world):
    number = resident_id(date(1974, 1, 1))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    runs = [
        _hold_open_until_both_wrote(barrier, lambda: apply_with(world, number)),
        _hold_open_until_both_wrote(barrier, lambda: declare(world, "investigator", number)),
    ]
    threads = [threading.Thread(target=run, args=(errors,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    case = Case.objects.get(household__members__resident_id=number)
    assert case.relative_flag
    assert CaseRecusal.objects.filter(case=case, user=world["investigator"]).exists()


@pytest.mark.django_db(transaction=True)
def test_it_tells_the_second_of_two_clerks_registering_one_person_at_once(world):
    # The same lock makes the second application wait for the first and then see its case,
    # instead of failing on the database's unique resident ID.
    number = resident_id(date(1975, 1, 1))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    runs = [_hold_open_until_both_wrote(barrier, lambda: apply_with(world, number))] * 2
    threads = [threading.Thread(target=run, args=(errors,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [type(error) for error in errors] == [actions.ActionError]
    assert Case.objects.filter(household__members__resident_id=number).count() == 1
