"""The processes of the one window (一门受理、协同办理, R12; S16, S19): referral of a request
for help to another department, and complaints and petitions (信访举报).

Neither is applied for like a benefit: the township window registers the request
(`onewindow/`), which starts "referral" (workflows/referral.bpmn) or "complaint"
(workflows/complaint.bpmn) on a case of its own (assistance types "referral" and
"complaint"), so the queue, due dates, time limits, audit trail, recusals and jurisdiction
work as for any case. This module holds what the processes read and how their end changes
the case; the window's records and pages live in the `onewindow` app.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from assistance.models import Case, CaseStatus
from assistance.policy import Param, clean_count, register_params
from assistance.projections import register_outcome_handler

REFERRAL_PROCESS = "referral"
COMPLAINT_PROCESS = "complaint"


class Department(models.TextChoices):
    """Departments a township refers requests to (协同办理); the referral process names one,
    the window's register keeps it, and outbound events tell that department."""

    HUMAN_RESOURCES = "hrss", gettext_lazy("Human resources and social security (人社)")
    MEDICAL_INSURANCE = "medical_insurance", gettext_lazy("Medical insurance (医保)")
    EDUCATION = "education", gettext_lazy("Education (教育)")
    HOUSING = "housing", gettext_lazy("Housing and construction (住建)")
    HEALTH = "health", gettext_lazy("Health (卫健)")
    DISABLED = "disabled_federation", gettext_lazy("Disabled persons' federation (残联)")
    EMERGENCY = "emergency", gettext_lazy("Emergency management (应急管理)")
    JUSTICE = "justice", gettext_lazy("Justice: legal aid (司法)")
    WOMEN = "women_federation", gettext_lazy("Women's federation (妇联)")
    RURAL = "rural_affairs", gettext_lazy("Agriculture and rural affairs (农业农村)")


register_params(
    {
        "referral_send_working_days": Param(
            gettext_lazy("Working days to send a referral to the department"), clean_count
        ),
        "referral_reply_working_days": Param(
            gettext_lazy("Working days a department has to reply to a referral"), clean_count
        ),
        "referral_chase_working_days": Param(
            gettext_lazy("Working days for the reviewer to chase an overdue referral"),
            clean_count,
        ),
        "complaint_acceptance_days": Param(
            gettext_lazy("Days to decide whether a complaint is accepted"), clean_count
        ),
        "complaint_handling_days": Param(
            gettext_lazy("Days to handle an accepted complaint and reply"), clean_count
        ),
        "complaint_review_request_days": Param(
            gettext_lazy("Days the complainant has to request a review of the reply"),
            clean_count,
        ),
        "complaint_review_days": Param(
            gettext_lazy("Days for the county to review a complaint's handling"), clean_count
        ),
    }
)

# Regulations on Letters and Visits (信访条例 arts. 22, 33, 34, 35; 信访工作条例 2022
# arts. 31-35): acceptance told within 15 days, handled within 60 days of acceptance, review
# requested within 30 days of the reply and answered within 30 days.
DEMO_POLICY: dict[str, object] = {
    "referral_send_working_days": 2,
    "referral_reply_working_days": 10,
    "referral_chase_working_days": 5,
    "complaint_acceptance_days": 15,
    "complaint_handling_days": 60,
    "complaint_review_request_days": 30,
    "complaint_review_days": 30,
}


def _closed(case: Case, data: dict[str, Any], summary: str) -> list[str]:
    from datetime import date

    if data.get("outcome") != "closed":
        raise ValueError(f"the process ended without a known outcome (got {data.get('outcome')!r})")
    case.status = CaseStatus.CLOSED
    case.decided_on = date.fromisoformat(str(data["decided_on"]))
    case.outcome_reasons = summary[:2000]
    return ["status", "decided_on", "outcome_reasons"]


def apply_referral_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    """A referral closes with the department's answer, once the person has been told."""
    return _closed(case, data, str(data.get("reply_summary", "")))


def apply_complaint_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    """A complaint closes with the last word given: review, reply, or refusal to accept."""
    summary = (
        data.get("review_reply") or data.get("reply_text") or data.get("acceptance_reasons") or ""
    )
    return _closed(case, data, str(summary))


register_outcome_handler(REFERRAL_PROCESS, apply_referral_outcome)
register_outcome_handler(COMPLAINT_PROCESS, apply_complaint_outcome)
