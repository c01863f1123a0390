"""Thin views: access helper -> form -> one domain action -> redirect. One module per page area."""

from portal.views.applications import application_new
from portal.views.cases import case_check_result, case_detail, case_diagram, case_objection
from portal.views.documents import document_issue
from portal.views.evidence import evidence_download, evidence_upload
from portal.views.queue import inbox
from portal.views.relatives import relatives
from portal.views.tasks import task_assign, task_claim, task_detail, task_unclaim

__all__ = [
    "application_new",
    "case_check_result",
    "case_detail",
    "case_diagram",
    "case_objection",
    "document_issue",
    "evidence_download",
    "evidence_upload",
    "inbox",
    "relatives",
    "task_assign",
    "task_claim",
    "task_detail",
    "task_unclaim",
]
