"""A clerk prints the acceptance notice from the case page, on a desk and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assistance.models import Evidence, EvidenceKind
from storage.base import get_store, reset_store_cache
from tests.browser.conftest import screenshot
from tests.fixtures import World
from tests.workflows.dibao import accept, apply


@pytest.fixture
def local_store(settings, tmp_path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield get_store()
    reset_store_cache()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fixed_clock", "deployed", "local_store")
@pytest.mark.parametrize("width", [1366, 390])
def test_it_issues_the_acceptance_notice_from_the_case_page(
    page: Page, live_server: LiveServer, world: World, width: int
) -> None:
    case = apply(world)
    accept(world, case)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", "pw-clerk")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    documents = page.locator(".documents")
    expect(documents).to_contain_text("受理通知书")
    documents.get_by_role("button", name="出具").click()
    expect(page.locator(".documents")).to_contain_text("打开 PDF")
    evidence = Evidence.objects.get(case=case, kind=EvidenceKind.ACCEPTANCE_NOTICE)
    link = page.locator(".documents a", has_text="打开 PDF")
    assert link.get_attribute("href") == f"/evidence/{evidence.pk}/"
    # The card fits a phone: nothing in it scrolls sideways or sticks out of the page.
    box = documents.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
    assert documents.evaluate("card => card.scrollWidth <= card.clientWidth")
    screenshot(page, f"documents-case-page-{width}")
