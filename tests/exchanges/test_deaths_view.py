"""/exchanges/deaths/: the county approver imports the civil registry's deaths; the report
page shows each row's outcome."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assistance.models import DeathRecord
from exchanges.models import FileImport
from tests.workflows.dibao import resident_id
from tests.workflows.exit import active_case, deploy_processes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

PAGE = reverse("exchanges:deaths")
IMPORT = reverse("exchanges:deaths-import")


def deaths_file(*rows: str, header: str = "身份证号,死亡日期,来源") -> SimpleUploadedFile:
    text = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile("死亡.csv", text.encode("utf-8"), content_type="text/csv")


def test_it_imports_deaths_and_shows_the_report_in_chinese(client, world):
    deploy_processes(world, "exit.bpmn")
    case = active_case(world, "tekun")
    subject = case.household.members.order_by("pk").first().resident_id
    stranger = resident_id(date(1940, 1, 1))
    client.force_login(world["approver"])
    assert "导入死亡信息" in client.get(PAGE).content.decode()
    response = client.post(
        IMPORT, {"source": deaths_file(f"{subject},2026-02-27,医院", f"{stranger},2026-02-27,医院")}
    )
    assert response.status_code == 302
    report = client.get(response.url).content.decode()
    assert "共 2 行：1 行已登记，0 行此前已登记，1 行被拒绝。" in report
    assert "本辖区内没有登记此身份证号的人员。" in report
    assert subject not in report and subject[-4:] in report
    assert list(DeathRecord.objects.values_list("resident_id", flat=True)) == [subject]
    assert "死亡.csv" in client.get(PAGE).content.decode()


def test_it_refuses_a_bad_file_in_chinese(client, world):
    client.force_login(world["approver"])
    response = client.post(IMPORT, {"source": deaths_file("1,2", header="编号,日期")})
    assert response.status_code == 400
    assert "第一行须写明各列：身份证号、死亡日期、来源。" in response.content.decode()
    response = client.post(IMPORT, {})
    assert response.status_code == 400 and "此项为必填项" in response.content.decode()
    assert not FileImport.objects.exists()


def test_it_refuses_wrong_methods(client, world):
    client.force_login(world["approver"])
    assert client.post(PAGE).status_code == 405
    assert client.get(IMPORT).status_code == 405


def test_it_does_not_exist_for_others(client, world):
    for user in ("outsider", "clerk", "checker"):
        client.force_login(world[user])
        assert client.get(PAGE).status_code == 404
        assert client.post(IMPORT, {"source": deaths_file()}).status_code == 404


def test_it_lets_auditors_read_the_imports_but_not_import(client, world):
    client.force_login(world["approver"])
    client.post(IMPORT, {"source": deaths_file(f"{resident_id(date(1940, 2, 2))},2026-02-27,医院")})
    imported = FileImport.objects.get()
    client.force_login(world["auditor"])
    page = client.get(PAGE).content.decode()
    assert "死亡.csv" in page and 'enctype="multipart/form-data"' not in page
    assert client.get(reverse("exchanges:import", args=[imported.pk])).status_code == 200
    assert client.post(IMPORT, {"source": deaths_file()}).status_code == 403
    client.force_login(world["outsider"])
    assert client.get(reverse("exchanges:import", args=[imported.pk])).status_code == 404
    client.force_login(world["checker"])
    assert client.get(reverse("exchanges:import", args=[imported.pk])).status_code == 404
