"""Online applications (网上办、掌上办): the applicant lodges an application and its scans with
no sign-in, and later sends what the one-time notice asks for.

Nobody is signed in, yet a case needs a creator and a scan an uploader: both are the one
system account `online-applicant` (inactive, no password, no role, no jurisdiction), and the
audit trail says `online_applicant` as the role. The case is made by the same domain code as
at the counter (`assistance.actions.register_application`): the same checks of resident IDs,
bank cards and duplicate applications, the same near-relative recusals (R7), and the same
process, which starts at the township clerk's acceptance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from assistance.actions import (
    ActionError,
    ApplicationData,
    application_village,
    register_application,
    store_evidence,
)
from assistance.models import Case, CaseStatus, Channel, Evidence, EvidenceKind, OnlineApplication
from engine import audit
from engine.clock import clock
from engine.models import Task

ONLINE_USERNAME = "online-applicant"
ONLINE_ROLE = "online_applicant"
# Scans per submission, and all the scans an applicant may send to one case online.
MAX_FILES_PER_SUBMISSION = 12
MAX_FILES_PER_CASE = 40
# What an applicant may scan at home; the township's own notices are not among them.
ONLINE_EVIDENCE_KINDS = (
    EvidenceKind.ID_CARDS,
    EvidenceKind.HUKOU,
    EvidenceKind.APPLICATION_FORM,
    EvidenceKind.INCOME_DECLARATION,
    EvidenceKind.CHECK_AUTHORISATION,
    EvidenceKind.DISABILITY_CERTIFICATE,
    EvidenceKind.DIAGNOSIS,
    EvidenceKind.SCHOOL_ENROLMENT,
    EvidenceKind.OTHER,
)
# The steps at which the applicant may still add scans: before acceptance, and while the
# one-time notice of missing documents is open.
UPLOAD_STEPS = ("acceptance", "emergency_acceptance", "supplement")
MOBILE_PHONE = re.compile(r"1[3-9][0-9]{9}")


@dataclass
class Scan:
    kind: str  # an EvidenceKind among ONLINE_EVIDENCE_KINDS
    upload: BinaryIO
    name: str
    size: int | None


def online_applicant() -> User:
    """The system account that stands for every applicant online (created on first use)."""
    user, created = User.objects.get_or_create(
        username=ONLINE_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def clean_phone(raw: str) -> str:
    phone = re.sub(r"[\s-]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not MOBILE_PHONE.fullmatch(phone):
        raise ActionError(_("Give a mainland mobile number of 11 digits."))
    return phone


def _public_refusal(error: ActionError) -> ActionError:
    """A refusal that names another case is worded without it: whoever types a resident ID
    learns no case number, office or stage of anybody's case (R9)."""
    if error.case is None:
        return error
    return ActionError(
        _(
            "One of the people named already has an application or a benefit of this kind. "
            "Ask the township office where the household is registered."
        )
    )


@transaction.atomic
def do_submit_online_application(
    application: ApplicationData, *, scans: Sequence[Scan], contact_phone: str
) -> Case:
    """Lodge an application online: the case, its process at the township clerk's acceptance
    and every scan, in one transaction; one refused scan refuses the whole submission."""
    phone = clean_phone(contact_phone)
    _check_scans(scans, already=0)
    region = application_village(application)
    actor = online_applicant()
    case = register_application(
        application,
        region=region,
        actor=actor,
        role=ONLINE_ROLE,
        seen_as=_public_refusal,
        channel=Channel.ONLINE,
    )
    OnlineApplication.objects.create(case=case, contact_phone=phone, submitted_at=clock.now())
    for scan in scans:
        _store(case, scan, actor=actor, supplement=False)
    return case


@transaction.atomic
def do_upload_online_scans(case: Case, *, scans: Sequence[Scan]) -> list[Evidence]:
    """The applicant adds scans to their online application: before the clerk has accepted
    it, or in answer to the one-time notice. They reach the case and the clerk's task."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.channel != Channel.ONLINE or case.status != CaseStatus.IN_PROGRESS:
        raise ActionError(_("Scans for this application are handed in at the township office."))
    if not Task.objects.filter(case=case, spec_name__in=UPLOAD_STEPS).exists():
        raise ActionError(_("Your application is past the stage where scans are handed in."))
    if not scans:
        raise ActionError(_("Choose at least one scan."))
    already = Evidence.objects.filter(case=case, uploaded_by__username=ONLINE_USERNAME).count()
    _check_scans(scans, already=already)
    actor = online_applicant()
    return [_store(case, scan, actor=actor, supplement=True) for scan in scans]


def _check_scans(scans: Sequence[Scan], *, already: int) -> None:
    if len(scans) > MAX_FILES_PER_SUBMISSION:
        raise ActionError(
            _("At most %(count)s files at a time.") % {"count": MAX_FILES_PER_SUBMISSION}
        )
    if already + len(scans) > MAX_FILES_PER_CASE:
        raise ActionError(
            _("An application takes at most %(count)s files online; bring the rest in person.")
            % {"count": MAX_FILES_PER_CASE}
        )
    for scan in scans:
        if scan.kind not in ONLINE_EVIDENCE_KINDS:
            raise ActionError(_("Choose the kind of evidence."))


def _store(case: Case, scan: Scan, *, actor: User, supplement: bool) -> Evidence:
    try:
        evidence = store_evidence(
            case, actor=actor, kind=scan.kind, upload=scan.upload, name=scan.name, size=scan.size
        )
    except ActionError as exc:
        # The case is rolled back with the refusal: it is not named.
        raise ActionError(f"{scan.name}: {exc}") from None
    audit.record(
        "evidence.uploaded",
        actor=actor,
        role=ONLINE_ROLE,
        region_id=case.region_id,
        case_id=case.pk,
        payload={
            "evidence_id": evidence.pk,
            "kind": scan.kind,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "supersedes": None,
            "channel": Channel.ONLINE,
            "supplement": supplement,
        },
    )
    return evidence
