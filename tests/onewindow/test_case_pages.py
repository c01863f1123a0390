"""A referral's and a complaint's case: the portal's case page, task page and queue serve them
as any case (the one window adds no pages of its own for the steps)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.onewindow.helpers import complain, refer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "window_deployed")]


def test_it_shows_a_referral_on_the_case_page_and_in_the_queue(client, world):
    case = refer(world)
    client.force_login(world["clerk"])
    page = client.get(reverse("case", args=[case.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert case.number in text and "转介" in text and "向部门发送转介函" in text
    # Its own deadlines, not an application's whole procedure (R6), and no extension of it.
    assert "全程办理时限" not in text and "extend-form" not in text
    assert "窗口登记转介或信访举报件" in text and "登记申请" not in text
    queue = client.get(reverse("inbox"), {"tab": "office"}).content.decode()
    assert case.number in queue and "钱大勇" in queue
    task = case.tasks.get()
    form = client.get(reverse("task", args=[task.pk]))
    assert form.status_code == 200 and "转介方式" in form.content.decode()
    # What the person asked for, with the way back to the request.
    request_url = reverse("onewindow:request", args=[case.help_request.pk])
    for text in (form.content.decode(), page.content.decode()):
        assert "失业后求职，申请失业保险金。" in text and request_url in text


def test_it_shows_an_anonymous_complaint_on_the_case_page(client, world):
    case = complain(world, anonymous=True)
    client.force_login(world["reviewer"])
    page = client.get(reverse("case", args=[case.pk]))
    assert page.status_code == 200
    assert "受理审查并交办" in page.content.decode()
    task = client.get(reverse("task", args=[case.tasks.get().pk])).content.decode()
    assert "失业后求职，申请失业保险金。" in task
    queue = client.get(reverse("inbox"), {"tab": "office"}).content.decode()
    assert case.number in queue
