"""Every write with side effects: one transaction each, access-checked, audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, BinaryIO
from uuid import uuid4

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assistance import access, locks
from assistance.amounts import DEDUCTION_KINDS, INCOME_KINDS
from assistance.ids import InvalidBankCard, InvalidResidentId, parse_bank_card, parse_resident_id
from assistance.kinds import Kind, kind_for
from assistance.models import (
    OPEN_STATUSES,
    AssistanceType,
    Case,
    CaseRecusal,
    CaseStatus,
    Channel,
    Deduction,
    Evidence,
    EvidenceKind,
    Household,
    IncomeItem,
    Member,
    NearRelative,
    Region,
    RegionLevel,
)
from assistance.models import Relation as MemberRelation
from assistance.policy import policy_for
from engine import audit, runtime
from engine.clock import clock
from engine.incidents import atomic_with_incidents
from engine.models import ProcessInstance, Task
from storage.base import RejectedFile, StoreUnavailable, get_store

APPLICATION_ROLES = {"township_clerk", "village_clerk"}


class ActionError(ValueError):
    """Input the domain refuses; the message is for the person who sent it."""

    def __init__(self, message: str, *, case: Case | None = None) -> None:
        super().__init__(message)
        self.case = case


@dataclass
class MemberData:
    name: str
    resident_id: str
    relation: str = "self"
    is_applicant: bool = False
    covered: bool = True
    disability_grade: int | None = None
    seriously_ill: bool = False
    incomes: Sequence[tuple[str, Decimal]] = ()


@dataclass
class PaymentAccount:
    payee_name: str
    bank_name: str
    card_number: str


@dataclass
class ApplicationData:
    region_id: int
    address: str
    hukou: str
    members: Sequence[MemberData]
    deductions: Sequence[tuple[str, Decimal, int | None]] = ()
    single_person_index: int | None = None
    assistance_type: str = AssistanceType.DIBAO
    # Facts of this kind of application (cause of a temporary aid, disability grade…).
    details: dict[str, Any] = field(default_factory=dict)
    # The account benefits are paid to; None when not yet known (temporary aid in cash).
    payment: PaymentAccount | None = None


# Single-person cover (单人户施保, seeds 000, 004): an adult without work, severely disabled
# (grade 1-2) or seriously ill. Work shows as wage or business income.
SINGLE_PERSON_ADULT_AGE = 18
SINGLE_PERSON_GRADES = frozenset({1, 2})
WORK_INCOMES = frozenset({"wage", "business"})


@transaction.atomic
def do_apply(application: ApplicationData, *, actor: User) -> Case:
    region = application_village(application)
    access.require_role_in_region(actor, region, APPLICATION_ROLES)
    return register_application(
        application,
        region=region,
        actor=actor,
        role=_role_for(actor, APPLICATION_ROLES),
        seen_as=lambda exc: _as_seen_by(actor, exc),
    )


def application_village(application: ApplicationData) -> Region:
    region = Region.objects.filter(pk=application.region_id).first()
    if region is None or region.level != RegionLevel.VILLAGE:
        raise ActionError(_("Choose the village of the household registration."))
    return region


def register_application(
    application: ApplicationData,
    *,
    region: Region,
    actor: User,
    role: str,
    seen_as: Callable[[ActionError], ActionError],
    channel: str = Channel.COUNTER,
) -> Case:
    """The case, its household and members, recusals (R7) and process, once the caller has
    checked who may apply: a clerk at the counter (do_apply) or the applicant online
    (public.actions_apply). `seen_as` words a refusal naming another case for whoever will
    read it. Runs inside the caller's transaction."""
    kind = kind_for(application.assistance_type)
    if kind is None:
        raise ActionError(_("This assistance type cannot be applied for yet."))
    payment = _check_payment(application.payment)
    try:
        kind.check_application(application)
        numbers = _check_members(application)
    except ActionError as exc:
        seen = seen_as(exc)
        if seen is exc:
            raise
        raise seen from None  # the hidden case stays out of the chain too
    household, known = _household_for(application, region, numbers)
    members = [
        known.get(number) or _create_member(household, data)
        for number, data in zip(numbers, application.members, strict=True)
    ]
    single = _single_person(kind, application, household, members)
    # A registered household keeps its recorded deductions; new ones come with a new household.
    for deduction_kind, amount, member_index in application.deductions if not known else ():
        if deduction_kind not in DEDUCTION_KINDS:
            raise ActionError(_("Unknown deduction kind: %(kind)s") % {"kind": deduction_kind})
        member = members[member_index] if member_index is not None else None
        Deduction.objects.create(
            household=household, member=member, kind=deduction_kind, monthly_amount=amount
        )
    case = Case.objects.create(
        number=uuid4().hex,
        assistance_type=application.assistance_type,
        household=household,
        region=region,
        single_person=single,
        details=application.details,
        created_by=actor,
        channel=channel,
        **payment,
    )
    case.number = f"{kind.case_prefix}{clock.today():%Y}{case.pk:08d}"
    case.relative_flag = _recuse_relatives(case, [m.resident_id for m in members])
    case.save(update_fields=["number", "relative_flag"])
    audit.record(
        "case.created",
        actor=actor,
        role=role,
        region_id=region.pk,
        case_id=case.pk,
        payload={
            "number": case.number,
            "type": case.assistance_type,
            "channel": channel,
            "members": len(members),
            "single_person": single.pk if single is not None else None,
            # Who set the payment account matters to audits (R10); the tail identifies it.
            "card_tail": case.bank_card[-4:],
        },
    )
    runtime.start(
        kind.process_key,
        case_id=case.pk,
        region_id=region.pk,
        actor=actor,
        role=role,
        data=process_data(case),
    )
    return case


def _as_seen_by(actor: User, error: ActionError) -> ActionError:
    """The refusal as this clerk may see it: a case outside their jurisdiction, or one they
    are recused from, is neither named nor linked, only the township to ask (R7, R9)."""
    case = error.case
    if case is None or access.cases_for_user(actor).filter(pk=case.pk).exists():
        return error
    township = case.region.ancestor_of_level(RegionLevel.TOWNSHIP) or case.region
    return ActionError(
        _("A member already has a case of this type that is handled elsewhere: ask %(office)s.")
        % {"office": township.name}
    )


def _check_payment(payment: PaymentAccount | None) -> dict[str, str]:
    if payment is None or not payment.card_number.strip():
        return {}
    try:
        card = parse_bank_card(payment.card_number)
    except InvalidBankCard as exc:
        raise ActionError(str(exc)) from exc
    if not payment.payee_name.strip() or not payment.bank_name.strip():
        raise ActionError(_("Give the bank and the account holder's name with the card number."))
    return {
        "payee_name": payment.payee_name.strip()[:50],
        "bank_name": payment.bank_name.strip()[:100],
        "bank_card": card,
    }


def _single_person(
    kind: Kind, application: ApplicationData, household: Household, members: list[Member]
) -> Member | None:
    """The member covered alone, when the application asks for it and the rules allow it."""
    index = application.single_person_index
    if index is None:
        return None
    if not kind.single_person_cover:
        raise ActionError(_("This assistance type has no single-person cover."))
    if not 0 <= index < len(members):
        raise ActionError(_("Choose the member to be covered alone among the household members."))
    member = members[index]
    refusals = []
    if member.age_on(clock.today()) < SINGLE_PERSON_ADULT_AGE:
        refusals.append(_("is not an adult"))
    if member.disability_grade not in SINGLE_PERSON_GRADES and not member.seriously_ill:
        refusals.append(_("has neither a grade 1-2 disability nor a serious illness"))
    if member.incomes.filter(kind__in=WORK_INCOMES).exists():
        refusals.append(_("has income from work"))
    if Case.objects.filter(
        household=household, assistance_type=AssistanceType.DIBAO, status__in=OPEN_STATUSES
    ).exists():
        refusals.append(_("lives in a household that already receives or applies for dibao"))
    if refusals:
        raise ActionError(
            _("Single-person cover is refused: %(name)s %(reasons)s.")
            % {"name": member.name, "reasons": _("; ").join(str(r) for r in refusals)}
        )
    return member


def _recuse_relatives(case: Case, resident_ids: list[str]) -> bool:
    """Recuse every staff member who declared one of the applicants as a near relative (R7)."""
    declarations = NearRelative.objects.filter(resident_id__in=resident_ids)
    recused: dict[int, NearRelative] = {}
    for declaration in declarations:
        recused.setdefault(declaration.staff_id, declaration)
    CaseRecusal.objects.bulk_create(
        [
            CaseRecusal(
                case=case, user_id=staff_id, reason=f"near relative: {d.get_relation_display()}"
            )
            for staff_id, d in recused.items()
        ],
        ignore_conflicts=True,
    )
    if recused:
        audit.record(
            "case.relatives_flagged",
            actor=None,
            role="system",
            region_id=case.region_id,
            case_id=case.pk,
            payload={"recused_staff": sorted(recused)},
        )
    return bool(recused)


def _role_for(actor: User, wanted: set[str]) -> str:
    return next((role for role in access.acting_roles(actor) if role in wanted), "")


def _household_for(
    application: ApplicationData, region: Region, numbers: list[str]
) -> tuple[Household, dict[str, Member]]:
    """The household of already-registered members (a dibao household applying for a disability
    subsidy, say), or a new one. Registered members keep their recorded data."""
    known = {m.resident_id: m for m in Member.objects.filter(resident_id__in=numbers)}
    households = {member.household_id for member in known.values()}
    if not households:
        household = Household.objects.create(
            region=region, address=application.address, hukou=application.hukou
        )
        return household, {}
    if len(households) > 1:
        raise ActionError(_("These people are registered in different households."))
    household = Household.objects.select_for_update().get(pk=households.pop())
    if household.region_id != region.pk:
        raise ActionError(_("This household is registered in another village."))
    return household, known


def _check_members(application: ApplicationData) -> list[str]:
    """Validate the people of an application; return their normalised resident IDs."""
    if not application.members:
        raise ActionError(_("A household needs at least one member."))
    if sum(1 for member in application.members if member.is_applicant) != 1:
        raise ActionError(_("Exactly one member applies on behalf of the household."))
    numbers = []
    for member in application.members:
        try:
            numbers.append(parse_resident_id(member.resident_id, today=clock.today()).number)
        except InvalidResidentId as exc:
            raise ActionError(f"{member.name}: {exc}") from exc
    if len(set(numbers)) != len(numbers):
        raise ActionError(_("The same resident ID appears twice."))
    # Held until commit: a near-relative declaration or another application about one of these
    # people waits for this one, then sees it (R7).
    locks.lock_residents(numbers)
    open_case = (
        Case.objects.filter(
            household__members__resident_id__in=numbers,
            assistance_type=application.assistance_type,
            status__in=OPEN_STATUSES,
        )
        .distinct()
        .first()
    )
    if open_case is not None:
        raise ActionError(
            _("A member already has an open case of this type: %(number)s")
            % {"number": open_case.number},
            case=open_case,
        )
    return numbers


def _create_member(household: Household, data: MemberData) -> Member:
    resident = parse_resident_id(data.resident_id, today=clock.today())
    if data.relation not in MemberRelation.values:
        raise ActionError(_("Choose the relation of %(name)s.") % {"name": data.name})
    try:
        # A savepoint: another clerk registering the same person commits first, and the
        # unique resident ID refuses this row; the transaction must stay usable to refuse.
        with transaction.atomic():
            member = Member.objects.create(
                household=household,
                name=data.name,
                resident_id=resident.number,
                birth_date=resident.birth_date,
                sex=resident.sex,
                relation=data.relation,
                is_applicant=data.is_applicant,
                covered=data.covered,
                disability_grade=data.disability_grade,
                seriously_ill=data.seriously_ill,
            )
    except IntegrityError as exc:
        raise ActionError(
            _(
                "%(name)s was registered by another clerk a moment ago. Nothing was saved: "
                "look the person up and do not register them twice."
            )
            % {"name": data.name}
        ) from exc
    for kind, amount in data.incomes:
        if kind not in INCOME_KINDS:
            raise ActionError(_("Unknown income kind: %(kind)s") % {"kind": kind})
        IncomeItem.objects.create(member=member, kind=kind, monthly_amount=amount)
    return member


def household_snapshot(case: Case, day: date) -> dict[str, Any]:
    """What the process needs of the household: no ID numbers, no addresses."""
    members = list(case.household.members.order_by("pk"))
    incomes = IncomeItem.objects.filter(member__household=case.household).order_by("pk")
    deductions = case.household.deductions.order_by("pk")
    return {
        "hukou": case.household.hukou,
        "members": [
            {
                "key": str(m.pk),
                "name": m.name,
                "covered": m.covered,
                "minor": m.age_on(day) < 18,
                # What the extra dibao for special groups (增发) looks at.
                "age": m.age_on(day),
                "disability_grade": m.disability_grade,
                "seriously_ill": m.seriously_ill,
            }
            for m in members
        ],
        "incomes": [
            {"member": str(i.member_id), "kind": i.kind, "monthly": str(i.monthly_amount)}
            for i in incomes
        ],
        "deductions": [
            {
                "kind": d.kind,
                "monthly": str(d.monthly_amount),
                "member": str(d.member_id) if d.member_id else None,
            }
            for d in deductions
        ],
        "single_person": str(case.single_person_id) if case.single_person_id else None,
    }


def process_data(case: Case) -> dict[str, Any]:
    day = clock.today()
    policy = policy_for(case.region, day)
    household = household_snapshot(case, day)
    covered = [m for m in household["members"] if m["covered"]]
    if household["single_person"]:
        covered = [m for m in household["members"] if m["key"] == household["single_person"]]
    common = {
        "case_id": case.pk,
        "case_number": case.number,
        "assistance_type": case.assistance_type,
        "applied_on": day.isoformat(),
        "policy": policy,
        "household": household,
        # No public notice when everyone it would name is a minor (child privacy, R4).
        "notice_required": not all(m["minor"] for m in covered),
        "notice_round": 0,
        "notice_length": policy["notice_days"],
        "county_investigation_required": case.relative_flag,
        "objections": [],
        "details": dict(case.details),
    }
    kind = kind_for(case.assistance_type)
    return {**common, **(kind.start_data(case, common) if kind else {})}


@transaction.atomic
def do_claim_task(task_id: int, *, actor: User) -> Task:
    access.get_task_for_user(actor, task_id, to_act=True)
    return runtime.claim(task_id, actor=actor)


@transaction.atomic
def do_unclaim_task(task_id: int, *, actor: User) -> Task:
    task = access.get_task_for_user(actor, task_id, to_act=True)
    if task.claimed_by_id != actor.pk:
        raise ActionError(_("You can only release a task you have claimed."))
    return runtime.unclaim(task_id, actor=actor)


@transaction.atomic
def do_assign_task(task_id: int, *, actor: User, assignee: User) -> Task:
    """An office leader hands a task to a colleague who may do it."""
    task = access.get_task_for_user(actor, task_id, to_act=False)
    if not access.is_leader(actor):
        raise PermissionDenied(_("Only an office leader assigns tasks."))
    if not access.colleagues_for(task).filter(pk=assignee.pk).exists():
        raise ActionError(_("This colleague cannot do this task."))
    return runtime.unclaim(task_id, actor=actor, assign_to=assignee)


# Not atomic on purpose: the only write is runtime.complete, a transaction of its own, and a
# diagram failure inside it must leave its incident behind instead of rolling it back here.
def do_complete_task(task_id: int, *, actor: User, data: Mapping[str, Any]) -> ProcessInstance:
    access.get_task_for_user(actor, task_id, to_act=True)
    return runtime.complete(task_id, actor=actor, data=data)


# A message whose process fails after it rolls back whole; the failure is recorded as an
# incident keeping the message, which policy staff retry once fixed (atomic_with_incidents).
@atomic_with_incidents
def do_record_check_result(
    case: Case, *, actor: User, eligible: bool, report_no: str, reasons: str = ""
) -> ProcessInstance:
    """The county check centre's report (R1) for one case, typed by a checker."""
    access.require_role_in_region(actor, case.region, {"county_checker"})
    return send_check_result(
        case,
        actor=actor,
        role="county_checker",
        eligible=eligible,
        report_no=report_no,
        reasons=reasons,
    )


def send_check_result(
    case: Case,
    *,
    actor: User,
    role: str,
    eligible: bool,
    report_no: str,
    reasons: str = "",
    instance_id: int | None = None,
) -> ProcessInstance:
    """Deliver a check report to the case's process; the caller has checked who sends it
    (`do_record_check_result` for a checker, `exchanges.checks` for the centre's system)."""
    if not eligible and len(reasons.strip()) < 2:
        raise ActionError(_("Give the reasons why the household does not qualify."))
    payload = {
        "result": "eligible" if eligible else "ineligible",
        "report_no": report_no,
        "reasons": reasons,
    }
    return runtime.send_message(
        case.pk, "check_result", payload, actor=actor, role=role, instance_id=instance_id
    )


@atomic_with_incidents
def do_record_objection(case: Case, *, actor: User, objector: str, reason: str) -> ProcessInstance:
    """An objection raised during the public notice (R4)."""
    access.require_role_in_region(actor, case.region, {"township_clerk", "village_clerk"})
    if len(reason.strip()) < 2:
        raise ActionError(_("Describe the objection."))
    payload = {"objector": objector, "reason": reason, "received_on": clock.today().isoformat()}
    return runtime.send_message(
        case.pk,
        "objection",
        payload,
        actor=actor,
        role=_role_for(actor, {"township_clerk", "village_clerk"}),
    )


@transaction.atomic
def do_declare_relative(*, actor: User, name: str, resident_id: str, relation: str) -> NearRelative:
    """A staff member registers a near relative; open cases naming them are recused at once,
    flagged, and sent to the county's own investigation if it is still ahead of them (R7)."""
    try:
        number = parse_resident_id(resident_id, today=clock.today()).number
    except InvalidResidentId as exc:
        raise ActionError(str(exc)) from exc
    if relation not in NearRelative.Relation.values:
        raise ActionError(_("Choose the relation."))
    # An application about this person either committed before this point, and is found
    # below, or waits for this declaration and finds it (see do_apply).
    locks.lock_residents([number])
    declaration, created = NearRelative.objects.get_or_create(
        staff=actor,
        resident_id=number,
        defaults={"name": name, "relation": relation, "declared_at": clock.now()},
    )
    if not created:
        raise ActionError(_("You have already declared this person."))
    open_cases = Case.objects.filter(
        household__members__resident_id=number, status__in=OPEN_STATUSES
    )
    for case in Case.objects.filter(pk__in=open_cases.values("pk")).select_for_update():
        CaseRecusal.objects.get_or_create(
            case=case,
            user=actor,
            defaults={"reason": f"near relative: {declaration.get_relation_display()}"},
        )
        _flag_late_relative(case, actor)
    audit.record(
        "relative.declared",
        actor=actor,
        role=",".join(access.user_roles(actor)),
        payload={"relation": relation, "resident_id_tail": number[-4:]},
    )
    return declaration


def _flag_late_relative(case: Case, staff: User) -> None:
    """The running process learns of the relative: the county investigates if not yet past."""
    audit.record(
        "case.relatives_flagged",
        actor=None,
        role="system",
        region_id=case.region_id,
        case_id=case.pk,
        payload={"recused_staff": [staff.pk], "declared_after_application": True},
    )
    if case.relative_flag:
        return
    case.relative_flag = True
    case.save(update_fields=["relative_flag"])
    runtime.set_variables(
        case.pk, {"county_investigation_required": True}, actor=None, role="system"
    )


@transaction.atomic
def do_upload_evidence(
    case: Case,
    *,
    actor: User,
    kind: str,
    upload: BinaryIO,
    name: str,
    size: int | None,
    supersedes: Evidence | None = None,
) -> Evidence:
    """Store a scan and record it; a replacement supersedes the old record, which stays."""
    access.require_acting_in_region(actor, case.region)
    if kind not in EvidenceKind.values:
        raise ActionError(_("Choose the kind of evidence."))
    if supersedes is not None:
        supersedes = Evidence.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.case_id != case.pk or hasattr(supersedes, "superseded_by"):
            raise ActionError(_("Only the current scan of this case can be replaced."))
    evidence = store_evidence(
        case, actor=actor, kind=kind, upload=upload, name=name, size=size, supersedes=supersedes
    )
    audit.record(
        "evidence.uploaded",
        actor=actor,
        role=",".join(access.acting_roles(actor)),
        region_id=case.region_id,
        case_id=case.pk,
        payload={
            "evidence_id": evidence.pk,
            "kind": kind,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "supersedes": supersedes.pk if supersedes else None,
        },
    )
    return evidence


def store_evidence(
    case: Case,
    *,
    actor: User,
    kind: str,
    upload: BinaryIO,
    name: str,
    size: int | None,
    supersedes: Evidence | None = None,
) -> Evidence:
    """Put the bytes in the evidence store and record them on the case; the caller audits."""
    try:
        stored = get_store().put(upload, expected_size=size)
    except (RejectedFile, StoreUnavailable) as exc:
        raise ActionError(str(exc), case=case) from exc
    return Evidence.objects.create(
        case=case,
        kind=kind,
        original_name=name[:200],
        key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        uploaded_by=actor,
        uploaded_at=clock.now(),
        supersedes=supersedes,
    )


@transaction.atomic
def do_view_evidence(evidence: Evidence, *, actor: User) -> Evidence:
    """Every look at a scan is on the record (R9: leaking personal data is punishable)."""
    audit.record(
        "evidence.viewed",
        actor=actor,
        role=",".join(access.user_roles(actor)),
        region_id=evidence.case.region_id,
        case_id=evidence.case_id,
        payload={"evidence_id": evidence.pk, "sha256": evidence.sha256},
    )
    return evidence


EXTENSION_ROLES = {"township_reviewer", "county_approver"}


@transaction.atomic
def do_extend_procedure(case: Case, *, actor: User, reason: str) -> Case:
    """R6: the whole procedure gets the region's longer limit, once, for a stated reason."""
    access.require_role_in_region(actor, case.region, EXTENSION_ROLES)
    if len(reason.strip()) < 2:
        raise ActionError(_("Give the reason for extending the procedure."))
    # Locked so two people extending at once cannot both succeed.
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status != CaseStatus.IN_PROGRESS:
        raise ActionError(_("Only a case still being decided can be extended."))
    if locked.procedure_extended_at is not None:
        raise ActionError(_("The procedure has already been extended once."))
    locked.procedure_extended_at = clock.now()
    locked.procedure_extension_reason = reason.strip()
    locked.save(update_fields=["procedure_extended_at", "procedure_extension_reason"])
    audit.record(
        "case.procedure_extended",
        actor=actor,
        role=_role_for(actor, EXTENSION_ROLES),
        region_id=locked.region_id,
        case_id=locked.pk,
        payload={"reason": locked.procedure_extension_reason},
    )
    return locked


@transaction.atomic
def do_record_auditor_read(case_id: int, *, actor: User) -> None:
    """An auditor opened a case page outside their workspace: the read goes on the case's trail
    like one in the audit workspace (auditors' reads are kept out of the staff's timelines)."""
    case = access.get_case_for_user(actor, case_id)
    audit.record(
        "audit.case_viewed",
        actor=actor,
        role="auditor",
        region_id=case.region_id,
        case_id=case.pk,
        payload={"where": "portal"},
    )
