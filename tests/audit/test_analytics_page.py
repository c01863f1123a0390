"""The time-limit analytics page: auditors only (anyone else finds no such page), within their
jurisdiction (a region outside it is not found), read-only (POST is refused), the figures in
tables, every view in the audit trail, English in English mode."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from engine.audit import SYSTEM_STREAM
from engine.models import AuditEvent
from tests.audit.analytics_cases import accept_on, apply_on, on
from tests.fixtures import World, make_user
from tests.portal.test_english import assert_english, english

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

URL = reverse("audit:analytics")


@pytest.fixture
def planted(world: World) -> None:
    quick = apply_on(world, date(2026, 3, 2))
    accept_on(world, quick, date(2026, 3, 6))
    late = apply_on(world, date(2026, 3, 2))
    accept_on(world, late, date(2026, 3, 10))
    other = apply_on(world, date(2026, 3, 2), "b")
    accept_on(world, other, date(2026, 3, 3), "b")
    on(date(2026, 4, 8))


def row(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</tr>", start)]


def test_it_shows_the_stages_regions_months_and_steps(
    client: Client, world: World, planted: None
) -> None:
    client.force_login(world["auditor"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "法定时限分析" in html
    acceptance = row(html, 'data-stage="acceptance"')
    assert 'class="num count" data-label="已办结">3<' in acceptance
    assert 'class="num median" data-label="中位数">4<' in acceptance
    assert 'class="num rate hot" data-label="超时率">33.3%<' in acceptance
    assert 'class="num limit" data-label="时限">5<' in acceptance
    # Region rows: the county as the total, then its townships.
    assert row(html, 'data-unit="all"').count("示范县") == 1
    township_a = row(html, f'data-unit="{world.township_a.pk}"')
    assert "东镇" in township_a
    assert row(html, 'data-month="2026-03"')
    assert 'data-element="economic_check"' in html
    assert 'data-chart="stages"' in html and "vendor/echarts/echarts.min.js" in html
    assert 'class="analytics" data-source="/audit/analytics/data.json?kind=dibao' in html


def test_it_shows_the_chosen_stage_by_region_and_month(
    client: Client, world: World, planted: None
) -> None:
    client.force_login(world["auditor"])
    html = client.get(URL, {"measure": "acceptance"}).content.decode()
    township_a = row(html, f'data-unit="{world.township_a.pk}"')
    assert 'data-label="已办结">2<' in township_a
    assert 'class="num rate hot" data-label="超时率">50.0%<' in township_a
    march = row(html, 'data-month="2026-03"')
    assert 'data-label="已办结">3<' in march


def test_it_records_each_view_in_the_system_trail(
    client: Client, world: World, planted: None
) -> None:
    client.force_login(world["auditor"])
    client.get(URL, {"region": world.township_b.pk, "start": "2026-01", "end": "2026-04"})
    event = AuditEvent.objects.filter(action="audit.analytics_viewed").get()
    assert event.stream == SYSTEM_STREAM
    assert event.actor == world["auditor"]
    assert event.role == "auditor"
    assert event.region_id == world.township_b.pk
    assert event.payload == {
        "kind": "dibao",
        "region": world.township_b.pk,
        "start": "2026-01-01",
        "end": "2026-04-30",
        "measure": "procedure",
    }


def test_it_narrows_to_a_township_of_the_county(
    client: Client, world: World, planted: None
) -> None:
    client.force_login(world["auditor"])
    html = client.get(URL, {"region": world.township_b.pk}).content.decode()
    assert 'data-label="已办结">1<' in row(html, 'data-stage="acceptance"')
    assert f'data-unit="{world.township_a.pk}"' not in html
    # The county itself is the whole jurisdiction.
    whole = client.get(URL, {"region": world.county.pk}).content.decode()
    assert 'data-label="已办结">3<' in row(whole, 'data-stage="acceptance"')


def test_it_keeps_a_township_auditor_to_the_township(
    client: Client, world: World, planted: None
) -> None:
    world.users["auditor_a"] = make_user("auditor_a", "auditor", world.township_a)
    client.force_login(world["auditor_a"])
    html = client.get(URL).content.decode()
    assert 'data-label="已办结">2<' in row(html, 'data-stage="acceptance"')
    assert "西镇" not in html
    assert client.get(URL, {"region": world.township_b.pk}).status_code == 404
    assert client.get(URL, {"region": world.county.pk}).status_code == 404


@pytest.mark.parametrize("username", ["clerk", "approver", "policy", "outsider"])
def test_it_does_not_exist_for_anyone_but_auditors(
    client: Client, world: World, username: str
) -> None:
    client.force_login(world[username])
    assert client.get(URL).status_code == 404
    assert not AuditEvent.objects.filter(action="audit.analytics_viewed").exists()


def test_it_sends_strangers_to_sign_in(client: Client, world: World) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_to_change_anything(client: Client, world: World) -> None:
    client.force_login(world["auditor"])
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-13"},
        {"start": "2026-04", "end": "2026-01"},
        {"start": "2019-01", "end": "2026-01"},
        {"kind": "pension"},
        {"measure": "lunch"},
        {"region": "east"},
    ],
)
def test_it_says_what_is_wrong_with_a_choice(
    client: Client, world: World, query: dict[str, str]
) -> None:
    client.force_login(world["auditor"])
    response = client.get(URL, query)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.analytics_viewed").exists()


def test_it_shows_every_kind(client: Client, world: World) -> None:
    client.force_login(world["auditor"])
    for kind in ("tekun", "temporary", "disability", "elderly", "orphan"):
        response = client.get(URL, {"kind": kind})
        assert response.status_code == 200, kind
        assert 'data-stage="procedure"' in response.content.decode()


def test_it_is_english_in_english_mode(client: Client, world: World, planted: None) -> None:
    html = assert_english(english(client, world, "auditor"), URL)
    assert "Statutory time limits" in html
    assert "Acceptance review" in html
