"""Choosing the recipients of a price-linked subsidy through the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payments.models import GrantBatch, GrantKind
from tests.payments.grants_world import active_case, household

URL = "/payments/grants/new/price-subsidy/"
pytestmark = pytest.mark.usefixtures("fixed_clock")  # Monday 2 March 2026


def form(world, **extra):
    return {
        "county": world.county.pk,
        "title": "",
        "types": ["dibao", "tekun"],
        "as_of": "2026-03-01",
        "per": "person",
        "amount": "25.50",
        "month": "2026-04",
        **extra,
    }


def test_it_shows_the_form_with_next_month_and_the_usual_types(client, world):
    assert reverse("payments:grant-new-price-subsidy") == URL
    client.force_login(world["finance"])
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-04" selected' in page
    assert 'value="dibao" ' in page and 'name="types"' in page


def test_it_chooses_the_recipients_and_opens_the_preview(client, world):
    active_case(household(world.village_a1, "甲", 21, members=2), "dibao", "DB1")
    client.force_login(world["finance"])
    response = client.post(URL, form(world))
    batch = GrantBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:grant-batch", args=[batch.pk])
    assert batch.kind == GrantKind.PRICE_SUBSIDY and batch.title == "价格临时补贴 2026-04"
    assert batch.rows[0]["amount"] == "51.00"


@pytest.mark.parametrize(
    "bad",
    [
        {"types": []},
        {"types": ["temporary"]},
        {"amount": "0"},
        {"amount": "-5"},
        {"amount": "abc"},
        {"as_of": "2026-03-03"},
        {"month": "2026-02"},
        {"per": "household"},
    ],
)
def test_it_sends_bad_input_back_to_the_form(client, world, bad):
    client.force_login(world["finance"])
    response = client.post(URL, form(world, **bad))
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not GrantBatch.objects.exists()


def test_it_is_read_only_for_auditors(client, world):
    client.force_login(world["auditor"])
    assert client.get(URL).status_code == 403
    assert client.post(URL, form(world)).status_code == 403


@pytest.mark.parametrize("user", ["outsider", "policy"])
def test_it_does_not_exist_for_others(client, world, user):
    client.force_login(world[user])
    assert client.get(URL).status_code == 404
    assert client.post(URL, form(world)).status_code == 404


def test_it_refuses_other_methods(client, world):
    client.force_login(world["finance"])
    assert client.delete(URL).status_code == 405
