"""On a phone (390 px): the checker imports the check centre's results from the list of open
requests and reads the report per row; the county approver imports the registry extract and
resolves a difference on the worklist. Nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from exchanges.models import CheckRequest, DifferenceStatus, RegistryDifference
from tests.browser.conftest import screenshot
from tests.exchanges.registry_world import case_for, csv_file, person
from tests.fixtures import World, deploy_only
from tests.workflows.dibao import accept, apply, open_tasks

PHONE = {"width": 390, "height": 844}


def sign_in(browser: Browser, live_server: LiveServer, username: str) -> Page:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("main button[type=submit]")
    expect(page.locator("main h1")).to_be_visible()
    return page


def fits(page: Page, name: str) -> None:
    screenshot(page, name)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_lets_the_checker_import_the_centres_results_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World, tmp_path
) -> None:
    deploy_only("dibao.bpmn", actor=world["policy"])
    case = apply(world)
    accept(world, case)
    number = CheckRequest.objects.get(case=case).number
    page = sign_in(browser, live_server, "checker")
    page.get_by_role("link", name="发往核对中心的核对请求及核对结果导入").click()
    expect(page.locator("main h1")).to_have_text("经济状况核对请求")
    expect(page.locator("table.check-requests")).to_contain_text(number)
    fits(page, "exchanges-checks-390")
    results = tmp_path / "核对结果.csv"
    results.write_text(f"核对编号,核对结果,报告编号,原因\n{number},符合,HD-7,\n", encoding="utf-8")
    page.set_input_files("input[name=source]", str(results))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("table.import-report")).to_contain_text("已登记")
    fits(page, "exchanges-import-report-390")
    assert open_tasks(case) == ["investigate"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock")
def test_it_lets_the_approver_compare_the_registry_and_resolve_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World, tmp_path
) -> None:
    poor = person(world.village_a1, "欧阳建国")
    lifted = person(world.village_a2, "司马秀英")
    case_for(lifted, registered_poor=True)
    extract = tmp_path / "建档立卡.csv"
    extract.write_bytes(csv_file((poor.resident_id, poor.name, "贫困")))
    page = sign_in(browser, live_server, "approver")
    page.goto(live_server.url + "/exchanges/registry/")
    fits(page, "exchanges-registry-390")
    page.set_input_files("input[name=source]", str(extract))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("main")).to_contain_text("未纳入保障 1 人")
    page.get_by_role("link", name="待核查差异").click()
    rows = page.locator("table.differences")
    expect(rows).to_contain_text("欧阳建国")
    expect(rows).to_contain_text("司马秀英")
    fits(page, "exchanges-differences-390")
    row = page.locator("tr[data-difference]", has_text="欧阳建国")
    row.locator("summary").click()
    row.locator("textarea[name=note]").fill("已入户核实，收入高于标准")
    fits(page, "exchanges-resolve-390")
    row.get_by_role("button", name="保存").click()
    expect(page.locator("ul.messages")).to_contain_text("已标记为已处理")
    assert RegistryDifference.objects.get(resident_id=poor.resident_id).status == (
        DifferenceStatus.RESOLVED
    )
