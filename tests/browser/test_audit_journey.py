"""An auditor's afternoon in one browser session: signs in to the audit home, finds a case by
its applicant's resident ID, replays its history with the slider, takes the case file away as a
PDF, opens the report of benefits paid to the deceased and exports it as XLSX, and reads the
time-limit charts. Screenshots: audit-journey-<n>-<step>.png."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import DeathRecord
from engine.clock import clock
from engine.models import AuditEvent
from tests.audit.case_world import approved, local_evidence, name_staff
from tests.browser.conftest import screenshot
from tests.browser.test_audit_analytics import watch
from tests.browser.test_phone import DESKTOP, phone
from tests.fixtures import World

__all__ = ["local_evidence"]


def fits(page, name: str) -> None:
    screenshot(page, f"audit-journey-{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESKTOP["width"], f"{name}: page is {width}px wide"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence")
def test_it_follows_an_auditor_from_search_to_reports_and_charts(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    name_staff(world)
    case = approved(world)
    applicant = case.household.members.get(is_applicant=True)
    # The applicant died after the approval; the case still pays.
    DeathRecord.objects.create(
        resident_id=applicant.resident_id,
        died_on=date(2026, 1, 5),
        source="公安户籍",
        imported_at=clock.now(),
    )

    with phone(browser, live_server, "auditor", "zh", desktop=True) as page:
        errors = watch(page)
        assert page.url == f"{live_server.url}/audit/"
        fits(page, "1-home")

        page.fill("#audit-q", applicant.resident_id)
        page.click("main form.search-form button[type=submit]")
        row = page.locator("table.audit-cases tbody tr[data-case]")
        expect(row).to_have_count(1)
        fits(page, "2-found")
        row.locator(f"a[href='/audit/cases/{case.pk}/']").click()

        expect(page.locator("main h1")).to_contain_text(case.number)
        expect(page.locator("[data-replay]")).to_have_attribute("data-state", "ready")
        done = page.locator("#diagram .doudi-done")
        slider = page.locator("#replay-slider")
        slider.focus()
        page.keyboard.press("Home")
        expect(done).to_have_count(0)
        fits(page, "3-replay-start")
        page.keyboard.press("End")
        expect(page.locator('#diagram .djs-element[data-element-id="end_approved"]')).to_have_class(
            "djs-element djs-shape doudi-done"
        )
        fits(page, "4-replay-end")
        with page.expect_download() as pdf:
            page.locator("a.case-pdf").click()
        with open(pdf.value.path(), "rb") as handle:
            assert handle.read(5) == b"%PDF-"

        page.goto(live_server.url + "/audit/")
        page.click("a[href='/audit/reports/']")
        expect(page.locator("[data-report=deceased] [data-count]")).to_have_text("1")
        page.click("[data-report=deceased] a")
        expect(page.locator(f"tr[data-case='{case.pk}']")).to_be_visible()
        fits(page, "5-report")
        with page.expect_download() as xlsx:
            page.click("a[data-export]")
        with open(xlsx.value.path(), "rb") as handle:
            workbook = load_workbook(io.BytesIO(handle.read()))
        cells = [
            str(cell) for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row
        ]
        assert case.number in cells

        page.goto(live_server.url + "/audit/")
        page.click("a[href='/audit/analytics/']")
        expect(page.locator(".analytics")).to_have_attribute("data-state", "ready")
        for name in ("stages", "regions", "months"):
            chart = page.locator(f'[data-chart="{name}"]')
            expect(chart).to_have_attribute("data-state", "ready")
            assert chart.locator("svg path").count() > 5, name
        expect(page.locator("#diagram")).to_have_attribute("data-heat", "ready")
        fits(page, "6-charts")
        assert errors == []

    reads = set(AuditEvent.objects.filter(actor=world["auditor"]).values_list("action", flat=True))
    assert {"audit.case_viewed", "audit.case_file_exported", "audit.exported"} <= reads
