"""The window's register: filters, the referrals open per department, and its query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from engine import runtime
from engine.clock import clock
from tests.onewindow.helpers import complain, complete, refer, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "window_deployed")]

URL = reverse("onewindow:list")
SEND = {"sent_how": "letter", "referral_note": "请协助。"}


def test_it_lists_open_requests_and_the_overdue_referrals_by_department(client, world):
    register(world, name="赵小梅")
    chased = refer(world, "hrss")
    late = refer(world, "medical_insurance")
    complete(world, "clerk", chased, "send_referral", **SEND)
    clock.set(clock.now() + timedelta(days=15))
    runtime.fire_due_timers()
    client.force_login(world["reviewer"])
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "赵小梅" in page and "人力资源和社会保障（人社）" in page
    lines = {line.code: (line.open, line.overdue) for line in response.context["departments"]}
    # The reply from 人社 is overdue (the reviewer now chases it); the referral to 医保 was
    # never sent, two working days after it was registered.
    assert lines == {"hrss": (1, 1), "medical_insurance": (1, 1)}
    assert page.count("已督办") == 1
    escalated = [row.case_id for row in response.context["page"].object_list if row.escalated]
    assert escalated == [chased.pk]
    overdue = client.get(URL, {"overdue": "on"}).context["page"].object_list
    assert {row.case_id for row in overdue} == {late.pk, chased.pk}
    complete(world, "clerk", late, "send_referral", **SEND)
    overdue = client.get(URL, {"overdue": "on"}).context["page"].object_list
    assert [row.case_id for row in overdue] == [chased.pk]
    by_department = client.get(URL, {"department": "medical_insurance"}).context["page"]
    assert [row.department for row in by_department.object_list] == ["medical_insurance"]


def test_it_moves_closed_requests_out_of_the_open_list(client, world):
    case = complain(world)
    complete(world, "reviewer", case, "accept", acceptance="not_accept", acceptance_reasons="不属")
    client.force_login(world["clerk"])
    assert not client.get(URL).context["page"].object_list
    closed = client.get(URL, {"state": "closed"}).context["page"].object_list
    assert [row.case_id for row in closed] == [case.pk]


def test_it_refuses_a_wrong_method(client, world):
    client.force_login(world["clerk"])
    assert client.post(URL).status_code == 405


def test_it_shows_outsiders_nothing_of_this_township_and_policy_staff_no_page(client, world):
    register(world, name="赵小梅")
    client.force_login(world["outsider"])
    assert "赵小梅" not in client.get(URL).content.decode()
    client.force_login(world["policy"])
    assert client.get(URL).status_code == 404


def test_it_lets_auditors_read_but_not_register(client, world):
    register(world, name="赵小梅")
    client.force_login(world["auditor"])
    page = client.get(URL).content.decode()
    assert "赵小梅" in page and reverse("onewindow:new") not in page


def test_it_ignores_bad_filters(client, world):
    register(world, name="赵小梅")
    client.force_login(world["clerk"])
    response = client.get(URL, {"state": "nonsense", "department": "x"})
    assert response.status_code == 200 and "赵小梅" in response.content.decode()


def test_it_keeps_its_queries_flat(client, world, django_assert_num_queries):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    refer(world)
    client.force_login(world["reviewer"])
    client.get(URL)
    few = count()
    for index in range(12):
        refer(world, "hrss" if index % 2 else "education")
        register(world, name=f"求助人{index}", resident_id="")
    with django_assert_num_queries(few):
        client.get(URL)
