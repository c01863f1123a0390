"""audit/actions.py do_record_read: an auditor's read leaves an event in the right chain."""

from __future__ import annotations

import pytest
from django.http import Http404

from assistance.models import Case, Household, Region, RegionLevel
from audit.actions import do_record_read
from engine.audit import verify
from engine.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_records_a_case_read_in_the_case_chain(world, tiny_case):
    event = do_record_read(tiny_case.pk, "audit.case_viewed", actor=world["auditor"], page="case")
    assert event.stream == f"case:{tiny_case.pk}"
    assert (event.case_id, event.region_id) == (tiny_case.pk, world.village_a1.pk)
    assert event.role == "auditor"
    assert event.payload == {"page": "case"}
    assert verify().problems == []


def test_it_records_a_search_in_the_system_chain(world):
    event = do_record_read(None, "audit.searched", actor=world["auditor"], filters={"q": "张"})
    assert event.stream == "system"
    assert event.case_id is None


def test_it_refuses_an_unknown_action(world, tiny_case):
    with pytest.raises(ValueError, match="unknown read action"):
        do_record_read(tiny_case.pk, "case.decided", actor=world["auditor"])


def test_it_answers_404_to_a_non_auditor(world, tiny_case):
    for name in ("clerk", "approver", "policy"):
        with pytest.raises(Http404):
            do_record_read(tiny_case.pk, "audit.case_viewed", actor=world[name])
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


def test_it_answers_404_for_a_case_outside_the_auditors_county(world):
    other = Region.objects.create(
        code="431200", name="邻县", level=RegionLevel.COUNTY, parent=world.province
    )
    household = Household.objects.create(region=other, address="邻县", hukou="rural")
    case = Case.objects.create(
        number="T-9", assistance_type="dibao", household=household, region=other
    )
    with pytest.raises(Http404):
        do_record_read(case.pk, "audit.case_viewed", actor=world["auditor"])
    with pytest.raises(Http404):
        do_record_read(case.pk + 1000, "audit.case_viewed", actor=world["auditor"])
