"""Issuing notices from the case page: who may, what they see, what is refused."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assistance.documents import NOTICES
from assistance.models import Evidence, EvidenceKind
from storage.base import get_store, reset_store_cache
from tests.workflows.dibao import accept, apply


def issued() -> bool:
    """Whether any notice was stored (the application's own scans do not count)."""
    return Evidence.objects.filter(kind__in=[n.kind for n in NOTICES.values()]).exists()


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture(autouse=True)
def local_store(settings, tmp_path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield get_store()
    reset_store_cache()


def issue(client, case, code="acceptance"):
    response = client.post(reverse("document-issue", args=[case.pk, code]))
    return response, [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def accepted(world):
    case = apply(world)
    accept(world, case)
    return case


def test_it_issues_and_shows_the_notice_on_the_case_page(client, world, accepted):
    client.force_login(world["clerk"])
    page = client.get(reverse("case", args=[accepted.pk])).content.decode()
    assert "文书" in page and "受理通知书" in page and "出具" in page
    response, notes = issue(client, accepted)
    assert response.status_code == 302 and response["Location"] == reverse(
        "case", args=[accepted.pk]
    )
    assert notes == ["受理通知书已出具，可打开打印。"]
    evidence = Evidence.objects.get(case=accepted, kind=EvidenceKind.ACCEPTANCE_NOTICE)
    page = client.get(reverse("case", args=[accepted.pk])).content.decode()
    assert reverse("evidence-download", args=[evidence.pk]) in page
    assert "出具文书：受理通知书" in page  # the timeline
    download = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_it_refuses_get(client, world, accepted):
    client.force_login(world["clerk"])
    response = client.get(reverse("document-issue", args=[accepted.pk, "acceptance"]))
    assert response.status_code == 405


def test_it_hides_the_case_from_an_outsider(client, world, accepted):
    client.force_login(world["outsider"])
    response, _notes = issue(client, accepted)
    assert response.status_code == 404
    assert not issued()


@pytest.mark.parametrize("user", ["auditor", "approver", "investigator"])
def test_it_forbids_roles_that_do_not_issue(client, world, accepted, user):
    client.force_login(world[user])
    response, _notes = issue(client, accepted)
    assert response.status_code == 403
    assert not issued()
    page = client.get(reverse("case", args=[accepted.pk])).content.decode()
    assert reverse("document-issue", args=[accepted.pk, "acceptance"]) not in page


@pytest.mark.parametrize(
    ("code", "message"),
    [("refusal", "尚未到出具此文书的环节。"), ("nonsense", "未知的文书种类。")],
)
def test_it_says_why_a_notice_cannot_be_issued(client, world, accepted, code, message):
    client.force_login(world["clerk"])
    response, notes = issue(client, accepted, code)
    assert response.status_code == 302 and notes == [message]
    assert not issued()


def test_it_offers_nothing_before_acceptance(client, world):
    case = apply(world)
    client.force_login(world["clerk"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "documents-list" not in page
