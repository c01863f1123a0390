"""Importing a relocation list through the page: the form, a good file to its preview, bad
files back to the form with the reason; 403 to auditors, 404 to others."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments.grants_files import MAX_UPLOAD_BYTES
from payments.models import GrantBatch
from tests.payments.grants_world import csv_bytes, good_rows, relocated, xlsx

URL = "/payments/grants/new/relocation/"


def upload(world, data, name="搬迁名单.xlsx", **extra):
    return {
        "county": world.county.pk,
        "title": "2026年第一批易地扶贫搬迁",
        "source": SimpleUploadedFile(name, data),
        **extra,
    }


def test_it_shows_the_form(client, world):
    assert reverse("payments:grant-new-relocation") == URL
    client.force_login(world["finance"])
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize(("name", "make"), [("l.xlsx", xlsx), ("l.csv", csv_bytes)])
def test_it_reads_a_list_and_opens_its_preview(client, world, name, make):
    relocated(world)
    client.force_login(world["approver"])
    response = client.post(URL, upload(world, make(good_rows()), name=name))
    batch = GrantBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:grant-batch", args=[batch.pk])
    assert batch.title == "2026年第一批易地扶贫搬迁" and batch.created_by == world["approver"]
    assert len(batch.rows) == 3


@pytest.mark.parametrize(
    "data",
    [b"", b"PK\x03\x04broken", b"\x89PNG\r\n\x1a\n\x00\x00", "名字\n张三\n".encode()],
)
def test_it_sends_a_bad_file_back_with_the_reason(client, world, data):
    client.force_login(world["finance"])
    response = client.post(URL, upload(world, data or b" "))
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not GrantBatch.objects.exists()


def test_it_refuses_an_oversized_file_before_reading_it(client, world):
    client.force_login(world["finance"])
    response = client.post(URL, upload(world, b"a" * (MAX_UPLOAD_BYTES + 1), name="big.csv"))
    assert response.status_code == 400
    assert "2 MB" in response.content.decode()
    assert not GrantBatch.objects.exists()


def test_it_refuses_a_county_outside_the_jurisdiction_and_no_file(client, world):
    from tests.payments.grants_world import other_county

    elsewhere = other_county(world).parent.parent
    client.force_login(world["finance"])
    assert (
        client.post(URL, upload(world, xlsx(good_rows()), county=elsewhere.pk)).status_code == 400
    )
    assert client.post(URL, {"county": world.county.pk}).status_code == 400
    assert not GrantBatch.objects.exists()


def test_it_is_read_only_for_auditors(client, world):
    client.force_login(world["auditor"])
    assert client.get(URL).status_code == 403
    assert client.post(URL, upload(world, xlsx(good_rows()))).status_code == 403


@pytest.mark.parametrize("user", ["outsider", "policy", "clerk"])
def test_it_does_not_exist_for_others(client, world, user):
    client.force_login(world[user])
    assert client.get(URL).status_code == 404
    assert client.post(URL, upload(world, xlsx(good_rows()))).status_code == 404


def test_it_refuses_other_methods(client, world):
    client.force_login(world["finance"])
    assert client.put(URL).status_code == 405
