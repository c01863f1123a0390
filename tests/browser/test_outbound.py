"""Outbound events in a browser, on a phone: the administrator opens 事件推送 from the header,
subscribes a department, is shown the secret once, then finds a failed delivery in the log
and sends it again; an auditor reads the log. Nothing scrolls sideways at 390 px.
Screenshots: outbound-1-form-390, outbound-2-secret-390, outbound-3-log-390,
outbound-4-attempts-390."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from outbound.models import Delivery, Subscription
from tests.browser.conftest import screenshot
from tests.outbound.conftest import make_delivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_clock")]


def fits(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def sign_in(browser: Browser, live_server: LiveServer, username: str, password: str) -> Page:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_it_subscribes_a_department_and_retries_a_failed_delivery(
    browser: Browser, live_server: LiveServer, world, receiver, tiny_case, settings
) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the receiver is on loopback
    User.objects.create_user("province_admin", password="pw-admin-12345", is_staff=True)
    page = sign_in(browser, live_server, "province_admin", "pw-admin-12345")
    page.get_by_role("link", name="事件推送").click()
    expect(page.locator("main h1")).to_have_text("事件推送")
    page.get_by_role("link", name="新建订阅").click()
    page.fill("input[name=department]", "县人力资源和社会保障局")
    page.select_option("select[name=department_code]", "hrss")
    page.fill("input[name=url]", receiver.url)
    page.check("input[name=event_types][value='case.confirmed']")
    page.check("input[name=event_types][value='referral.sent']")
    page.fill("input[name=region_code]", world.county.code)
    assert fits(page)
    screenshot(page, "outbound-1-form-390")
    page.get_by_role("button", name="保存").click()

    subscription = Subscription.objects.get()
    expect(page.locator(".outbound-secret")).to_have_text(subscription.secret)
    assert fits(page)
    screenshot(page, "outbound-2-secret-390")

    failed = make_delivery(
        subscription, tiny_case, status="failed", attempts=3, last_status_code=503,
        last_error="HTTP 503",
    )  # fmt: skip
    page.get_by_role("link", name="返回订阅").click()
    expect(page.locator(f"tr[data-delivery='{failed.pk}']")).to_contain_text("发送失败")
    assert fits(page)
    screenshot(page, "outbound-3-log-390")
    page.get_by_role("button", name="立即重发").click()
    expect(page.locator(".messages")).to_contain_text("正在重新发送")
    receiver.wait_for(1)
    page.reload()
    expect(page.locator("main")).to_contain_text("已送达")
    assert Delivery.objects.get(pk=failed.pk).status == "delivered"
    assert fits(page)
    screenshot(page, "outbound-4-attempts-390")

    auditor = sign_in(browser, live_server, "auditor", "pw-auditor")
    auditor.goto(live_server.url + f"/outbound/{subscription.pk}/")
    expect(auditor.locator(f"tr[data-delivery='{failed.pk}']")).to_contain_text("已送达")
    expect(auditor.get_by_role("button", name="立即重发")).to_have_count(0)
    assert fits(auditor)
