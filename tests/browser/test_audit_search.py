"""An auditor signs in, lands on the audit home, finds a case by the applicant's resident ID
and exports the list as XLSX, on a desktop (1366 px) and on a phone (390 px), with nothing
scrolling sideways. Screenshots: audit-search-<step>-<width>.png."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import Case
from engine.models import AuditEvent
from tests.browser.conftest import screenshot
from tests.browser.test_phone import phone
from tests.fixtures import World
from tests.workflows.dibao import accept, apply


def assert_fits(page: Page, name: str) -> None:
    screenshot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{name}: the page is {width}px wide in a {viewport}px window"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("desktop", [True, False], ids=["1366", "390"])
def test_it_finds_a_case_by_resident_id_and_exports_it(
    browser: Browser, live_server: LiveServer, world: World, desktop: bool, tmp_path
) -> None:
    case: Case = apply(world)
    accept(world, case)
    apply(world)  # another household, which the search must not list
    applicant = case.household.members.get(is_applicant=True)
    width = "1366" if desktop else "390"
    with phone(browser, live_server, "auditor", "zh", desktop=desktop) as page:
        # Signing in lands on the audit home.
        assert page.url == f"{live_server.url}/audit/"
        expect(page.locator("main h1")).to_have_text("审计")
        expect(page.locator("table.audit-counts")).to_contain_text("最低生活保障")
        assert_fits(page, f"audit-search-1-home-{width}")

        page.fill("#audit-q", applicant.resident_id)
        page.click("main form.search-form button[type=submit]")
        results = page.locator("table.audit-cases tbody tr[data-case]")
        expect(results).to_have_count(1)
        row = results.first
        expect(row).to_contain_text(case.number)
        expect(row).to_contain_text(applicant.name)
        expect(row.locator(f"a[href='/audit/cases/{case.pk}/']")).to_be_visible()
        # The list masks the ID; the search box keeps what the auditor typed.
        expect(row).not_to_contain_text(applicant.resident_id)
        assert_fits(page, f"audit-search-2-found-{width}")

        with page.expect_download() as info:
            page.click("a[data-export=xlsx]")
        download = info.value
        assert download.suggested_filename.endswith(".xlsx")
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    book = load_workbook(saved)
    data = [list(values) for values in book.worksheets[0].iter_rows(values_only=True)]
    assert data[0][0] == "案件编号"
    assert [row[0] for row in data[1:]] == [case.number]
    assert applicant.resident_id in data[1]
    # The search and the export are on the record.
    actions = list(
        AuditEvent.objects.filter(actor=world["auditor"]).values_list("action", flat=True)
    )
    assert actions == ["audit.searched", "audit.exported"]
