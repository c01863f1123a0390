"""A neighbour on a phone (390 px) finds their village's notices, objects, gets a receipt and
looks it up; the township's re-investigation task appears. Screenshots: public-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from engine.models import Task
from public.models import ObjectionStatus, PublicObjection
from tests.browser.conftest import screenshot
from tests.browser.test_phone import DESKTOP, PHONE
from tests.fixtures import World
from tests.public.world import RESIDENT_ID, one_notice

pytestmark = pytest.mark.usefixtures("fixed_clock", "deployed")


def fits(page: Page, name: str) -> None:
    screenshot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide"
    body = page.content()
    assert not RESIDENT_ID.search(body), f"{name}: a resident ID"
    assert "张小宝" not in body and "幸福路" not in body, f"{name}: a minor or an address"


def test_it_lets_a_neighbour_object_from_a_phone(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    case = one_notice(world)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/public/")
        fits(page, "public-1-home-390")
        page.get_by_role("link", name="示范县").click()
        page.get_by_role("link", name="东镇").click()
        page.get_by_role("link", name="东村").click()
        expect(page.locator("main h1")).to_have_text("社会救助公共服务")
        fits(page, "public-2-village-390")
        page.get_by_role("link", name="东村正在公示").click()
        expect(page.locator(".notice-row")).to_have_count(1)
        expect(page.locator(".notice-name")).to_contain_text("张大山")
        expect(page.locator(".notice-facts")).to_contain_text("2026-03-02 至 2026-03-09")
        fits(page, "public-3-notices-390")
        page.get_by_role("link", name="对此公示提出异议").click()
        page.fill("input[name=objector_name]", "邻居李四")
        page.fill("input[name=phone]", "138 0013 8000")
        page.fill("textarea[name=reason]", "他家在镇上开了一家小卖部，有经营收入。")
        fits(page, "public-4-objection-form-390")
        page.get_by_role("button", name="提交异议").click()
        expect(page.locator("main h1")).to_have_text("异议已受理")
        receipt = page.locator("#receipt-number").inner_text().strip()
        assert receipt.startswith("YY20260302")
        fits(page, "public-5-receipt-390")
        page.get_by_role("link", name="查询我的异议").click()
        page.fill("input[name=receipt]", receipt.lower())
        page.fill("input[name=phone]", "13800138000")
        page.get_by_role("button", name="查询").click()
        expect(page.locator(".objection-status")).to_have_text("重新调查中")
        fits(page, "public-6-lookup-390")
        # The notice ended with the objection: the list of the village is empty again.
        page.goto(live_server.url + f"/public/notices/?region={world.village_a1.pk}")
        expect(page.locator(".notice-row")).to_have_count(0)
    finally:
        context.close()
    objection = PublicObjection.objects.get()
    assert objection.receipt == receipt and objection.status == ObjectionStatus.REINVESTIGATING
    assert Task.objects.get(case=case).spec_name == "investigate"


def test_it_shows_the_notices_at_desktop_width(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    one_notice(world)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(live_server.url + f"/public/notices/?region={world.township_a.pk}")
        expect(page.locator(".notice-row")).to_have_count(1)
        screenshot(page, "public-notices-1366")
        page.goto(live_server.url + f"/public/disclosure/?region={world.county.pk}")
        expect(page.locator(".public-table")).to_contain_text("张大山")
        screenshot(page, "public-disclosure-1366")
    finally:
        context.close()
