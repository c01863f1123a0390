"""Scans through the API: the list, an upload through the portal's action and store checks,
and the audited, sandboxed download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assistance.models import Evidence
from engine.models import AuditEvent
from tests.api.helpers import bearer, staff_token, system_token
from tests.fixtures import World
from tests.workflows.dibao import apply
from tests.workflows.evidence import PDF, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock", "deployed", "local_evidence"),
]


def call(world: World, username: str, method: str, path: str, **kwargs: object) -> object:
    return bearer(Client(), staff_token(world[username], username), method, path, **kwargs)


def send(
    world: World,
    username: str,
    case_id: int,
    content: bytes,
    language: str = "zh",
    **fields: object,
) -> object:
    data = {"kind": "hukou", "file": SimpleUploadedFile("户口簿.pdf", content), **fields}
    path = f"/api/v1/cases/{case_id}/evidence"
    return call(world, username, "post", path, data=data, HTTP_ACCEPT_LANGUAGE=language)


def test_it_uploads_a_scan_and_lists_it(world: World) -> None:
    case = apply(world)
    response = send(world, "clerk", case.pk, PDF)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "hukou" and body["content_type"] == "application/pdf"
    assert body["original_name"] == "户口簿.pdf" and body["uploaded_by"] == "clerk"
    evidence = Evidence.objects.get(pk=body["id"])
    assert evidence.case_id == case.pk and evidence.size == len(PDF)
    assert AuditEvent.objects.filter(action="evidence.uploaded", case_id=case.pk).count() == 1
    listed = call(world, "auditor", "get", f"/api/v1/cases/{case.pk}/evidence").json()
    assert [item["id"] for item in listed] == [evidence.pk]


def test_it_replaces_a_scan_keeping_the_old_one(world: World) -> None:
    case = apply(world)
    first = send(world, "clerk", case.pk, PDF).json()
    second = send(world, "clerk", case.pk, PDF + b"2", supersedes=first["id"]).json()
    assert second["supersedes"] == first["id"]
    listed = {
        item["id"]: item
        for item in call(world, "clerk", "get", f"/api/v1/cases/{case.pk}/evidence").json()
    }
    assert listed[first["id"]]["superseded_by"] == second["id"]
    again = send(world, "clerk", case.pk, PDF + b"3", supersedes=first["id"])
    assert again.status_code == 400 and again.json()["code"] == "bad_request"


def test_it_refuses_a_file_of_the_wrong_type_in_the_callers_language(world: World) -> None:
    case = apply(world)
    chinese = send(world, "clerk", case.pk, b"<html><script>alert(1)</script></html>")
    assert chinese.status_code == 400
    assert chinese["Content-Type"] == "application/problem+json"
    assert "PDF" in chinese.json()["detail"]
    english = send(world, "clerk", case.pk, b"MZ\x90\x00" * 4, language="en")
    assert english.status_code == 400 and "only" in english.json()["detail"].lower()
    assert not Evidence.objects.exists()


def test_it_refuses_a_file_over_the_limit_with_413(world: World, settings: object) -> None:
    settings.EVIDENCE_MAX_BYTES = 1000  # type: ignore[attr-defined]
    case = apply(world)
    response = send(world, "clerk", case.pk, PDF + b"0" * 2000)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Evidence.objects.exists()


def test_it_refuses_a_bad_form_with_422(world: World) -> None:
    case = apply(world)
    wrong_kind = send(world, "clerk", case.pk, PDF, kind="selfie")
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["errors"] == [
        {"field": "kind", "message": "该值不在允许的取值范围内。"}
    ]
    no_file = call(
        world, "clerk", "post", f"/api/v1/cases/{case.pk}/evidence", data={"kind": "hukou"}
    )
    assert no_file.status_code == 422
    assert {"field": "file", "message": "此项为必填项。"} in no_file.json()["errors"]


def test_it_refuses_uploads_by_read_only_roles_outsiders_and_systems(world: World) -> None:
    case = apply(world)
    assert send(world, "auditor", case.pk, PDF).status_code == 403
    assert send(world, "outsider", case.pk, PDF).status_code == 404
    assert send(world, "policy", case.pk, PDF).status_code == 404
    system = system_token("civil_registry", world.county)
    data = {"kind": "hukou", "file": SimpleUploadedFile("x.pdf", PDF)}
    assert (
        bearer(Client(), system, "post", f"/api/v1/cases/{case.pk}/evidence", data=data).status_code
        == 403
    )
    assert not Evidence.objects.exists()


def test_it_downloads_a_scan_sandboxed_and_on_the_record(world: World) -> None:
    case = apply(world)
    upload(world, case, "hukou")
    evidence = Evidence.objects.get(case=case)
    response = call(world, "approver", "get", f"/api/v1/evidence/{evidence.pk}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF") and len(content) == evidence.size
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert response["X-Content-Type-Options"] == "nosniff"
    viewed = AuditEvent.objects.get(action="evidence.viewed", actor=world["approver"])
    assert viewed.payload["evidence_id"] == evidence.pk


def test_it_hides_scans_from_outsiders_and_policy_staff(world: World) -> None:
    case = apply(world)
    upload(world, case, "hukou")
    evidence = Evidence.objects.get(case=case)
    for username in ("outsider", "policy"):
        assert call(world, username, "get", f"/api/v1/evidence/{evidence.pk}").status_code == 404
        assert call(world, username, "get", f"/api/v1/cases/{case.pk}/evidence").status_code == 404
    assert not AuditEvent.objects.filter(action="evidence.viewed").exists()


def test_it_answers_405_to_a_wrong_method(world: World) -> None:
    case = apply(world)
    upload(world, case, "hukou")
    evidence = Evidence.objects.get(case=case)
    assert call(world, "clerk", "delete", f"/api/v1/evidence/{evidence.pk}").status_code == 405
    assert call(world, "clerk", "put", f"/api/v1/cases/{case.pk}/evidence").status_code == 405


def test_it_lists_scans_in_a_fixed_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = apply(world)
    token = staff_token(world["clerk"])
    upload(world, case, "hukou")
    path = f"/api/v1/cases/{case.pk}/evidence"
    bearer(Client(), token, "get", path)
    with CaptureQueriesContext(connection) as few:
        assert len(bearer(Client(), token, "get", path).json()) == 1
    upload(world, case, "id_cards", "income_declaration", "application_form")
    with CaptureQueriesContext(connection) as many:
        assert len(bearer(Client(), token, "get", path).json()) == 4
    assert len(many) == len(few)
