"""Acceptance as complete with a required scan missing is refused on the task page, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from engine.models import Task
from tests.browser.conftest import screenshot
from tests.browser.test_approval_flow import PDF, local_evidence, sign_in  # noqa: F401
from tests.fixtures import World
from tests.workflows.dibao import apply
from tests.workflows.evidence import upload


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence")
def test_it_refuses_acceptance_as_complete_naming_the_missing_scan(
    browser: Browser, page: Page, live_server: LiveServer, world: World, tmp_path: Path
) -> None:
    case = apply(world)
    upload(world, case, "application_form", "hukou", "id_cards", "income_declaration")
    task_url = live_server.url + f"/tasks/{Task.objects.get(case=case).pk}/"

    clerk = sign_in(browser, live_server, "clerk", page)
    clerk.goto(task_url)
    clerk.check("input[name=acceptance_decision][value=complete]")
    clerk.click("#task-form button[type=submit]")
    message = clerk.locator(".messages")
    expect(message).to_contain_text("请先上传以下缺少的材料")
    expect(message).to_contain_text("家庭经济状况核对授权书")
    expect(message).not_to_contain_text("户口簿")
    expect(clerk.locator("main h1")).to_have_text("受理审查")
    screenshot(clerk, "evidence-refused-1366")
    clerk.set_viewport_size({"width": 390, "height": 844})
    screenshot(clerk, "evidence-refused-390")
    clerk.set_viewport_size({"width": 1366, "height": 900})

    scan = tmp_path / "授权书.pdf"
    scan.write_bytes(PDF)
    clerk.select_option("select[name=kind]", "check_authorisation")
    clerk.set_input_files("input[name=file]", str(scan))
    clerk.get_by_role("button", name="上传").click()
    expect(clerk.locator(".messages")).to_contain_text("扫描件已保存")
    clerk.goto(task_url)
    clerk.check("input[name=acceptance_decision][value=complete]")
    clerk.click("#task-form button[type=submit]")
    expect(clerk.locator(".messages")).to_contain_text("已提交")
    assert not Task.objects.filter(case=case, spec_name="acceptance").exists()
