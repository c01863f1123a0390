"""Policy parameters in a browser, on the demo county: 孙政策 proposes a higher rural dibao
standard for 零陵区 from next month and sees what it does to the running cases; 钱复核
approves it from the studio home; the region page shows today's value, the new one from its
day and the history. The pages fit a phone (390 px). Screenshots: studio-parameters-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.demo import DEMO_PASSWORD
from assistance.models import Case, Region, RegionPolicy
from engine.clock import clock
from engine.models import AuditEvent, InstanceStatus
from studio.parameters import first_of_next_month
from tests.browser.conftest import screenshot
from tests.browser.test_phone import DESKTOP, PHONE, assert_fits

RURAL = "dibao_standard_rural"


@contextmanager
def signed_in(
    browser: Browser, live_server: LiveServer, username: str, *, phone: bool = False
) -> Iterator[Page]:
    context = (
        browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        if phone
        else browser.new_context(viewport=DESKTOP, locale="zh-CN")
    )
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("main h1")).to_be_visible()
    try:
        yield page
    finally:
        context.close()


def fits_desktop(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


@pytest.mark.django_db(transaction=True)
def test_it_raises_the_rural_standard_of_a_county_with_four_eyes(
    browser: Browser, live_server: LiveServer
) -> None:
    call_command("deploy_workflows", verbosity=0)
    call_command("seed_demo", verbosity=0)
    clock.reset()
    county = Region.objects.get(name="零陵区")
    day = first_of_next_month(clock.today()).isoformat()
    running = (
        Case.objects.filter(
            region__path__startswith=county.path, instances__status=InstanceStatus.RUNNING
        )
        .distinct()
        .count()
    )
    assert running > 0

    with signed_in(browser, live_server, "policy") as page:
        page.click("main a[href='/studio/parameters/']")
        page.click(f"tr[data-region='{county.code}'] a")
        expect(page.locator(f"tr[data-param={RURAL}] .value")).to_have_text("560.00")
        fits_desktop(page)
        page.click("text=提出变更")
        expect(page.locator("input[name=effective_from]")).to_have_value(day)
        page.fill(f"input[name={RURAL}]", "600")
        page.fill("textarea[name=note]", "按省厅通知，农村低保标准提高到每月600元")
        page.click("button[name=check]")
        impact = page.locator("#impact")
        expect(impact).to_contain_text(f"正在办理的 {running} 件案件保持旧值")
        expect(impact).to_contain_text(f"{day} 及以后受理的申请")
        expect(page.locator(f".parameter-diff tr[data-param={RURAL}] .new")).to_have_text("600.00")
        screenshot(page, "studio-parameters-propose-check")
        page.click("button[name=submit]")
        expect(page.locator(".messages")).to_contain_text("变更已提出")
        expect(page.locator(".parameter-change")).to_have_attribute("data-status", "submitted")
        # The author may not approve: only withdraw.
        expect(page.locator("form[action$='/approve/']")).to_have_count(0)
        screenshot(page, "studio-parameters-submitted")

    with signed_in(browser, live_server, "policy2") as page:
        page.goto(live_server.url + "/studio/")
        pending = page.locator(".parameter-pending")
        expect(pending).to_contain_text("待我审核的参数变更")
        pending.locator("a", has_text="零陵区").click()
        expect(page.locator("#impact")).to_contain_text(f"正在办理的 {running} 件案件保持旧值")
        page.fill("#approve-note", "与省厅文件一致")
        page.click("form[action$='/approve/'] button")
        expect(page.locator(".messages")).to_contain_text(f"已批准：零陵区自 {day} 起适用新值。")
        expect(page.locator(".parameter-change")).to_have_attribute("data-status", "approved")
        expect(page.locator(".reviewer")).to_contain_text("钱复核")
        screenshot(page, "studio-parameters-approved")
        page.click(".back-link a")
        row = page.locator(f"tr[data-param={RURAL}]")
        expect(row.locator(".value")).to_have_text("560.00")
        expect(row.locator(".upcoming")).to_have_text(f"自 {day} 起：600.00（零陵区）")
        newest = page.locator(".policy-history > li").first
        expect(newest).to_have_attribute("data-effective", day)
        expect(newest).to_contain_text("待生效")
        expect(newest).to_contain_text("孙政策（省民政厅） 提出，钱复核（省民政厅） 于")
        fits_desktop(page)
        screenshot(page, "studio-parameters-region")

    record = RegionPolicy.objects.get(region=county, effective_from=day)
    assert record.values == {RURAL: "600.00"}
    approved = AuditEvent.objects.get(action="policy.approved")
    assert (approved.payload["author"], approved.payload["reviewer"]) == ("policy", "policy2")

    with signed_in(browser, live_server, "policy", phone=True) as page:
        for path, name in (
            ("/studio/parameters/", "list"),
            (f"/studio/parameters/{county.code}/", "region"),
            (f"/studio/parameters/{county.code}/propose/", "propose"),
        ):
            page.goto(live_server.url + path)
            assert_fits(page, f"studio-parameters-{name}-phone")
        page.goto(live_server.url + f"/studio/parameters/{county.code}/propose/")
        page.fill("input[name=notice_days]", "0")
        page.fill("textarea[name=note]", "试填")
        page.click("button[name=check]")
        expect(page.locator("tr[data-param=notice_days] .errorlist")).to_contain_text("1至366")
        assert_fits(page, "studio-parameters-refused-phone")
        page.goto(f"{live_server.url}/studio/parameters/changes/{record.changes.get().pk}/")
        assert_fits(page, "studio-parameters-change-phone")
