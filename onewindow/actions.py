"""Writes of the one window: register a request, then refer it, register it as a complaint,
start an application from it, or answer it at the window. Each is atomic, checks access,
and leaves an audit event; a referral or complaint starts its process on a case of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access as case_access
from assistance.actions import ActionError
from assistance.ids import InvalidResidentId, parse_resident_id
from assistance.models import (
    AssistanceType,
    Case,
    CaseRecusal,
    Household,
    Hukou,
    Member,
    NearRelative,
    Region,
    RegionLevel,
    Relation,
)
from assistance.policy import policy_for
from assistance.processes.onewindow import COMPLAINT_PROCESS, REFERRAL_PROCESS
from engine import audit, runtime
from engine.clock import clock
from onewindow import access
from onewindow.models import Channel, Department, Disposition, HelpRequest

ROLE = "township_clerk"
CASE_PREFIX: dict[str, str] = {AssistanceType.REFERRAL: "ZJ", AssistanceType.COMPLAINT: "XF"}


@dataclass
class RequestData:
    region_id: int
    need: str
    channel: str
    name: str = ""
    resident_id: str = ""
    phone: str = ""


def _resident_id(raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        return parse_resident_id(raw, today=clock.today()).number
    except InvalidResidentId as exc:
        raise ActionError(str(exc)) from exc


@transaction.atomic
def do_register_request(data: RequestData, *, actor: User) -> HelpRequest:
    region = Region.objects.filter(pk=data.region_id).first()
    if region is None or region.level not in (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP):
        raise ActionError(_("Choose the village or township the request concerns."))
    case_access.require_role_in_region(actor, region, set(access.WINDOW_ROLES))
    if data.channel not in Channel.values:
        raise ActionError(_("Choose how the request came in."))
    if len(data.need.strip()) < 2:
        raise ActionError(_("Write down what the person asks for."))
    request = HelpRequest.objects.create(
        number=uuid4().hex[:20],
        name=data.name.strip(),
        resident_id=_resident_id(data.resident_id),
        phone=data.phone.strip(),
        region=region,
        need=data.need.strip(),
        channel=data.channel,
        registered_by=actor,
    )
    request.number = f"YC{clock.today():%Y}{request.pk:08d}"
    request.save(update_fields=["number"])
    # The system stream: the request has no case yet. Its personal data stays in its row.
    audit.record(
        "window.request_registered",
        actor=actor,
        role=ROLE,
        region_id=region.pk,
        payload={"request": request.number, "channel": request.channel},
    )
    return request


def _lock_open(request: HelpRequest, actor: User) -> HelpRequest:
    access.get_request_for_user(actor, request.pk, to_act=True)
    locked = HelpRequest.objects.select_for_update().select_related("region").get(pk=request.pk)
    if locked.disposition != Disposition.OPEN:
        raise ActionError(_("This request has already been handled."))
    return locked


def _household(request: HelpRequest) -> Household:
    """The person's household when they are on record; else a household of their own, with
    the person as its one member when their resident ID is known (none for an anonymous
    complaint), so the queue, the case page and later applications find them."""
    if request.resident_id:
        member = Member.objects.filter(resident_id=request.resident_id).first()
        if member is not None:
            return Household.objects.get(pk=member.household_id)
    household = Household.objects.create(region=request.region, address="", hukou=Hukou.RURAL)
    if request.resident_id and request.name:
        resident = parse_resident_id(request.resident_id, today=clock.today())
        try:
            with transaction.atomic():
                Member.objects.create(
                    household=household,
                    name=request.name,
                    resident_id=resident.number,
                    birth_date=resident.birth_date,
                    sex=resident.sex,
                    relation=Relation.SELF,
                    is_applicant=True,
                )
        except IntegrityError as exc:
            raise ActionError(_("This person was registered meanwhile; try again.")) from exc
    return household


def _new_case(request: HelpRequest, kind: str, actor: User, details: dict[str, Any]) -> Case:
    # What the person asked, on the case itself: the case and task pages show it from there
    # (portal/_case_summary.html) with a link to the request, at no extra query.
    window = {"id": request.pk, "number": request.number, "need": request.need}
    case = Case.objects.create(
        number=uuid4().hex,
        assistance_type=kind,
        household=_household(request),
        region=request.region,
        details={**details, "window_request": window},
        created_by=actor,
    )
    case.number = f"{CASE_PREFIX[kind]}{clock.today():%Y}{case.pk:08d}"
    relatives = (
        NearRelative.objects.filter(resident_id=request.resident_id) if request.resident_id else []
    )
    recused = sorted({declaration.staff_id for declaration in relatives})
    CaseRecusal.objects.bulk_create(
        [CaseRecusal(case=case, user_id=staff, reason="near relative") for staff in recused],
        ignore_conflicts=True,
    )
    case.relative_flag = bool(recused)
    case.save(update_fields=["number", "relative_flag"])
    audit.record(
        "window.case_opened",
        actor=actor,
        role=ROLE,
        region_id=case.region_id,
        case_id=case.pk,
        payload={"number": case.number, "type": kind, "request": request.number},
    )
    return case


def _person(request: HelpRequest) -> dict[str, Any]:
    return {
        "number": request.number,
        "name": request.name,
        "phone": request.phone,
        "channel": request.channel,
        "need": request.need,
        "registered_on": request.registered_at.date().isoformat(),
    }


@transaction.atomic
def do_refer(request: HelpRequest, *, actor: User, department: str, note: str = "") -> Case:
    """Refer the request to another department (转介): the referral process tracks the
    department's reply against its deadline."""
    locked = _lock_open(request, actor)
    if department not in Department.values:
        raise ActionError(_("Choose the department the request goes to."))
    name = str(Department(department).label)
    case = _new_case(locked, AssistanceType.REFERRAL, actor, {"department": department})
    locked.disposition = Disposition.REFERRED
    locked.department = department
    locked.disposition_note = note.strip()
    locked.case = case
    locked.save(update_fields=["disposition", "department", "disposition_note", "case"])
    audit.record(
        "window.referred",
        actor=actor,
        role=ROLE,
        region_id=case.region_id,
        case_id=case.pk,
        payload={"request": locked.number, "department": department},
    )
    _start(
        REFERRAL_PROCESS,
        case,
        actor,
        department=department,
        department_name=name,
        request={**_person(locked), "note": locked.disposition_note},
    )
    return case


@transaction.atomic
def do_register_complaint(
    request: HelpRequest,
    *,
    actor: User,
    anonymous: bool,
    subject_case_number: str = "",
    subject_staff: User | None = None,
) -> Case:
    """Register the request as a complaint or petition (信访举报). A staff member it is about
    is recused from its case: they neither see nor handle it."""
    locked = _lock_open(request, actor)
    subject_case = None
    if subject_case_number.strip():
        subject_case = (
            case_access.cases_for_user(actor).filter(number=subject_case_number.strip()).first()
        )
        if subject_case is None:
            raise ActionError(_("No case with this number in your jurisdiction."))
    if subject_staff is not None:
        if subject_staff.pk == actor.pk:
            raise ActionError(_("A complaint about you is registered by a colleague."))
        office = getattr(getattr(subject_staff, "staff", None), "office", None)
        if office is None or not case_access.in_jurisdiction(actor, office):
            raise Http404("No such staff member.")
    if anonymous:
        locked.name, locked.resident_id, locked.phone = "", "", ""
    about = {
        "anonymous": anonymous,
        "about_case": subject_case.number if subject_case else "",
        "about_staff": subject_staff.staff.full_name if subject_staff is not None else "",
    }
    case = _new_case(locked, AssistanceType.COMPLAINT, actor, about)
    if subject_staff is not None:
        CaseRecusal.objects.get_or_create(
            case=case, user=subject_staff, defaults={"reason": "the complaint is about them"}
        )
    locked.disposition = Disposition.COMPLAINT
    locked.anonymous = anonymous
    locked.subject_case = subject_case
    locked.subject_staff = subject_staff
    locked.case = case
    locked.save(
        update_fields=[
            "disposition",
            "anonymous",
            "subject_case",
            "subject_staff",
            "case",
            "name",
            "resident_id",
            "phone",
        ]
    )
    audit.record(
        "window.complaint_registered",
        actor=actor,
        role=ROLE,
        region_id=case.region_id,
        case_id=case.pk,
        payload={
            "request": locked.number,
            "anonymous": anonymous,
            "subject_case": subject_case.number if subject_case else None,
            "subject_staff": subject_staff.pk if subject_staff else None,
        },
    )
    _start(
        COMPLAINT_PROCESS,
        case,
        actor,
        complaint={
            **_person(locked),
            "anonymous": anonymous,
            "about_case": about["about_case"],
            "about_staff": about["about_staff"],
        },
    )
    return case


def _start(process: str, case: Case, actor: User, **data: Any) -> None:
    """Start the case's process with its number and the policy of its region today."""
    runtime.start(
        process,
        case_id=case.pk,
        region_id=case.region_id,
        actor=actor,
        role=ROLE,
        data={
            "case_id": case.pk,
            "case_number": case.number,
            "policy": policy_for(case.region, clock.today()),
            **data,
        },
    )


@dataclass
class IncomingReferral:
    """A referral another department sends the window (two-way referral, 双向转介)."""

    department: str
    # The department's own reference: the same referral sent again is registered once.
    reference: str
    need: str
    name: str = ""
    resident_id: str = ""
    phone: str = ""
    # The person's village or township, needed when their resident ID is not on record.
    region_code: str = ""


@dataclass
class ReceivedReferral:
    request: HelpRequest
    created: bool


INCOMING_ROLE = "system:department"


def _referral_region(data: IncomingReferral, resident_id: str) -> Region:
    """The person's own village when they are on record, else the region the department
    names: either way the window of the person's township handles it."""
    if resident_id:
        member = Member.objects.filter(resident_id=resident_id).select_related("household")
        found = member.first()
        if found is not None:
            return Region.objects.get(pk=found.household.region_id)
    region = Region.objects.filter(code=data.region_code.strip()).first()
    if region is None or region.level not in (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP):
        raise ActionError(
            _("The person is not on record: give the code of their village or township.")
        )
    return region


def _inside(region: Region, within: Region | None) -> None:
    if within is not None and not region.path.startswith(within.path):
        raise Http404("No such region.")


@transaction.atomic
def do_receive_referral(
    data: IncomingReferral,
    *,
    actor: User,
    role: str = INCOMING_ROLE,
    within: Region | None = None,
) -> ReceivedReferral:
    """Register a referral from another department as a request for help at the window of
    the person's township, once per (department, reference). `within` is the sending
    account's jurisdiction: a person outside it is "not found". The caller (the API) has
    checked the account may send referrals; the window then handles it like any request."""
    if data.department not in Department.values:
        raise ActionError(_("Unknown department."))
    reference = data.reference.strip()
    if not 1 <= len(reference) <= 64 or not reference.isprintable():
        raise ActionError(_("Give the department's reference (at most 64 characters)."))
    earlier = HelpRequest.objects.filter(
        referred_by=data.department, external_ref=reference
    ).select_related("region")
    found = earlier.first()
    if found is not None:
        _inside(found.region, within)
        return ReceivedReferral(found, created=False)
    need = data.need.strip()
    if not 2 <= len(need) <= 4000:
        raise ActionError(_("Write down what the person asks for."))
    if len(data.name.strip()) > 50 or len(data.phone.strip()) > 30:
        raise ActionError(_("The name or the phone number is too long."))
    resident_id = _resident_id(data.resident_id)
    region = _referral_region(data, resident_id)
    _inside(region, within)
    try:
        with transaction.atomic():
            request = HelpRequest.objects.create(
                number=uuid4().hex[:20],
                name=data.name.strip(),
                resident_id=resident_id,
                phone=data.phone.strip(),
                region=region,
                need=need,
                channel=Channel.DEPARTMENT,
                referred_by=data.department,
                external_ref=reference,
                registered_by=actor,
            )
    except IntegrityError:
        # The same referral, registered meanwhile by a concurrent call.
        return ReceivedReferral(earlier.get(), created=False)
    request.number = f"YC{clock.today():%Y}{request.pk:08d}"
    request.save(update_fields=["number"])
    audit.record(
        "window.referral_received",
        actor=actor,
        role=role,
        region_id=region.pk,
        payload={"request": request.number, "department": data.department, "reference": reference},
    )
    return ReceivedReferral(request, created=True)


@transaction.atomic
def do_close_at_window(
    request: HelpRequest, *, actor: User, disposition: str, note: str = ""
) -> HelpRequest:
    """An application started from the request, or an answer given on the spot."""
    if disposition not in (Disposition.APPLICATION, Disposition.ANSWERED):
        raise ActionError(_("Choose what became of the request."))
    locked = _lock_open(request, actor)
    if disposition == Disposition.ANSWERED and len(note.strip()) < 2:
        raise ActionError(_("Write down the answer given."))
    locked.disposition = disposition
    locked.disposition_note = note.strip()
    locked.save(update_fields=["disposition", "disposition_note"])
    audit.record(
        "window.application_started"
        if disposition == Disposition.APPLICATION
        else "window.answered",
        actor=actor,
        role=ROLE,
        region_id=locked.region_id,
        payload={"request": locked.number},
    )
    return locked
