"""The monthly payment roster on a phone (390 px): a payments officer builds April's roster,
in which a recipient who died in March is left out and a household in its gradual exit (渐退期)
is kept in; a second officer approves it after the first; the bank file is exported, the
bank's results imported, and the failed payment becomes a task the township clerk sees.
Screenshots: payments-1-home-390 … payments-7-clerk-task-390, payments-roster-1366.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import CaseStatus
from assistance.processes.exit import do_report_death
from payments.models import RosterLine
from tests.browser.conftest import screenshot
from tests.fixtures import World
from tests.payments.roster_world import card
from tests.workflows.exit import (
    active_case,
    approve_exit,
    deliver_notice,
    deploy_processes,
    investigate_exit,
    start_exit,
)
from tests.workflows.test_exit_paths import pass_notice

PHONE = 390


def sign_in(
    browser: Browser, live_server: LiveServer, username: str, heading: str, width: int = PHONE
) -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": 844}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit]")
    expect(page.locator("main h1")).to_have_text(heading)
    return page


def fits(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def with_account(case, name: str, prefix: str):
    case.payee_name, case.bank_name, case.bank_card = name, "农商银行", card(prefix)
    case.save(update_fields=["payee_name", "bank_name", "bank_card"])
    return case


def results_csv(roster_id: int, failed_case_id: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["流水号", "结果", "失败原因"])
    for line in RosterLine.objects.filter(roster_id=roster_id).order_by("pk"):
        if line.case_id == failed_case_id:
            writer.writerow([line.pk, "失败", "账户已冻结"])
        else:
            writer.writerow([line.pk, "成功", ""])
    return buffer.getvalue().encode("gbk")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_builds_approves_exports_and_settles_a_roster_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    deploy_processes(world, "exit.bpmn", "payment_failure.bpmn")
    paid = with_account(
        active_case(world, "dibao", born=date(1950, 1, 1)), "李一", "621710000000000"
    )
    dead = with_account(
        active_case(world, "tekun", born=date(1940, 2, 2)), "王二", "621720000000000"
    )
    gradual = with_account(
        active_case(world, "dibao", born=date(1960, 3, 3), amount="900.00"),
        "赵三",
        "621730000000000",
    )
    # 赵三's income rose through work: the exit gives six more months (渐退期).
    start_exit(world, gradual, "income_above_standard")
    investigate_exit(world, gradual)
    assert pass_notice() == 1
    approve_exit(world, gradual)
    deliver_notice(world, gradual)
    gradual.refresh_from_db()
    assert gradual.status == CaseStatus.ACTIVE and gradual.stage.startswith("渐退期")
    # 王二 died in March; the civil registry's record starts an exit, not yet approved.
    member = dead.household.members.get()
    do_report_death(member.resident_id, date(2026, 3, 5), actor=None, source="县民政局")
    dead.refresh_from_db()
    assert dead.status == CaseStatus.ACTIVE

    finance = sign_in(browser, live_server, "finance", "资金发放名册")
    screenshot(finance, "payments-1-home-390")
    finance.fill("input[name=month]", "2026-04")
    finance.get_by_role("button", name="生成", exact=True).click()
    expect(finance.locator("#roster-status")).to_have_text("已生成，待审核")
    excluded = finance.locator("table.payments-excluded")
    expect(excluded).to_contain_text(dead.number)
    expect(excluded).to_contain_text("已死亡")
    lines = finance.locator("table.payments-lines")
    expect(lines).to_contain_text(gradual.number)
    expect(lines).to_contain_text("渐退期")
    expect(lines).to_contain_text(paid.number)
    expect(lines).not_to_contain_text(dead.number)
    assert fits(finance)
    screenshot(finance, "payments-2-built-390")
    roster_url = finance.url

    finance.locator("#approve").click()
    expect(finance.locator(".messages")).to_contain_text("您的审核意见已记录")
    expect(finance.locator("#roster-status")).to_have_text("已初审，待复审")
    # The same officer cannot give the second approval.
    finance.locator("#approve").click()
    expect(finance.locator(".messages")).to_contain_text("复审须由另一人进行")

    finance2 = sign_in(browser, live_server, "finance2", "资金发放名册")
    finance2.goto(roster_url)
    finance2.locator("#approve").click()
    expect(finance2.locator("#roster-status")).to_have_text("已批准")
    screenshot(finance2, "payments-3-approved-390")

    with finance2.expect_download() as download:
        finance2.locator("#export-bank").click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert "赵三" in content and "李一" in content and "王二" not in content
    finance2.goto(roster_url)
    expect(finance2.locator("#roster-status")).to_have_text("已报送银行")
    screenshot(finance2, "payments-4-exported-390")

    roster_id = int(roster_url.rstrip("/").split("/")[-1])
    finance2.set_input_files(
        "input[name=results]",
        {"name": "回盘.csv", "mimeType": "text/csv", "buffer": results_csv(roster_id, paid.pk)},
    )
    finance2.locator("#import-results").click()
    expect(finance2.locator(".messages")).to_contain_text("成功1笔，失败1笔")
    expect(finance2.locator("#roster-status")).to_have_text("已导入银行结果")
    expect(finance2.locator("table.payments-lines")).to_contain_text("账户已冻结")
    assert fits(finance2)
    screenshot(finance2, "payments-5-settled-390")

    wide = sign_in(browser, live_server, "finance", "资金发放名册", width=1366)
    wide.goto(roster_url)
    screenshot(wide, "payments-roster-1366")

    clerk = sign_in(browser, live_server, "clerk", "我的待办")
    expect(clerk.locator("main")).to_contain_text("核实并更正收款账户")
    screenshot(clerk, "payments-6-clerk-inbox-390")
    clerk.locator("main a[href*='/tasks/']").first.click()
    expect(clerk.locator("main h1")).to_contain_text("核实并更正收款账户")
    expect(clerk.locator("main")).to_contain_text("银行未能发放本案的待遇")
    assert fits(clerk)
    screenshot(clerk, "payments-7-clerk-task-390")
    clerk.goto(live_server.url + f"/payments/cases/{paid.pk}/account/")
    expect(clerk.locator("ul.payments-failed")).to_contain_text("账户已冻结")
    screenshot(clerk, "payments-8-clerk-account-390")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_shows_the_build_progress_then_the_roster(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    from engine.clock import clock
    from payments.models import Roster, RosterStatus

    roster = Roster.objects.create(
        county=world.county,
        month=date(2026, 3, 1),
        built_by=world["finance"],
        created_at=clock.now(),
        status=RosterStatus.BUILDING,
        progress_total=1_000_000,
        progress_done=400_000,
    )
    finance = sign_in(browser, live_server, "finance", "资金发放名册")
    finance.goto(live_server.url + f"/payments/rosters/{roster.pk}/")
    bar = finance.locator("#roster-progress-bar")
    expect(bar).to_have_attribute("value", "400000")
    Roster.objects.filter(pk=roster.pk).update(progress_done=700_000)
    expect(finance.locator("#roster-progress-done")).to_have_text("700000")
    screenshot(finance, "payments-0-progress-390")
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.BUILT, progress_done=1_000_000)
    # The page reloads by itself once the build is over.
    expect(finance.locator("#roster-status")).to_have_text("已生成，待审核")
    expect(finance.locator("#roster-progress")).to_have_count(0)
