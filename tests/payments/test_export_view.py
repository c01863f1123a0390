"""POST /payments/rosters/<id>/export/<fmt>/: the bank's file or the XLSX, once approved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payments.actions import do_approve_roster
from payments.models import RosterStatus

pytestmark = pytest.mark.django_db


def test_it_downloads_the_bank_file_and_the_spreadsheet(client, world, built_roster):
    do_approve_roster(built_roster.pk, actor=world["finance"])
    do_approve_roster(built_roster.pk, actor=world["finance2"])
    client.force_login(world["finance"])
    response = client.post(reverse("payments:export", args=[built_roster.pk, "bank"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert "王二" in body and "赵三" not in body
    xlsx = client.post(reverse("payments:export", args=[built_roster.pk, "xlsx"]))
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    built_roster.refresh_from_db()
    assert built_roster.status == RosterStatus.EXPORTED


def test_it_refuses_an_unapproved_roster_and_an_unknown_format(client, world, built_roster):
    client.force_login(world["finance"])
    assert (
        client.post(reverse("payments:export", args=[built_roster.pk, "bank"])).status_code == 400
    )
    do_approve_roster(built_roster.pk, actor=world["finance"])
    do_approve_roster(built_roster.pk, actor=world["finance2"])
    assert client.post(reverse("payments:export", args=[built_roster.pk, "pdf"])).status_code == 400


def test_it_refuses_readers_outsiders_and_get(client, world, built_roster):
    url = reverse("payments:export", args=[built_roster.pk, "bank"])
    client.force_login(world["auditor"])
    assert client.post(url).status_code == 403
    client.force_login(world["outsider"])
    assert client.post(url).status_code == 404
    client.force_login(world["finance"])
    assert client.get(url).status_code == 405
