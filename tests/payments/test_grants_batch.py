"""A batch's page: the preview (rows kept and left out, totals per township and type), the
actions each person may take, and once approved the cases made."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assistance.ids import mask_resident_id
from payments.actions_grants import do_import_relocation_list, do_submit_batch
from tests.payments.grants_world import approve_now, card, csv_bytes, good_rows, relocated, rid

ROWS = [*good_rows(), [rid(50), "钱未登", "东村", 2, card(50)]]


@pytest.fixture
def batch(world):
    relocated(world)
    return do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="list.csv", data=csv_bytes(ROWS)
    )


def url(batch, action=""):
    if action:
        return reverse(f"payments:grant-{action}", args=[batch.pk])
    return reverse("payments:grant-batch", args=[batch.pk])


def test_it_previews_the_rows_with_ids_masked_and_the_totals(client, world, batch):
    client.force_login(world["finance"])
    response = client.get(url(batch))
    page = response.content.decode()
    assert response.status_code == 200
    assert "张大山" in page and "李秀英" in page and "钱未登" in page
    assert mask_resident_id(rid(1)) in page and rid(1) not in page
    assert card(1) not in page and card(1)[-4:] in page
    assert "13500.00" in page and "6000.00" in page
    assert url(batch, "submit") in page and url(batch, "approve") not in page


def test_it_filters_the_rows_left_out(client, world, batch):
    client.force_login(world["finance"])
    page = client.get(url(batch) + "?show=excluded").content.decode()
    assert "钱未登" in page and "张大山" not in page
    page = client.get(url(batch) + "?show=kept").content.decode()
    assert "钱未登" not in page and "张大山" in page


def test_it_offers_the_decision_to_another_approver_only(client, world, batch):
    do_submit_batch(batch.pk, actor=world["finance"])
    client.force_login(world["approver"])
    page = client.get(url(batch)).content.decode()
    assert url(batch, "approve") in page and url(batch, "return") in page
    client.force_login(world["finance"])
    page = client.get(url(batch)).content.decode()
    assert url(batch, "approve") not in page and url(batch, "submit") not in page
    client.force_login(world["auditor"])
    page = client.get(url(batch)).content.decode()
    assert url(batch, "approve") not in page and "张大山" in page


def test_it_links_each_case_once_approved(client, world, batch):
    do_submit_batch(batch.pk, actor=world["finance"])
    done = approve_now(batch.pk, actor=world["approver"])
    client.force_login(world["approver"])
    page = client.get(url(done)).content.decode()
    case_id = done.rows[0]["case_id"]
    assert reverse("case", args=[case_id]) in page
    assert done.rows[0]["case_number"] in page


@pytest.mark.parametrize("user", ["outsider", "policy", "clerk"])
def test_it_does_not_exist_for_others(client, world, batch, user):
    client.force_login(world[user])
    assert client.get(url(batch)).status_code == 404


def test_it_is_404_for_a_batch_that_does_not_exist(client, world, batch):
    client.force_login(world["finance"])
    assert client.get(reverse("payments:grant-batch", args=[batch.pk + 1])).status_code == 404
    assert client.get(url(batch) + "?page=abc&show=<b>").status_code == 200


def test_it_refuses_a_post(client, world, batch):
    client.force_login(world["finance"])
    assert client.post(url(batch)).status_code == 405


def test_it_makes_cases_the_approver_can_open_with_their_origin_in_the_timeline(
    client, world, batch
):
    do_submit_batch(batch.pk, actor=world["finance"])
    done = approve_now(batch.pk, actor=world["approver"])
    client.force_login(world["approver"])
    response = client.get(reverse("case", args=[done.rows[0]["case_id"]]))
    page = response.content.decode()
    assert response.status_code == 200
    assert done.rows[0]["case_number"] in page
    assert "按批次生成一次性发放" in page
    assert "起发月份" in client.get(url(done)).content.decode()


def test_it_says_when_the_same_file_was_imported_before(client, world, batch):
    again = do_import_relocation_list(
        world.county.pk,
        actor=world["finance"],
        file_name="again.csv",
        data=csv_bytes(ROWS),
    )
    client.force_login(world["finance"])
    assert "同一文件此前已导入过" in client.get(url(again)).content.decode()
    assert "同一文件此前已导入过" not in client.get(url(batch)).content.decode()
