"""The work queue: tabs, filters, countdown colours, counts, claim/release/assign."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from engine.clock import clock
from engine.models import Task
from tests.workflows.dibao import accept, apply, check, task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def get(client, world, username, **params):
    client.force_login(world[username])
    return client.get(reverse("inbox"), params)


def test_it_shows_claimed_tasks_under_mine_and_the_rest_under_the_office(client, world):
    claimed, unclaimed = apply(world), apply(world)
    Task.objects.filter(case=claimed).update(claimed_by=world["clerk"])
    mine = get(client, world, "clerk").content.decode()
    office = get(client, world, "clerk", tab="office").content.decode()
    assert claimed.number in mine and unclaimed.number not in mine
    assert unclaimed.number in office and claimed.number not in office


def test_it_colours_the_countdown_amber_then_red(client, world):
    case = apply(world)  # acceptance due in 5 working days: Monday 9 March
    row = f'data-task="{task(case, "acceptance").pk}"'
    page = get(client, world, "clerk", tab="office").content.decode()
    assert f'<tr class="" {row}>' in page
    clock.advance(timedelta(days=4))  # Friday: 1 working day left
    assert f'<tr class="amber" {row}>' in get(client, world, "clerk", tab="office").content.decode()
    clock.advance(timedelta(days=4))  # next Tuesday: 1 working day overdue
    page = get(client, world, "clerk", tab="office").content.decode()
    assert f'<tr class="red" {row}>' in page and "逾期1个工作日" in page


def test_it_filters_by_village_type_stage_overdue_and_due_within(client, world):
    near = apply(world)
    accept(world, near)
    check(world, near)  # investigate, due in 15 working days
    far_village = apply(world)
    Task.objects.filter(case=far_village).update(
        region=world.village_a2, region_path=world.village_a2.path
    )
    params = {"tab": "office"}
    clerk_page = get(client, world, "clerk", **params, village=world.village_a2.pk).content.decode()
    assert far_village.number in clerk_page and near.number not in clerk_page
    inv = get(client, world, "investigator", tab="office", due_within=3).content.decode()
    assert near.number not in inv
    inv = get(client, world, "investigator", tab="office", due_within=15).content.decode()
    assert near.number in inv
    assert (
        near.number
        not in get(client, world, "investigator", tab="office", overdue="on").content.decode()
    )
    assert (
        near.number
        not in get(client, world, "investigator", tab="office", type="tekun").content.decode()
    )
    stage = get(client, world, "clerk", tab="office", stage="acceptance").content.decode()
    assert far_village.number in stage


def test_it_counts_tasks_per_stage(client, world):
    for _ in range(3):
        apply(world)
    page = get(client, world, "clerk", tab="office").content.decode()
    assert "受理审查 <strong>3</strong>" in page


def test_it_pages_by_the_stage_counts(client, world):
    from tests.portal.test_query_counts import add_open_tasks

    add_open_tasks(world, task(apply(world), "acceptance"), 50)
    page = get(client, world, "clerk", tab="office").content.decode()
    assert "受理审查 <strong>51</strong>" in page
    assert page.count("data-task=") == 50 and "1 / 2" in page
    assert (
        get(client, world, "clerk", tab="office", page=2).content.decode().count("data-task=") == 1
    )
    other_stage = get(client, world, "clerk", tab="office", stage="investigate").content.decode()
    assert "data-task=" not in other_stage and "1 / 2" not in other_stage


def test_it_lists_what_the_user_has_done(client, world):
    case = apply(world)
    accept(world, case)
    page = get(client, world, "clerk", tab="done").content.decode()
    assert case.number in page and "受理审查" in page


def test_it_releases_a_claimed_task(client, world):
    pk = task(apply(world), "acceptance").pk
    client.force_login(world["clerk"])
    client.post(reverse("task-claim", args=[pk]))
    assert client.get(reverse("task-unclaim", args=[pk])).status_code == 405
    assert client.post(reverse("task-unclaim", args=[pk])).status_code == 302
    assert Task.objects.get(pk=pk).claimed_by is None
    client.force_login(world["outsider"])
    assert client.post(reverse("task-unclaim", args=[pk])).status_code == 404


def test_it_lets_a_leader_assign_to_a_colleague_who_holds_the_role(client, world):
    case = apply(world)
    accept(world, case)
    check(world, case)
    pk = task(case, "investigate").pk
    url = reverse("task-assign", args=[pk])
    client.force_login(world["reviewer"])
    # Only investigators can take an investigation, so a clerk is no choice here.
    client.post(url, {"assignee": world["clerk"].pk})
    assert Task.objects.get(pk=pk).claimed_by is None
    assert client.post(url, {"assignee": world["investigator2"].pk}).status_code == 302
    assert Task.objects.get(pk=pk).claimed_by == world["investigator2"]
    client.force_login(world["investigator"])
    assert client.post(url, {"assignee": world["investigator"].pk}).status_code == 403
    client.force_login(world["outsider"])
    assert client.post(url, {"assignee": world["investigator"].pk}).status_code == 404


def test_it_lands_on_mine_when_it_holds_work_else_on_the_office(client, world):
    case = apply(world)
    page = get(client, world, "clerk").content.decode()
    assert 'class="active" data-tab="office"' in page and case.number in page
    Task.objects.filter(case=case).update(claimed_by=world["clerk"])
    page = get(client, world, "clerk").content.decode()
    assert 'class="active" data-tab="mine"' in page and case.number in page


def test_it_shows_the_applicant_masked_the_type_and_the_village(client, world):
    case = apply(world)
    applicant = case.household.members.get(is_applicant=True)
    page = get(client, world, "clerk", tab="office").content.decode()
    masked = applicant.resident_id[:4] + "*" * 10 + applicant.resident_id[-4:]
    assert masked in page and applicant.resident_id not in page
    assert applicant.name in page and "最低生活保障" in page and "东村" in page


def test_it_puts_the_pending_check_in_the_check_centre_queue_with_its_deadline(client, world):
    case = apply(world)
    assert "暂无待办" in get(client, world, "checker").content.decode()
    accept(world, case)
    page = get(client, world, "checker").content.decode()
    assert case.number in page and "2026-03-23" in page and "家庭经济状况核对中" in page
    assert reverse("case-check-result", args=[case.pk]) in page
    # Nobody else is asked for the report; the outside township's checker-less clerk sees nothing.
    assert case.number not in get(client, world, "clerk", tab="office").content.decode()
    assert case.number not in get(client, world, "outsider", tab="office").content.decode()


def test_it_puts_a_check_objection_back_in_the_check_centre_queue(client, world):
    from tests.workflows.dibao import complete

    case = apply(world)
    accept(world, case)
    check(world, case, eligible=False)
    assert case.number not in get(client, world, "checker").content.decode()
    complete(
        world, "clerk", case, "check_objection", notified_on="2026-03-02", applicant_objects=True
    )
    page = get(client, world, "checker").content.decode()
    assert case.number in page and "家庭经济状况复核中" in page


def test_it_shows_the_notice_end_to_the_township(client, world):
    from tests.workflows.dibao import to_notice

    case = apply(world)
    to_notice(world, case)
    page = get(client, world, "clerk", tab="office").content.decode()
    assert f'data-wait="{case.waits.get().pk}"' in page and "2026-03-10" in page
    assert "公示期" in page or "公示中" in page


def test_it_keeps_a_pending_check_from_a_recused_checker(client, world):
    from assistance.models import CaseRecusal

    case = apply(world)
    accept(world, case)
    CaseRecusal.objects.create(case=case, user=world["checker"], reason="近亲属")
    assert case.number not in get(client, world, "checker").content.decode()


def test_it_leaves_cases_the_user_is_now_recused_from_out_of_the_done_tab(client, world):
    from assistance.models import CaseRecusal

    case = apply(world)
    accept(world, case)
    assert case.number in get(client, world, "clerk", tab="done").content.decode()
    CaseRecusal.objects.create(case=case, user=world["clerk"], reason="近亲属")
    assert case.number not in get(client, world, "clerk", tab="done").content.decode()
