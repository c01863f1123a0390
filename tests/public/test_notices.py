"""The notices running now: /public/notices/?region=<id>."""

from __future__ import annotations

import pytest

from tests.public.world import one_notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]
URL = "/public/notices/"


def test_it_lists_the_notices_of_a_village_and_its_township(client, world):
    one_notice(world)
    for region in (world.village_a1, world.township_a, world.county):
        response = client.get(URL, {"region": region.pk})
        assert response.status_code == 200
        body = response.content.decode()
        assert "张大山" in body and "张小宝" not in body
    body = client.get(URL, {"region": world.village_a2.pk}).content.decode()
    assert "张大山" not in body and "南村" in body


def test_it_offers_the_region_tree_without_a_region(client, world):
    response = client.get(URL)
    assert response.status_code == 200
    assert "示范县" in response.content.decode()
    response = client.get(URL, {"region": world.county.pk})
    assert "东镇" in response.content.decode() and "西镇" in response.content.decode()


def test_it_refuses_other_methods(client):
    assert client.post(URL).status_code == 405


def test_it_ignores_a_bad_region(client, world):
    for bad in ("x", "999999", str(world.province.pk)):
        response = client.get(URL, {"region": bad})
        assert response.status_code == 200
        assert response.context["region"] is None
