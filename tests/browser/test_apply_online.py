"""A person on a phone (390 px) applies online with photos of the documents and gets a
reference number; the township clerk accepts it from the queue; the person sees "accepted".
An outsider clerk of township B never sees it. Screenshots: apply-online-*.png."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.ids import make_resident_id
from assistance.models import Case, Channel, Evidence
from storage.base import reset_store_cache
from tests.browser.conftest import screenshot
from tests.browser.test_approval_flow import sign_in
from tests.fixtures import World
from tests.public.apply_helpers import PNG
from tests.workflows.evidence import APPLICATION

PHONE = {"width": 390, "height": 844}
APPLICANT = make_resident_id("431101", date(1979, 8, 12), 31, "F")
CHILD = make_resident_id("431101", date(2013, 2, 3), 32, "M")


@pytest.fixture
def local_evidence(settings, tmp_path: Path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield
    reset_store_cache()


def phone_page(browser: Browser) -> Page:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def assert_fits(page: Page, name: str) -> None:
    screenshot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence")
def test_it_takes_an_online_application_from_a_phone_to_acceptance(
    browser: Browser, page: Page, live_server: LiveServer, world: World, tmp_path: Path
) -> None:
    person = phone_page(browser)
    person.goto(live_server.url + "/public/apply/")
    assert_fits(person, "apply-online-1-start")
    person.get_by_role("link", name="最低生活保障").click()
    expect(person.locator("main h1")).to_have_text("网上申请：最低生活保障")

    person.select_option("select[name=village]", label="东村")
    person.fill("input[name=address]", "东村3组8号")
    person.fill("input[name=contact_phone]", "139 0731 0000")
    person.fill("input[name=m-0-name]", "刘桂兰")
    person.fill("input[name=m-0-resident_id]", APPLICANT)
    person.fill("input[name=m-0-wage]", "600")
    person.click("#add-member")
    person.fill("input[name=m-1-name]", "刘小明")
    person.fill("input[name=m-1-resident_id]", CHILD)
    person.select_option("select[name=m-1-relation]", "child")
    photos = []
    for kind in APPLICATION:
        photo = tmp_path / f"{kind}.png"
        photo.write_bytes(PNG + kind.encode())
        photos.append(photo)
        person.set_input_files(f"input[name=scan-{kind}]", str(photo))
    assert_fits(person, "apply-online-2-form")
    person.get_by_role("button", name="提交申请").click()

    expect(person.locator(".messages")).to_contain_text("申请已提交")
    case = Case.objects.get()
    assert case.channel == Channel.ONLINE
    assert Evidence.objects.filter(case=case).count() == len(APPLICATION)
    expect(person.locator("#progress")).to_contain_text(case.number)
    expect(person.locator("[data-stage]")).to_have_text("已收到，等待乡镇受理审查")
    assert_fits(person, "apply-online-3-reference")

    # The township clerk finds it in the office's queue, labelled, and accepts it.
    clerk = sign_in(browser, live_server, "clerk", page)
    clerk.click("a[data-tab=office]")
    row = clerk.locator(f"tr:has-text('{case.number}')")
    expect(row).to_contain_text("网上申请")
    screenshot(clerk, "apply-online-4-clerk-queue")
    row.get_by_role("button", name="认领").click()
    expect(clerk.locator("main h1")).to_have_text("受理审查")
    clerk.check("input[name=acceptance_decision][value=complete]")
    clerk.click("#task-form button[type=submit]")
    expect(clerk.locator(".messages")).to_contain_text("已提交")

    # The outsider clerk of township B sees nothing of it.
    outsider = sign_in(browser, live_server, "outsider")
    outsider.click("a[data-tab=office]")
    expect(outsider.locator("main")).not_to_contain_text(case.number)

    # Another day, on the phone: look it up by number and resident ID.
    person.context.clear_cookies()
    person.goto(live_server.url + "/public/apply/status/")
    person.fill("input[name=number]", case.number)
    person.fill("input[name=resident_id]", APPLICANT)
    person.get_by_role("button", name="查询").click()
    expect(person.locator("[data-stage]")).to_have_text("已受理，正在核对审核")
    expect(person.locator("#progress")).not_to_contain_text("刘小明")
    assert_fits(person, "apply-online-5-accepted")
