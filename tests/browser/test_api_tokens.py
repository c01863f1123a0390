"""A clerk makes a personal API token in the portal, sees it once, uses it, revokes it; the
API's docs page loads under the strict Content-Security-Policy. Screenshots: api-*.png."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import screenshot
from tests.browser.test_phone import assert_fits, phone
from tests.fixtures import World
from tests.workflows.dibao import apply


def call_api(live_server: LiveServer, path: str, token: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        live_server.url + path, headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("main button[type=submit]")
    expect(page.locator("main h1")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_it_makes_a_token_shows_it_once_lets_it_list_tasks_and_revokes_it(
    page: Page, live_server: LiveServer, world: World, deployed: None
) -> None:
    case = apply(world)
    sign_in(page, live_server, "clerk")
    page.click("header >> text=我的接口令牌")
    expect(page.locator("main h1")).to_have_text("我的接口令牌")
    expect(page.locator(".api-howto a[href='/api/v1/docs']")).to_be_visible()

    page.fill("input[name=name]", "浏览器里的测试")
    page.click("main form.card button[type=submit]")
    secret = page.locator("code.secret").inner_text().strip()
    assert re.fullmatch(r"ddt_[a-z0-9]{8}_[0-9a-f]{32}", secret)
    screenshot(page, "api-token-made")

    status, body = call_api(live_server, "/api/v1/tasks", secret)
    assert status == 200
    assert [item["case_id"] for item in body["items"]] == [case.pk]  # type: ignore[index]

    page.goto(live_server.url + "/api/tokens/")
    expect(page.locator("code.secret")).to_have_count(0)  # shown once only
    assert secret not in page.content()
    row = page.locator("tr", has_text="浏览器里的测试")
    expect(row.locator(".token-state")).to_have_text("有效")
    row.locator("button", has_text="撤销").click()
    expect(page.locator(".messages")).to_contain_text("令牌已撤销")
    expect(page.locator("tr", has_text="浏览器里的测试").locator(".token-state")).to_have_text(
        "已撤销"
    )
    screenshot(page, "api-token-revoked")

    status, body = call_api(live_server, "/api/v1/tasks", secret)
    assert status == 401 and body["code"] == "not_authenticated"


@pytest.mark.django_db(transaction=True)
def test_it_fits_a_phone_with_the_secret_shown(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    with phone(browser, live_server, "clerk", "zh") as page:
        page.goto(live_server.url + "/api/tokens/")
        page.fill("input[name=name]", "手机")
        page.click("main form.card button[type=submit]")
        expect(page.locator("code.secret")).to_be_visible()
        assert_fits(page, "api-tokens-phone")


@pytest.mark.django_db(transaction=True)
def test_it_loads_the_docs_page_without_a_csp_violation(
    page: Page, live_server: LiveServer, world: World
) -> None:
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Doudi API")
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/tasks/{task_id}/complete")
    ).to_have_count(1)
    screenshot(page, "api-docs")
    assert problems == [], problems
