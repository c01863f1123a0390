"""Policy staff compare two versions of the dibao process in a browser: a changed version is
deployed, they open it from the library, pick "compare with v1" and see the changed step
marked on the new diagram, the moved one as moved, the removed flow on the old diagram and
the form change beside them; on a desktop and on a phone (390 px, nothing scrolls sideways).
Screenshots: studio-diff-desktop.png, studio-diff-<lang>.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from engine import runtime
from engine.models import ProcessDefinition
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_phone import assert_fits, phone
from tests.fixtures import World
from tests.studio.test_diff_pages import changed_sources


def marker(status: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s)doudi-diff-{status}(\s|$)")


def deploy_changed_dibao(world: World) -> ProcessDefinition:
    """dibao v2: township confirmation due in 10 working days, acceptance drawn elsewhere,
    the opinion form's reasons shorter, and the withdrawal flow's name changed."""
    sources = changed_sources()
    sources["dibao.bpmn"] = sources["dibao.bpmn"].replace(
        'targetRef="withdrawn" name="撤回"', 'targetRef="withdrawn" name="申请撤回"'
    )
    definition, created = runtime.deploy(sources, "dibao.bpmn", actor=world["policy"])
    assert created and definition.version == 2
    return definition


def open_diff_from_the_version_page(page: Page) -> None:
    v1 = ProcessDefinition.objects.get(key="dibao", version=1, region__isnull=True)
    page.click("main a[href='/studio/']")
    page.click("[data-process=dibao] a:text('v2')")
    expect(page.locator("#diff-with")).to_be_visible()
    page.select_option("#diff-with", value=str(v1.pk))
    page.click("form.diff-picker button[type=submit]")
    expect(page.locator("#diff-new")).to_have_attribute("data-state", "ready")
    expect(page.locator("#diff-old")).to_have_attribute("data-state", "ready")


def check_markers(page: Page) -> None:
    new = page.locator("#diff-new")
    changed = new.locator('.djs-element[data-element-id="township_confirm"]')
    expect(changed).to_have_class(marker("changed"))
    expect(new.locator('.djs-element[data-element-id="f_withdraw"]')).to_have_class(
        marker("changed")
    )
    expect(new.locator('.djs-element[data-element-id="acceptance"]')).to_have_class(marker("moved"))
    expect(new.locator('.djs-element[data-element-id="opinion"]')).to_have_class(marker("inside"))
    # The unchanged steps carry no marker; the old diagram marks the changed step too.
    expect(new.locator('.djs-element[data-element-id="county_confirm"]')).not_to_have_class(
        re.compile("doudi-diff-")
    )
    old = page.locator("#diff-old")
    expect(old.locator('.djs-element[data-element-id="township_confirm"]')).to_have_class(
        marker("changed")
    )
    # Words beside the colours: a badge on the diagram and in the list.
    expect(new.locator(".diff-overlay.diff-changed").first).to_be_visible()
    item = page.locator('.diff-item[data-element="township_confirm"]')
    expect(item).to_contain_text("办理期限")
    expect(item).to_contain_text("10)")
    expect(page.locator('.diff-item[data-field="opinion_reasons"]')).to_contain_text("500")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_shows_what_a_new_version_changed_on_a_desktop(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    deploy_changed_dibao(world)
    with phone(browser, live_server, "policy", "zh", desktop=True) as page:
        errors: list[str] = []
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        open_diff_from_the_version_page(page)
        assert "/diff/" in page.url
        check_markers(page)
        screenshot(page, "studio-diff-desktop")
        # The diagram alone, zoomed in on the changes: the markers and their words.
        page.click("#diff-new-title ~ .diagram-tools button[data-zoom=in]")
        page.locator("#diff-new").screenshot(path=str(SCREENSHOTS / "studio-diff-diagram.png"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366
        # Nothing refused by the strict content security policy, nothing failed to load.
        assert errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_fits_a_phone(
    browser: Browser, live_server: LiveServer, world: World, lang: str
) -> None:
    deploy_changed_dibao(world)
    with phone(browser, live_server, "policy", lang) as page:
        open_diff_from_the_version_page(page)
        expect(
            page.locator('#diff-new .djs-element[data-element-id="township_confirm"]')
        ).to_have_class(marker("changed"))
        assert_fits(page, f"studio-diff-{lang}")
