"""The bpmn-js viewer on its own: tests/browser/fixtures/diagram-demo.html renders the dibao
process from diagram-demo.json, with completed and active steps marked. The fixtures are served
by the test itself, with the portal's Content-Security-Policy, never as static files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import screenshot

FIXTURES = Path(__file__).parent / "fixtures"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".json": "application/json",
}


def open_fixture(page: Page, live_server: LiveServer) -> None:
    """Serve tests/browser/fixtures/ at /test-fixtures/ of the live server, under the policy
    the portal sends with its own pages, and open the demo page."""
    policy = page.request.get(live_server.url + "/login/").headers["content-security-policy"]

    def serve(route: Route) -> None:
        path = FIXTURES / route.request.url.rsplit("/", 1)[-1].split("?")[0]
        if not path.is_file():
            route.fulfill(status=404, body="")
            return
        route.fulfill(
            status=200,
            body=path.read_bytes(),
            headers={
                "Content-Type": CONTENT_TYPES[path.suffix],
                "Content-Security-Policy": policy,
            },
        )

    page.route(live_server.url + "/test-fixtures/*", serve)
    page.goto(live_server.url + "/test-fixtures/diagram-demo.html")


def element(page: Page, element_id: str) -> Locator:
    return page.locator(f'#diagram .djs-element[data-element-id="{element_id}"]')


def has_class(css_class: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){css_class}(\s|$)")


@pytest.mark.django_db(transaction=True)
def test_it_renders_the_process_with_progress_markers(page: Page, live_server: LiveServer) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )

    open_fixture(page, live_server)

    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    expect(diagram.locator("svg").first).to_be_visible()
    expect(element(page, "acceptance")).to_have_class(has_class("doudi-done"))
    expect(element(page, "start")).to_have_class(has_class("doudi-done"))
    expect(element(page, "check_wait")).to_have_class(has_class("doudi-active"))
    expect(element(page, "investigate")).not_to_have_class(has_class("doudi-done"))
    # Lanes named by role code show the Chinese role.
    expect(element(page, "Lane_township_clerk")).to_contain_text("乡镇受理员")
    expect(diagram).not_to_contain_text("township_clerk")
    assert errors == []
    screenshot(page, "diagram-demo")


@pytest.mark.django_db(transaction=True)
def test_it_says_so_when_the_diagram_cannot_be_shown(page: Page, live_server: LiveServer) -> None:
    # The same page with a data source that does not exist.
    open_fixture(page, live_server)
    page.evaluate(
        """() => {
            const old = document.getElementById("diagram");
            const div = old.cloneNode(false);
            div.removeAttribute("data-state");
            div.setAttribute("data-source", "missing.json");
            old.replaceWith(div);
            const script = document.createElement("script");
            script.src = "/static/portal/diagram.js?again";
            document.body.appendChild(script);
        }"""
    )
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "error")
    expect(diagram).to_have_text("流程图无法显示")
