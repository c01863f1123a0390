"""English mode is English on every page: no Chinese left but the brand 兜底, the switch back
to 中文 and the data itself (people's and places' names, addresses, what staff wrote)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assistance.models import Case, Evidence, Household, Member, Region, StaffProfile
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent
from tests.fixtures import World
from tests.workflows.dibao import accept, apply, check, complete, investigate, task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

# CJK ideographs and the full-width punctuation that comes with them (：，（）、。).
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
ALWAYS_ALLOWED = ["兜底", "中文"]


def data_values() -> list[str]:
    """Text that is data, not interface: shown as entered, in any language."""
    values = [*ALWAYS_ALLOWED]
    values += Region.objects.values_list("name", flat=True)
    values += Member.objects.values_list("name", flat=True)
    values += Household.objects.values_list("address", flat=True)
    values += Case.objects.values_list("outcome_reasons", flat=True)
    # Free text of an application's intake fields (a hospital's name), as the clerk typed it.
    for details in Case.objects.values_list("details", flat=True):
        values += [value for value in (details or {}).values() if isinstance(value, str)]
    values += StaffProfile.objects.values_list("full_name", flat=True)
    values += Evidence.objects.values_list("original_name", flat=True)
    values += staff_wrote()
    return [value for value in values if value]


def staff_wrote() -> list[str]:
    """Free text submitted at steps and in messages (findings, objections, reasons)."""
    texts: list[str] = []
    for payload in AuditEvent.objects.values_list("payload", flat=True):
        for values in (payload.get("data"), payload.get("payload")):
            if isinstance(values, dict):
                texts += [value for value in values.values() if isinstance(value, str)]
    return texts


def chinese_left(html: str) -> list[str]:
    allowed = data_values()
    return sorted(
        {run for run in CJK_RUN.findall(html) if not any(run in value for value in allowed)}
    )


def english(client: Client, world: World, username: str | None) -> Client:
    if username:
        client.force_login(world[username])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_english(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert 'lang="en"' in html
    left = chinese_left(html)
    assert not left, f"{url} shows Chinese in English mode: {left}"
    return html


@pytest.fixture
def at_notice(world: World) -> Case:
    """A dibao case with every step up to the public notice done: a full timeline."""
    case = apply(world)
    accept(world, case)
    check(world, case)
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    case.refresh_from_db()
    return case


def test_it_shows_the_queue_in_english(client: Client, world: World, at_notice: Case) -> None:
    apply(world)
    client = english(client, world, "clerk")
    html = assert_english(client, reverse("inbox") + "?tab=office")
    assert "Acceptance review" in html
    assert_english(client, reverse("inbox") + "?tab=mine")
    assert "Acceptance review" in assert_english(client, reverse("inbox") + "?tab=done")


def test_it_shows_the_case_in_english(client: Client, world: World, at_notice: Case) -> None:
    html = assert_english(english(client, world, "clerk"), reverse("case", args=[at_notice.pk]))
    assert "In public notice" in html
    assert "Step completed: Township review opinion" in html


def test_it_shows_the_household_file_and_search_in_english(
    client: Client, world: World, at_notice: Case
) -> None:
    clerk = english(client, world, "clerk")
    html = assert_english(clerk, reverse("household", args=[at_notice.household_id]))
    assert "In public notice" in html
    surname = at_notice.household.members.first().name[0]
    html = assert_english(clerk, reverse("search") + "?q=" + surname)
    assert at_notice.number in html


def test_it_shows_the_auditors_home_and_search_in_english(
    client: Client, world: World, at_notice: Case
) -> None:
    auditor = english(client, world, "auditor")
    html = assert_english(auditor, reverse("audit:home"))
    assert "Cases in your scope" in html and "Minimum living guarantee" in html
    surname = at_notice.household.members.first().name[0]
    html = assert_english(auditor, reverse("audit:search") + "?q=" + surname)
    assert at_notice.number in html and "In public notice" in html


def test_it_shows_the_case_at_the_check_to_the_checker(client: Client, world: World) -> None:
    case = apply(world)
    accept(world, case)
    html = assert_english(english(client, world, "checker"), reverse("case", args=[case.pk]))
    assert "Economic check in progress" in html


def test_it_shows_every_task_in_english(world: World) -> None:
    case = apply(world)

    def visit(username: str, spec_name: str) -> None:
        client = english(Client(), world, username)
        html = assert_english(client, reverse("task", args=[task(case, spec_name).pk]))
        assert "<h1>" in html

    visit("clerk", "acceptance")
    accept(world, case)
    check(world, case)
    visit("investigator", "investigate")
    investigate(world, case)
    visit("reviewer", "opinion")
    complete(world, "reviewer", case, "opinion", opinion="approve")
    clock.advance(timedelta(days=8))
    assert runtime.fire_due_timers() == 1
    visit("approver", "county_confirm")


def test_it_shows_the_forms_in_english(client: Client, world: World) -> None:
    client = english(client, world, "clerk")
    assert_english(client, reverse("application-new"))
    assert_english(client, reverse("relatives"))
    anonymous = Client()
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert_english(anonymous, reverse("login"))


def test_it_gives_the_diagram_its_english_names(
    client: Client, world: World, at_notice: Case
) -> None:
    client = english(client, world, "clerk")
    data = json.loads(client.get(reverse("case-diagram", args=[at_notice.pk])).content)
    names = set(re.findall(r'name="([^"]*)"', data["xml"]))
    untranslated = sorted(
        name for name in names if CJK_RUN.search(name) and name not in data["labels"]
    )
    assert not untranslated
    assert data["labels"]["受理审查"] == "Acceptance review"
    zh = english(Client(), world, "clerk")
    zh.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert json.loads(zh.get(reverse("case-diagram", args=[at_notice.pk])).content)["labels"] == {}


def test_it_catches_chinese_left_in_english() -> None:
    # The check itself must be able to fail.
    assert chinese_left('<p lang="en">Stage: 公示中</p>') == ["公示中"]
    assert chinese_left("<p>Reasons：none</p>") == ["："]
    assert chinese_left("<header>兜底 · Social assistance</header>") == []


def test_it_shows_error_pages_in_english(client: Client, world: World) -> None:
    auditor = english(client, world, "auditor")
    home = auditor.get(reverse("inbox"), follow=True)
    assert home.status_code == 200 and home.redirect_chain[-1][0] == reverse("audit:home")
    assert not chinese_left(home.content.decode())
    refused = auditor.get(reverse("application-new"))
    assert refused.status_code == 403
    assert not chinese_left(refused.content.decode())
    clerk = english(Client(), world, "clerk")
    missing = clerk.get(reverse("case", args=[999_999]))
    assert missing.status_code == 404
    assert not chinese_left(missing.content.decode())
