"""Service guide, policies and hotline: /public/info/<kind>/."""

from __future__ import annotations

import pytest

from engine.clock import clock
from public.models import PageKind, PublicPage

pytestmark = [pytest.mark.django_db]


def page(world, kind, title, region=None, published=True):
    return PublicPage.objects.create(
        kind=kind,
        region=region,
        title=title,
        body=f"{title}第一段\n\n第二段",
        published=published,
        updated_at=clock.now(),
        updated_by=world["policy"],
    )


def test_it_shows_the_pages_in_scope_as_paragraphs(client, world):
    page(world, PageKind.GUIDE, "全省指南")
    page(world, PageKind.GUIDE, "西镇指南", region=world.township_b)
    page(world, PageKind.GUIDE, "草稿", published=False)
    page(world, PageKind.POLICY, "政策")
    body = client.get("/public/info/guide/", {"region": world.village_a1.pk}).content.decode()
    assert "全省指南第一段</p>" in body and "<p>第二段</p>" in body
    assert "西镇指南" not in body and "草稿" not in body and "政策" not in body
    body = client.get("/public/info/guide/", {"region": world.village_b1.pk}).content.decode()
    assert "西镇指南" in body


def test_it_does_not_know_other_kinds(client):
    assert client.get("/public/info/secrets/").status_code == 404


def test_it_refuses_other_methods(client):
    assert client.post("/public/info/guide/").status_code == 405
