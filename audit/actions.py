"""The auditors' only writes: their reads, on the record.

Auditors change nothing, but what they look at is personal data (PIPL; R9: leaking it is
punishable), so every case they open, every search and every export is an audit event: in
the case's own chain when it concerns one case, else in the system chain.

    do_record_read(case.pk, "audit.case_viewed", actor=request.user, page="timeline")
    do_record_read(None, "audit.exported", actor=request.user, list="search", rows=120,
                   format="xlsx", filters={...})
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404

from assistance import access
from audit.access import require_auditor
from engine import audit
from engine.models import AuditEvent

# The read events auditors leave; each has its label in portal/templatetags/doudi.py.
READ_ACTIONS = frozenset(
    {
        "audit.case_viewed",
        "audit.case_file_exported",
        "audit.searched",
        "audit.exported",
        "audit.report_viewed",
    }
)
AUDITOR_ROLE = "auditor"


@transaction.atomic
def do_record_read(case_id: int | None, what: str, *, actor: User, **details: Any) -> AuditEvent:
    """Record that an auditor read something: a case (`case_id`, in the case's chain) or a
    list, search or export (`case_id` None, in the system chain). `what` is one of
    READ_ACTIONS; `details` (JSON-safe: filters, row count, format, page) go in the payload.

    404 for a non-auditor, and for a case outside the auditor's jurisdiction, like the pages.
    """
    if what not in READ_ACTIONS:
        raise ValueError(f"unknown read action {what!r}")
    require_auditor(actor)
    region_id = None
    if case_id is not None:
        case = access.cases_for_user(actor).filter(pk=case_id).values("pk", "region_id").first()
        if case is None:
            raise Http404("No such case.")
        region_id = case["region_id"]
    return audit.record(
        what,
        actor=actor,
        role=AUDITOR_ROLE,
        region_id=region_id,
        case_id=case_id,
        payload=details,
    )
