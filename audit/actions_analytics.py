"""The auditors' reads of the time-limit analytics, kept in the audit trail (system stream)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from audit.access import require_auditor
from engine import audit

VIEWED = "audit.analytics_viewed"
EXPORTED = "audit.analytics_exported"


@transaction.atomic
def do_record_analytics_read(
    action: str, *, actor: User, region_id: int | None, payload: dict[str, Any]
) -> None:
    """An auditor looked at (VIEWED) or downloaded (EXPORTED) the analytics of a choice."""
    require_auditor(actor)
    if action not in (VIEWED, EXPORTED):
        raise ValueError(f"not an analytics read: {action}")
    audit.record(action, actor=actor, role="auditor", region_id=region_id, payload=payload)
