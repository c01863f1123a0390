"""/exchanges/registry/: the county approver imports the quarter's registry extract and reads
what the comparison found; the same file again changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchanges.models import RegistryDifference, RegistryImport
from tests.exchanges.registry_world import csv_file, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

PAGE = reverse("exchanges:registry")
IMPORT = reverse("exchanges:registry-import")


def extract(world, *people, status="贫困"):
    rows = [(member.resident_id, member.name, status) for member in people]
    return SimpleUploadedFile("建档立卡.csv", csv_file(*rows), content_type="text/csv")


def test_it_imports_the_extract_and_reports_the_comparison(client, world):
    people = [person(world.village_a1, "甲"), person(world.village_b1, "乙")]
    client.force_login(world["approver"])
    page = client.get(PAGE).content.decode()
    assert "导入建档立卡数据" in page and "2026Q1" in page
    form = {"county": world.county.pk, "quarter": "2026Q1"}
    response = client.post(IMPORT, {**form, "source": extract(world, *people)})
    assert response.status_code == 302
    imported = RegistryImport.objects.get()
    assert response.url == reverse("exchanges:registry-import-report", args=[imported.pk])
    report = client.get(response.url).content.decode()
    assert "在册贫困人口 2 人；未纳入保障 2 人" in report
    assert RegistryDifference.objects.count() == 2
    again = client.post(IMPORT, {**form, "source": extract(world, *people)}, follow=True)
    assert "此文件已于 2026-03-02 导入；未作任何变更。" in again.content.decode()
    assert RegistryDifference.objects.count() == 2 and RegistryImport.objects.count() == 1


def test_it_refuses_a_bad_extract_in_chinese(client, world):
    client.force_login(world["approver"])
    form = {"county": world.county.pk, "quarter": "2026Q1"}
    bad = SimpleUploadedFile("x.csv", "编号,名字\n1,2\n".encode(), content_type="text/csv")
    response = client.post(IMPORT, {**form, "source": bad})
    assert response.status_code == 400
    assert "第一行须写明各列：身份证号、姓名、贫困状态。" in response.content.decode()
    response = client.post(IMPORT, {**form, "quarter": "2019Q1", "source": extract(world)})
    assert response.status_code == 400 and "选择一个有效的选项" in response.content.decode()
    assert not RegistryImport.objects.exists()


def test_it_refuses_wrong_methods(client, world):
    client.force_login(world["approver"])
    assert client.post(PAGE).status_code == 405
    assert client.get(IMPORT).status_code == 405


def test_it_does_not_exist_for_others(client, world):
    for user in ("outsider", "checker", "finance"):
        client.force_login(world[user])
        assert client.get(PAGE).status_code == 404
        assert client.post(IMPORT, {}).status_code == 404


def test_it_lets_auditors_read_the_imports_but_not_import(client, world):
    member = person(world.village_a1, "甲")
    client.force_login(world["approver"])
    client.post(
        IMPORT, {"county": world.county.pk, "quarter": "2026Q1", "source": extract(world, member)}
    )
    imported = RegistryImport.objects.get()
    client.force_login(world["auditor"])
    page = client.get(PAGE).content.decode()
    assert "建档立卡.csv" in page and 'enctype="multipart/form-data"' not in page
    report = reverse("exchanges:registry-import-report", args=[imported.pk])
    assert client.get(report).status_code == 200
    assert client.post(IMPORT, {}).status_code == 403
    client.force_login(world["outsider"])
    assert client.get(report).status_code == 404
