"""The roster page (totals, who is not paid and why, lines with filters) and its progress."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payments.models import Roster, RosterStatus

pytestmark = pytest.mark.django_db


def test_it_shows_totals_exclusions_and_lines(client, world, built_roster):
    client.force_login(world["finance"])
    url = reverse("payments:roster", args=[built_roster.pk])
    text = client.get(url).content.decode()
    assert "最低生活保障" in text and "900.00" in text and "东镇" in text and "西镇" in text
    assert "无银行账户" in text and "审核通过（初审）" in text
    filtered = client.get(url, {"township": world.township_b.pk}).content.decode()
    assert "王二" in filtered and "李一" not in filtered
    assert client.get(url, {"township": "x", "kind": "nope"}).status_code == 200


def test_it_shows_a_progress_bar_while_building(client, world, built_roster):
    Roster.objects.filter(pk=built_roster.pk).update(
        status=RosterStatus.BUILDING, progress_total=10, progress_done=4
    )
    client.force_login(world["finance"])
    text = client.get(reverse("payments:roster", args=[built_roster.pk])).content.decode()
    assert "<progress" in text and 'value="4"' in text
    data = client.get(reverse("payments:progress", args=[built_roster.pk])).json()
    assert data == {"status": "building", "done": 4, "total": 10, "building": True}


def test_it_lets_auditors_read_without_buttons(client, world, built_roster):
    client.force_login(world["auditor"])
    text = client.get(reverse("payments:roster", args=[built_roster.pk])).content.decode()
    assert "900.00" in text and "审核通过（初审）" not in text
    from engine.models import AuditEvent

    event = AuditEvent.objects.get(action="payments.roster_viewed")
    assert (event.actor, event.payload["roster"]) == (world["auditor"], built_roster.pk)


def test_it_does_not_exist_for_others_and_takes_only_get(client, world, built_roster):
    client.force_login(world["outsider"])
    assert client.get(reverse("payments:roster", args=[built_roster.pk])).status_code == 404
    assert client.get(reverse("payments:progress", args=[built_roster.pk])).status_code == 404
    client.force_login(world["finance"])
    assert client.get(reverse("payments:roster", args=[999999])).status_code == 404
    assert client.post(reverse("payments:roster", args=[built_roster.pk])).status_code == 405
