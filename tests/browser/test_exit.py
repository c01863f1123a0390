"""A township clerk starts an exit from the case page, on a desktop and on a phone; the village
clerk records an objection to the termination notice and its text goes to the re-investigation.
Screenshots: exit-1-case-1366, exit-2-started-1366, exit-3-objection-1366, exit-4-started-390.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import Case
from engine import runtime
from engine.models import InstanceStatus, Task
from tests.browser.conftest import screenshot
from tests.fixtures import World
from tests.workflows.exit import exit_instance, investigate_exit
from tests.workflows.review import active_case

OBJECTION = "该户仍在本村居住，户籍迁出系挂靠亲属，实际未迁走"


def sign_in(browser: Browser, live_server: LiveServer, username: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit]")
    expect(page.locator("main h1")).to_have_text("我的待办")
    return page


def start_exit(page: Page, live_server: LiveServer, case: Case, name: str) -> None:
    page.goto(live_server.url + f"/cases/{case.pk}/")
    actions = page.locator("#case-actions")
    expect(actions).to_be_visible()
    actions.get_by_text("启动退出", exact=True).click()
    exit_form = page.locator("#action-exit")
    died_on = exit_form.locator("input[name=died_on]")
    # The date of death is asked for a death only.
    expect(died_on).to_be_hidden()
    exit_form.get_by_label("死亡", exact=True).check()
    expect(died_on).to_be_visible()
    exit_form.get_by_label("户籍迁出").check()
    expect(died_on).to_be_hidden()
    exit_form.locator("textarea[name=note]").fill("户籍已迁往外省，村委会核实")
    screenshot(page, f"{name}-form")
    exit_form.get_by_role("button", name="启动退出程序").click()
    expect(page.locator(".messages")).to_contain_text("已启动退出程序。")
    expect(page.locator(".case-stage")).to_have_text("退出情形调查核实")
    # One exit at a time: the button is gone while this one runs.
    expect(page.locator("#action-exit")).to_have_count(0)


def fits(page: Page, selector: str) -> bool:
    return bool(
        page.locator(selector).evaluate(
            "el => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= "
            "document.documentElement.clientWidth"
        )
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_starts_an_exit_and_takes_the_objection_to_the_reinvestigation(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    case = active_case(world)
    clerk = sign_in(browser, live_server, "clerk", 1366)
    clerk.goto(live_server.url + f"/cases/{case.pk}/")
    expect(clerk.locator(".case-status")).to_have_text("在保")
    screenshot(clerk, "exit-1-case-1366")
    start_exit(clerk, live_server, case, "exit-1-case-1366")
    screenshot(clerk, "exit-2-started-1366")
    assert runtime.instance_data(exit_instance(case))["reason"] == "moved_away"

    # The investigator confirms; the termination notice is posted in the village.
    investigate_exit(world, case)
    case.refresh_from_db()
    assert case.stage == "公示中"
    village = sign_in(browser, live_server, "village_clerk", 1366)
    village.goto(live_server.url + f"/cases/{case.pk}/")
    village.locator("#case-actions").get_by_text("登记公示异议").click()
    objection = village.locator("#action-objection")
    objection.locator("input[name=objector]").fill("村民李四")
    objection.locator("textarea[name=reason]").fill(OBJECTION)
    screenshot(village, "exit-3-objection-1366")
    objection.get_by_role("button", name="登记异议").click()
    expect(village.locator(".messages")).to_contain_text("异议已登记")
    expect(village.locator(".case-stage")).to_have_text("退出情形调查核实")
    expect(village.locator("#action-objection")).to_have_count(0)

    # The re-investigation runs on the data that holds the objection's text.
    reinvestigation = Task.objects.get(case=case, spec_name="investigate_exit")
    instance = exit_instance(case)
    assert instance.status == InstanceStatus.RUNNING
    objections = runtime.instance_data(instance)["objections"]
    assert [(item["objector"], item["reason"]) for item in objections] == [("村民李四", OBJECTION)]
    investigator = sign_in(browser, live_server, "investigator", 1366)
    response = investigator.goto(live_server.url + f"/tasks/{reinvestigation.pk}/")
    assert response is not None and response.status == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_starts_an_exit_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    case = active_case(world)
    clerk = sign_in(browser, live_server, "clerk", 390)
    start_exit(clerk, live_server, case, "exit-4-390")
    assert fits(clerk, "#case-actions")
    screenshot(clerk, "exit-4-started-390")
