"""On a phone (390 px wide) the inbox, a task, the case and the application form fit the screen:
nothing scrolls sideways, in Chinese and in English. Screenshots: phone-<page>-<lang>.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import Case
from tests.browser.conftest import screenshot
from tests.fixtures import World
from tests.workflows.dibao import accept, apply, check, investigate, task

CJK = re.compile(r"[\u3400-\u9fff]+")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LANGUAGES = {"zh": "zh-hans", "en": "en"}


@pytest.fixture
def at_opinion(world: World) -> Case:
    """A three-member dibao case investigated and waiting for the township's opinion."""
    case = apply(world, members=3)
    accept(world, case)
    check(world, case)
    investigate(world, case)
    return case


@contextmanager
def phone(
    browser: Browser,
    live_server: LiveServer,
    username: str,
    lang: str,
    desktop: bool = False,
    javascript: bool = True,
) -> Iterator[Page]:
    context = (
        browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=javascript)
        if desktop
        else browser.new_context(
            viewport=PHONE,
            locale="zh-CN",
            is_mobile=True,
            has_touch=True,
            java_script_enabled=javascript,
        )
    )
    context.add_cookies(
        [{"name": "django_language", "value": LANGUAGES[lang], "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("main button[type=submit]")
    expect(page.locator("main h1")).to_be_visible()
    try:
        yield page
    finally:
        context.close()


def assert_fits(page: Page, name: str) -> None:
    screenshot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 391)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"""
    )
    assert width <= PHONE["width"], f"{name}: page is {width}px wide; too wide: {wide}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_fits_a_phone(
    browser: Browser, live_server: LiveServer, world: World, at_opinion: Case, lang: str
) -> None:
    opinion = task(at_opinion, "opinion")
    with phone(browser, live_server, "reviewer", lang) as page:
        page.goto(live_server.url + "/?tab=office")
        expect(page.locator("table.queue")).to_contain_text(at_opinion.number)
        assert_fits(page, f"phone-inbox-{lang}")

        page.goto(f"{live_server.url}/tasks/{opinion.pk}/")
        expect(page.locator("#task-form")).to_be_visible()
        assert_fits(page, f"phone-task-{lang}")

        page.goto(f"{live_server.url}/cases/{at_opinion.pk}/")
        diagram = page.locator("#diagram")
        expect(diagram).to_have_attribute("data-state", "ready")
        # The diagram speaks the page's language: steps, gateways and flows.
        names = ["Township review opinion", "Documents complete?", "Supplied"]
        for name in names if lang == "en" else ["乡镇审核意见", "材料是否齐全", "已补齐"]:
            expect(diagram).to_contain_text(name)
        if lang == "en":
            assert not CJK.findall(diagram.text_content() or ""), "Chinese left on the diagram"
        assert_fits(page, f"phone-case-{lang}")

    with phone(browser, live_server, "clerk", lang) as page:
        page.goto(live_server.url + "/applications/new/")
        assert_fits(page, f"phone-application-types-{lang}")
        page.goto(live_server.url + "/applications/new/?assistance_type=dibao")
        expect(page.locator("form#application")).to_be_visible()
        assert_fits(page, f"phone-application-{lang}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_reads_in_english_on_a_desktop(
    browser: Browser, live_server: LiveServer, world: World, at_opinion: Case
) -> None:
    # For comparison with the phone: the same task and case at 1366 px, in English.
    with phone(browser, live_server, "reviewer", "en", desktop=True) as page:
        page.goto(f"{live_server.url}/tasks/{task(at_opinion, 'opinion').pk}/")
        expect(page.locator("h1")).to_have_text("Township review opinion")
        screenshot(page, "desktop-task-en")
        page.goto(f"{live_server.url}/cases/{at_opinion.pk}/")
        diagram = page.locator("#diagram")
        expect(diagram).to_have_attribute("data-state", "ready")
        expect(page.locator(".case-stage")).to_have_text("Township review opinion")
        screenshot(page, "desktop-case-en")
