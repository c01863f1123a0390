"""The one window in a browser: a person's request is registered at the window on a phone,
referred to 人社 with a deadline; the deadline passes, the township reviewer sees it escalated
and records the department's reply; the clerk tells the person and the referral closes. A
complaint is registered, accepted, investigated and replied to.
Screenshots: window-1-registered-390, window-2-referred-390, window-3-escalated-1366,
window-4-closed-390, window-5-complaint-1366, window-6-complaint-closed-1366.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import CaseStatus
from engine import runtime
from engine.clock import clock
from onewindow.models import HelpRequest
from tests.browser.conftest import screenshot
from tests.fixtures import World, deploy_only
from tests.onewindow.helpers import person_id

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fixed_clock", "window_processes"),
]


@pytest.fixture
def window_processes(world: World) -> None:
    deploy_only("referral.bpmn", "complaint.bpmn", actor=world["policy"])


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


def fits(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def register(page: Page, world: World, *, name: str, resident_id: str, need: str) -> None:
    page.get_by_role("link", name="一门受理").click()
    expect(page.locator("main h1")).to_have_text("一门受理：求助事项")
    page.get_by_role("link", name="登记求助事项").click()
    page.select_option("select[name=region]", str(world.village_a1.pk))
    page.fill("input[name=name]", name)
    page.fill("input[name=resident_id]", resident_id)
    page.fill("input[name=phone]", "13800000000")
    page.select_option("select[name=channel]", "counter")
    page.fill("textarea[name=need]", need)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记")


def do_step(page: Page, fill: dict[str, str], checks: list[str]) -> None:
    """Open the request's open step from its page and submit it."""
    page.get_by_role("link", name="办理", exact=True).click()
    for selector in checks:
        page.check(selector)
    for selector, value in fill.items():
        page.fill(selector, value)
    page.click("#task-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已提交")


def test_it_refers_a_request_and_escalates_it_when_the_department_is_late(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    clerk = sign_in(browser, live_server, "clerk", 390)
    register(
        clerk, world, name="钱大勇", resident_id=person_id(), need="失业后求职，申请失业保险金。"
    )
    assert fits(clerk)
    screenshot(clerk, "window-1-registered-390")
    request = HelpRequest.objects.get()
    detail = live_server.url + f"/window/{request.pk}/"

    clerk.select_option("select[name=department]", "hrss")
    clerk.fill("textarea[name=note]", "请办理失业登记和失业保险金申领。")
    clerk.get_by_role("button", name="转介", exact=True).click()
    expect(clerk.locator(".messages")).to_contain_text("跟踪办理中")
    expect(clerk.locator("main")).to_contain_text("向部门发送转介函")
    screenshot(clerk, "window-2-referred-390")
    do_step(
        clerk,
        {"textarea[name=referral_note]": "请办理失业登记和失业保险金申领。"},
        ["input[name=sent_how][value=letter]"],
    )

    # Ten working days to reply, from Monday 2 March: the end of Monday 16 March.
    clock.set(clock.now() + timedelta(days=15))
    assert runtime.fire_due_timers() == 1

    reviewer = sign_in(browser, live_server, "reviewer", 1366)
    reviewer.goto(live_server.url + "/?tab=office")
    expect(reviewer.locator("table.queue")).to_contain_text("督办并记录部门答复")
    reviewer.get_by_role("link", name="一门受理").click()
    row = reviewer.locator(f"tr[data-request='{request.pk}']")
    expect(row).to_contain_text("已督办")
    departments = reviewer.locator(".window-departments")
    expect(departments).to_contain_text("人力资源和社会保障（人社）")
    # Past the department's deadline: counted as overdue.
    expect(departments.locator("tr.red")).to_have_count(1)
    screenshot(reviewer, "window-3-escalated-1366")
    row.get_by_role("link", name=request.number).click()
    do_step(
        reviewer,
        {"textarea[name=reply_summary]": "已办理失业登记，失业保险金下月发放。"},
        ["input[name=department_result][value=helped]"],
    )

    clerk.goto(detail)
    do_step(clerk, {}, ["input[name=informed_how][value=phone]"])
    clerk.goto(detail)
    expect(clerk.locator("main")).to_contain_text("已办理失业登记，失业保险金下月发放。")
    expect(clerk.locator("main")).to_contain_text("已办结")
    assert fits(clerk)
    screenshot(clerk, "window-4-closed-390")
    request.refresh_from_db()
    assert request.case is not None and request.case.status == CaseStatus.CLOSED


def test_it_registers_investigates_and_replies_to_a_complaint(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    clerk = sign_in(browser, live_server, "clerk", 1366)
    register(clerk, world, name="孙某", resident_id="", need="反映某户有货车未申报仍享受低保。")
    clerk.get_by_role("button", name="登记信访举报").click()
    expect(clerk.locator(".messages")).to_contain_text("转乡镇审核受理")
    screenshot(clerk, "window-5-complaint-1366")
    detail = clerk.url

    reviewer = sign_in(browser, live_server, "reviewer", 1366)
    reviewer.goto(detail)
    do_step(reviewer, {}, ["input[name=acceptance][value=accept]"])
    investigator = sign_in(browser, live_server, "investigator", 1366)
    investigator.goto(detail)
    do_step(
        investigator,
        {"textarea[name=findings]": "入户核查：该户有一辆货车未申报。"},
        ["input[name=substantiated][value=yes]"],
    )
    reviewer.goto(detail)
    do_step(
        reviewer,
        {"textarea[name=reply_text]": "反映属实，已启动复核并停发。"},
        ["input[name=replied_how][value=letter]"],
    )
    clerk.goto(detail)
    do_step(clerk, {}, ["input[name=feedback][value=satisfied]"])
    clerk.goto(detail)
    expect(clerk.locator("main")).to_contain_text("反映属实，已启动复核并停发。")
    screenshot(clerk, "window-6-complaint-closed-1366")
    request = HelpRequest.objects.get()
    assert request.case is not None and request.case.status == CaseStatus.CLOSED
