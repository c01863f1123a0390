"""Issuing a notice: build the PDF, store it as evidence with its sha256, put it on the record."""

from __future__ import annotations

import io

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access
from assistance.actions import ActionError
from assistance.models import Case, Evidence
from engine import audit
from engine.clock import clock
from storage.base import RejectedFile, StoreUnavailable, get_store

from .notices import NOTICES
from .pdf import render


@transaction.atomic
def do_issue_document(case: Case, *, actor: User, code: str) -> Evidence:
    """Issue the notice `code` for the case as it stands; a reissue supersedes the last copy."""
    notice = NOTICES.get(code)
    if notice is None:
        raise ActionError(_("Unknown kind of document."), case=case)
    access.require_role_in_region(actor, case.region, set(notice.issuers))
    if case.recusals.filter(user=actor).exists():
        raise Http404("No such case.")
    case = Case.objects.select_for_update().select_related("region", "household").get(pk=case.pk)
    facts = notice.facts(case)
    if facts is None:
        raise ActionError(
            _("This case has not reached the point where this document is issued."), case=case
        )
    page = notice.page(case, facts)
    content = render(page, created=clock.now())
    try:
        stored = get_store().put(io.BytesIO(content), expected_size=len(content))
    except (RejectedFile, StoreUnavailable) as exc:
        raise ActionError(str(exc), case=case) from exc
    previous = (
        Evidence.objects.select_for_update(of=("self",))
        .filter(case=case, kind=notice.kind, superseded_by__isnull=True)
        .order_by("-pk")
        .first()
    )
    evidence = Evidence.objects.create(
        case=case,
        kind=notice.kind,
        original_name=f"{page.title}-{case.number}.pdf",
        key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        uploaded_by=actor,
        uploaded_at=clock.now(),
        supersedes=previous,
    )
    audit.record(
        "document.issued",
        actor=actor,
        role=",".join(sorted(notice.issuers & set(access.acting_roles(actor)))),
        region_id=case.region_id,
        case_id=case.pk,
        payload={
            "title": page.title,
            "document": notice.code,
            "evidence_id": evidence.pk,
            "sha256": stored.sha256,
            "size": stored.size,
            "supersedes": previous.pk if previous else None,
            "facts": facts,
        },
    )
    return evidence
