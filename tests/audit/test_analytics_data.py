"""The JSON the analytics charts and the heatmap are drawn from: the same figures as the page,
for auditors within their jurisdiction only, read-only, and not logged again (the page view is)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from engine.models import AuditEvent
from tests.audit.analytics_cases import accept_on, apply_on, on
from tests.fixtures import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

DATA = reverse("audit:analytics-data")
DIAGRAM = reverse("audit:analytics-diagram")


@pytest.fixture
def planted(world: World) -> None:
    quick = apply_on(world, date(2026, 3, 2))
    accept_on(world, quick, date(2026, 3, 6))
    late = apply_on(world, date(2026, 3, 2))
    accept_on(world, late, date(2026, 3, 10))
    apply_on(world, date(2026, 3, 2), "b")
    on(date(2026, 4, 8))


def test_it_gives_the_charts_their_figures(client: Client, world: World, planted: None) -> None:
    client.force_login(world["auditor"])
    data = client.get(DATA, {"measure": "acceptance"}).json()
    stages = {row["key"]: row for row in data["stages"]}
    assert stages["acceptance"] == {
        "key": "acceptance",
        "label": "受理",
        "count": 2,
        "median": 5.0,
        "p90": pytest.approx(5.8),
        "overdue_rate": 0.5,
        "limit": 5,
    }
    # No stay finished yet: the limit in force today, for the chart's marker.
    assert stages["refusal_notice"]["limit"] == 3
    assert stages["notice"]["limit"] is None
    regions = [row["label"] for row in data["regions"]["rows"]]
    assert regions == ["东镇", "西镇"]
    assert data["regions"]["title"] == "受理"
    months = {row["key"]: row for row in data["months"]["rows"]}
    assert months["2026-03"]["count"] == 2
    assert data["text"]["median"] == "中位数"
    assert not AuditEvent.objects.filter(action__startswith="audit.analytics").exists()


def test_it_gives_the_diagram_its_heat(client: Client, world: World, planted: None) -> None:
    client.force_login(world["auditor"])
    data = client.get(DIAGRAM).json()
    assert 'id="dibao"' in data["xml"]
    assert data["completed"] == [] and data["active"] == []
    assert data["heat"]["acceptance"] == {"now": 1, "passes": 2, "average": 5.0, "level": 4}
    assert data["heat"]["economic_check"]["now"] == 2
    assert data["text"]["now"] == "件停留"


@pytest.mark.parametrize("url", [DATA, DIAGRAM])
def test_it_is_for_auditors_in_their_jurisdiction_only(
    client: Client, world: World, url: str
) -> None:
    client.force_login(world["clerk"])
    assert client.get(url).status_code == 404
    client.force_login(world["auditor"])
    assert client.post(url).status_code == 405
    assert client.get(url, {"region": world.province.pk}).status_code == 404
    assert client.get(url, {"end": "soon"}).status_code == 400
    assert client.get(url).status_code == 200
