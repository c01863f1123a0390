"""Scans on a case: the list, an upload through the portal's own action (same size and type
checks in the evidence store), and the download, audited like every look at a scan."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO, cast

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from api.auth import staff_user
from api.schemas import BOUNDED_ERRORS, ERRORS, STAFF
from assistance import access, actions
from assistance.models import Evidence, EvidenceKind
from portal.http import evidence_response
from storage.base import ALLOWED_TYPES

router = Router(tags=["evidence"])


class EvidenceOut(Schema):
    id: int
    case_id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    supersedes: int | None
    # Replaced by a later scan: kept on file, no longer the current one.
    superseded_by: int | None


def evidence_out(item: Evidence) -> EvidenceOut:
    replacement = getattr(item, "superseded_by", None)
    return EvidenceOut(
        id=item.pk,
        case_id=item.case_id,
        kind=item.kind,
        original_name=item.original_name,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        uploaded_by=item.uploaded_by.get_username(),
        uploaded_at=item.uploaded_at,
        supersedes=item.supersedes_id,
        superseded_by=replacement.pk if replacement is not None else None,
    )


@router.get(
    "/cases/{case_id}/evidence",
    response={200: list[EvidenceOut], **ERRORS},
    summary="Scans on a case",
    openapi_extra=STAFF,
)
def list_evidence(request: HttpRequest, case_id: int) -> list[EvidenceOut]:
    case = access.get_case_for_user(staff_user(request), case_id)
    items = case.evidence.select_related("superseded_by", "uploaded_by").order_by("kind", "pk")
    return [evidence_out(item) for item in items]


@router.post(
    "/cases/{case_id}/evidence",
    response={201: EvidenceOut, **BOUNDED_ERRORS},
    summary="Upload a scan (PDF, JPEG, PNG or TIFF)",
    description=(
        "multipart/form-data with `kind`, `file` and, to replace the current scan, "
        "`supersedes` (its id). The type is read from the bytes, not the name; files over "
        "the evidence limit are refused with 413."
    ),
    openapi_extra=STAFF,
)
def upload_evidence(
    request: HttpRequest,
    case_id: int,
    kind: Form[EvidenceKind],
    file: File[UploadedFile],
    supersedes: Form[int | None] = None,
) -> Status[EvidenceOut]:
    user = staff_user(request)
    case = access.get_case_for_user(user, case_id)
    access.require_acting_in_region(user, case.region)
    replaced = access.get_evidence_for_user(user, supersedes) if supersedes else None
    evidence = actions.do_upload_evidence(
        case,
        actor=user,
        kind=kind,
        # A Django upload reads like a binary file; the store streams it in chunks.
        upload=cast(BinaryIO, file),
        name=file.name or "",
        size=file.size,
        supersedes=replaced,
    )
    return Status(201, evidence_out(evidence))


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/evidence/{evidence_id}",
    response=ERRORS,
    summary="Download a scan",
    description="The file itself, as an attachment; every download is in the audit trail.",
    openapi_extra={
        **STAFF,
        "responses": {
            "200": {
                "description": "The scan",
                "content": {content_type: _BINARY for content_type in ALLOWED_TYPES},
            }
        },
    },
)
def download_evidence(request: HttpRequest, evidence_id: int) -> StreamingHttpResponse:
    user = staff_user(request)
    evidence = access.get_evidence_for_user(user, evidence_id)
    actions.do_view_evidence(evidence, actor=user)
    return evidence_response(evidence, inline=False)
