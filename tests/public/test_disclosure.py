"""The R9 disclosure lists: /public/disclosure/?region=&list=&month=."""

from __future__ import annotations

import pytest

from tests.public.world import build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]
URL = "/public/disclosure/"


def test_it_lists_each_kind_for_a_region_and_month(client, world):
    build(world)
    county = world.county.pk
    lists = {
        which: client.get(URL, {"region": county, "list": which, "month": "2026-03"})
        for which in ("first", "confirmed", "terminated")
    }
    assert all(response.status_code == 200 for response in lists.values())
    first = lists["first"].content.decode()
    assert "张大山" in first and "王秀兰" in first and "赵小花" not in first
    confirmed = lists["confirmed"].content.decode()
    assert "钱有福" in confirmed and "钱小妹" not in confirmed
    assert "孙小明" not in confirmed and "吴小雨" not in confirmed
    assert "周长庚" in lists["terminated"].content.decode()
    earlier = client.get(URL, {"region": county, "list": "confirmed", "month": "2026-02"})
    assert "钱有福" not in earlier.content.decode()
    only_a1 = client.get(URL, {"region": world.village_a1.pk, "list": "first"})
    assert "张大山" in only_a1.content.decode() and "王秀兰" not in only_a1.content.decode()


def test_it_refuses_a_bad_month_or_list(client, world):
    assert client.get(URL, {"region": world.county.pk, "month": "2026-13"}).status_code == 400
    assert client.get(URL, {"region": world.county.pk, "list": "all"}).status_code == 400


def test_it_refuses_other_methods(client):
    assert client.post(URL).status_code == 405
