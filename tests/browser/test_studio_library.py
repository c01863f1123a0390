"""The process library in a browser: the list of processes and one version's diagram with
its busy steps marked, on a phone (390 px, nothing scrolls sideways) and on a desktop.
Screenshots: studio-library-<lang>.png, studio-process-<lang>.png, studio-process-desktop.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import screenshot
from tests.browser.test_phone import assert_fits, phone
from tests.fixtures import World
from tests.workflows.dibao import accept, apply

ACTIVE = re.compile(r"(^|\s)doudi-active(\s|$)")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_shows_the_library_and_a_version_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World, lang: str
) -> None:
    accept(world, apply(world))
    apply(world)
    with phone(browser, live_server, "policy", lang) as page:
        page.click("main a[href='/studio/']")
        expect(page.locator("[data-process=dibao]")).to_be_visible()
        assert_fits(page, f"studio-library-{lang}")
        page.click("[data-process=dibao] a:text('v1')")
        diagram = page.locator("#diagram")
        expect(diagram).to_have_attribute("data-state", "ready")
        acceptance = page.locator('#diagram .djs-element[data-element-id="acceptance"]')
        expect(acceptance).to_have_class(ACTIVE)
        # The accepted case waits inside the economic check stage: its call box is lit.
        stage = page.locator('#diagram .djs-element[data-element-id="economic_check"]')
        expect(stage).to_have_class(ACTIVE)
        expect(page.locator("tr[data-step=acceptance] .tasks")).to_have_text("1")
        assert_fits(page, f"studio-process-{lang}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_shows_a_version_beside_its_steps_on_a_desktop(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    accept(world, apply(world))
    apply(world)
    with phone(browser, live_server, "policy", "zh", desktop=True) as page:
        page.goto(live_server.url + "/studio/processes/dibao/v1/province/")
        expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
        screenshot(page, "studio-process-desktop")
