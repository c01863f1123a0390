"""/payments/cases/<id>/account/: record or correct a case's bank account."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.payments.roster_world import card, make_case

pytestmark = pytest.mark.django_db


def test_it_records_a_checked_account_from_the_case_page(client, world):
    case = make_case(world.village_a1, account=False)
    client.force_login(world["clerk"])
    case_page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert (
        "尚未登记银行账户" in case_page and reverse("payments:account", args=[case.pk]) in case_page
    )
    number = card("621755555555555")
    data = {"payee_name": "张三", "bank_name": "农商银行", "bank_card": number}
    response = client.post(reverse("payments:account", args=[case.pk]), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.bank_card == number
    assert number[-4:] in client.get(reverse("case", args=[case.pk])).content.decode()


def test_it_explains_a_mistyped_card(client, world):
    case = make_case(world.village_a1, account=False)
    client.force_login(world["finance"])
    data = {"payee_name": "张三", "bank_name": "农商银行", "bank_card": "6217 0000 0000 0000 001"}
    response = client.post(reverse("payments:account", args=[case.pk]), data)
    assert response.status_code == 400 and "校验位" in response.content.decode()
    case.refresh_from_db()
    assert case.bank_card == ""


def test_it_refuses_readers_outsiders_and_wrong_methods(client, world):
    case = make_case(world.village_a1)
    url = reverse("payments:account", args=[case.pk])
    data = {"payee_name": "张三", "bank_name": "农商银行", "bank_card": card("621766666666666")}
    client.force_login(world["auditor"])
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 403
    client.force_login(world["outsider"])
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    client.force_login(world["clerk"])
    assert client.put(url).status_code == 405
