"""Who sees what: a region grant without a role opens nothing; recusal hides the household."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.http import Http404

from assistance import access
from assistance.models import CaseRecusal
from tests.fixtures import make_user
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def test_it_gives_a_region_grant_without_a_role_nothing(world):
    case = apply(world)
    granted = make_user("no_role", None, world.county)
    assert not access.cases_for_user(granted).exists()
    assert not access.households_for_user(granted).exists()
    assert not access.regions_for_user(granted).exists()
    with pytest.raises(Http404):
        access.get_case_for_user(granted, case.pk)
    with pytest.raises(Http404):
        access.get_household_for_user(granted, case.household_id)
    with pytest.raises(Http404):
        access.get_task_for_user(granted, case.tasks.get().pk, to_act=False)


def test_it_opens_the_region_again_once_a_role_is_given(world):
    case = apply(world)
    granted = make_user("late_role", None, world.county)
    granted.groups.add(Group.objects.get(name="auditor"))
    assert access.get_case_for_user(granted, case.pk) == case


def test_it_hides_the_whole_household_from_a_colleague_recused_from_one_of_its_cases(world):
    case = apply(world)
    assert access.get_household_for_user(world["reviewer"], case.household_id)
    CaseRecusal.objects.create(case=case, user=world["reviewer"], reason="近亲属")
    reviewer = type(world["reviewer"]).objects.get(pk=world["reviewer"].pk)
    with pytest.raises(Http404):
        access.get_household_for_user(reviewer, case.household_id)
    assert access.get_household_for_user(world["approver"], case.household_id)


def test_it_shows_a_household_of_the_jurisdiction_only(world):
    case = apply(world)
    with pytest.raises(Http404):
        access.get_household_for_user(world["outsider"], case.household_id)
    assert access.get_household_for_user(world["village_clerk"], case.household_id)
