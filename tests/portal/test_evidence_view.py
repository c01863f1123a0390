"""Hole 9(g): images and PDF are shown in the page under a sandboxing CSP; every download goes
out as an attachment; each look is audited."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse

from assistance import actions
from assistance.models import Evidence
from engine.models import AuditEvent
from storage.base import reset_store_cache
from tests.workflows.dibao import apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

SCANS = {
    "application/pdf": ("扫描.pdf", b"%PDF-1.7\n" + b"0" * 400 + b"\n%%EOF\n"),
    "image/png": ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 400),
    "image/jpeg": ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 400),
    "image/tiff": ("scan.tif", b"II*\x00" + b"\x00" * 400),
}
INLINE = {"application/pdf", "image/png", "image/jpeg"}


@pytest.fixture
def local_evidence(settings, tmp_path: Path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield
    reset_store_cache()


def scan(world, content_type: str) -> Evidence:
    name, content = SCANS[content_type]
    case = apply(world)
    evidence = actions.do_upload_evidence(
        case,
        actor=world["clerk"],
        kind="hukou",
        upload=io.BytesIO(content),
        name=name,
        size=len(content),
    )
    assert evidence.content_type == content_type
    return evidence


def assert_sandboxed(response) -> None:
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox;")
    assert "default-src 'none'" in policy and "img-src 'self'" in policy
    assert "script-src" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("content_type", sorted(SCANS))
def test_it_shows_images_and_pdf_inline_and_the_rest_as_attachment(
    client, world, local_evidence, content_type
):
    evidence = scan(world, content_type)
    _name, content = SCANS[content_type]
    client.force_login(world["approver"])
    response = client.get(reverse("evidence-view", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline" if content_type in INLINE else "attachment")
    assert_sandboxed(response)
    # The page may frame it; no one else may.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert (
        AuditEvent.objects.filter(
            action="evidence.viewed", actor=world["approver"], payload__evidence_id=evidence.pk
        ).count()
        == 1
    )


@pytest.mark.parametrize("content_type", sorted(SCANS))
def test_it_sends_every_download_as_an_attachment(client, world, local_evidence, content_type):
    evidence = scan(world, content_type)
    client.force_login(world["auditor"])
    response = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename" in response["Content-Disposition"]
    assert response["X-Frame-Options"] == "DENY"
    assert_sandboxed(response)
    assert AuditEvent.objects.filter(action="evidence.viewed", actor=world["auditor"]).count() == 1


def test_it_hides_scans_from_outsiders_and_refuses_other_methods(client, world, local_evidence):
    evidence = scan(world, "image/png")
    client.force_login(world["outsider"])
    assert client.get(reverse("evidence-view", args=[evidence.pk])).status_code == 404
    client.force_login(world["clerk"])
    assert client.post(reverse("evidence-view", args=[evidence.pk])).status_code == 405
    assert client.get(reverse("evidence-view", args=[evidence.pk + 1000])).status_code == 404
    assert not AuditEvent.objects.filter(action="evidence.viewed").exists()


def test_it_offers_the_viewer_on_the_case_page_without_fetching_the_scan(
    client, world, local_evidence
):
    evidence = scan(world, "application/pdf")
    client.force_login(world["clerk"])
    html = client.get(reverse("case", args=[evidence.case_id])).content.decode()
    assert f'src="{reverse("evidence-view", args=[evidence.pk])}"' in html
    assert '<details class="scan-view">' in html
    # Rendering the page is not looking at the scan.
    assert not AuditEvent.objects.filter(action="evidence.viewed").exists()
