"""The counter in a real browser: for each of the six kinds a township clerk registers a
household of three (adding rows, removing one) at 1366 px and a household of one at 390 px,
and the case starts."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.ids import make_resident_id
from assistance.kinds import KINDS as REGISTRY
from assistance.models import Case
from tests.browser.conftest import screenshot
from tests.fixtures import World

_sequence = itertools.count(10)

ADULT = date(1980, 5, 1)
ELDER = date(1940, 5, 1)  # 85 on the fixed clock's day
CHILD = date(2015, 5, 1)
CARD = "6222020200112233446"  # passes the Luhn check


def number(born: date) -> str:
    return make_resident_id("431101", born, next(_sequence) % 100, "M")


# Per kind: the applicant's birth date, whether the other members are covered, and the
# intake fields as (selector, value): a value of True checks a box or radio button.
KINDS: dict[str, dict[str, Any]] = {
    "dibao": {
        "born": ADULT,
        "others_covered": True,
        "fields": [("input[name=d-registered_poor]", True)],
    },
    "tekun": {
        "born": ELDER,
        "others_covered": True,
        "fields": [
            ("input[name=d-care_situation][value=alone]", True),
            ("input[name=d-preferred_support][value=dispersed]", True),
            ("textarea[name=d-care_needs], input[name=d-care_needs]", "行动不便，需要有人照料"),
        ],
    },
    "temporary": {
        "born": ADULT,
        "others_covered": True,
        "fields": [
            ("input[name=d-aid_type][value=emergency]", True),
            ("input[name=d-cause][value=fire]", True),
            ("input[name=d-expenses]", "8000"),
            ("input[name=d-requested_amount]", "3000"),
        ],
    },
    "disability": {
        "born": ADULT,
        "others_covered": True,
        "grade": "1",
        "fields": [
            ("input[name=d-subsidy][value=nursing]", True),
            ("input[name=d-certificate_no]", "43110119800501123X11"),
            ("input[name=d-grade][value='1']", True),
            ("input[name=d-category][value=physical]", True),
        ],
    },
    "orphan": {
        "born": CHILD,
        "others_covered": False,
        "fields": [
            ("input[name=d-category][value=orphan]", True),
            ("input[name=d-in_school]", True),
            ("input[name=d-guardian_name]", "王奶奶"),
            ("input[name=d-guardian_resident_id]", "guardian"),
            ("input[name=d-guardian_relation][value=grandparent]", True),
        ],
    },
    "elderly": {
        "born": ELDER,
        "others_covered": False,
        "fields": [("input[name=d-allowance][value=old_age]", True)],
    },
}


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def fill_member(page: Page, index: int, name: str, born: date, covered: bool) -> None:
    page.fill(f"#id_m-{index}-name", name)
    page.fill(f"#id_m-{index}-resident_id", number(born))
    if not covered:
        page.uncheck(f"#id_m-{index}-covered")


def fill_intake(page: Page, kind: dict[str, Any]) -> None:
    page.fill("#id_address", "东村3组")
    for selector, value in kind["fields"]:
        if value is True:
            page.check(selector)
        else:
            page.fill(selector, number(ADULT) if value == "guardian" else value)
    if "grade" in kind:
        page.select_option("#id_m-0-disability_grade", kind["grade"])
    page.fill("#id_payee_name", "申请人")
    page.fill("#id_bank_name", "农村信用社")
    page.fill("#id_bank_card", CARD)


def open_form(page: Page, live_server: LiveServer, code: str) -> None:
    page.goto(live_server.url + "/applications/new/")
    page.locator(f"a[href='?assistance_type={code}']").click()
    expect(page.locator("input[name=assistance_type]")).to_have_value(code)


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def expect_started(page: Page, code: str, applicant: str) -> Case:
    expect(page.locator(".messages")).to_contain_text("已登记")
    case = Case.objects.get(household__members__name=applicant, assistance_type=code)
    expect(page.locator("main h1")).to_contain_text(case.number)
    assert case.instances.exists()
    assert case.stage or case.tasks.exists()
    return case


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
@pytest.mark.parametrize("code", list(KINDS))
def test_it_registers_households_of_three_and_of_one(
    page: Page, live_server: LiveServer, world: World, code: str
) -> None:
    kind = KINDS[code]
    sign_in(page, live_server, "clerk")

    # Three members at 1366 px: the clerk adds three rows and removes the one added by mistake.
    page.set_viewport_size({"width": 1366, "height": 900})
    open_form(page, live_server, code)
    expect(page.locator("[data-member-row]")).to_have_count(1)
    fill_member(page, 0, f"{code}甲", kind["born"], True)
    for _ in range(3):
        page.click("#add-member")
    expect(page.locator("[data-member-row]")).to_have_count(4)
    page.locator("[data-member-row]").nth(1).locator("[data-remove-member]").click()
    expect(page.locator("[data-member-row]")).to_have_count(3)
    expect(page.locator("#id_m-TOTAL_FORMS")).to_have_value("3")
    fill_member(page, 1, f"{code}乙", ADULT, kind["others_covered"])
    fill_member(page, 2, f"{code}丙", CHILD, kind["others_covered"])
    fill_intake(page, kind)
    screenshot(page, f"intake-{code}-1366")
    page.click("#application button.primary")
    three = expect_started(page, code, f"{code}甲")
    assert three.household.members.count() == 3
    assert three.bank_card == CARD

    # One member at 390 px, on a phone: nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    open_form(page, live_server, code)
    fill_member(page, 0, f"{code}丁", kind["born"], True)
    fill_intake(page, kind)
    assert no_sideways_scroll(page)
    screenshot(page, f"intake-{code}-390")
    page.click("#application button.primary")
    one = expect_started(page, code, f"{code}丁")
    assert one.household.members.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed")
def test_it_lets_the_clerk_remove_a_server_rendered_row_after_a_refusal(
    page: Page, live_server: LiveServer, world: World
) -> None:
    sign_in(page, live_server, "clerk")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/applications/new/")
    expect(page.locator(".kind-choice a")).to_have_count(len(REGISTRY))
    assert no_sideways_scroll(page)
    screenshot(page, "intake-choose-390")
    open_form(page, live_server, "dibao")
    fill_member(page, 0, "户主", ADULT, True)
    page.click("#add-member")
    page.click("#add-member")
    fill_member(page, 1, "错号", ADULT, True)
    page.fill("#id_m-1-resident_id", "110105194912310021")  # wrong check character
    fill_member(page, 2, "孩子", CHILD, True)
    page.fill("#id_address", "东村3组")
    page.click("#application button.primary")

    # Refused: the server renders the three rows again, with the error on the wrong one.
    expect(page.locator("[data-member-row]")).to_have_count(3)
    expect(page.locator("[data-member-row]").nth(1)).to_contain_text("校验位")
    assert no_sideways_scroll(page)
    screenshot(page, "intake-refused-row-390")
    page.locator("[data-member-row]").nth(1).locator("[data-remove-member]").click()
    expect(page.locator("[data-member-row]")).to_have_count(2)
    expect(page.locator("#id_m-1-name")).to_have_value("孩子")
    page.click("#application button.primary")
    case = expect_started(page, "dibao", "户主")
    assert sorted(case.household.members.values_list("name", flat=True)) == ["孩子", "户主"]
