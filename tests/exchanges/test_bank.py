"""The bank's results line by line (exchanges/bank.py): each line once, the same result
again a duplicate, another result refused, the failed payment's task started, the roster
settled with its last line; only rosters sent to the bank, inside the bank's region."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.http import Http404

from assistance.actions import ActionError
from assistance.models import Region
from engine.models import AuditEvent, Task
from exchanges.access import System
from exchanges.bank import MAX_LINES, get_roster, receive_payment_results
from payments.actions import do_approve_roster, do_build_roster, do_export_roster
from payments.models import LineStatus, RosterLine, RosterStatus
from tests.fixtures import deploy_only
from tests.payments.roster_world import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture
def bank_user(db):
    return User.objects.create_user("bank")


@pytest.fixture
def roster(world, django_capture_on_commit_callbacks):
    make_case(world.village_a1, name="李一")
    make_case(world.village_b1, name="王二", kind="tekun", amount="900.00")
    with django_capture_on_commit_callbacks(execute=True):
        built = do_build_roster(world.county.pk, date(2026, 3, 1), actor=world["finance"])
    do_approve_roster(built.pk, actor=world["finance"])
    do_approve_roster(built.pk, actor=world["finance2"])
    built.refresh_from_db()
    return built


def lines(roster) -> list[RosterLine]:
    return list(RosterLine.objects.filter(roster=roster).order_by("pk"))


def bank(world) -> System:
    return System("bank", world.county)


def test_it_takes_results_line_by_line_and_settles_the_roster(world, roster, bank_user):
    deploy_only("payment_failure.bpmn")
    do_export_roster(roster.pk, "bank", actor=world["finance"])
    first, second = lines(roster)
    outcomes = receive_payment_results(
        roster.pk, [{"line": first.pk, "result": "成功"}], actor=bank_user, system=bank(world)
    )
    assert [o.status for o in outcomes] == ["recorded"]
    roster.refresh_from_db()
    assert roster.status == RosterStatus.EXPORTED
    outcomes = receive_payment_results(
        roster.pk,
        [
            {"line": first.pk, "result": "paid"},
            {"line": second.pk, "result": "失败", "reason": "户名不符"},
        ],
        actor=bank_user,
        system=bank(world),
    )
    assert [o.status for o in outcomes] == ["duplicate", "recorded"]
    roster.refresh_from_db()
    assert roster.status == RosterStatus.SETTLED
    assert RosterLine.objects.get(pk=second.pk).status == LineStatus.FAILED
    assert Task.objects.filter(case=second.case, spec_name="correct_account").exists()
    events = AuditEvent.objects.filter(action="payments.result_received")
    assert {(e.role, e.actor) for e in events} == {("system:bank", bank_user)}


def test_it_refuses_another_result_and_bad_lines_one_by_one(world, roster, bank_user):
    do_export_roster(roster.pk, "bank", actor=world["finance"])
    first, second = lines(roster)
    receive_payment_results(
        roster.pk, [{"line": first.pk, "result": "成功"}], actor=bank_user, system=bank(world)
    )
    outcomes = receive_payment_results(
        roster.pk,
        [
            {"line": first.pk, "result": "失败", "reason": "卡已注销"},
            {"line": 999999, "result": "成功"},
            {"line": second.pk, "result": "maybe"},
            {"line": second.pk, "result": "失败"},
        ],
        actor=bank_user,
        system=bank(world),
    )
    assert [o.status for o in outcomes] == ["rejected"] * 4
    assert "another result" in outcomes[0].message
    assert RosterLine.objects.get(pk=first.pk).status == LineStatus.PAID
    assert RosterLine.objects.get(pk=second.pk).status == LineStatus.PENDING


def test_it_serves_only_rosters_sent_to_the_bank_in_its_region(world, roster, bank_user):
    with pytest.raises(Http404):
        get_roster(roster.pk, actor=bank_user, system=bank(world))
    do_export_roster(roster.pk, "bank", actor=world["finance"])
    assert get_roster(roster.pk, actor=bank_user, system=bank(world)) == roster
    elsewhere = Region.objects.create(
        code="431200", name="邻县", level="county", parent=world.province
    )
    with pytest.raises(Http404):
        receive_payment_results(roster.pk, [], actor=bank_user, system=System("bank", elsewhere))


def test_it_lets_the_payments_officer_send_lines_too_and_bounds_a_call(world, roster):
    do_export_roster(roster.pk, "bank", actor=world["finance"])
    first, _second = lines(roster)
    outcomes = receive_payment_results(
        roster.pk, [{"line": first.pk, "result": "成功"}], actor=world["finance"]
    )
    assert outcomes[0].status == "recorded"
    with pytest.raises(Http404):
        receive_payment_results(roster.pk, [], actor=world["outsider"])
    with pytest.raises(ActionError):
        receive_payment_results(
            roster.pk, [{"line": first.pk}] * (MAX_LINES + 1), actor=world["finance"]
        )
