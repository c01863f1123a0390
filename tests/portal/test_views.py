"""Every page: happy path, wrong method, outsider (404), role that may not act (403)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine.models import Task
from tests.workflows.dibao import accept, apply, task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def login(client, world, username):
    client.force_login(world[username])
    return client


def test_it_speaks_chinese_by_default_and_english_on_request(client):
    page = client.get(reverse("login"))
    assert "登录" in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "Sign in" in client.get(reverse("login")).content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_lists_the_office_queue(client, world):
    case = apply(world)
    page = login(client, world, "clerk").get(reverse("inbox") + "?tab=office")
    assert page.status_code == 200
    assert case.number in page.content.decode() and "受理审查" in page.content.decode()


def test_it_hides_other_townships_tasks_from_the_queue(client, world):
    case = apply(world)
    page = login(client, world, "outsider").get(reverse("inbox") + "?tab=office")
    assert page.status_code == 200 and case.number not in page.content.decode()


def test_it_gives_read_only_roles_a_home_page_instead_of_a_queue(client, world):
    page = login(client, world, "auditor").get(reverse("inbox"))
    assert page.status_code == 302 and page["Location"] == reverse("audit:home")
    page = login(client, world, "policy").get(reverse("inbox"))
    assert page.status_code == 200 and "流程图" in page.content.decode()
    assert login(client, world, "clerk").post(reverse("inbox")).status_code == 405


def test_it_keeps_the_queue_query_count_flat(client, world):
    login(client, world, "clerk")
    for _ in range(3):
        apply(world)
    url = reverse("inbox") + "?tab=office"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(12):
        apply(world)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("data-task=") == 15
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_claims_a_task_then_shows_it_under_mine(client, world):
    case = apply(world)
    pk = task(case, "acceptance").pk
    login(client, world, "clerk")
    assert client.get(reverse("task-claim", args=[pk])).status_code == 405
    response = client.post(reverse("task-claim", args=[pk]))
    assert response.status_code == 302
    assert Task.objects.get(pk=pk).claimed_by == world["clerk"]
    assert case.number in client.get(reverse("inbox")).content.decode()


def test_it_refuses_claims_outside_role_and_jurisdiction(client, world):
    pk = task(apply(world), "acceptance").pk
    assert (
        login(client, world, "outsider").post(reverse("task-claim", args=[pk])).status_code == 404
    )
    assert (
        login(client, world, "investigator").post(reverse("task-claim", args=[pk])).status_code
        == 403
    )
    assert login(client, world, "auditor").post(reverse("task-claim", args=[pk])).status_code == 403


def test_it_renders_and_completes_a_task(client, world):
    case = apply(world, scans=True)
    url = reverse("task", args=[task(case, "acceptance").pk])
    login(client, world, "clerk")
    page = client.get(url)
    assert page.status_code == 200 and "受理决定" in page.content.decode()
    response = client.post(url, {"acceptance_decision": "complete"})
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert not Task.objects.filter(case=case, spec_name="acceptance").exists()


def test_it_shows_schema_errors_in_chinese_and_changes_nothing(client, world):
    case = apply(world)
    url = reverse("task", args=[task(case, "acceptance").pk])
    page = login(client, world, "clerk").post(url, {"acceptance_decision": "incomplete"})
    assert page.status_code == 200
    assert "此项为必填项" in page.content.decode()
    assert task(case, "acceptance")


def test_it_refuses_the_task_page_to_outsiders_other_roles_and_wrong_methods(client, world):
    url = reverse("task", args=[task(apply(world), "acceptance").pk])
    assert login(client, world, "outsider").get(url).status_code == 404
    assert login(client, world, "investigator").get(url).status_code == 403
    assert (
        login(client, world, "reviewer").post(url, {"acceptance_decision": "complete"}).status_code
        == 403
    )
    assert (
        login(client, world, "auditor").post(url, {"acceptance_decision": "complete"}).status_code
        == 403
    )
    assert login(client, world, "clerk").put(url).status_code == 405


def test_it_shows_the_case_file_to_staff_and_auditors_in_jurisdiction(client, world):
    case = apply(world)
    accept(world, case)
    url = reverse("case", args=[case.pk])
    for username in ("clerk", "auditor", "approver"):
        page = login(client, world, username).get(url)
        assert page.status_code == 200 and case.number in page.content.decode()
    assert login(client, world, "outsider").get(url).status_code == 404
    assert login(client, world, "clerk").post(url).status_code == 405
    assert login(client, world, "clerk").get(reverse("case", args=[999999])).status_code == 404


def test_it_records_the_check_centre_report_from_the_case_file(client, world):
    case = apply(world)
    accept(world, case)
    url = reverse("case-check-result", args=[case.pk])
    form = {"eligible": "yes", "report_no": "HD-9"}
    assert login(client, world, "outsider").post(url, form).status_code == 404
    assert login(client, world, "clerk").post(url, form).status_code == 403
    assert login(client, world, "auditor").post(url, form).status_code == 403
    assert login(client, world, "checker").put(url).status_code == 405
    assert login(client, world, "checker").get(url).status_code == 200
    assert login(client, world, "checker").post(url, form).status_code == 302
    assert Task.objects.filter(case=case, spec_name="investigate").exists()


def test_it_records_an_objection_during_the_notice(client, world):
    from tests.workflows.dibao import to_notice

    case = apply(world)
    to_notice(world, case)
    url = reverse("case-objection", args=[case.pk])
    form = {"objector": "村民乙", "reason": "家中有车"}
    assert login(client, world, "outsider").post(url, form).status_code == 404
    assert login(client, world, "reviewer").post(url, form).status_code == 403
    assert login(client, world, "clerk").get(url).status_code == 405
    assert login(client, world, "clerk").post(url, form).status_code == 302
    assert Task.objects.filter(case=case, spec_name="investigate").exists()


def test_it_tells_plainly_when_a_colleague_completed_the_task_first(client, world):
    from django.contrib.messages import get_messages

    from tests.fixtures import make_user

    colleague = make_user("clerk2", "township_clerk", world.township_a)
    case = apply(world, scans=True)
    url = reverse("task", args=[task(case, "acceptance").pk])
    login(client, world, "clerk").get(url)
    accept_as = {"acceptance_decision": "complete"}
    from assistance import actions

    actions.do_complete_task(task(case, "acceptance").pk, actor=colleague, data=accept_as)
    response = client.post(url, accept_as)
    assert response.status_code == 302 and response["Location"] == reverse("case", args=[case.pk])
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert notes == ["该任务已由 clerk2 办结。"]
    # Someone outside the case learns nothing from the same address.
    assert login(client, world, "outsider").post(url, accept_as).status_code == 404


def test_it_stays_chinese_for_an_english_browser_until_english_is_chosen(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in page.content.decode() and page["Content-Language"] == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Sign in" in page.content.decode() and page["Content-Language"] == "en"


@pytest.mark.parametrize(
    ("username", "register_shown"),
    [("clerk", True), ("approver", True), ("policy", False), ("auditor", False)],
)
def test_it_offers_the_register_only_to_staff_who_handle_cases(
    client, world, username, register_shown
):
    html = login(client, world, username).get(reverse("inbox"), follow=True).content.decode()
    assert (reverse("relatives") in html) is register_shown
    assert ("我的待办" in html) is register_shown
    # Read-only roles get their home page instead: the studio's, or the auditors' workspace.
    home = "审计" if username == "auditor" else "首页"
    assert (home in html) is not register_shown
