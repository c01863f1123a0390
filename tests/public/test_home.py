"""The public home: /public/."""

from __future__ import annotations

import pytest

from engine.clock import clock
from public.models import PageKind, PublicPage

pytestmark = [pytest.mark.django_db]
URL = "/public/"


def test_it_shows_the_links_and_the_nearest_hotline(client, world):
    for region, title in ((None, "全省热线 12345"), (world.county, "县热线 0746-1234567")):
        PublicPage.objects.create(
            kind=PageKind.HOTLINE,
            region=region,
            title="热线",
            body=title,
            updated_at=clock.now(),
            updated_by=world["policy"],
        )
    body = client.get(URL).content.decode()
    assert "全省热线 12345" in body and "/public/notices/" in body
    response = client.get(URL, {"region": world.village_a1.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "县热线 0746-1234567" in body
    assert f"/public/notices/?region={world.village_a1.pk}" in body
    assert "/public/info/guide/" in body and "/public/objections/lookup/" in body
    assert "/public/apply/" in body and "/public/apply/status/" in body


def test_it_needs_no_sign_in_and_shows_no_staff_links(client, world):
    body = client.get(URL).content.decode()
    assert "/logout/" not in body and "/studio/" not in body


def test_it_refuses_other_methods(client):
    assert client.post(URL).status_code == 405


def test_it_ignores_a_bad_region(client, world):
    assert client.get(URL, {"region": "'; drop"}).status_code == 200
