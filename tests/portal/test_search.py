"""Search within the jurisdiction: by name, resident ID, its last digits or case number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assistance.models import CaseRecusal
from tests.fixtures import make_user
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def search(client, world, username, q):
    client.force_login(world[username])
    return client.get(reverse("search"), {"q": q})


def hit(response, case) -> bool:
    assert response.status_code == 200
    return f'data-household="{case.household_id}"' in response.content.decode()


def test_it_finds_a_household_by_name_id_last_digits_and_case_number(client, world):
    case, other = apply(world), apply(world)
    member = case.household.members.get(is_applicant=False, name="成员1")
    member.name = "张三丰"
    member.save(update_fields=["name"])
    for query in ("张三", member.resident_id, member.resident_id[-6:], case.number):
        response = search(client, world, "clerk", query)
        assert hit(response, case), query
        assert not hit(response, other) or query == member.resident_id[-6:], query
    # Case numbers are found whatever the case of their letters.
    assert hit(search(client, world, "clerk", case.number.lower()), case)


def test_it_lists_each_household_with_its_cases_and_a_masked_id_for_the_approver(client, world):
    case = apply(world)
    applicant = case.household.members.get(is_applicant=True)
    body = search(client, world, "approver", case.number).content.decode()
    assert reverse("household", args=[case.household_id]) in body
    assert reverse("case", args=[case.pk]) in body
    assert applicant.resident_id not in body.split("<main>")[1].split("</form>", 1)[1]


def test_it_never_finds_a_case_outside_the_jurisdiction_or_from_which_one_is_recused(client, world):
    case = apply(world)
    assert not hit(search(client, world, "outsider", case.number), case)
    CaseRecusal.objects.create(case=case, user=world["reviewer"], reason="近亲属")
    assert not hit(search(client, world, "reviewer", case.number), case)
    applicant = case.household.members.get(is_applicant=True)
    assert not hit(search(client, world, "reviewer", applicant.name), case)
    assert hit(search(client, world, "approver", case.number), case)


def test_it_refuses_bad_input_other_methods_and_users_without_a_role(client, world):
    assert search(client, world, "clerk", "7").status_code == 400  # one digit matches too much
    assert search(client, world, "clerk", "张").status_code == 200  # a surname is a search
    assert search(client, world, "clerk", "x" * 41).status_code == 400
    assert search(client, world, "clerk", "50%").status_code == 400
    client.force_login(world["clerk"])
    assert client.get(reverse("search")).status_code == 200
    assert client.post(reverse("search"), {"q": "张三"}).status_code == 405
    make_user("no_role", None, world.county)
    client.force_login(type(world["clerk"]).objects.get(username="no_role"))
    assert client.get(reverse("search"), {"q": "张三"}).status_code == 403


def test_it_offers_the_search_box_in_the_header(client, world):
    client.force_login(world["approver"])
    body = client.get(reverse("inbox")).content.decode()
    assert f'action="{reverse("search")}"' in body
    # Auditors search in their own workspace; policy staff search no household at all.
    client.force_login(world["auditor"])
    body = client.get(reverse("inbox"), follow=True).content.decode()
    assert f'action="{reverse("audit:search")}"' in body
    client.force_login(world["policy"])
    body = client.get(reverse("inbox")).content.decode()
    assert "header-search" not in body


def test_it_does_not_exist_for_policy_staff(client, world):
    case = apply(world)
    response = search(client, world, "policy", case.number)
    assert response.status_code == 404
    assert "data-household" not in response.content.decode()
