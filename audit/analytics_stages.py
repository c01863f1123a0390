"""The statutory stages of each kind's application procedure, as boxes of its main diagram.

A stage is a set of elements of the main diagram (a called stage such as the home
investigation is one box) and the policy parameter holding its limit in working days (R4-R6
in docs/domain.md). The analytics measure a stage from the moment the case reaches its first
box to the moment it leaves its last one; the whole procedure runs from the application
(acceptance, R6) to the decision. A new kind, or a new stage, is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assistance.models import AssistanceType

PROCEDURE = "procedure"


@dataclass(frozen=True)
class Stage:
    code: str
    label: Promise
    elements: frozenset[str]
    # The policy parameter with the stage's limit in working days; None for a stage whose
    # length is set by the rules rather than limited (the public notice).
    limit: str | None


@dataclass(frozen=True)
class Procedure:
    kind: str
    stages: tuple[Stage, ...]
    limit: str
    # The limit once the procedure is extended (R6: 30 working days, extendable to 45).
    extended_limit: str | None = "procedure_extended_working_days"

    def stage(self, code: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.code == code), None)


def _stage(code: str, label: Promise, elements: set[str], limit: str | None) -> Stage:
    return Stage(code, label, frozenset(elements), limit)


ACCEPTANCE = _("Acceptance")
ECONOMIC_CHECK = _("Household economic check")
INVESTIGATION = _("Home investigation")
OPINION = _("Township opinion")
NOTICE = _("Public notice")
CONFIRMATION = _("Confirmation")
REFUSAL_NOTICE = _("Written notice of refusal")
WHOLE = _("Whole procedure, application to decision")

_NOTICE = _stage("notice", NOTICE, {"public_notice"}, None)
_REFUSAL = _stage(
    "refusal_notice", REFUSAL_NOTICE, {"written_notice"}, "refusal_notice_working_days"
)
_CHECK = _stage("economic_check", ECONOMIC_CHECK, {"economic_check"}, "investigation_working_days")
_CONFIRM = _stage(
    "confirmation",
    CONFIRMATION,
    {"township_confirm", "county_confirm"},
    "confirmation_working_days",
)

PROCEDURES: dict[str, Procedure] = {
    AssistanceType.DIBAO: Procedure(
        AssistanceType.DIBAO,
        (
            _stage(
                "acceptance", ACCEPTANCE, {"acceptance", "supplement"}, "acceptance_working_days"
            ),
            _CHECK,
            _stage(
                "investigation",
                INVESTIGATION,
                {"home_investigation"},
                "investigation_working_days",
            ),
            _stage("opinion", OPINION, {"opinion"}, "opinion_working_days"),
            _NOTICE,
            _CONFIRM,
            _REFUSAL,
        ),
        "procedure_working_days",
    ),
    AssistanceType.TEKUN: Procedure(
        AssistanceType.TEKUN,
        (
            _stage(
                "acceptance", ACCEPTANCE, {"acceptance", "supplement"}, "acceptance_working_days"
            ),
            _CHECK,
            _stage(
                "investigation",
                INVESTIGATION,
                {"home_investigation", "care_assessment", "support_arrangement", "care_agreement"},
                "investigation_working_days",
            ),
            _stage("opinion", OPINION, {"opinion"}, "opinion_working_days"),
            _NOTICE,
            _CONFIRM,
            _REFUSAL,
        ),
        "procedure_working_days",
    ),
    AssistanceType.TEMPORARY: Procedure(
        AssistanceType.TEMPORARY,
        (
            _stage(
                "acceptance",
                ACCEPTANCE,
                {"acceptance", "emergency_acceptance"},
                "acceptance_working_days",
            ),
            _stage(
                "paperwork",
                _("Paperwork after aid first"),
                {"complete_file", "complete_file_late", "paperwork_timer"},
                "temporary_paperwork_working_days",
            ),
            _CHECK,
            _stage(
                "investigation",
                INVESTIGATION,
                {"home_investigation"},
                "investigation_working_days",
            ),
            _stage("assessment", _("Township assessment of the amount"), {"assessment"}, None),
            _NOTICE,
            _stage("approval", _("Approval"), {"township_approve", "county_approve"}, None),
            _REFUSAL,
        ),
        "temporary_procedure_working_days",
        extended_limit=None,
    ),
    AssistanceType.DISABILITY: Procedure(
        AssistanceType.DISABILITY,
        (
            _stage(
                "township_review",
                _("Township first review"),
                {"township_review"},
                "disability_township_review_working_days",
            ),
            _NOTICE,
            _stage(
                "federation_review",
                _("Disabled persons' federation review"),
                {"federation_review"},
                "disability_federation_review_working_days",
            ),
            _stage(
                "decision", _("County decision"), {"county_decision"}, "confirmation_working_days"
            ),
            _REFUSAL,
        ),
        "procedure_working_days",
    ),
    AssistanceType.ELDERLY: Procedure(
        AssistanceType.ELDERLY,
        (
            _stage("verify", _("Verification"), {"verify"}, "elderly_verify_working_days"),
            _stage("confirmation", CONFIRMATION, {"county_confirm"}, "confirmation_working_days"),
            _REFUSAL,
        ),
        "procedure_working_days",
    ),
    AssistanceType.ORPHAN: Procedure(
        AssistanceType.ORPHAN,
        (
            _stage(
                "verify",
                _("Verification"),
                {"verify_orphan", "verify_unattended"},
                "orphan_verification_working_days",
            ),
            _stage(
                "confirmation",
                CONFIRMATION,
                {"county_confirm"},
                "orphan_confirmation_working_days",
            ),
            _REFUSAL,
        ),
        "procedure_working_days",
    ),
    # The kinds added through the registry (docs/design.md, "Adding an assistance type").
    AssistanceType.MEDICAL: Procedure(
        AssistanceType.MEDICAL,
        (
            _stage(
                "township_review",
                _("Township review of the costs"),
                {"township_review"},
                "medical_review_working_days",
            ),
            _stage(
                "decision", _("County decision"), {"county_decision"}, "confirmation_working_days"
            ),
            _REFUSAL,
        ),
        "procedure_working_days",
    ),
    AssistanceType.DISASTER: Procedure(
        AssistanceType.DISASTER,
        (
            _stage(
                "township_review",
                _("Township damage check"),
                {"township_review"},
                "disaster_review_working_days",
            ),
            _NOTICE,
            _stage(
                "decision", _("County decision"), {"county_decision"}, "confirmation_working_days"
            ),
            _REFUSAL,
        ),
        "procedure_working_days",
    ),
    AssistanceType.DEVICES: Procedure(
        AssistanceType.DEVICES,
        (
            _stage(
                "township_review",
                _("Township first review"),
                {"township_review"},
                "opinion_working_days",
            ),
            _stage(
                "assessment",
                _("Federation's device assessment"),
                {"assessment"},
                "devices_assessment_working_days",
            ),
            _stage(
                "issue", _("Issue of the device"), {"issue_device"}, "devices_issue_working_days"
            ),
            _REFUSAL,
        ),
        "procedure_working_days",
    ),
}
