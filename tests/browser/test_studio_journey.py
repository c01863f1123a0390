"""A rule change from the first click to the last running case, as two policy officers live it.

孙政策 (A) lengthens the public notice of dibao to at least ten working days in the graphical
editor, runs the draft's scenarios, reads the diff and the impact on running cases, and submits
it. 钱复核 (B) approves it. New cases start on the new version; the impact report lists the
running cases of the old one by step; B dry-runs one and moves them all in a background job
whose progress bar reaches the end. The draft's history names A and B. Screenshots:
studio-journey-<n>-<step>.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from engine.models import AuditEvent, ProcessDefinition, ProcessInstance
from studio.models import Draft, DraftStatus
from tests.browser.conftest import screenshot
from tests.browser.test_modeler import panel, select
from tests.browser.test_phone import DESKTOP, phone
from tests.fixtures import World
from tests.workflows.dibao import accept, apply

NOTICE = "shared_public_notice.bpmn"
OLD_LENGTH = "policy['notice_working_days']"
NEW_LENGTH = "max(policy['notice_working_days'], 10)"


def marked(name: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){name}(\s|$)")


def fits(page: Page, name: str) -> None:
    screenshot(page, f"studio-journey-{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESKTOP["width"], f"{name}: page is {width}px wide"


def edit_the_notice_in_the_modeler(page: Page) -> None:
    page.click(f"tr[data-file='{NOTICE}'] a")
    expect(page.locator("#draft-editor")).to_have_attribute("data-state", "ready")
    select(page, "notice_start")
    script = panel(page).locator("#bio-properties-panel-script")
    expect(script).to_have_value(re.compile(re.escape(OLD_LENGTH)))
    script.fill(script.input_value().replace(OLD_LENGTH, NEW_LENGTH))
    page.wait_for_timeout(400)
    fits(page, "1-modeler")
    with page.expect_navigation():
        page.locator(".studio-toolbar .studio-save").click()
    expect(page.locator(".messages")).to_contain_text(f"已保存 {NOTICE}")
    expect(page.locator("#draft-editor")).to_have_attribute("data-state", "ready")
    page.click(".back-link a")


def run_the_scenarios(page: Page, count: int) -> None:
    page.click("#draft-scenarios-link")
    page.click("button[name=run]")
    summary = page.locator(".scenario-summary")
    expect(summary).to_have_attribute("data-passed", str(count))
    expect(summary).to_have_attribute("data-failed", "0")
    fits(page, "2-scenarios")
    # One run drawn on the diagram: through the notice to the approval.
    approved = page.locator(".scenario-result").filter(has_text="批准").first
    approved.locator("a.scenario-show").click()
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    notice = page.locator('#diagram .djs-element[data-element-id="public_notice"]')
    expect(notice).to_have_class(marked("doudi-done"))
    fits(page, "3-scenario-path")


def read_the_diff(page: Page, draft: Draft) -> None:
    page.goto(page.url.split("/studio/")[0] + f"/studio/drafts/{draft.pk}/")
    page.click("#draft-diff-link")
    expect(page.locator("#diff-new")).to_have_attribute("data-state", "ready")
    # The notice is a called stage: its box is marked as changed inside, the script listed.
    notice = page.locator('#diff-new .djs-element[data-element-id="public_notice"]')
    expect(notice).to_have_class(marked("doudi-diff-inside"))
    expect(page.locator("main")).to_contain_text("max(")
    fits(page, "4-diff")


def submit(page: Page, draft: Draft) -> None:
    page.goto(page.url.split("/studio/")[0] + f"/studio/drafts/{draft.pk}/")
    page.click("#draft-impact")
    v1 = page.locator("section.impact-version[data-version='1']")
    expect(v1.locator("tr[data-node=acceptance] .movable")).to_have_text("2")
    fits(page, "5-impact-before-deploy")
    page.go_back()
    page.fill("#submit-note", "公示期不少于10个工作日")
    page.click("#draft-submit-form button[type=submit]")
    expect(page.locator("#draft-status")).to_have_text("已提交审核")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_changes_dibao_through_review_and_moves_the_running_cases(
    browser: Browser, live_server: LiveServer, world: World, redis_worker: object
) -> None:
    waiting = [apply(world), apply(world)]
    checking = apply(world)
    accept(world, checking)
    v1 = ProcessDefinition.objects.get(key="dibao", region__isnull=True)

    with phone(browser, live_server, "policy", "zh", desktop=True) as page:
        page.click("main a[href='/studio/']")
        page.click("[data-process=dibao] a:text('v1')")
        page.select_option("#draft-scope", "province")
        page.click("#draft-create button")
        expect(page.locator("#draft-status")).to_have_text("编辑中")
        draft = Draft.objects.get()
        edit_the_notice_in_the_modeler(page)
        expect(page.locator(f"tr[data-file='{NOTICE}'] .change")).to_have_text("已修改")
        run_the_scenarios(page, len(draft.scenarios))
        read_the_diff(page, draft)
        submit(page, draft)

    with phone(browser, live_server, "policy2", "zh", desktop=True) as page:
        page.click("main a[href='/studio/']")
        page.locator(f"#drafts-awaiting tr[data-draft='{draft.pk}'] a").click()
        expect(page.locator(".submit-note")).to_contain_text("公示期不少于10个工作日")
        page.fill("#review-note-input", "同意")
        page.click("#draft-approve-form button.primary")
        expect(page.locator("#draft-status")).to_have_text("已部署")
        fits(page, "6-approved")
        v2 = ProcessDefinition.objects.get(key="dibao", region__isnull=True, version=2)
        assert NEW_LENGTH in v2.sources[NOTICE]

        # A case applied for now starts on the new version; the library counts it there.
        new_case = apply(world)
        assert ProcessInstance.objects.get(case=new_case).definition == v2
        page.click("a[href='/studio/']")
        row = page.locator("[data-process=dibao] tr[data-version='2'][data-scope=province]")
        expect(row.locator(".running")).to_have_text("1")

        # The running cases of v1, by step: two at acceptance, one waiting for its check.
        page.goto(f"{live_server.url}/studio/processes/{v2.pk}/impact/")
        old = page.locator("section.impact-version[data-version='1']")
        expect(old.locator("tr[data-node=acceptance] .count")).to_have_text("2")
        expect(old.locator("tr[data-node=check_wait] .count")).to_have_text("1")
        fits(page, "7-impact")
        old.locator(f"tr[data-case='{waiting[0].number}'] a.button").click()
        expect(page.locator(".dry-run")).to_have_attribute("data-can-migrate", "yes")
        fits(page, "8-dry-run")
        page.go_back()
        page.click("form.bulk-migration button")
        progress = page.locator("#migration-progress progress")
        expect(progress).to_have_attribute("max", "3")
        expect(progress).to_have_attribute("value", "3", timeout=30_000)
        expect(page.locator("#migration-progress")).to_have_attribute("data-active", "no")
        fits(page, "9-migrated")

        page.goto(f"{live_server.url}/studio/drafts/{draft.pk}/")
        history = page.locator("#draft-history")
        expect(history.locator("tr[data-action='draft.created']")).to_contain_text("policy")
        expect(history.locator("tr[data-action='draft.approved']")).to_contain_text("policy2")
        expect(history.locator("tr[data-action='definition.deployed']")).to_contain_text(
            "v2，编写人 policy"
        )
        fits(page, "10-history")

    assert Draft.objects.get().status == DraftStatus.DEPLOYED
    assert v2.deployed_by == world["policy"] and v2.reviewed_by == world["policy2"]
    for case in [*waiting, checking]:
        assert ProcessInstance.objects.get(case=case).definition == v2
    moved = AuditEvent.objects.filter(action="instance.migrated")
    assert {event.case_id for event in moved} == {case.pk for case in [*waiting, checking]}
    assert {event.actor for event in moved} == {world["policy2"]}
    assert v1.pk != v2.pk
