"""An auditor looks at the statutory time limits: the charts are drawn (ECharts, SVG) beside
their tables, the process diagram is coloured by the time cases spend at each step with the
cases there now badged, and nothing breaks the Content-Security-Policy. On a desktop (1366 px)
and on a phone (390 px) nothing scrolls sideways. Screenshots: audit-analytics-<lang>.png,
audit-analytics-phone-<lang>.png."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from engine.clock import clock
from engine.runtime import fire_due_timers
from tests.browser.conftest import screenshot
from tests.browser.test_phone import DESKTOP, assert_fits, phone
from tests.fixtures import World
from tests.workflows.dibao import accept, apply, check, complete, investigate, to_notice

HEAT = re.compile(r"(^|\s)heat-[1-4](\s|$)")
NOW = re.compile(r"(^|\s)heat-now(\s|$)")

# Recorded before any script of the page runs: every CSP violation and every error.
WATCH = """
window.__problems = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__problems.push("CSP " + event.violatedDirective + " " + (event.blockedURI || "inline"));
});
window.addEventListener("error", (event) => window.__problems.push("error " + event.message));
"""


def plant(world: World) -> None:
    """Cases at several stages, with stays of different lengths."""
    confirmed = apply(world)
    clock.advance(timedelta(days=1))
    to_notice(world, confirmed)
    clock.advance(timedelta(days=10))
    fire_due_timers()
    complete(world, "approver", confirmed, "county_confirm", decision="approve")
    for _ in range(2):
        waiting = apply(world)
        clock.advance(timedelta(days=3))
        accept(world, waiting)
    slow = apply(world)
    clock.advance(timedelta(days=14))
    accept(world, slow)
    check(world, slow)
    clock.advance(timedelta(days=2))
    investigate(world, slow)
    apply(world)


def watch(page: Page) -> list[str]:
    """Console errors (Chromium reports a refused style or script there too)."""
    errors: list[str] = []
    page.add_init_script(WATCH)
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def assert_drawn(page: Page, errors: list[str]) -> None:
    analytics = page.locator(".analytics")
    expect(analytics).to_have_attribute("data-state", "ready")
    for name in ("stages", "regions", "months"):
        chart = page.locator(f'[data-chart="{name}"]')
        expect(chart).to_have_attribute("data-state", "ready")
        # ECharts drew an SVG with bars and axes in it.
        assert chart.locator("svg path").count() > 5, name
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    expect(diagram).to_have_attribute("data-heat", "ready")
    acceptance = page.locator('#diagram .djs-element[data-element-id="acceptance"]')
    expect(acceptance).to_have_class(HEAT)
    check_stage = page.locator('#diagram .djs-element[data-element-id="economic_check"]')
    expect(check_stage).to_have_class(NOW)
    assert page.locator("#diagram .heat-badge").count() >= 2
    assert page.evaluate("window.__problems") == []
    assert errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_draws_the_charts_and_the_heatmap_for_an_auditor(
    browser: Browser, live_server: LiveServer, world: World, lang: str
) -> None:
    plant(world)
    with phone(browser, live_server, "auditor", lang, desktop=True) as page:
        errors = watch(page)
        page.goto(live_server.url + "/audit/analytics/")
        assert_drawn(page, errors)
        expect(page.locator("#stage-table tr[data-stage=acceptance] .count")).to_have_text("4")
        expect(page.locator("#stage-table tr[data-stage=acceptance] .open")).to_have_text("1")
        expect(page.locator("#node-table tr[data-element=economic_check] .now")).to_have_text("2")
        if lang == "zh":
            expect(page.locator("main h1")).to_have_text("法定时限分析")
        else:
            expect(page.locator("main h1")).to_have_text("Statutory time limits")
        screenshot(page, f"audit-analytics-{lang}")
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        # Another stage by region and by month: the page reloads with the choice.
        page.select_option("#id_measure", "acceptance")
        page.click("#analytics-filters button[type=submit]")
        expect(page.locator("#regions-title")).to_contain_text(
            "受理" if lang == "zh" else "Acceptance"
        )
        assert_drawn(page, errors)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_fits_a_phone(
    browser: Browser, live_server: LiveServer, world: World, lang: str
) -> None:
    plant(world)
    with phone(browser, live_server, "auditor", lang) as page:
        errors = watch(page)
        page.goto(live_server.url + "/audit/analytics/")
        assert_drawn(page, errors)
        assert_fits(page, f"audit-analytics-phone-{lang}")
