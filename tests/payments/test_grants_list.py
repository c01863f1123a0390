"""The list of batches: county finance, approvers and auditors of the county; 404 to others;
a fixed number of queries whatever the number of batches."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from payments.actions_grants import do_import_relocation_list
from tests.payments.grants_world import good_rows, relocated, xlsx

URL = "/payments/grants/"


def make_batches(world, count):
    for index in range(count):
        do_import_relocation_list(
            world.county.pk,
            actor=world["finance"],
            file_name=f"list{index}.xlsx",
            data=xlsx(good_rows()),
            title=f"第{index}批",
        )


def test_it_lists_the_batches_with_links_to_prepare_more(client, world):
    relocated(world)
    make_batches(world, 2)
    assert reverse("payments:grants") == URL
    client.force_login(world["finance"])
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "第0批" in page and "第1批" in page and "13500.00" in page
    assert reverse("payments:grant-new-relocation") in page
    assert reverse("payments:grant-new-price-subsidy") in page


def test_it_shows_auditors_the_batches_without_the_links_to_prepare(client, world):
    relocated(world)
    make_batches(world, 1)
    client.force_login(world["auditor"])
    page = client.get(URL).content.decode()
    assert "第0批" in page
    assert reverse("payments:grant-new-relocation") not in page


@pytest.mark.parametrize("user", ["outsider", "policy", "clerk", "reviewer"])
def test_it_does_not_exist_for_others(client, world, user):
    client.force_login(world[user])
    assert client.get(URL).status_code == 404


def test_it_refuses_a_post(client, world):
    client.force_login(world["finance"])
    assert client.post(URL).status_code == 405


def test_it_sends_strangers_to_sign_in(client, world):
    assert client.get(URL).status_code == 302


def test_it_links_the_grants_from_the_header_for_those_who_see_them(client, world):
    client.force_login(world["approver"])
    assert URL in client.get("/").content.decode()
    client.force_login(world["clerk"])
    assert URL not in client.get("/").content.decode()


def test_it_runs_the_same_queries_for_few_and_many_batches(client, world):
    relocated(world)
    client.force_login(world["finance"])
    make_batches(world, 1)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    make_batches(world, 12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)
