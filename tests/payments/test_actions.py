"""The payments actions: approvals by two people, exports, the bank's results (failed
payments become tasks for the township clerk), bank accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from openpyxl import load_workbook

from assistance.actions import ActionError, do_complete_task
from engine.models import AuditEvent, Task
from payments.actions import (
    do_approve_roster,
    do_build_roster,
    do_export_roster,
    do_import_results,
    do_set_bank_account,
)
from payments.models import LineStatus, Roster, RosterLine, RosterStatus
from tests.fixtures import deploy_only
from tests.payments.roster_world import card, make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

MARCH = date(2026, 3, 1)


@pytest.fixture
def roster(world, django_capture_on_commit_callbacks):
    make_case(world.village_a1, name="李一")
    make_case(world.village_b1, name="王二", kind="tekun", amount="900.00")
    with django_capture_on_commit_callbacks(execute=True):
        built = do_build_roster(world.county.pk, MARCH, actor=world["finance"])
    built.refresh_from_db()
    return built


def approved(world, roster):
    do_approve_roster(roster.pk, actor=world["finance"])
    return do_approve_roster(roster.pk, actor=world["finance2"])


def test_it_needs_two_different_people_to_approve(world, roster):
    first = do_approve_roster(roster.pk, actor=world["finance"])
    assert first.status == RosterStatus.FIRST_APPROVED
    with pytest.raises(ActionError):
        do_approve_roster(roster.pk, actor=world["finance"])
    second = do_approve_roster(roster.pk, actor=world["finance2"])
    assert second.status == RosterStatus.APPROVED
    assert (second.first_approved_by, second.second_approved_by) == (
        world["finance"],
        world["finance2"],
    )
    with pytest.raises(ActionError):
        do_approve_roster(roster.pk, actor=world["finance2"])
    events = AuditEvent.objects.filter(action="payments.roster_approved")
    assert sorted(e.payload["approval"] for e in events) == [1, 2]


def test_it_refuses_one_person_as_both_approvers_in_the_database(world, roster):
    with pytest.raises(IntegrityError), transaction.atomic():
        Roster.objects.filter(pk=roster.pk).update(
            first_approved_by=world["finance"], second_approved_by=world["finance"]
        )


def test_it_lets_only_payments_officers_of_the_county_approve(world, roster):
    with pytest.raises(PermissionDenied):
        do_approve_roster(roster.pk, actor=world["auditor"])
    with pytest.raises(Http404):
        do_approve_roster(roster.pk, actor=world["outsider"])
    with pytest.raises(Http404):
        do_approve_roster(roster.pk, actor=world["clerk"])


def test_it_exports_only_an_approved_roster_and_marks_it_sent(world, roster, settings):
    with pytest.raises(ActionError):
        do_export_roster(roster.pk, "bank", actor=world["finance"])
    approved(world, roster)
    bank = do_export_roster(roster.pk, "bank", actor=world["finance"])
    text = bank.content.decode("utf-8")
    assert text.splitlines()[0] == "流水号,卡号,户名,金额,开户行,救助类别,所属月份"
    assert len(text.splitlines()) == 3 and "900.00" in text and "202603" in text
    roster.refresh_from_db()
    assert roster.status == RosterStatus.EXPORTED and roster.exported_at
    sheet = load_workbook(
        __import__("io").BytesIO(
            do_export_roster(roster.pk, "xlsx", actor=world["finance"]).content
        )
    )
    totals = [row[:3] for row in sheet["汇总"].iter_rows(values_only=True)]
    assert ("东镇", 1, 500) in totals and ("西镇", 1, 900) in totals
    assert ("最低生活保障", 1, 500) in totals and ("共计", 2, 1400) in totals
    settings.PAYMENTS_BANK_LAYOUT = "fixed-gbk"
    fixed = do_export_roster(roster.pk, "bank", actor=world["finance"])
    lines = fixed.content.split(b"\r\n")
    assert fixed.filename.endswith(".txt") and len(lines[0]) == 12 + 19 + 20 + 12 + 6
    assert "李一".encode("gbk") in fixed.content
    assert AuditEvent.objects.filter(action="payments.roster_exported").count() == 3


def _results(roster, failed_name):
    rows = ["流水号,结果,失败原因"]
    for line in RosterLine.objects.filter(roster=roster):
        if line.payee_name == failed_name:
            rows.append(f"{line.pk},失败,账户已销户")
        else:
            rows.append(f"{line.pk},成功,")
    return "\n".join(rows).encode("gbk")


@pytest.mark.reaches("payment_failure", "end_corrected")
def test_it_turns_a_failed_payment_into_a_task_for_the_township_clerk(world, roster):
    deploy_only("payment_failure.bpmn")
    approved(world, roster)
    do_export_roster(roster.pk, "bank", actor=world["finance"])
    report = do_import_results(
        roster.pk, "回盘.csv", _results(roster, "李一"), actor=world["finance"]
    )
    assert (report.paid, report.failed, report.tasks_started, report.errors) == (1, 1, 1, [])
    roster.refresh_from_db()
    assert roster.status == RosterStatus.SETTLED
    failed = RosterLine.objects.get(roster=roster, status=LineStatus.FAILED)
    assert failed.failure_reason == "账户已销户"
    task = Task.objects.get(case=failed.case)
    assert task.lane_role == "township_clerk"
    new_card = card("621799999999999")
    do_complete_task(
        task.pk,
        actor=world["clerk"],
        data={"payee_name": "李一", "bank_name": "邮储银行", "bank_card": new_card},
    )
    failed.case.refresh_from_db()
    assert (failed.case.bank_name, failed.case.bank_card) == ("邮储银行", new_card)


def test_it_imports_nothing_when_a_row_is_wrong(world, roster):
    approved(world, roster)
    do_export_roster(roster.pk, "bank", actor=world["finance"])
    line = RosterLine.objects.filter(roster=roster).first()
    data = f"流水号,结果,失败原因\n{line.pk},成功,\n999999,成功,\n{line.pk},成功,\n".encode()
    report = do_import_results(roster.pk, "bad.csv", data, actor=world["finance"])
    assert report.errors == [
        "第3行：流水号999999不属于本发放名册。",
        f"第4行：流水号{line.pk}重复出现。",
    ]
    assert not RosterLine.objects.exclude(status=LineStatus.PENDING).exists()
    bad = f"流水号,结果\n{line.pk},也许\n".encode()
    assert do_import_results(roster.pk, "bad.csv", bad, actor=world["finance"]).errors == [
        "第2行：结果应为“成功”或“失败”，而不是“也许”。"
    ]
    with pytest.raises(ActionError):
        do_import_results(roster.pk, "x.bin", b"\xff\xfe\x00\x81", actor=world["finance"])


def test_it_records_a_checked_bank_account(world):
    case = make_case(world.village_a1, account=False)
    with pytest.raises(ActionError, match="校验位"):
        do_set_bank_account(
            case.pk,
            actor=world["clerk"],
            payee_name="张三",
            bank_name="农行",
            card_number="6217000000000000001",
        )
    number = card("621788888888888")
    do_set_bank_account(
        case.pk, actor=world["clerk"], payee_name="张三", bank_name="农行", card_number=number
    )
    case.refresh_from_db()
    assert case.bank_card == number
    event = AuditEvent.objects.get(action="payments.account_set", case_id=case.pk)
    assert event.payload["card_tail"] == number[-4:]
    do_set_bank_account(
        case.pk, actor=world["finance"], payee_name="张三", bank_name="农行", card_number=number
    )
    with pytest.raises(PermissionDenied):
        do_set_bank_account(
            case.pk,
            actor=world["reviewer"],
            payee_name="张三",
            bank_name="农行",
            card_number=number,
        )
    with pytest.raises(Http404):
        do_set_bank_account(
            case.pk,
            actor=world["outsider"],
            payee_name="张三",
            bank_name="农行",
            card_number=number,
        )


def test_it_builds_one_month_at_a_time(world, roster, django_capture_on_commit_callbacks):
    with pytest.raises(ActionError):
        do_build_roster(world.county.pk, date(2026, 4, 1), actor=world["finance"])
    with pytest.raises(ActionError):
        do_build_roster(world.county.pk, date(2026, 9, 1), actor=world["finance"])
    with pytest.raises(PermissionDenied):
        do_build_roster(world.county.pk, MARCH, actor=world["auditor"])
    with pytest.raises(Http404):
        do_build_roster(world.county.pk, MARCH, actor=world["outsider"])
    approved(world, roster)
    with pytest.raises(ActionError):
        do_build_roster(world.county.pk, MARCH, actor=world["finance"])
    assert roster.total_amount == Decimal("1400.00")
