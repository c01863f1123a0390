"""The other buttons of the case page in a real browser: the approver classifies the case,
the clerk reports a change of income, the check centre records the review check it starts.
Screenshots: actions-1-classify-1366, actions-2-change-1366, actions-3-review-check-1366,
actions-4-review-check-390."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from engine.models import Task
from tests.browser.conftest import screenshot
from tests.browser.test_exit import fits, sign_in
from tests.fixtures import World
from tests.workflows.review import active_case


def open_action(page: Page, summary: str, action_id: str):
    page.locator("#case-actions").get_by_text(summary, exact=True).click()
    return page.locator(f"#{action_id}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_classifies_reports_a_change_and_records_the_review_check(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    case = active_case(world)
    url = live_server.url + f"/cases/{case.pk}/"

    approver = sign_in(browser, live_server, "approver", 1366)
    approver.goto(url)
    # Approved and not yet classified: the classification stands open.
    classify = approver.locator("#action-classify")
    classify.get_by_label("A类：基本生活长期稳定，每年复核一次").check()
    screenshot(approver, "actions-1-classify-1366")
    classify.get_by_role("button", name="确定分类").click()
    expect(approver.locator(".messages")).to_contain_text("已分为A类，下次复核日期：2027-03-02。")
    expect(approver.locator(".review-class")).to_contain_text("A")
    expect(approver.locator("#action-reclassify")).to_have_count(1)

    clerk = sign_in(browser, live_server, "clerk", 1366)
    clerk.goto(url)
    change = open_action(clerk, "报告变化情况", "action-report-change")
    expect(change.locator("select[name=member]")).to_be_hidden()
    change.get_by_label("家庭成员死亡").check()
    expect(change.locator("select[name=member]")).to_be_visible()
    expect(change.locator("input[name=died_on]")).to_be_visible()
    change.get_by_label("收入或财产变化").check()
    expect(change.locator("select[name=member]")).to_be_hidden()
    change.locator("textarea[name=note]").fill("户主新就业，月工资2000元（本人到乡镇报告）")
    screenshot(clerk, "actions-2-change-1366")
    change.get_by_role("button", name="提交变化报告").click()
    expect(clerk.locator(".messages")).to_contain_text("变化情况已登记，已启动复核。")
    expect(clerk.locator(".case-stage")).to_have_text("家庭经济状况核对中")
    expect(clerk.locator("#action-exit")).to_have_count(0)

    checker = sign_in(browser, live_server, "checker", 1366)
    checker.goto(url)
    form = checker.locator("#action-review-check")
    expect(form).to_be_visible()
    expect(checker.locator("#action-check-result")).to_have_count(0)
    form.get_by_label("仍符合条件").check()
    form.get_by_label("有变化").check()
    form.locator("input[name=report_no]").fill("FH-2026-001")
    form.locator("textarea[name=reasons]").fill("户主新增工资收入每月2000元")
    screenshot(checker, "actions-3-review-check-1366")
    form.get_by_role("button", name="录入复核核对结果").click()
    expect(checker.locator(".messages")).to_contain_text("复核核对结果已录入。")
    expect(checker.locator("#action-review-check")).to_have_count(0)
    assert Task.objects.filter(case=case, spec_name="investigate").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_fits_the_review_check_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    from assistance.processes.changes import do_report_change

    case = active_case(world)
    do_report_change(case, actor=world["clerk"], change="income", note="工资增加")
    checker = sign_in(browser, live_server, "checker", 390)
    checker.goto(live_server.url + f"/cases/{case.pk}/")
    expect(checker.locator("#action-review-check")).to_be_visible()
    assert fits(checker, "#case-actions")
    screenshot(checker, "actions-4-review-check-390")
