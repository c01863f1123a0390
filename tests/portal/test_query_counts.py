"""Queue, task and case pages cost the same number of queries with 10 or 1,000 open tasks."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import Case, Household
from engine.models import Task
from tests.workflows.dibao import accept, apply, task

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
