"""Error pages speak Chinese inside the portal's frame, with a way out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path, reverse

from portal import urls as portal_urls
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    *portal_urls.urlpatterns,
    path("broken/", broken),
]
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500


def framed(body: str) -> bool:
    return "<header>" in body and reverse("logout") in body and 'href="/"' in body


def test_it_shows_a_styled_chinese_404_with_the_header_and_sign_out(client, world):
    case = apply(world)
    client.force_login(world["outsider"])
    response = client.get(reverse("case", args=[case.pk]))
    body = response.content.decode()
    assert response.status_code == 404 and "未找到" in body and framed(body)
    assert "Not Found" not in body


def test_it_shows_a_styled_chinese_403(client, world):
    client.force_login(world["approver"])
    response = client.get(reverse("application-new"))
    body = response.content.decode()
    assert response.status_code == 403 and "无权操作" in body and framed(body)
    assert "403 Forbidden" not in body


@pytest.mark.urls(__name__)
def test_it_shows_a_styled_chinese_500(world):
    client = Client(raise_request_exception=False)
    client.force_login(world["clerk"])
    response = client.get("/broken/")
    body = response.content.decode()
    assert response.status_code == 500 and "出错了" in body and framed(body)


def test_it_gives_policy_staff_and_the_superuser_a_home_page(client, world):
    from django.contrib.auth.models import User

    client.force_login(world["policy"])
    body = client.get(reverse("inbox")).content.decode()
    # Policy staff read no household (PIPL): their home page offers no search.
    assert "政策业务人员" in body and "看不到任何家庭的个人信息" in body
    assert f'href="{reverse("search")}"' not in body and "header-search" not in body
    admin = User.objects.create_superuser("root", password="pw-root-long-enough")
    client.force_login(admin)
    response = client.get(reverse("inbox"))
    assert response.status_code == 200 and "管理后台" in response.content.decode()
