"""Queue, task, case, household and search pages cost the same number of queries with few
or many rows."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import Case, Evidence, Household, Member, MonitoringEntry
from engine.audit import record
from engine.clock import clock
from engine.models import ProcessInstance, Task
from tests.workflows.dibao import accept, apply, resident_id, task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def add_open_tasks(world, template: Task, count: int) -> None:
    """Bulk rows shaped like real acceptance tasks, each on its own case."""
    households = Household.objects.bulk_create(
        [
            Household(region=world.village_a1, address=f"批量{n}", hukou="rural")
            for n in range(count)
        ]
    )
    start = Case.objects.count()
    cases = Case.objects.bulk_create(
        [
            Case(
                number=f"BULK{start + n:08d}",
                assistance_type="dibao",
                household=h,
                region=world.village_a1,
            )
            for n, h in enumerate(households)
        ]
    )
    Task.objects.bulk_create(
        [
            Task(
                instance_id=template.instance_id,
                case=case,
                region=world.village_a1,
                region_path=world.village_a1.path,
                spiff_id=uuid.uuid4(),
                spec_name=template.spec_name,
                title=template.title,
                lane_role=template.lane_role,
                form=template.form,
                evidence_required=template.evidence_required,
                created_at=template.created_at,
                due_date=template.due_date,
            )
            for case in cases
        ]
    )
    forget_projected(template.instance_id)


def forget_projected(instance_id: int) -> None:
    """Rows added by hand: the instance no longer knows its projected rows (the runtime asks)."""
    ProcessInstance.objects.filter(pk=instance_id).update(projected=None)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_it_keeps_queries_flat_from_10_to_1000_tasks(client, world, django_assert_num_queries):
    case = apply(world)
    accept(world, case)
    other = apply(world)
    template = task(other, "acceptance")
    add_open_tasks(world, template, 9)
    assert Task.objects.count() == 10
    client.force_login(world["clerk"])
    urls = {
        "queue": reverse("inbox") + "?tab=office",
        "queue, filtered": reverse("inbox")
        + f"?tab=office&due_within=10&village={world.village_a1.pk}",
        "task": reverse("task", args=[template.pk]),
        "case": reverse("case", args=[case.pk]),
    }
    few = {name: count_queries(client, url) for name, url in urls.items()}
    add_open_tasks(world, template, 990)
    assert Task.objects.count() == 1000
    for name, url in urls.items():
        with django_assert_num_queries(few[name]):
            assert client.get(url).status_code == 200, name


def grow_household(world, case, count: int) -> None:
    """More members, cases, scans, monitoring entries and audit events for one household."""
    household = case.household
    start = Case.objects.count()
    Member.objects.bulk_create(
        [
            Member(
                household=household,
                name=f"成员加{n}",
                resident_id=resident_id(date(1990, 1, 1)),
                birth_date=date(1990, 1, 1),
                sex="M",
                relation="family",
            )
            for n in range(count)
        ]
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                number=f"MORE{start + n:08d}",
                assistance_type="temporary",
                household=household,
                region=world.village_a1,
            )
            for n in range(count)
        ]
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                case=more,
                kind="hukou",
                original_name=f"scan{more.pk}.pdf",
                key=f"k{more.pk}",
                sha256="0" * 64,
                size=10,
                content_type="application/pdf",
                uploaded_by=world["clerk"],
                uploaded_at=clock.now(),
            )
            for more in cases
        ]
    )
    MonitoringEntry.objects.bulk_create(
        [
            MonitoringEntry(
                household=household, source_case=more, reason="边缘户", added_on=clock.today()
            )
            for more in cases
        ]
    )
    for more in cases:
        record(
            "case.created", actor=world["clerk"], case_id=more.pk, payload={"number": more.number}
        )


def test_it_keeps_the_household_file_and_the_search_flat(client, world, django_assert_num_queries):
    case = apply(world)
    accept(world, case)
    for _ in range(2):
        apply(world)  # other households answering the same name
    grow_household(world, case, 2)
    client.force_login(world["clerk"])
    urls = {
        "household": reverse("household", args=[case.household_id]),
        "search by name": reverse("search") + "?q=成员0",
        "search by number": reverse("search") + f"?q={case.number}",
    }
    few = {name: count_queries(client, url) for name, url in urls.items()}
    grow_household(world, case, 40)
    for _ in range(20):
        apply(world, members=1)
    for name, url in urls.items():
        with django_assert_num_queries(few[name]):
            assert client.get(url).status_code == 200, name
    body = client.get(urls["search by name"]).content.decode()
    assert body.count("data-household=") == 23


def test_it_keeps_the_check_centre_queue_flat(client, world, django_assert_num_queries):
    from engine.models import Wait

    case = apply(world)
    accept(world, case)
    template = Wait.objects.get(case=case)
    client.force_login(world["checker"])
    url = reverse("inbox")
    few = count_queries(client, url)
    add_open_tasks(world, task(apply(world), "acceptance"), 60)
    Wait.objects.bulk_create(
        [
            Wait(
                instance_id=template.instance_id,
                case=other,
                region=world.village_a1,
                spiff_id=uuid.uuid4(),
                spec_name=template.spec_name,
                title=template.title,
                messages=template.messages,
                role=template.role,
                created_at=template.created_at,
                due_date=template.due_date,
            )
            for other in Case.objects.filter(number__startswith="BULK")
        ]
    )
    forget_projected(template.instance_id)
    with django_assert_num_queries(few):
        body = client.get(url).content.decode()
    assert body.count("data-wait=") == 50  # one page
