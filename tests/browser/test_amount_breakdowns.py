"""Each kind's amount breakdown fits a phone (390 px) in Chinese and English, and shows at
1366 px. Screenshots: amount-<kind>-<lang>-phone.png, amount-<kind>-zh-desktop.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import screenshot
from tests.browser.test_phone import assert_fits, phone
from tests.fixtures import World
from tests.portal.test_amount_breakdowns import KINDS, task_url


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_fits_every_kinds_breakdown_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    for kind, reach, spec_name, user, _expected in KINDS:
        case = reach(world)
        url = live_server.url + task_url(case, spec_name)
        for lang in ("zh", "en"):
            with phone(browser, live_server, user, lang) as page:
                page.goto(url)
                expect(page.locator("#amount")).to_be_visible()
                page.locator("#amount").scroll_into_view_if_needed()
                assert_fits(page, f"amount-{kind}-{lang}-phone")
        with phone(browser, live_server, user, "zh", desktop=True) as page:
            page.goto(url)
            page.locator("#amount").scroll_into_view_if_needed()
            screenshot(page, f"amount-{kind}-zh-desktop")
