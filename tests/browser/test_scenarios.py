"""Scenario tests in a browser: policy staff open a draft's scenarios, run them all, and see
one run's path and end on the draft's diagram; a scenario the draft breaks is marked where it
fails. On a phone (390 px, nothing scrolls sideways) and on a desktop.
Screenshots: scenarios-<lang>.png, scenarios-run-<lang>.png, scenario-path-<lang>.png,
scenario-failed-<lang>.png, scenario-path-desktop.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from engine.clock import clock
from engine.models import ProcessDefinition
from studio import scenarios
from studio.models import Draft
from tests.browser.conftest import screenshot
from tests.browser.test_phone import assert_fits, phone
from tests.fixtures import World


def marked(name: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){name}(\s|$)")


def shape(element: str) -> str:
    return f'#diagram .djs-element[data-element-id="{element}"]'


def make_draft(world: World) -> Draft:
    """A draft of dibao with its shipped scenarios, one of them broken by the draft: the
    amount script reads a household field under another name."""
    base = ProcessDefinition.objects.get(key="dibao", region__isnull=True)
    main = scenarios.main_file(base.sources, base.key)
    sources = dict(base.sources)
    sources[main] = sources[main].replace(
        "policy['dibao_standard_' + household['hukou']]",
        "policy['dibao_standard_' + household.get('hukou_kind', 'rural')] if not "
        "county_investigation_required else policy['dibao_standard_' + household['hukou_kind']]",
    )
    assert sources[main] != base.sources[main]
    now = clock.now()
    return Draft.objects.create(
        key=base.key,
        name=base.name,
        base=base,
        main=main,
        sources=sources,
        scenarios=scenarios.default_scenarios(base.key),
        author=world["policy"],
        created_at=now,
        updated_at=now,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_runs_a_drafts_scenarios_and_shows_the_path_on_the_diagram(
    browser: Browser, live_server: LiveServer, world: World, lang: str
) -> None:
    draft = make_draft(world)
    count = len(draft.scenarios)
    broken = next(
        index
        for index, item in enumerate(draft.scenarios)
        if item["start"].get("county_investigation_required")
    )
    with phone(browser, live_server, "policy", lang) as page:
        page.goto(f"{live_server.url}/studio/drafts/{draft.pk}/scenarios/")
        expect(page.locator(".scenario-box[data-scenario]")).to_have_count(count)
        assert_fits(page, f"scenarios-{lang}")

        page.click("button[name=run]")
        summary = page.locator(".scenario-summary")
        expect(summary).to_have_attribute("data-failed", "1")
        expect(summary).to_have_attribute("data-passed", str(count - 1))
        failed = page.locator(f'.scenario-result[data-scenario="{broken}"]')
        expect(failed).to_have_attribute("data-passed", "false")
        expect(failed.locator(".scenario-error")).to_have_attribute("data-element", "calculate")
        assert_fits(page, f"scenarios-run-{lang}")

        # The first scenario (an approval) on the diagram: its path green, its end orange.
        page.locator('.scenario-result[data-scenario="0"] a.scenario-show').click()
        expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
        for element in ("acceptance", "economic_check", "public_notice", "county_confirm"):
            expect(page.locator(shape(element))).to_have_class(marked("doudi-done"))
        expect(page.locator(shape("end_approved"))).to_have_class(marked("doudi-active"))
        expect(page.locator(shape("township_confirm"))).not_to_have_class(marked("doudi-done"))
        expect(page.locator(".scenario-path ol.path li").first).to_be_visible()
        assert_fits(page, f"scenario-path-{lang}")

        # The broken one: red where it failed, the message beside the diagram.
        page.goto(f"{live_server.url}/studio/drafts/{draft.pk}/scenarios/{broken}/")
        expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
        expect(page.locator(shape("calculate"))).to_have_class(marked("doudi-failed"))
        expect(page.locator(shape("home_investigation"))).to_have_class(marked("doudi-done"))
        expect(page.locator(".scenario-error")).to_contain_text("hukou_kind")
        assert_fits(page, f"scenario-failed-{lang}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_shows_a_run_beside_the_diagram_on_a_desktop(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    draft = make_draft(world)
    with phone(browser, live_server, "policy", "zh", desktop=True) as page:
        page.goto(f"{live_server.url}/studio/drafts/{draft.pk}/scenarios/6/")
        expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
        # The objection during the notice: the notice ran twice, the county approved.
        expect(page.locator(shape("public_notice"))).to_have_class(marked("doudi-done"))
        expect(page.locator(shape("end_approved"))).to_have_class(marked("doudi-active"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366
        screenshot(page, "scenario-path-desktop")
