"""POST /payments/rosters/<id>/import/: the bank's results file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments.actions import do_approve_roster, do_export_roster
from payments.models import LineStatus, RosterLine, RosterStatus
from tests.fixtures import deploy_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(world, built_roster):
    do_approve_roster(built_roster.pk, actor=world["finance"])
    do_approve_roster(built_roster.pk, actor=world["finance2"])
    do_export_roster(built_roster.pk, "bank", actor=world["finance"])
    return built_roster


def upload(text, encoding="utf-8"):
    return SimpleUploadedFile("回盘.csv", text.encode(encoding), content_type="text/csv")


def test_it_imports_results_and_starts_a_task_per_failure(client, world, exported):
    deploy_only("payment_failure.bpmn")
    lines = list(RosterLine.objects.filter(roster=exported).order_by("pk"))
    text = f"流水号,结果,失败原因\n{lines[0].pk},成功,\n{lines[1].pk},失败,户名不符\n"
    client.force_login(world["finance"])
    response = client.post(
        reverse("payments:import", args=[exported.pk]), {"results": upload(text, "gbk")}
    )
    assert response.status_code == 302
    exported.refresh_from_db()
    assert exported.status == RosterStatus.SETTLED
    assert RosterLine.objects.get(pk=lines[1].pk).status == LineStatus.FAILED
    assert "成功1笔，失败1笔" in client.get(response.url).content.decode()


def test_it_lists_every_bad_row_and_changes_nothing(client, world, exported):
    client.force_login(world["finance"])
    response = client.post(
        reverse("payments:import", args=[exported.pk]),
        {"results": upload("流水号,结果\nabc,成功\n")},
    )
    assert response.status_code == 400 and "第2行" in response.content.decode()
    assert client.post(reverse("payments:import", args=[exported.pk]), {}).status_code == 400
    assert not RosterLine.objects.exclude(status=LineStatus.PENDING).exists()


def test_it_refuses_readers_outsiders_and_get(client, world, exported):
    url = reverse("payments:import", args=[exported.pk])
    client.force_login(world["auditor"])
    assert client.post(url, {"results": upload("x")}).status_code == 403
    client.force_login(world["outsider"])
    assert client.post(url, {"results": upload("x")}).status_code == 404
    client.force_login(world["finance"])
    assert client.get(url).status_code == 405
