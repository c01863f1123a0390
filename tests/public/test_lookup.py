"""The objection lookup: /public/objections/lookup/ (receipt and phone)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from public import actions
from public.models import NoticePeriod
from tests.public.world import one_notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]
URL = "/public/objections/lookup/"


@pytest.fixture
def objection(world):
    notice = NoticePeriod.objects.get(case=one_notice(world))
    return actions.do_submit_objection(
        notice.pk, objector_name="邻居李四", phone="13800138000", reason="他家有经营收入，不符合"
    )


def test_it_is_where_the_urlconf_says():
    assert reverse("public:lookup") == URL


def test_it_shows_the_status_without_personal_data(client, objection):
    response = client.post(URL, {"receipt": objection.receipt.lower(), "phone": "13800138000"})
    assert response.status_code == 200
    body = response.content.decode()
    assert objection.receipt in body
    assert "重新调查" in body
    for private in ("张大山", "邻居李四", "13800138000", "经营收入"):
        assert private not in body


def test_it_shows_the_form(client):
    assert client.get(URL).status_code == 200


def test_it_refuses_other_methods(client):
    assert client.put(URL).status_code == 405


def test_it_answers_a_wrong_phone_like_a_wrong_receipt(client, objection):
    wrong_phone = client.post(URL, {"receipt": objection.receipt, "phone": "13900139000"})
    wrong_receipt = client.post(URL, {"receipt": "YY20260302ABCDEFGH", "phone": "13800138000"})
    assert wrong_phone.status_code == wrong_receipt.status_code == 400
    assert "found" not in wrong_phone.context and "found" not in wrong_receipt.context
    assert client.post(URL, {"receipt": "", "phone": ""}).status_code == 400


def test_it_limits_lookups_per_address(client, objection):
    for _ in range(20):
        client.post(URL, {"receipt": "YY20260302ABCDEFGH", "phone": "13800138000"})
    response = client.post(URL, {"receipt": objection.receipt, "phone": "13800138000"})
    assert response.status_code == 429
    other = client.post(
        URL, {"receipt": objection.receipt, "phone": "13800138000"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200
