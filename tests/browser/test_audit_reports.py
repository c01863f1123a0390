"""An auditor opens the abuse reports, drills down from a township's count to its cases and
downloads the report as a workbook; the pages fit a phone (390 px) and a desktop (1366 px)
without sideways scrolling. Screenshots: audit-reports-*.png."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import DeathRecord
from engine.clock import clock
from tests.audit.reports_world import case, clean_case, household, person
from tests.browser.conftest import screenshot
from tests.browser.test_phone import DESKTOP, assert_fits, phone
from tests.fixtures import World


def deceased_case(world: World, name: str, village) -> int:
    home = household(world, village)
    dead = person(home, name, date(1938, 2, 2), applicant=True)
    DeathRecord.objects.create(
        resident_id=dead.resident_id,
        died_on=date(2025, 12, 10),
        source="民政局",
        imported_at=clock.now(),
    )
    return case(home, amount="600.00").pk


def fits_desktop(page: Page, name: str) -> None:
    screenshot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESKTOP["width"], f"{name}: page is {width}px wide"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_drills_down_to_the_cases_and_downloads_the_report(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    clean_case(world, world.village_a1)
    clean_case(world, world.village_b1, "李二")
    east = deceased_case(world, "东村老人", world.village_a1)
    west = deceased_case(world, "西村老人", world.village_b1)
    with phone(browser, live_server, "auditor", "zh", desktop=True) as page:
        page.goto(live_server.url + "/audit/reports/")
        expect(page.locator("main h1")).to_have_text("问题线索报表")
        expect(page.locator("[data-report=deceased] [data-count]")).to_have_text("2")
        expect(page.locator("[data-report=relatives] [data-count]")).to_have_text("0")
        fits_desktop(page, "audit-reports-list-desktop")

        page.click("[data-report=deceased] a")
        expect(page.locator("main h1")).to_have_text("死亡人员仍享受待遇")
        expect(page.locator("tr[data-case]")).to_have_count(2)
        expect(page.locator(f"tr[data-township='{world.township_a.pk}'] td.num")).to_have_text("1")
        fits_desktop(page, "audit-reports-deceased-desktop")

        page.click(f"tr[data-township='{world.township_a.pk}'] a")
        expect(page.locator("tr[data-case]")).to_have_count(1)
        row = page.locator(f"tr[data-case='{east}']")
        expect(row).to_contain_text("东村老人于 2025-12-10 死亡；案件仍在保；死亡后已发放 3 个月")
        expect(row.locator("a")).to_have_attribute("href", f"/audit/cases/{east}/")
        expect(page.locator(f"tr[data-case='{west}']")).to_have_count(0)
        fits_desktop(page, "audit-reports-deceased-township-desktop")

        with page.expect_download() as info:
            page.click("a[data-export]")
        download = info.value
        assert download.suggested_filename.startswith("report-deceased-")
        book = load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)
        rows = list(book.worksheets[0].values)
        assert len(rows) == 2 and rows[1][5] == "东村老人"
        assert rows[1][8].endswith(f"/audit/cases/{east}/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_fits_a_phone(browser: Browser, live_server: LiveServer, world: World, lang: str):
    for n in range(3):
        deceased_case(world, f"老人{n}", world.village_a1)
    with phone(browser, live_server, "auditor", lang) as page:
        page.goto(live_server.url + "/audit/reports/")
        expect(page.locator("[data-report=deceased] [data-count]")).to_have_text("3")
        assert_fits(page, f"audit-reports-list-phone-{lang}")
        page.click("[data-report=deceased] a")
        expect(page.locator("tr[data-case]")).to_have_count(3)
        assert_fits(page, f"audit-reports-deceased-phone-{lang}")
