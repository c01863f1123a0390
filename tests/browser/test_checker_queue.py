"""The county check centre finds the pending check in its queue, opens it in one click and
records the report; the queue, the form, the household file and an error page hold at 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import screenshot
from tests.fixtures import World
from tests.workflows.dibao import accept, apply

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(browser: Browser, live_server: LiveServer, username: str, viewport: dict) -> Page:
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit]")
    expect(page.locator("main h1")).to_have_text("我的待办")
    return page


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("width", ["1366", "390"])
def test_it_lets_the_checker_find_and_record_the_pending_check(
    browser: Browser, live_server: LiveServer, world: World, width: str
) -> None:
    pending, other = apply(world), apply(world)
    accept(world, pending)
    accept(world, other)
    checker = sign_in(browser, live_server, "checker", WIDE if width == "1366" else PHONE)

    waits = checker.locator("table.waits")
    expect(waits).to_contain_text(pending.number)
    expect(waits).to_contain_text("家庭经济状况核对中")
    expect(waits).to_contain_text("2026-03-23")
    expect(checker.locator("main")).not_to_contain_text("暂无待办。")  # what it said before
    no_sideways_scroll(checker)
    screenshot(checker, f"checker-1-queue-{width}")

    # One click from the queue to the form.
    checker.locator(f"tr[data-wait]:has-text('{pending.number}')").get_by_role(
        "link", name="录入结果"
    ).click()
    expect(checker.locator("main h1")).to_have_text("家庭经济状况核对结果")
    checker.check("input[name=eligible][value=yes]")
    checker.fill("input[name=report_no]", "HD-2026-031")
    no_sideways_scroll(checker)
    screenshot(checker, f"checker-2-form-{width}")
    checker.get_by_role("button", name="录入").click()

    expect(checker.locator(".messages")).to_contain_text("核对结果已录入")
    expect(checker.locator("table.waits")).not_to_contain_text(pending.number)
    expect(checker.locator("table.waits")).to_contain_text(other.number)
    screenshot(checker, f"checker-3-recorded-{width}")

    checker.goto(live_server.url + f"/cases/{pending.pk}/")
    expect(checker.locator(".case-stage")).to_contain_text("入户调查")
    checker.get_by_role("link", name="一户一档").click()
    expect(checker.locator("main h1")).to_contain_text("一户一档")
    expect(checker.locator("table.cases")).to_contain_text(pending.number)
    no_sideways_scroll(checker)
    screenshot(checker, f"checker-4-household-{width}")

    checker.fill("header input[name=q]", pending.number)
    checker.press("header input[name=q]", "Enter")
    expect(checker.locator("table.results")).to_contain_text(pending.number)
    no_sideways_scroll(checker)
    screenshot(checker, f"checker-5-search-{width}")

    response = checker.goto(live_server.url + "/cases/999999/")
    assert response is not None and response.status == 404
    expect(checker.locator("main h1")).to_have_text("未找到")
    expect(checker.get_by_role("button", name="退出")).to_be_visible()
    screenshot(checker, f"checker-6-not-found-{width}")
