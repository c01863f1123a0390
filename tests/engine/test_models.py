"""Task rows and the queue's region filter: the copied region path, the subtree at an
office's depth, and the migration that fills the path in on rows older than it."""

from __future__ import annotations

import importlib
import uuid

import pytest
from django.apps import apps

from assistance.models import Region
from engine import runtime
from engine.models import ProcessInstance, Task
from tests.engine.samples import tiny_sources

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_instance(world, tiny_case) -> ProcessInstance:
    runtime.deploy(tiny_sources(), "tiny.bpmn", actor=world["policy"])
    return runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={}
    )


def add_task(template: Task, path: str, role: str = "township_clerk") -> Task:
    """A row made by hand: the instance no longer knows its projected rows (the runtime asks)."""
    ProcessInstance.objects.filter(pk=template.instance_id).update(projected=None)
    return Task.objects.create(
        instance_id=template.instance_id,
        case_id=template.case_id,
        region_id=template.region_id,
        region_path=path,
        spiff_id=uuid.uuid4(),
        spec_name=template.spec_name,
        title=template.title,
        lane_role=role,
        created_at=template.created_at,
    )


def test_it_copies_the_region_path_onto_a_projected_task(world, tiny_instance):
    assert tiny_instance.tasks.get().region_path == world.village_a1.path


def test_it_finds_the_tasks_of_a_subtree_at_every_depth(world, tiny_instance):
    template = tiny_instance.tasks.get()
    other_county = Region.objects.create(
        code="431200", name="邻县", level="county", parent=world.province
    )
    other_township = Region.objects.create(
        code="431201001", name="邻镇", level="township", parent=other_county
    )
    elsewhere = Region.objects.create(
        code="431201001001", name="邻村", level="village", parent=other_township
    )
    a1 = add_task(template, world.village_a1.path)
    b1 = add_task(template, world.village_b1.path)
    add_task(template, elsewhere.path)
    add_task(template, world.village_a1.path, role="county_approver")
    Task.objects.filter(pk=template.pk).delete()
    clerks = Task.objects.for_roles(["township_clerk"]).order_by("pk")
    assert list(clerks.in_regions([world.county.path])) == [a1, b1]
    assert list(clerks.in_regions([world.township_a.path])) == [a1]
    assert list(clerks.in_regions([world.village_a1.path])) == [a1]
    assert list(clerks.in_regions([world.township_a.path, world.township_b.path])) == [a1, b1]
    assert list(clerks.in_regions([world.province.path])) == [a1, b1, clerks.last()]
    assert not clerks.in_regions([]).exists()


def test_it_fills_the_path_of_rows_made_before_it(world, tiny_instance):
    task = tiny_instance.tasks.get()
    Task.objects.filter(pk=task.pk).update(region_path="")
    backfill = importlib.import_module("engine.migrations.0014_task_region_path_backfill")
    backfill.backfill(apps, None)
    task.refresh_from_db()
    assert task.region_path == world.village_a1.path
