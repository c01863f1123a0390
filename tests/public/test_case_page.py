"""The portal's case page shows the objections sent online (public_site template tag)."""

from __future__ import annotations

import pytest

from public import actions
from public.models import NoticePeriod
from tests.public.world import one_notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def test_it_shows_online_objections_on_the_case_page(client, world):
    case = one_notice(world)
    notice = NoticePeriod.objects.get(case=case)
    actions.do_submit_objection(
        notice.pk, objector_name="邻居李四", phone="13800138000", reason="他家有经营收入，不符合"
    )
    client.force_login(world["clerk"])
    response = client.get(f"/cases/{case.pk}/")
    body = response.content.decode()
    assert "网上提出的异议" in body and "13800138000" in body and "邻居李四" in body


def test_it_shows_nothing_to_staff_outside_the_jurisdiction(client, world):
    case = one_notice(world)
    client.force_login(world["outsider"])
    assert client.get(f"/cases/{case.pk}/").status_code == 404
