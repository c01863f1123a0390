"""Running cases and a new version in a browser: policy staff read the impact report from the
version page, dry-run one case, start a bulk migration and watch its progress bar reach the
end (a real Celery worker runs it), on a phone (390 px, nothing scrolls sideways) and on a
desktop. Screenshots: studio-migration-<step>-<lang>.png, studio-migration-desktop-*.png."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from engine.models import AuditEvent
from studio import actions_migration
from studio.models import MigrationJob
from tests.browser.conftest import screenshot
from tests.browser.test_phone import assert_fits, phone
from tests.fixtures import World
from tests.studio.migration_world import running_cases


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_it_reports_dry_runs_and_migrates_in_bulk_on_a_phone(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    redis_worker: object,
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running = running_cases(world, movable=14)
    # The worker runs in this process: slow each case down so the bar is seen moving.
    moved = actions_migration._move

    def slowly(instance_id: int, job: MigrationJob) -> object:
        time.sleep(0.25)
        return moved(instance_id, job)

    monkeypatch.setattr(actions_migration, "_move", slowly)
    monkeypatch.setattr(actions_migration, "BATCH_SIZE", 2)
    first = running.movable[0]
    with phone(browser, live_server, "policy", lang) as page:
        page.goto(f"{live_server.url}/studio/processes/dibao/v2/province/")
        page.click(f"a[href='/studio/processes/{running.v2.pk}/impact/']")
        v1 = page.locator("section.impact-version[data-version='1']")
        expect(v1.locator("tr[data-node=acceptance] .movable")).to_have_text("14")
        expect(v1.locator("tr[data-node=check_wait] .blocked")).to_have_text("1")
        reason = "which the target version changes" if lang == "en" else "在目标版本中有改动"
        expect(v1.locator("tr[data-node=check_wait] .reasons")).to_contain_text(reason)
        assert_fits(page, f"studio-migration-1-impact-{lang}")

        v1.locator(f"tr[data-case='{first.number}'] a.button").click()
        expect(page.locator(".dry-run")).to_have_attribute("data-can-migrate", "yes")
        assert_fits(page, f"studio-migration-2-dry-run-{lang}")
        page.go_back()

        page.click("form.bulk-migration button")
        box = page.locator("#migration-progress")
        progress = box.locator("progress")
        expect(progress).to_have_attribute("max", "14")
        # The worker moves the cases while the page asks for progress every second.
        expect(box).to_have_attribute("data-active", "yes")
        # The script moves the bar between the first and the last case, without a reload.
        page.wait_for_function(
            "() => { const bar = document.querySelector('#migration-progress progress');"
            " return bar.value > 0 && bar.value < bar.max; }"
        )
        expect(box).to_have_attribute("data-status", "running")
        screenshot(page, f"studio-migration-3-running-{lang}")
        expect(progress).to_have_attribute("value", "14", timeout=30_000)
        expect(page.locator("#migration-progress")).to_have_attribute("data-active", "no")
        expect(page.locator("#migration-progress .done")).to_have_text("14")
        expect(page.locator("table.migration-failures tr.empty")).to_be_visible()
        assert_fits(page, f"studio-migration-4-done-{lang}")
    assert AuditEvent.objects.filter(action="instance.migrated").count() == 14
    assert all(running.instance(case).definition_id == running.v2.pk for case in running.movable)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_shows_the_report_and_a_job_on_a_desktop(
    browser: Browser, live_server: LiveServer, world: World, redis_worker: object
) -> None:
    running = running_cases(world, movable=3)
    with phone(browser, live_server, "policy", "zh", desktop=True) as page:
        page.goto(f"{live_server.url}/studio/processes/{running.v2.pk}/impact/")
        expect(page.locator("section.impact-version[data-version='1']")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        screenshot(page, "studio-migration-desktop-impact")
        page.click("form.bulk-migration button")
        expect(page.locator("#migration-progress progress")).to_have_attribute(
            "value", "3", timeout=30_000
        )
        expect(page.locator("#migration-progress")).to_have_attribute("data-active", "no")
        # Moved, the cases may go back to the version they came from.
        back = page.locator("form[action$='/back/'] button")
        expect(back).to_contain_text("迁回 v1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        screenshot(page, "studio-migration-desktop-done")
        back.click()
        expect(page.locator("h1")).to_contain_text("v1")
        expect(page.locator("#migration-progress progress")).to_have_attribute(
            "value", "3", timeout=30_000
        )
        screenshot(page, "studio-migration-desktop-back")
    assert all(running.instance(case).definition_id == running.v1.pk for case in running.movable)
