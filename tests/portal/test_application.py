"""Registering an application through the portal form."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from assistance.models import Case
from tests.workflows.dibao import resident_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

URL = "application-new"


def form(world, *people, village=None, **extra):
    data = {
        "assistance_type": "dibao",
        "village": (village or world.village_a1).pk,
        "address": "东村3组",
        "hukou": "rural",
        "m-TOTAL_FORMS": str(len(people)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
        **extra,
    }
    for index, (name, number, wage) in enumerate(people):
        data.update(
            {
                f"m-{index}-name": name,
                f"m-{index}-resident_id": number,
                f"m-{index}-relation": "self" if index == 0 else "child",
                f"m-{index}-covered": "on",
                f"m-{index}-wage": wage,
            }
        )
    return data


def test_it_registers_an_application_and_starts_the_process(client, world):
    client.force_login(world["clerk"])
    assert client.get(reverse(URL)).status_code == 200
    response = client.post(
        reverse(URL),
        form(
            world,
            ("王五", resident_id(date(1980, 1, 1)), "800"),
            ("王小", resident_id(date(2012, 1, 1)), ""),
        ),
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("case", args=[case.pk])
    assert case.household.members.count() == 2
    assert case.tasks.get().spec_name == "acceptance"


def test_it_lets_a_village_clerk_apply_for_their_own_village_only(client, world):
    client.force_login(world["village_clerk"])
    person = ("李四", resident_id(date(1975, 1, 1)), "")
    own = client.post(reverse(URL), form(world, person))
    assert own.status_code == 302
    other = client.post(
        reverse(URL),
        form(world, ("赵六", resident_id(date(1976, 1, 1)), ""), village=world.village_a2),
    )
    assert other.status_code == 200 and "有效" in other.content.decode()
    assert Case.objects.count() == 1


def test_it_explains_a_wrong_resident_id_in_chinese(client, world):
    client.force_login(world["clerk"])
    page = client.post(reverse(URL), form(world, ("王五", "110105194912310021", "")))
    assert page.status_code == 200
    assert "身份证号码校验位不正确" in page.content.decode()
    assert not Case.objects.exists()


def test_it_refuses_a_second_open_case_with_a_link_to_the_first(client, world):
    client.force_login(world["clerk"])
    number = resident_id(date(1981, 1, 1))
    client.post(reverse(URL), form(world, ("王五", number, "")))
    first = Case.objects.get()
    page = client.post(reverse(URL), form(world, ("王五", number, "")))
    assert page.status_code == 200
    assert reverse("case", args=[first.pk]) in page.content.decode()
    assert Case.objects.count() == 1


def test_it_refuses_other_roles_and_methods(client, world):
    for username in ("investigator", "auditor", "approver"):
        client.force_login(world[username])
        assert client.get(reverse(URL)).status_code == 403
    client.force_login(world["clerk"])
    assert client.put(reverse(URL)).status_code == 405


def test_it_keeps_an_outsider_out_of_other_townships(client, world):
    client.force_login(world["outsider"])
    page = client.post(reverse(URL), form(world, ("王五", resident_id(date(1982, 1, 1)), "")))
    assert page.status_code == 200 and not Case.objects.exists()


def test_it_records_household_deductions(client, world):
    client.force_login(world["clerk"])
    response = client.post(
        reverse(URL),
        form(world, ("王五", resident_id(date(1983, 1, 1)), "800"), medical="300", education="150"),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    kinds = dict(case.household.deductions.values_list("kind", "monthly_amount"))
    assert {kind: str(amount) for kind, amount in kinds.items()} == {
        "medical": "300.00",
        "education": "150.00",
    }
    assert case.number.startswith("DB")


def test_it_attaches_a_new_application_to_the_registered_household(client, world):
    from assistance import actions
    from assistance.models import Household

    client.force_login(world["clerk"])
    number = resident_id(date(1984, 1, 1))
    client.post(reverse(URL), form(world, ("王五", number, "")))
    first = Case.objects.get()
    first.status = "refused"
    first.save(update_fields=["status"])
    second = client.post(
        reverse(URL),
        form(world, ("王五", number, ""), ("王小五", resident_id(date(2014, 1, 1)), "")),
    )
    assert second.status_code == 302
    assert Household.objects.count() == 1
    assert first.household.members.count() == 2
    Case.objects.update(status="refused")
    application = actions.ApplicationData(
        region_id=world.village_a2.pk,
        address="南村",
        hukou="rural",
        members=[actions.MemberData(name="王五", resident_id=number, is_applicant=True)],
    )
    with pytest.raises(actions.ActionError, match="登记在其他村"):
        actions.do_apply(application, actor=world["clerk"])
