"""Four-eyes change of a process in a browser, without the graphical editors: policy staff A
makes a draft of dibao from the library, edits its opinion form in the plain textarea, sees
the deploy checks refuse a mistake, fixes it and submits; B approves; the library shows the
new version with both names. On a desktop (1366 px) and a phone (390 px), nothing scrolls
sideways. Screenshots: studio-draft-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from engine.models import ProcessDefinition
from studio.actions import do_create_draft
from studio.models import Draft, DraftStatus
from tests.browser.conftest import screenshot
from tests.browser.test_phone import DESKTOP, assert_fits, phone
from tests.fixtures import World, deploy_only

FORM = "forms/dibao_opinion.json"


@pytest.fixture
def dibao(world: World) -> Iterator[ProcessDefinition]:
    deploy_only("dibao.bpmn", actor=world["policy"])
    yield ProcessDefinition.objects.get(key="dibao")


def assert_fits_desktop(page: Page, name: str) -> None:
    screenshot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESKTOP["width"], f"{name}: page is {width}px wide"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_changes_a_form_through_four_eyes_review(
    browser: Browser, live_server: LiveServer, world: World, dibao: ProcessDefinition
) -> None:
    with phone(browser, live_server, "policy", "zh", desktop=True) as page:
        page.click("main a[href='/studio/']")
        expect(page.locator("#drafts-open")).to_contain_text("没有正在编辑或等待审核的草稿")
        page.click("[data-process=dibao] a:text('v1')")
        page.select_option("#draft-scope", "province")
        page.click("#draft-create button:text('编辑（新建草稿）')")
        expect(page.locator(".messages")).to_contain_text("已从 v1 新建草稿")
        expect(page.locator("#draft-status")).to_have_text("编辑中")
        expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
        expect(page.locator("#draft-checks")).to_contain_text("未发现问题")
        assert_fits_desktop(page, "studio-draft-desktop")

        # A mistake in the form: a type JSON Schema does not know.
        page.click(f"tr[data-file='{FORM}'] a")
        source = page.locator("#draft-source")
        original = source.input_value()
        assert '"maxLength": 2000' in original
        source.fill(original.replace('"type": "object"', '"type": "objekt"', 1))
        page.click("#draft-file-form button[value=save]")
        expect(page.locator(".messages")).to_contain_text(f"已保存 {FORM}")
        file_problem = page.locator("#draft-file-checks .draft-problem[data-element=opinion]")
        expect(file_problem).to_contain_text("dibao_opinion.json 不是有效的 JSON Schema")
        assert_fits_desktop(page, "studio-draft-file-desktop")
        page.click(".back-link a")
        problem = page.locator("#draft-checks .draft-problem[data-element=opinion]")
        expect(problem).to_contain_text("dibao_opinion.json 不是有效的 JSON Schema")
        expect(problem).to_contain_text("乡镇审核意见")
        expect(page.locator("tr[data-file='dibao.bpmn'] .file-problems")).to_have_text("1")
        screenshot(page, "studio-draft-problem")

        # Submitting is refused while the checks find the problem; the note is kept.
        page.fill("#submit-note", "理由最多1000字")
        page.click("#draft-submit-form button[type=submit]")
        expect(page.locator(".messages")).to_contain_text("部署检查发现此草稿有 1 个问题")
        expect(page.locator("#submit-note")).to_have_value("理由最多1000字")

        # The fix, with the change meant: a shorter limit on the reasons. The form preview
        # (no JavaScript: a plain submit) shows the form as approvers will see it.
        page.click(f"tr[data-file='{FORM}'] a")
        source.fill(original.replace('"maxLength": 2000', '"maxLength": 1000'))
        page.click("#draft-preview-button")
        expect(page.locator("#form-preview")).to_have_attribute("data-state", "ready")
        expect(page.locator("#form-preview")).to_contain_text("同意，提交公示")
        expect(source).to_contain_text('"maxLength": 1000')
        screenshot(page, "studio-draft-form-preview")
        page.click("#draft-file-form button[value=save]")
        expect(page.locator("#draft-file-checks .draft-count")).to_have_text("0")
        page.click(".back-link a")
        expect(page.locator("#draft-checks")).to_contain_text("未发现问题")
        expect(page.locator(f"tr[data-file='{FORM}'] .change")).to_have_text("已修改")
        page.fill("#submit-note", "理由最多1000字")
        page.click("#draft-submit-form button[type=submit]")
        expect(page.locator("#draft-status")).to_have_text("已提交审核")
        expect(page.locator("#draft-actions")).to_contain_text("等待另一位政策工作人员审核")
        # No approve button for the author.
        expect(page.locator("#draft-approve-form")).to_have_count(0)

    draft = Draft.objects.get()
    with phone(browser, live_server, "policy2", "zh", desktop=True) as page:
        page.click("main a[href='/studio/']")
        awaiting = page.locator(f"#drafts-awaiting tr[data-draft='{draft.pk}']")
        expect(awaiting).to_contain_text("policy")
        awaiting.locator("a").click()
        expect(page.locator("#draft-actions")).to_contain_text("policy 请您审核此草稿")
        expect(page.locator(".submit-note")).to_contain_text("理由最多1000字")
        page.fill("#review-note-input", "同意")
        page.click("#draft-approve-form button.primary")
        expect(page.locator(".messages")).to_contain_text("已批准，并部署为第 2 版")
        expect(page.locator("#draft-status")).to_have_text("已部署")
        page.click("a[href='/studio/']")
        v2 = page.locator("[data-process=dibao] tr[data-version='2'][data-scope=province]")
        expect(v2.locator(".deployed-by")).to_have_text("policy")
        expect(v2.locator(".reviewer")).to_have_text("policy2")
        assert_fits_desktop(page, "studio-draft-library-desktop")

    new = ProcessDefinition.objects.get(key="dibao", version=2)
    assert (new.deployed_by, new.reviewed_by) == (world["policy"], world["policy2"])
    assert '"maxLength": 1000' in new.sources[FORM]
    assert Draft.objects.get().status == DraftStatus.DEPLOYED


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_fits_a_phone(
    browser: Browser, live_server: LiveServer, world: World, dibao: ProcessDefinition, lang: str
) -> None:
    draft = do_create_draft(dibao.pk, actor=world["policy"])
    with phone(browser, live_server, "policy", lang) as page:
        page.goto(live_server.url + f"/studio/processes/{dibao.pk}/")
        expect(page.locator("#draft-create")).to_be_visible()
        assert_fits(page, f"studio-draft-process-{lang}")
        page.goto(live_server.url + "/studio/")
        expect(page.locator(f"#drafts-open tr[data-draft='{draft.pk}']")).to_be_visible()
        assert_fits(page, f"studio-draft-library-{lang}")
        page.click(f"#drafts-open tr[data-draft='{draft.pk}'] a")
        expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
        assert_fits(page, f"studio-draft-{lang}")
        page.click(f"tr[data-file='{FORM}'] a")
        expect(page.locator("#draft-source")).to_be_visible()
        page.click("#draft-preview-button")
        expect(page.locator("#form-preview")).to_have_attribute("data-state", "ready")
        assert_fits(page, f"studio-draft-file-{lang}")
        page.goto(live_server.url + f"/studio/drafts/{draft.pk}/files/dibao.bpmn")
        expect(page.locator("#draft-source")).to_be_visible()
        assert_fits(page, f"studio-draft-bpmn-{lang}")
