"""Thin views: access helper -> form -> one domain action -> redirect. One module per page area."""

from portal.views.applications import application_new
from portal.views.case_actions import (
    case_classify,
    case_exit,
    case_objection,
    case_reclassify,
    case_report_change,
    case_review_check,
)
from portal.views.cases import case_detail, case_diagram, case_extend_procedure
from portal.views.checks import case_check_result
from portal.views.documents import document_issue
from portal.views.errors import forbidden, not_found, server_error
from portal.views.evidence import evidence_download, evidence_upload, evidence_view
from portal.views.households import household_detail, search
from portal.views.queue import inbox
from portal.views.relatives import relatives
from portal.views.tasks import task_assign, task_claim, task_detail, task_unclaim

__all__ = [
    "application_new",
    "case_check_result",
    "case_classify",
    "case_detail",
    "case_diagram",
    "case_exit",
    "case_extend_procedure",
    "case_objection",
    "case_reclassify",
    "case_report_change",
    "case_review_check",
    "document_issue",
    "evidence_download",
    "evidence_upload",
    "evidence_view",
    "forbidden",
    "household_detail",
    "inbox",
    "not_found",
    "relatives",
    "search",
    "server_error",
    "task_assign",
    "task_claim",
    "task_detail",
    "task_unclaim",
]
