"""The case page shows what the process decided with: the policy each process copied the day it
started, not a record approved since. The amount comes with the copy of the process that
computed it (a review's once one recalculated it), the procedure clock and the acceptance
notice with the copy of the process that accepted the application."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from assistance import actions
from assistance.documents.notices import acceptance_facts
from assistance.models import Case, RegionPolicy
from assistance.processes import review
from engine import runtime
from engine.clock import clock
from engine.models import ProcessInstance
from portal import case_queries
from tests.fixtures import SHANGHAI, World
from tests.portal.test_case_file import text_of, to_confirmation, two_member_case
from tests.workflows.dibao import accept, complete, open_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def amount_total(html: str) -> str:
    match = re.search(r'class="amount-total">([^<]+)<', html)
    assert match, "no amount on the page"
    return match.group(1)


def approved(world: World, case: Case) -> Case:
    to_confirmation(world, case, objection=False)
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    return case


def policy_copy(case: Case, key: str) -> dict:
    instance = ProcessInstance.objects.filter(case=case, definition__key=key).latest("pk")
    return runtime.instance_data(instance)["policy"]


def test_it_shows_the_standard_the_process_used_after_a_rise_approved_meanwhile(client, world):
    # The case starts on the morning of 2 March under the rural standard of 600; later that
    # day a rise to 700 is approved from the same day, before the case is decided.
    case = two_member_case(world)
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=clock.today(),
        values={"dibao_standard_rural": "700.00"},
    )
    case = approved(world, case)
    assert policy_copy(case, "dibao")["dibao_standard_rural"] == "600.00"
    # (600 - (1000 - 300 - 100) / 2) x 2 = 600, as the process computed it.
    assert case.monthly_amount == Decimal("600.00")
    client.force_login(world["approver"])
    response = client.get(reverse("case", args=[case.pk]))
    page = text_of(response)
    assert amount_total(response.content.decode()) == "600.00"
    assert "此后家庭记录已有变化" not in page
    # The standard the process used, and the record it comes from (not the rise).
    assert "保障标准 (农村) 示范县，2020-01-01起执行 600.00" in page
    assert "2026-03-02起执行" not in page
    assert "按申请日（2026-03-02）执行的政策计算" in page


def test_it_shows_the_standard_a_review_recalculated_the_amount_with(client, world):
    case = approved(world, two_member_case(world))
    assert case.monthly_amount == Decimal("600.00")
    # A rise from 1 April, approved after the case was decided; the yearly review starts then.
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2026, 4, 1),
        values={"dibao_standard_rural": "700.00"},
    )
    clock.set(datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI))
    Case.objects.filter(pk=case.pk).update(review_class="A", next_review_on=clock.today())
    assert review.start_due_reviews(clock.today()) == 1
    client.force_login(world["approver"])
    url = reverse("case", args=[case.pk])
    # Until the review recalculates, the page shows what the application decided with.
    assert amount_total(client.get(url).content.decode()) == "600.00"
    case.refresh_from_db()
    review.do_record_review_check(
        case, actor=world["checker"], eligible=True, changed=False, report_no="FH-HD-1"
    )
    assert open_tasks(case) == ["decide"]
    complete(
        world, "reviewer", case, "decide", review_decision="increase", decision_reasons="标准提高"
    )
    complete(world, "approver", case, "county_confirm", confirmation="approve")
    case.refresh_from_db()
    # (700 - 300) x 2 = 800, with the review's copy of the policy.
    assert case.monthly_amount == Decimal("800.00")
    assert policy_copy(case, "review")["dibao_standard_rural"] == "700.00"
    response = client.get(url)
    page = text_of(response)
    assert amount_total(response.content.decode()) == "800.00"
    assert "此后家庭记录已有变化" not in page
    assert "保障标准 (农村) 示范县，2026-04-01起执行 700.00" in page
    assert "按重新核算金额的流程启动之日（2026-04-01）执行的政策计算" in page
    members = list(case.household.members.prefetch_related("incomes").order_by("pk"))
    view, problem = case_queries.amount_for(case, members, list(case.household.deductions.all()))
    assert problem == "" and isinstance(view, case_queries.AmountView)
    assert view.breakdown.result.monthly_amount == case.monthly_amount
    assert view.breakdown.standard_monthly == Decimal("700.00")


def test_it_counts_the_procedure_with_the_limit_the_accepting_process_copied(client, world):
    case = two_member_case(world)
    # Approved after the case started: from 3 March the township's procedure takes 20 working
    # days (40 once extended). The case, accepted on 4 March, keeps the 30 (45) it started with.
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 3, 3),
        values={"procedure_working_days": 20, "procedure_extended_working_days": 40},
    )
    clock.advance(timedelta(days=2))
    accept(world, case)
    assert policy_copy(case, "dibao")["procedure_working_days"] == 30
    client.force_login(world["clerk"])
    url = reverse("case", args=[case.pk])
    page = text_of(client.get(url))
    assert "自2026-03-04受理起30个工作日" in page
    assert acceptance_facts(case)["procedure_days"] == 30
    case.refresh_from_db()
    actions.do_extend_procedure(case, actor=world["reviewer"], reason="需跨省核查")
    page = text_of(client.get(url))
    assert "自2026-03-04受理起45个工作日" in page


def test_it_falls_back_to_the_policy_in_force_for_a_process_without_a_copy(client, world):
    """Data from before processes kept a copy: the application day's policy for the amount,
    the acceptance day's for the procedure clock."""
    case = two_member_case(world)
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 3, 3),
        values={"procedure_working_days": 20},
    )
    clock.advance(timedelta(days=2))
    accept(world, case)
    processes = case_queries.CaseProcesses(case_queries._instances(case))
    instance = processes.instances[0]
    processes._data[instance.pk] = {
        key: value for key, value in processes.data(instance).items() if key != "policy"
    }
    assert processes.policy(instance) is None
    events = list(case.audit_events.order_by("at", "seq"))
    assert case_queries.procedure_clock(case, events, processes).limit == 20
    members = list(case.household.members.prefetch_related("incomes").order_by("pk"))
    view, problem = case_queries.amount_for(case, members, [], processes)
    assert problem == "" and isinstance(view, case_queries.AmountView)
    assert view.policy_day == date(2026, 3, 2) and view.policy_of_application
