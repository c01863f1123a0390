"""Signing in through the real login form, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import screenshot
from tests.fixtures import World


@pytest.mark.django_db(transaction=True)
def test_it_signs_a_clerk_in_and_shows_the_queue(
    page: Page, live_server: LiveServer, world: World
) -> None:
    page.goto(live_server.url + "/login/")
    expect(page.locator("h1")).to_have_text("登录")

    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", "pw-clerk")
    page.click("button[type=submit]")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("main h1")).to_have_text("我的待办")
    path = screenshot(page, "login-queue")
    assert path.stat().st_size > 0
