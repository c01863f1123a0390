"""The notice page and its objection form: /public/notices/<id>/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from assistance.models import AssistanceType
from engine.clock import clock
from engine.models import Task
from public.models import NoticePeriod, ObjectionStatus, PublicObjection
from tests.public.world import one_notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

GOOD = {
    "objector_name": "邻居李四",
    "phone": "138 0013 8000",
    "reason": "他家开了小卖部，有经营收入",
}


@pytest.fixture
def notice(world):
    return NoticePeriod.objects.get(case=one_notice(world))


def url(notice: NoticePeriod) -> str:
    return reverse("public:notice", args=[notice.pk])


def test_it_shows_the_notice_and_the_form(client, notice):
    response = client.get(url(notice))
    assert response.status_code == 200
    body = response.content.decode()
    assert "张大山" in body and "张小宝" not in body
    assert "2026-03-02" in body and "2026-03-09" in body
    assert 'name="reason"' in body


def test_it_takes_an_objection_and_gives_a_receipt(client, notice):
    response = client.post(url(notice), GOOD)
    assert response.status_code == 302
    response = client.get(response["Location"])
    objection = PublicObjection.objects.get()
    assert objection.receipt in response.content.decode()
    assert objection.phone == "13800138000"
    assert objection.status == ObjectionStatus.REINVESTIGATING
    assert Task.objects.get(case=notice.case).spec_name == "investigate"


def test_it_refuses_other_methods(client, notice):
    assert client.put(url(notice)).status_code == 405
    assert client.delete(url(notice)).status_code == 405


@pytest.mark.parametrize(
    "field,value",
    [("phone", "12345"), ("reason", "不"), ("objector_name", ""), ("phone", "")],
)
def test_it_refuses_bad_input(client, notice, field, value):
    response = client.post(url(notice), {**GOOD, field: value})
    assert response.status_code == 400
    assert not PublicObjection.objects.exists()
    assert not Task.objects.filter(case=notice.case).exists()


def test_it_refuses_once_the_period_has_ended(client, notice):
    clock.set(notice.notice_until + timedelta(minutes=1))
    response = client.get(url(notice))
    assert response.status_code == 200
    assert "张大山" not in response.content.decode()
    assert "不再受理网上异议" in response.content.decode()
    response = client.post(url(notice), GOOD)
    assert response.status_code == 400
    assert not PublicObjection.objects.exists()


def test_it_does_not_know_notices_never_public(client, notice):
    notice.case.assistance_type = AssistanceType.ORPHAN
    notice.case.save(update_fields=["assistance_type"])
    assert client.get(url(notice)).status_code == 404
    assert client.post(url(notice), GOOD).status_code == 404
    assert client.get(reverse("public:notice", args=[notice.pk + 999])).status_code == 404


def test_it_limits_objections_per_phone_and_address(client, notice):
    # Invalid reasons, so the notice stays open while the limit counts.
    for _ in range(3):
        assert client.post(url(notice), {**GOOD, "reason": "x"}).status_code == 400
    response = client.post(url(notice), {**GOOD, "reason": "x"})
    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode()
    # Another phone from another address goes through.
    response = client.post(url(notice), {**GOOD, "phone": "13900139000"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302
