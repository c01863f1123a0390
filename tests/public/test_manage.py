"""The policy staff's editor of public pages: /public/manage/."""

from __future__ import annotations

import pytest

from engine.clock import clock
from engine.models import AuditEvent
from public.models import PageKind, PublicPage

pytestmark = [pytest.mark.django_db]
NEW = {
    "kind": "guide",
    "region": "",
    "title": "办事指南",
    "body": "第一段\n\n第二段",
    "position": 0,
    "published": "on",
}


def test_it_lets_policy_staff_write_a_page(client, world):
    client.force_login(world["policy"])
    assert client.get("/public/manage/").status_code == 200
    assert client.get("/public/manage/new/").status_code == 200
    response = client.post("/public/manage/new/", NEW)
    assert response.status_code == 302
    page = PublicPage.objects.get()
    assert page.title == "办事指南" and page.region is None
    response = client.post(
        f"/public/manage/{page.pk}/", {**NEW, "title": "新指南", "region": world.county.pk}
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "新指南" and page.region == world.county
    assert AuditEvent.objects.filter(action="public.page_saved").count() == 2
    assert "新指南" in client.get("/public/manage/").content.decode()


def test_it_is_linked_from_the_policy_staff_home(client, world):
    client.force_login(world["policy"])
    assert "/public/manage/" in client.get("/").content.decode()


@pytest.mark.parametrize("user", [None, "clerk", "auditor", "approver", "outsider"])
def test_it_does_not_exist_for_anyone_else(client, world, user):
    page = PublicPage.objects.create(
        kind=PageKind.GUIDE, title="t", body="b", updated_at=clock.now(), updated_by=world["policy"]
    )
    if user:
        client.force_login(world[user])
    for url in ("/public/manage/", "/public/manage/new/", f"/public/manage/{page.pk}/"):
        assert client.get(url).status_code == 404
    assert client.post("/public/manage/new/", NEW).status_code == 404
    assert PublicPage.objects.count() == 1


def test_it_hides_pages_outside_the_officers_jurisdiction(client, world):
    from tests.fixtures import make_user

    county_officer = make_user("county_policy", "policy_staff", world.county)
    page = PublicPage.objects.create(
        kind=PageKind.GUIDE,
        title="省级",
        body="b",
        updated_at=clock.now(),
        updated_by=world["policy"],
    )
    client.force_login(county_officer)
    assert client.get(f"/public/manage/{page.pk}/").status_code == 404
    assert "省级" not in client.get("/public/manage/").content.decode()
    # Province-wide pages are not theirs to write.
    response = client.post("/public/manage/new/", NEW)
    assert response.status_code == 400
    assert PublicPage.objects.count() == 1


def test_it_refuses_bad_input(client, world):
    client.force_login(world["policy"])
    for bad in ({"title": ""}, {"body": ""}, {"kind": "x"}, {"position": "-1"}):
        assert client.post("/public/manage/new/", {**NEW, **bad}).status_code == 400
    assert not PublicPage.objects.exists()


def test_it_refuses_other_methods(client, world):
    client.force_login(world["policy"])
    assert client.post("/public/manage/").status_code == 405
    assert client.put("/public/manage/new/").status_code == 405
