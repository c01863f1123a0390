"""The must-show of issue 8 item 8 on a phone: a failing script holds the case, the approver
is told plainly, policy staff see the incident, fix the data and retry it. Screenshots:
incident-<step>.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import Case
from engine import runtime
from engine.models import Incident
from tests.browser.test_phone import assert_fits, phone
from tests.engine.samples import tiny_sources
from tests.fixtures import World


@pytest.mark.django_db(transaction=True)
def test_it_holds_tells_and_retries_a_failing_script(
    browser: Browser, live_server: LiveServer, world: World, tiny_case: Case
) -> None:
    runtime.deploy(
        tiny_sources(script="doubled = count / divisor", start_data="divisor"),
        "tiny.bpmn",
        actor=world["policy"],
    )
    instance = runtime.start(
        "tiny", case_id=tiny_case.pk, region_id=world.village_a1.pk, actor=None, data={"divisor": 0}
    )
    task = instance.tasks.get()
    with phone(browser, live_server, "clerk", "zh") as page:
        page.goto(f"{live_server.url}/tasks/{task.pk}/")
        page.fill("input[name=answer]", "同意")
        page.fill("input[name=count]", "4")
        page.click("main form button.primary[type=submit]")
        expect(page.locator(".messages")).to_contain_text("案件已暂停")
        expect(page.locator(".held-banner")).to_be_visible()
        assert "division" not in page.content()
        assert_fits(page, "incident-1-approver-held")
    incident = Incident.objects.get()
    with phone(browser, live_server, "policy", "zh") as page:
        expect(page.locator(".incident-count.open")).to_contain_text("1")
        page.click("a[href='/studio/incidents/']")
        row = page.locator("table.open-incidents tr[data-incident]")
        expect(row).to_contain_text(tiny_case.number)
        expect(row).to_contain_text("division by zero")
        assert_fits(page, "incident-2-policy-list")
        # The fix: the case's data the script reads, then Retry.
        runtime.set_variables(tiny_case.pk, {"divisor": 2}, actor=world["policy"])
        row.locator("button").click()
        expect(page.locator(".messages")).to_contain_text("已重试")
        expect(page.locator("table.resolved-incidents")).to_contain_text(tiny_case.number)
        assert_fits(page, "incident-3-policy-retried")
    incident.refresh_from_db()
    assert incident.resolved_by == world["policy"]
