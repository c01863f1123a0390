"""An auditor reconstructs a case in a real browser: opens it, replays its path on the diagram
with the slider, back and forth, and takes the case file away as a PDF; the page fits a phone
and a desktop without scrolling sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from engine.models import AuditEvent
from tests.audit.case_world import approved, local_evidence, name_staff
from tests.browser.conftest import screenshot
from tests.fixtures import World

__all__ = ["local_evidence"]


def element(page: Page, element_id: str) -> Locator:
    return page.locator(f'#diagram .djs-element[data-element-id="{element_id}"]')


def marked(css_class: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){css_class}(\s|$)")


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    with page.expect_navigation():
        page.click("button[type=submit]")


def position_of(page: Page, label: str) -> int:
    return int(
        page.evaluate(
            """label => document.getElementById("diagram").doudiDiagram.data.positions
                .findIndex(p => p.label.includes(label))""",
            label,
        )
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence")
def test_it_replays_a_case_and_exports_its_file(
    page: Page, live_server: LiveServer, world: World
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    # Failed loads are told by their responses (the browser asks for a favicon there is not).
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    name_staff(world)
    case = approved(world)

    sign_in(page, live_server, "auditor")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + f"/audit/cases/{case.pk}/")
    expect(page.locator("main h1")).to_contain_text(case.number)
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    replay = page.locator("[data-replay]")
    expect(replay).to_have_attribute("data-state", "ready")
    slider = page.locator("#replay-slider")
    output = page.locator("#replay-position")

    # At first the case as it is: approved, nothing under way.
    expect(element(page, "end_approved")).to_have_class(marked("doudi-done"))
    expect(element(page, "county_confirm")).to_have_class(marked("doudi-done"))
    expect(page.locator("#diagram .doudi-active")).to_have_count(0)
    no_sideways_scroll(page)
    screenshot(page, "audit-case-1366")

    # Back to the township's opinion: the notice is under way, confirmation not reached.
    opinion = position_of(page, "乡镇审核意见")
    slider.fill(str(opinion))
    expect(element(page, "public_notice")).to_have_class(marked("doudi-active"))
    expect(element(page, "opinion")).to_have_class(marked("doudi-done"))
    expect(element(page, "county_confirm")).not_to_have_class(marked("doudi-done"))
    expect(element(page, "county_confirm")).not_to_have_class(marked("doudi-active"))
    expect(output).to_contain_text("乡镇审核意见")
    expect(output).to_contain_text("刘审核")
    seq = diagram.get_attribute("data-seq")
    expect(page.locator(f'.audit-timeline li[data-seq="{seq}"]')).to_have_class(
        marked("replay-current")
    )
    diagram.scroll_into_view_if_needed()
    screenshot(page, "audit-case-replay-notice")

    # One event on: the notice period ran out, confirmation is open.
    replay.get_by_role("button", name="下一条记录").click()
    expect(element(page, "public_notice")).to_have_class(marked("doudi-done"))
    expect(element(page, "county_confirm")).to_have_class(marked("doudi-active"))
    expect(output).to_contain_text("期限届满")
    screenshot(page, "audit-case-replay-confirm")

    # And back again.
    replay.get_by_role("button", name="上一条记录").click()
    expect(element(page, "public_notice")).to_have_class(marked("doudi-active"))
    expect(element(page, "county_confirm")).not_to_have_class(marked("doudi-active"))

    # The very start: nothing done, nothing under way.
    slider.focus()
    page.keyboard.press("Home")
    expect(output).to_contain_text("登记申请")
    expect(page.locator("#diagram .doudi-done")).to_have_count(0)
    expect(page.locator("#diagram .doudi-active")).to_have_count(0)
    page.keyboard.press("End")
    expect(element(page, "end_approved")).to_have_class(marked("doudi-done"))

    # The case file, downloaded.
    with page.expect_download() as download_info:
        page.locator("a.case-pdf").click()
    download = download_info.value
    assert download.suggested_filename == f"case-file-{case.number}.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert AuditEvent.objects.filter(case=case, action="audit.case_file_exported").exists()

    # On a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(replay).to_have_attribute("data-state", "ready")
    no_sideways_scroll(page)
    slider.fill(str(opinion))
    expect(element(page, "public_notice")).to_have_class(marked("doudi-active"))
    no_sideways_scroll(page)
    screenshot(page, "audit-case-390")
    assert errors == []
