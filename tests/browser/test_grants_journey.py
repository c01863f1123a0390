"""Batch grants on a phone (390 px): a payments officer uploads a relocation list, checks the
preview (a bad row left out) and submits it; a county approver approves it and a real Celery
worker grants it while the page shows the progress, until it says approved with the count;
the grants and their cases are listed. Nothing scrolls sideways. Screenshots:
grants-phone-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from payments.models import BatchStatus, GrantBatch, OneOffGrant
from tests.browser.test_phone import assert_fits, phone
from tests.fixtures import World
from tests.payments.grants_world import card, good_rows, relocated, rid, xlsx


@pytest.mark.django_db(transaction=True)
def test_it_grants_a_relocation_list_with_four_eyes_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World, tmp_path: Path, redis_worker: object
) -> None:
    relocated(world)
    listing = tmp_path / "搬迁户名单.xlsx"
    listing.write_bytes(xlsx([*good_rows(), [rid(70), "钱未登", "东村", 2, card(70)]]))

    with phone(browser, live_server, "finance", "zh") as page:
        page.click("header >> text=批量发放")
        expect(page.locator("main h1")).to_have_text("批量发放")
        assert_fits(page, "grants-phone-list-empty")
        page.click("text=导入搬迁户名单")
        page.fill("input[name=title]", "2026年第一批易地扶贫搬迁")
        page.set_input_files("input[name=source]", str(listing))
        assert_fits(page, "grants-phone-upload")
        page.click("main button[type=submit]")
        expect(page.locator(".batch-total")).to_contain_text("13500.00")
        expect(page.locator("tr.excluded")).to_contain_text("没有登记此身份证号的人员")
        assert_fits(page, "grants-phone-preview")
        page.click("text=提交审批")
        expect(page.locator(".batch-status")).to_have_text("待审批")
        assert_fits(page, "grants-phone-submitted")
        batch_url = page.url

    with phone(browser, live_server, "approver", "zh") as page:
        page.goto(batch_url)
        page.fill("textarea[name=note]", "已核对，同意发放。")
        page.click("text=批准本批次")
        # The worker grants the rows; while it does, the page shows "granting" and its bar,
        # then reloads itself once the batch is approved.
        expect(page.locator("ul.messages")).to_contain_text("已批准")
        expect(page.locator(".batch-status")).to_have_text("已批准，3 笔补助", timeout=30_000)
        expect(page.locator("#grant-progress")).to_have_count(0)
        expect(page.locator("tr.kept")).to_have_count(3)
        expect(page.locator("tr.kept").first).to_contain_text("已发放")
        assert_fits(page, "grants-phone-approved")
        page.click("text=← 批量发放")
        expect(page.locator("tr.batch-row")).to_contain_text("2026年第一批易地扶贫搬迁")
        assert_fits(page, "grants-phone-list")

    batch = GrantBatch.objects.get()
    assert batch.status == BatchStatus.APPROVED
    assert batch.created_by == world["finance"] and batch.decided_by == world["approver"]
    assert OneOffGrant.objects.filter(batch=batch).count() == 3
