"""The public side end to end, on phones (390 px): a person applies online; the township clerk
accepts; once the township gives its opinion the masked notice appears on the public page; a
neighbour objects online; the township's investigator finds the re-investigation in the queue.
Screenshots: online-objection-*.png."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.ids import make_resident_id
from assistance.models import Case, Channel
from engine.models import Task
from public.models import PublicObjection
from tests.browser.conftest import screenshot
from tests.browser.test_apply_online import PHONE, local_evidence, phone_page  # noqa: F401
from tests.browser.test_approval_flow import sign_in
from tests.fixtures import World
from tests.public.apply_helpers import PNG
from tests.public.world import RESIDENT_ID
from tests.workflows.dibao import check, complete, investigate
from tests.workflows.evidence import APPLICATION

APPLICANT = make_resident_id("431101", date(1975, 3, 9), 41, "M")
CHILD = make_resident_id("431101", date(2014, 9, 1), 42, "F")
ADDRESS = "东村5组21号"


def public_view(page: Page, name: str) -> None:
    """A public page at phone width shows no resident ID, no address and no minor."""
    screenshot(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    body = page.content()
    assert not RESIDENT_ID.search(body), f"{name}: a resident ID"
    assert ADDRESS not in body and "赵小雨" not in body, f"{name}: an address or a minor"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence")
def test_it_takes_an_online_application_to_a_neighbours_objection(
    browser: Browser, page: Page, live_server: LiveServer, world: World, tmp_path: Path
) -> None:
    # A person applies from a phone, with photos of the documents.
    person = phone_page(browser)
    person.goto(live_server.url + "/public/apply/")
    person.get_by_role("link", name="最低生活保障").click()
    person.select_option("select[name=village]", label="东村")
    person.fill("input[name=address]", ADDRESS)
    person.fill("input[name=contact_phone]", "139 0731 5555")
    person.fill("input[name=m-0-name]", "赵建国")
    person.fill("input[name=m-0-resident_id]", APPLICANT)
    person.fill("input[name=m-0-wage]", "300")
    person.click("#add-member")
    person.fill("input[name=m-1-name]", "赵小雨")
    person.fill("input[name=m-1-resident_id]", CHILD)
    person.select_option("select[name=m-1-relation]", "child")
    for kind in APPLICATION:
        photo = tmp_path / f"{kind}.png"
        photo.write_bytes(PNG + kind.encode())
        person.set_input_files(f"input[name=scan-{kind}]", str(photo))
    screenshot(person, "online-objection-1-apply")
    person.get_by_role("button", name="提交申请").click()
    expect(person.locator(".messages")).to_contain_text("申请已提交")
    case = Case.objects.get()
    assert case.channel == Channel.ONLINE

    # The township clerk accepts it from the office's queue.
    clerk = sign_in(browser, live_server, "clerk", page)
    clerk.click("a[data-tab=office]")
    row = clerk.locator(f"tr:has-text('{case.number}')")
    expect(row).to_contain_text("网上申请")
    row.get_by_role("button", name="认领").click()
    clerk.check("input[name=acceptance_decision][value=complete]")
    clerk.click("#task-form button[type=submit]")
    expect(clerk.locator(".messages")).to_contain_text("已提交")
    screenshot(clerk, "online-objection-2-accepted")

    # The check, the home investigation and the township's opinion (covered by their own
    # journeys) bring the case to its public notice.
    check(world, case)
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")

    # A neighbour on a phone reads the village's notices: name, people, amount; nothing else.
    neighbour = phone_page(browser)
    neighbour.goto(live_server.url + f"/public/notices/?region={world.village_a1.pk}")
    row = neighbour.locator(".notice-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("赵建国")
    public_view(neighbour, "online-objection-3-notice")
    neighbour.get_by_role("link", name="对此公示提出异议").click()
    neighbour.fill("input[name=objector_name]", "邻居钱六")
    neighbour.fill("input[name=phone]", "13700137000")
    neighbour.fill("textarea[name=reason]", "他在县城打零工，每月收入不止申报的数。")
    neighbour.get_by_role("button", name="提交异议").click()
    expect(neighbour.locator("main h1")).to_have_text("异议已受理")
    receipt = neighbour.locator("#receipt-number").inner_text().strip()
    public_view(neighbour, "online-objection-4-receipt")
    assert PublicObjection.objects.get().receipt == receipt

    # The township re-investigates: the investigator finds the case in the queue again.
    investigator = sign_in(browser, live_server, "investigator")
    investigator.click("a[data-tab=office]")
    row = investigator.locator(f"tr:has-text('{case.number}')")
    expect(row).to_contain_text("入户调查")
    screenshot(investigator, "online-objection-5-reinvestigation")
    assert list(Task.objects.filter(case=case).values_list("spec_name", flat=True)) == [
        "investigate"
    ]

    # The applicant, on the phone, sees the case back under investigation.
    person.context.clear_cookies()
    person.goto(live_server.url + "/public/apply/status/")
    person.fill("input[name=number]", case.number)
    person.fill("input[name=resident_id]", APPLICANT)
    person.get_by_role("button", name="查询").click()
    expect(person.locator("#progress")).to_contain_text(case.number)
    screenshot(person, "online-objection-6-status")
