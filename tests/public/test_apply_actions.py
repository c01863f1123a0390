"""Lodging an application online through the domain: the case, its scans, its process and
the township clerk's task, with the counter's checks (duplicates, near relatives R7)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from assistance import access, actions
from assistance.models import Case, CaseRecusal, Channel, Evidence, OnlineApplication
from engine.models import AuditEvent, Task
from public.actions_apply import (
    MAX_FILES_PER_SUBMISSION,
    ONLINE_ROLE,
    ONLINE_USERNAME,
    Scan,
    do_submit_online_application,
    do_upload_online_scans,
)
from tests.public.apply_helpers import PHONE, PNG, people, submit_online
from tests.workflows.dibao import apply as counter_apply
from tests.workflows.dibao import resident_id
from tests.workflows.evidence import APPLICATION

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def test_it_creates_the_case_with_its_scans_and_the_clerks_acceptance_task(world):
    case = submit_online(world.village_a1)
    assert case.channel == Channel.ONLINE
    assert case.created_by.username == ONLINE_USERNAME
    assert not case.created_by.is_active and not case.created_by.has_usable_password()
    assert OnlineApplication.objects.get(case=case).contact_phone == "13800138000"
    scans = Evidence.objects.filter(case=case)
    assert sorted(scans.values_list("kind", flat=True)) == sorted(APPLICATION)
    task = Task.objects.get(case=case)
    assert (task.spec_name, task.lane_role) == ("acceptance", "township_clerk")
    created = AuditEvent.objects.get(case=case, action="case.created")
    assert created.role == ONLINE_ROLE and created.payload["channel"] == "online"
    uploads = AuditEvent.objects.filter(case=case, action="evidence.uploaded")
    assert uploads.count() == len(APPLICATION)
    assert {e.payload["channel"] for e in uploads} == {"online"}


def test_it_puts_the_task_in_that_townships_queue_only(world):
    case = submit_online(world.village_a1)
    task = Task.objects.get(case=case)
    mine = access.inbox(world["clerk"]).filter(pk=task.pk)
    assert mine.exists()
    assert not access.inbox(world["outsider"]).filter(pk=task.pk).exists()
    assert not access.cases_for_user(world["outsider"]).filter(pk=case.pk).exists()


def test_it_lets_the_clerk_accept_it_with_the_usual_task(world):
    case = submit_online(world.village_a1)
    task = Task.objects.get(case=case)
    actions.do_complete_task(
        task.pk, actor=world["clerk"], data={"acceptance_decision": "complete"}
    )
    case.refresh_from_db()
    assert not Task.objects.filter(case=case, spec_name="acceptance").exists()


def test_it_refuses_a_second_open_case_without_naming_it(world):
    first = counter_apply(world)
    number = first.household.members.get(is_applicant=True).resident_id
    with pytest.raises(actions.ActionError) as refused:
        submit_online(world.village_a1, members=[("王五", number)])
    assert first.number not in str(refused.value)
    assert refused.value.case is None
    assert Case.objects.count() == 1


def test_it_recuses_staff_whose_relative_applies_online(world):
    number = resident_id(date(1970, 3, 3))
    actions.do_declare_relative(
        actor=world["clerk"], name="王大", resident_id=number, relation="sibling"
    )
    case = submit_online(world.village_a1, members=[("王大", number)])
    assert case.relative_flag
    assert CaseRecusal.objects.filter(case=case, user=world["clerk"]).exists()
    assert not access.cases_for_user(world["clerk"]).filter(pk=case.pk).exists()


def test_it_refuses_the_whole_submission_for_one_bad_file(world):
    application_rows = people()
    good = io.BytesIO(PNG)
    bad = io.BytesIO(b"<html>not a scan</html>")
    with pytest.raises(actions.ActionError) as refused:
        do_submit_online_application(
            actions.ApplicationData(
                region_id=world.village_a1.pk,
                address="东村",
                hukou="rural",
                members=[
                    actions.MemberData(name=n, resident_id=r, is_applicant=i == 0)
                    for i, (n, r) in enumerate(application_rows)
                ],
            ),
            scans=[
                Scan(kind="id_cards", upload=good, name="id.png", size=len(PNG)),
                Scan(kind="hukou", upload=bad, name="hukou.html", size=23),
            ],
            contact_phone=PHONE,
        )
    assert "hukou.html" in str(refused.value)
    assert not Case.objects.exists() and not Evidence.objects.exists()


def test_it_bounds_the_files_of_one_submission(world):
    with pytest.raises(actions.ActionError):
        submit_online(world.village_a1, kinds=("other",) * (MAX_FILES_PER_SUBMISSION + 1))
    assert not Case.objects.exists()


def test_it_refuses_a_phone_number_that_is_not_a_mobile(world):
    with pytest.raises(actions.ActionError):
        submit_online(world.village_a1, phone="12345")


def test_it_takes_more_scans_only_while_the_township_still_asks(world):
    case = submit_online(world.village_a1, kinds=("id_cards",))
    extra = Scan(kind="hukou", upload=io.BytesIO(PNG), name="h.png", size=len(PNG))
    assert len(do_upload_online_scans(case, scans=[extra])) == 1
    counter = counter_apply(world)
    with pytest.raises(actions.ActionError):
        do_upload_online_scans(counter, scans=[extra])


def test_it_labels_online_cases_in_the_clerks_queue(world, client):
    case = submit_online(world.village_a1)
    client.force_login(world["clerk"])
    page = client.get("/?tab=office").content.decode()
    assert case.number in page and "网上申请" in page
    counter_apply(world)
    assert client.get("/?tab=office").content.decode().count("网上申请") == 1
