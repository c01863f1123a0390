"""The auditors' reads on the record: each look at a case and each case file taken away is an
event in the case's own trail (R9: personal data is read for a reason, and someone can ask).

Auditors change nothing; their reads are the only thing they write.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from assistance import access
from assistance.models import Case
from engine import audit
from engine.models import AuditEvent

# What an auditor read -> the audit action written (labelled in portal/templatetags/doudi.py).
READS = {
    "case_viewed": "audit.case_viewed",
    "case_file_exported": "audit.case_file_exported",
}


@transaction.atomic
def do_record_read(case_id: int, what: str, *, actor: User, **details: Any) -> AuditEvent:
    """Append `audit.<what>` to the case's trail; `details` go into the payload as given."""
    if what not in READS:
        raise ValueError(f"unknown read: {what}")
    region_id = Case.objects.values_list("region_id", flat=True).get(pk=case_id)
    return audit.record(
        READS[what],
        actor=actor,
        role=",".join(access.user_roles(actor)),
        region_id=region_id,
        case_id=case_id,
        payload=details,
    )
