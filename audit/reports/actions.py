"""The auditors' reads of the reports, on the record (system chain): what they looked at and
what left the building. Auditors change nothing else."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from audit.access import require_auditor
from engine import audit
from engine.models import AuditEvent

AUDITOR_ROLE = "auditor"


@transaction.atomic
def do_record_report_view(
    *, actor: User, report: str, township: int | None = None, page: int = 1, cases: int
) -> AuditEvent:
    """An auditor opened a report (`report` "" for the list of reports)."""
    require_auditor(actor)
    payload: dict[str, Any] = {"report": report, "cases": cases}
    if township is not None:
        payload["township"] = township
    if report:
        payload["page"] = page
    return audit.record("audit.report_viewed", actor=actor, role=AUDITOR_ROLE, payload=payload)


@transaction.atomic
def do_record_report_export(
    *, actor: User, report: str, township: int | None, rows: int
) -> AuditEvent:
    """An auditor downloaded a report as a workbook."""
    require_auditor(actor)
    payload: dict[str, Any] = {"list": f"report:{report}", "format": "xlsx", "rows": rows}
    if township is not None:
        payload["township"] = township
    return audit.record("audit.exported", actor=actor, role=AUDITOR_ROLE, payload=payload)
