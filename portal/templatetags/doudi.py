from django import template
from django.utils.translation import gettext_lazy as _

from assistance.ids import mask_resident_id
from portal import workflow_text

register = template.Library()

ACTION_LABELS = {
    "case.exit_noted": _("Exit decided at review noted on the exit under way"),
    "case.review_due": _("Periodic review due"),
    "monitoring.added": _("Added to the monitoring list"),
    "relative.declared": _("Near relative declared"),
    "case.created": _("Application registered"),
    "case.decided": _("Case decided"),
    "document.issued": _("Document issued"),
    "case.relatives_flagged": _("Near relative of staff flagged"),
    "case.procedure_extended": _("Procedure extended"),
    "instance.started": _("Process started"),
    "task.claimed": _("Task claimed"),
    "task.unclaimed": _("Task released"),
    "task.assigned": _("Task assigned"),
    "task.completed": _("Step completed"),
    "timer.fired": _("Time limit reached"),
    "message.received": _("Received"),
    "process.variables_set": _("Process told of a new fact"),
    "evidence.uploaded": _("Scan uploaded"),
    "evidence.viewed": _("Scan viewed"),
    "definition.deployed": _("Process deployed"),
    "incident.raised": _("A process step failed: case held"),
    "incident.resolved": _("Held step went through"),
    "incident.retried": _("Held step retried by policy staff"),
    "draft.created": _("Process draft made"),
    "draft.saved": _("Process draft saved"),
    "draft.submitted": _("Process draft submitted for review"),
    "draft.returned": _("Process draft sent back to its author"),
    "draft.approved": _("Process draft approved"),
    "draft.discarded": _("Process draft discarded"),
    "draft.scenarios_saved": _("Draft scenarios saved"),
    "instance.migrated": _("Process moved to another version"),
    "migration.started": _("Bulk migration started"),
    "migration.paused": _("Bulk migration paused"),
    "migration.resumed": _("Bulk migration resumed"),
    "case.exit_started": _("Exit started"),
    "case.classified": _("Classified for periodic review"),
    "case.reclassified": _("Review class changed"),
    "case.change_reported": _("Change reported"),
    "case.care_change_reported": _("Change in self-care reported"),
    "death.recorded": _("Death recorded"),
    "death.noted": _("Death noted on the exit under way"),
    "policy.proposed": _("Parameter change proposed"),
    "policy.approved": _("Parameter change approved"),
    "policy.returned": _("Parameter change sent back"),
    "policy.withdrawn": _("Parameter change withdrawn"),
    "audit.analytics_viewed": _("Time-limit analytics viewed"),
    "audit.analytics_exported": _("Time-limit analytics exported"),
    "audit.case_file_exported": _("Case file exported by an auditor"),
    "audit.case_viewed": _("Case read by an auditor"),
    "audit.searched": _("Auditor searched cases"),
    "audit.exported": _("Auditor exported a list"),
    "audit.report_viewed": _("Auditor read a report"),
    "public.objection_received": _("Objection received online"),
    "public.page_saved": _("Public page saved"),
    # Batch grants (payments/actions_grants.py).
    "grant_batch.created": _("Grant batch prepared"),
    "grant_batch.submitted": _("Grant batch submitted for approval"),
    "grant_batch.approved": _("Grant batch approved"),
    "grant_batch.returned": _("Grant batch returned"),
    "grant_batch.granted": _("Grants of an approved batch made"),
    "grant_batch.continued": _("Granting of a batch continued"),
    "grant.created": _("One-off grant made from a batch"),
    "window.request_registered": _("Request for help registered at the window"),
    "window.case_opened": _("Referral or complaint opened at the window"),
    "window.referred": _("Referred to another department"),
    "window.complaint_registered": _("Complaint or petition registered"),
    "window.application_started": _("Application started from a request at the window"),
    "window.answered": _("Request answered at the window"),
    "window.referral_received": _("Referral received from another department"),
    "outbound.subscription_created": _("Outbound events subscription created"),
    "outbound.subscription_changed": _("Outbound events subscription changed"),
    "outbound.secret_rotated": _("Outbound events signing secret renewed"),
    "outbound.delivery_retried": _("Outbound event sent again by hand"),
    "outbound.delivered": _("Event delivered to another department"),
    "payments.account_set": _("Bank account recorded"),
    "payments.roster_build_started": _("Payment roster build started"),
    "payments.roster_rebuild_started": _("Payment roster rebuild started"),
    "payments.roster_built": _("Payment roster built"),
    "payments.roster_approved": _("Payment roster approved"),
    "payments.roster_exported": _("Payment roster sent to the bank"),
    "payments.results_imported": _("Bank results imported"),
    "payments.payment_failed": _("Payment failed at the bank"),
    "payments.roster_viewed": _("Payment roster read by an auditor"),
    # The API (api/): its access log and its tokens.
    "api.call": _("API call"),
    "api.token_created": _("API token made"),
    "api.token_revoked": _("API token revoked"),
    "api.system_created": _("Outside system's API account created"),
    # Data exchanges (exchanges/).
    "check_request.created": _("Economic check requested from the check centre"),
    "check_request.sent": _("Economic check request sent to the check centre"),
    "check_request.answered": _("Check centre's report received"),
    "exchanges.file_imported": _("Exchange file imported"),
    "payments.result_received": _("Bank result received"),
    "registry.imported": _("Poverty registry compared"),
    "registry.difference_resolved": _("Registry difference resolved"),
}


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


INCOME_LABELS = {
    "wage": _("Wage"),
    "business": _("Business income"),
    "property": _("Property income"),
    "transfer": _("Transfer income"),
    "employment_cost": _("Employment costs"),
    "award": _("Award"),
    "student_aid": _("Student aid"),
    "temporary_assistance": _("Temporary assistance"),
    "disability_subsidy": _("Disability subsidies"),
    "orphan_allowance": _("Orphan allowance"),
    "basic_pension": _("Basic pension"),
    "medical": _("Medical expenses"),
    "education": _("Education expenses"),
    "disability": _("Disability expenses"),
}


@register.filter
def money_kind(kind: str) -> str:
    return str(INCOME_LABELS.get(kind, kind))


@register.filter
def masked_id(number: str | None) -> str:
    """A resident ID as lists show it: 4301**********1234."""
    return mask_resident_id(number) if number else ""


@register.filter
def wf(text: object) -> str:
    """Workflow text (task title, stage, form label) in the active language."""
    return workflow_text.translate(text)


# Messages a process waits for, by the code the diagram and the actions share.
MESSAGE_LABELS = {
    "check_result": _("Economic check report"),
    "objection": _("Objection to the public notice"),
    "death_record": _("Death record"),
}


@register.filter
def message_label(name: str) -> str:
    """A message a process received, as people call it."""
    return str(MESSAGE_LABELS.get(name, name))
