"""Issuing a notice: build the PDF, store it as evidence with its sha256, put it on the record."""

from __future__ import annotations

import io

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access
from assistance.actions import ActionError, store_evidence
from assistance.models import Case, Evidence
from engine import audit
from engine.clock import clock

from .notices import NOTICES
from .pdf import render


@transaction.atomic
def do_issue_document(case: Case, *, actor: User, code: str) -> Evidence:
    """Issue the notice `code` for the case as it stands; a reissue supersedes the last copy."""
    # A read-only role is refused whatever it asks for, before the request is looked at.
    access.require_acting_in_region(actor, case.region)
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
    previous = (
        Evidence.objects.select_for_update(of=("self",))
        .filter(case=case, kind=notice.kind, superseded_by__isnull=True)
        .order_by("-pk")
        .first()
    )
    evidence = store_evidence(
        case,
        actor=actor,
        kind=notice.kind,
        upload=io.BytesIO(content),
        name=f"{page.title}-{case.number}.pdf",
        size=len(content),
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
            "sha256": evidence.sha256,
            "size": evidence.size,
            "supersedes": previous.pk if previous else None,
            "facts": facts,
        },
    )
    return evidence
