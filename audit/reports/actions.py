"""The auditors' reads of the reports, on the record (system chain): what they looked at and
what left the building, through the one read recorder of the audit workspace."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from audit.actions import do_record_read
from engine.models import AuditEvent


def do_record_report_view(
    *, actor: User, report: str, township: int | None = None, page: int = 1, cases: int
) -> AuditEvent:
    """An auditor opened a report (`report` "" for the list of reports)."""
    payload: dict[str, Any] = {"report": report, "cases": cases}
    if township is not None:
        payload["township"] = township
    if report:
        payload["page"] = page
    return do_record_read(None, "audit.report_viewed", actor=actor, **payload)


def do_record_report_export(
    *, actor: User, report: str, township: int | None, rows: int
) -> AuditEvent:
    """An auditor downloaded a report as a workbook."""
    payload: dict[str, Any] = {"list": f"report:{report}", "format": "xlsx", "rows": rows}
    if township is not None:
        payload["township"] = township
    return do_record_read(None, "audit.exported", actor=actor, **payload)
