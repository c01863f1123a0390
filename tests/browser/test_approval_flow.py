"""The day's work in a real browser: a township reviewer and a county approver take a case
through opinion, notice and confirmation; an outsider and a recused relative stay out."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance import actions
from engine import runtime
from engine.clock import clock
from storage.base import reset_store_cache
from tests.browser.conftest import screenshot
from tests.fixtures import World, make_user
from tests.workflows.dibao import accept, apply, check, investigate

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def local_evidence(settings, tmp_path: Path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield
    reset_store_cache()


def sign_in(
    browser: Browser, live_server: LiveServer, username: str, page: Page | None = None
) -> Page:
    if page is None:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit]")
    expect(page.locator("main h1")).to_have_text("我的待办")
    return page


def at_opinion(world: World, township: str = "A"):
    case = apply(world)
    accept(world, case)
    check(world, case)
    investigate(world, case)
    return case


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence")
def test_it_takes_a_case_from_opinion_to_confirmation(
    browser: Browser, page: Page, live_server: LiveServer, world: World, tmp_path: Path
) -> None:
    case = at_opinion(world)
    relative = case.household.members.get(is_applicant=True)
    actions.do_declare_relative(
        actor=world["reviewer2"],
        name=relative.name,
        resident_id=relative.resident_id,
        relation="sibling",
    )
    # A case in the other township, at the same stage, must stay invisible to township A.
    make_user("west_reviewer", "township_reviewer", world.township_b)
    west = apply(world)
    west.region = world.village_b1
    west.save(update_fields=["region"])
    west.tasks.update(region=world.village_b1, region_path=world.village_b1.path)

    reviewer = sign_in(browser, live_server, "reviewer", page)
    reviewer.click("a[data-tab=office]")
    queue = reviewer.locator("table.queue")
    expect(queue).to_contain_text(case.number)
    expect(queue).not_to_contain_text(west.number)
    screenshot(reviewer, "flow-1-reviewer-queue")

    row = reviewer.locator(f"tr:has-text('{case.number}')")
    row.get_by_role("button", name="认领").click()
    expect(reviewer.locator("main h1")).to_have_text("乡镇审核意见")

    scan = tmp_path / "调查记录.pdf"
    scan.write_bytes(PDF)
    reviewer.select_option("select[name=kind]", "investigation_record")
    reviewer.set_input_files("input[name=file]", str(scan))
    reviewer.get_by_role("button", name="上传").click()
    expect(reviewer.locator(".messages")).to_contain_text("扫描件已保存")
    expect(reviewer.locator(".evidence")).to_contain_text("调查记录.pdf")
    screenshot(reviewer, "flow-2-scan-uploaded")

    # Back on the task from the case file, then give the opinion.
    reviewer.goto(live_server.url + f"/cases/{case.pk}/")
    reviewer.get_by_role("link", name="乡镇审核意见").click()
    reviewer.check("input[name=opinion][value=approve]")
    reviewer.click("#task-form button[type=submit]")
    expect(reviewer.locator(".messages")).to_contain_text("已提交")

    clock.advance(timedelta(days=8))
    assert runtime.fire_due_timers() == 1

    approver = sign_in(browser, live_server, "approver")
    approver.goto(live_server.url + "/?tab=office")
    approver.locator(f"tr:has-text('{case.number}')").get_by_role(
        "link", name="县级审核确认"
    ).click()
    approver.check("input[name=decision][value=approve]")
    approver.click("#task-form button[type=submit]")
    expect(approver.locator(".messages")).to_contain_text("已提交")

    approver.goto(live_server.url + f"/cases/{case.pk}/")
    expect(approver.locator(".case-status")).to_have_text("在保")
    diagram = approver.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    for done in (
        "acceptance",
        "home_investigation",
        "public_notice",
        "opinion",
        "county_confirm",
        "end_approved",
    ):
        expect(approver.locator(f'g.djs-element[data-element-id="{done}"]')).to_have_class(
            re.compile(r"doudi-done")
        )
    screenshot(approver, "flow-3-case-file-diagram")

    outsider = sign_in(browser, live_server, "outsider")
    response = outsider.goto(live_server.url + f"/cases/{case.pk}/")
    assert response is not None and response.status == 404

    recused = sign_in(browser, live_server, "reviewer2")
    recused.goto(live_server.url + "/?tab=done")
    recused.goto(live_server.url + "/?tab=office")
    expect(recused.locator("main")).not_to_contain_text(case.number)
    response = recused.goto(live_server.url + f"/cases/{case.pk}/")
    assert response is not None and response.status == 404
