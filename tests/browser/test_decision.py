"""A two-member dibao household from intake to confirmation: before confirming, the county
approver's page shows the amount and its breakdown, the investigation findings, the check
report, the objection and the scans (opened in the page), at desktop and phone widths."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance import actions
from assistance.models import Case, CaseStatus
from engine.models import AuditEvent
from storage.base import reset_store_cache
from tests.browser.conftest import screenshot
from tests.fixtures import World
from tests.portal.test_case_file import FINDINGS, OBJECTION, to_confirmation, two_member_case


def pdf(text: bytes = b"Investigation record") -> bytes:
    """A real one-page PDF with a line of text, so the browser's viewer has a page to draw."""
    content = b"BT /F1 24 Tf 40 100 Td (" + text + b") Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 400 200]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(content) + content + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def png(width: int = 240, height: int = 160) -> bytes:
    """A real PNG (a grey card with a darker band), so the browser has something to draw."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + (b"\x60\x60\x60" if 60 <= y < 100 else b"\xd0\xd0\xd0") * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def local_evidence(settings, tmp_path: Path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield
    reset_store_cache()


def sign_in(browser: Browser, live_server: LiveServer, username: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit]")
    expect(page.locator("main h1")).to_be_visible()
    return page


def upload(world: World, case: Case, kind: str, name: str, content: bytes) -> None:
    actions.do_upload_evidence(
        case, actor=world["clerk"], kind=kind, upload=io.BytesIO(content), name=name, size=None
    )


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page is {width}px wide in a {viewport}px window"


def check_decision_page(page: Page) -> None:
    main = page.locator("main")
    expect(page.locator("main h1")).to_have_text("县级审核确认")
    amount = page.locator("#amount")
    expect(amount.locator(".amount-total")).to_have_text("600.00")
    expect(amount).to_contain_text("家庭人均收入")
    expect(amount).to_contain_text("300.00")
    expect(amount).to_contain_text("核减就业成本")
    expect(amount).to_contain_text("上限 600.00")
    expect(amount).to_contain_text("示范县，2020-01-01起执行")
    records = page.locator("#records")
    expect(records).to_contain_text(FINDINGS)
    expect(records).to_contain_text("家庭经济状况核对报告")
    expect(records).to_contain_text("HD-001")
    expect(records).to_contain_text(OBJECTION)
    expect(records).to_contain_text("村民张三")
    expect(page.locator("#deadlines")).to_contain_text("全程办理时限")
    expect(main.locator(".evidence")).to_contain_text("户口簿.png")
    expect(main.locator(".evidence")).to_contain_text("调查记录.pdf")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence")
def test_it_lets_the_approver_decide_with_the_whole_case_in_view(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    case = two_member_case(world)
    upload(world, case, "hukou", "户口簿.png", png())
    upload(world, case, "investigation_record", "调查记录.pdf", pdf())
    to_confirmation(world, case)

    approver = sign_in(browser, live_server, "approver", 1366)
    approver.goto(live_server.url + f"/cases/{case.pk}/")
    expect(approver.locator("#amount .amount-total")).to_have_text("600.00")
    approver.get_by_role("link", name="县级审核确认").click()
    check_decision_page(approver)
    # Nothing is fetched (nor audited) until a scan is opened.
    assert not AuditEvent.objects.filter(case=case, action="evidence.viewed").exists()
    image_scan = approver.locator(".scan", has_text="户口簿.png")
    image_scan.locator("summary").click()
    image = image_scan.locator("img.scan-image")
    expect(image).to_be_visible()
    approver.wait_for_function(
        "image => image.complete && image.naturalWidth === 240", arg=image.element_handle()
    )
    pdf_scan = approver.locator(".scan", has_text="调查记录.pdf")
    pdf_scan.locator("summary").click()
    expect(pdf_scan.locator("iframe.scan-frame")).to_be_visible()
    # The browser's own PDF viewer opens inside the sandboxed frame.
    approver.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(entry => entry.name.includes('/view/') && entry.initiatorType === 'iframe')"
    )
    approver.wait_for_timeout(1500)
    screenshot(approver, "decision-1366-approver-task")
    viewed = AuditEvent.objects.filter(case=case, action="evidence.viewed", actor=world["approver"])
    assert viewed.count() >= 1

    phone = sign_in(browser, live_server, "approver", 390)
    phone.goto(approver.url)
    check_decision_page(phone)
    phone.locator(".scan", has_text="户口簿.png").locator("summary").click()
    expect(phone.locator("img.scan-image")).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, "decision-390-approver-task")

    approver.check("input[name=decision][value=approve]")
    approver.click("#task-form button[type=submit]")
    expect(approver.locator(".messages")).to_contain_text("已提交")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE and str(case.monthly_amount) == "600.00"

    approver.goto(live_server.url + f"/cases/{case.pk}/")
    expect(approver.locator(".case-status")).to_have_text("在保")
    timeline = approver.locator(".timeline")
    expect(timeline).to_contain_text("确认结果")
    expect(timeline).to_contain_text("批准")
    diagram = approver.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    approver.get_by_role("button", name="放大").click()
    zoomed = float(diagram.get_attribute("data-zoom") or 0)
    approver.get_by_role("button", name="缩小").click()
    approver.get_by_role("button", name="缩小").click()
    assert float(diagram.get_attribute("data-zoom") or 0) < zoomed
    approver.get_by_role("button", name="适应窗口").click()
    screenshot(approver, "decision-1366-case-file")

    phone.goto(live_server.url + f"/cases/{case.pk}/")
    expect(phone.locator("#diagram")).to_have_attribute("data-state", "ready")
    assert_no_sideways_scroll(phone)
    screenshot(phone, "decision-390-case-file")
