"""Extreme-poverty support (特困人员救助供养, "五保").

Eligible when all three hold: no capacity to work (aged 60 or over, under 16, or severely
disabled), no income (below the dibao standard) and no one legally obliged and able to
support them. Work capacity is judged on the spot from the application; income, property and
supporters are judged in the process (economic check, home investigation, township opinion).

The monthly amount is a basic living standard (a multiple of the local dibao standard) plus
a care allowance set by the self-care assessment (a percentage of the local minimum wage).
A reported change in self-care ability starts the small `tekun_reassessment` process on the
active case, which records the new care level and amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assistance import access, actions
from assistance.actions import ActionError, ApplicationData, MemberData, process_data
from assistance.amounts import AmountInputError, dibao_amount
from assistance.breakdowns import Breakdown, Line, fact, household_json, money
from assistance.demo import complete_step
from assistance.ids import InvalidResidentId, make_resident_id, parse_resident_id
from assistance.kinds import Kind, register
from assistance.kinds.common import DEMO_VILLAGE, clock_at, whole_percent
from assistance.models import AssistanceType, Case, CaseStatus, Deduction, Member, Region
from assistance.policy import PARAMS, Param, PolicyError, clean_count, clean_money, register_params
from assistance.projections import apply_application_outcome, register_outcome_handler
from engine import audit, registry, runtime
from engine.clock import clock
from engine.models import InstanceStatus, ProcessInstance, Task

PROCESS_KEY = "tekun"
REASSESSMENT_KEY = "tekun_reassessment"

# 全自理 / 半护理 / 全护理, as decided by workflows/tekun_care_level.dmn.
SELF_CARE = "self_care"
PARTIAL = "partial"
FULL = "full"
CARE_LEVELS = (SELF_CARE, PARTIAL, FULL)
# The six activities of the self-care assessment, as named in tekun_care_assessment.json.
ACTIVITIES = ("can_eat", "can_dress", "can_transfer", "can_toilet", "can_walk_indoors", "can_bathe")

OLD_AGE = 60
CHILD_AGE = 16
ADULT_AGE = 18
SEVERE_DISABILITY_GRADES = frozenset({1, 2})

REPORT_ROLES = {"township_clerk", "village_clerk", "township_investigator"}

_CENT = Decimal("0.01")


# ---------------------------------------------------------------- policy parameters


def _multiplier(value: Any) -> str:
    if isinstance(value, bool):
        raise PolicyError(_lazy("Expected a multiplier of at least 1."))
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise PolicyError(_lazy("Expected a multiplier of at least 1.")) from exc
    # The rules set a floor ("at least 1.3 times"): below 1 would undercut dibao itself.
    if not number.is_finite() or number < 1 or number > 10:
        raise PolicyError(_lazy("Expected a multiplier of at least 1."))
    return str(number)


_PARAMS = {
    "tekun_basic_multiplier": Param(
        _lazy("Extreme-poverty basic living: multiple of the dibao standard"),
        _multiplier,
        input="decimal",
    ),
    "minimum_wage_monthly": Param(_lazy("Local minimum wage (yuan/month)"), clean_money),
    "tekun_care_partial_percent": Param(
        # xgettext:no-python-format
        _lazy("Care allowance for partial care (% of the minimum wage)"),
        whole_percent,
        "integer",
    ),
    "tekun_care_full_percent": Param(
        # xgettext:no-python-format
        _lazy("Care allowance for full care (% of the minimum wage)"),
        whole_percent,
        "integer",
    ),
    "tekun_reassessment_working_days": Param(
        _lazy("Working days to re-assess self-care after a reported change"), clean_count
    ),
}
# The minimum wage is a general figure other kinds may register too; share theirs if so.
register_params({key: param for key, param in _PARAMS.items() if key not in PARAMS})

DEMO_POLICY: dict[str, Any] = {
    "tekun_basic_multiplier": "1.3",
    "minimum_wage_monthly": "1700.00",
    "tekun_care_partial_percent": 10,
    "tekun_care_full_percent": 20,
    "tekun_reassessment_working_days": 10,
}


# ---------------------------------------------------------------- amount


@dataclass(frozen=True)
class TekunAmount:
    basic_living: Decimal
    care_allowance: Decimal
    monthly_amount: Decimal


def calculate_tekun(
    *,
    dibao_standard: Decimal,
    multiplier: Decimal,
    minimum_wage: Decimal,
    care_percent: int,
) -> TekunAmount:
    # The standard is a floor ("not below 1.3 times"), so a fraction of a cent rounds up.
    basic = (dibao_standard * multiplier).quantize(_CENT, rounding=ROUND_CEILING)
    care = (minimum_wage * care_percent / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
    return TekunAmount(basic_living=basic, care_allowance=care, monthly_amount=basic + care)


def care_percent(policy: Mapping[str, Any], care_level: str) -> int:
    if care_level == SELF_CARE:
        return 0
    if care_level == PARTIAL:
        return int(policy["tekun_care_partial_percent"])
    if care_level == FULL:
        return int(policy["tekun_care_full_percent"])
    raise AmountInputError(_lazy("Unknown care level."), "unknown_care_level")


def tekun_amount(
    household: Mapping[str, Any], policy: Mapping[str, Any], care_level: str, applicant: str
) -> dict[str, Any]:
    """The amount for diagram scripts: plain JSON values in and out, money as strings.

    Only the applicant's own income counts (the support is for that person alone), with the
    dibao income rules; it must stay below the dibao standard.
    """
    standard = Decimal(str(policy[f"dibao_standard_{household['hukou']}"]))
    alone = dibao_amount(
        {**household, "single_person": applicant},
        {"standard_monthly": str(standard), "employment_cost_cap": policy["employment_cost_cap"]},
    )
    percent = care_percent(policy, care_level)
    result = calculate_tekun(
        dibao_standard=standard,
        multiplier=Decimal(str(policy["tekun_basic_multiplier"])),
        minimum_wage=Decimal(str(policy["minimum_wage_monthly"])),
        care_percent=percent,
    )
    return {
        "dibao_standard": str(standard.quantize(_CENT)),
        "applicant_income": alone["per_capita_income"],
        "eligible": bool(alone["eligible"]),
        "care_level": care_level,
        "care_percent": percent,
        "basic_living": str(result.basic_living),
        "care_allowance": str(result.care_allowance),
        "monthly_amount": str(result.monthly_amount),
    }


registry.register_helper("tekun_amount", tekun_amount)

CARE_LABELS = {
    SELF_CARE: _lazy("Fully self-caring"),
    PARTIAL: _lazy("Partial care"),
    FULL: _lazy("Full care"),
}
CARE_PARAMS = {
    SELF_CARE: (),
    PARTIAL: ("tekun_care_partial_percent", "minimum_wage_monthly"),
    FULL: ("tekun_care_full_percent", "minimum_wage_monthly"),
}


def amount_breakdown(
    case: Case,
    members: Iterable[Member],
    deductions: Iterable[Deduction],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> Breakdown:
    """`tekun_amount` on the records, with the care level of the self-care assessment (the
    process's DMN output) once known; until then the allowance is that of a self-caring
    person and the page says the assessment is still to come."""
    people = list(members)
    level = str(fact(process or {}, case, "care_level", "") or "")
    known = level in CARE_LEVELS
    applicant = next((m for m in people if m.is_applicant), people[0])
    result = tekun_amount(
        household_json(case, people, deductions),
        policy,
        level if known else SELF_CARE,
        str(applicant.pk),
    )
    standard_key = f"dibao_standard_{case.household.hukou}"
    multiplier = policy["tekun_basic_multiplier"]
    wage = money(policy["minimum_wage_monthly"])
    lines = [
        # Figures that decide but are not added up go with the label, not in the sum column.
        Line(
            _lazy("Applicant's own counted income"),
            value=str(money(result["applicant_income"])),
        ),
        Line(
            _("Dibao standard (%(hukou)s)") % {"hukou": case.household.get_hukou_display()},
            value=str(money(result["dibao_standard"])),
            params=(standard_key,),
        ),
        Line(
            _("Basic living: %(multiplier)s × dibao standard") % {"multiplier": multiplier},
            money(result["basic_living"]),
            params=("tekun_basic_multiplier", standard_key),
        ),
        Line(
            _lazy("Care level"),
            value=CARE_LABELS[level] if known else _lazy("not yet assessed"),
            note=_lazy("from the self-care assessment") if known else "",
        ),
        Line(
            _("Care allowance: %(percent)s%% × minimum wage %(wage)s")
            % {"percent": result["care_percent"], "wage": wage},
            money(result["care_allowance"]),
            params=CARE_PARAMS[level if known else SELF_CARE],
        ),
    ]
    return Breakdown(
        kind=AssistanceType.TEKUN,
        lines=tuple(lines),
        total=money(result["monthly_amount"]),
        formula=_lazy("basic living + care allowance"),
        eligible=bool(result["eligible"]),
        ineligible_reason=_lazy("the applicant's own income is not below the dibao standard"),
        notes=() if known else (_lazy("The care allowance follows the self-care assessment."),),
    )


# ---------------------------------------------------------------- application


def _applicant(application: ApplicationData) -> MemberData | None:
    applicants = [member for member in application.members if member.is_applicant]
    return applicants[0] if len(applicants) == 1 else None


def check_application(application: ApplicationData) -> None:
    """Refuse on the spot an applicant who plainly has capacity to work, or an orphan minor."""
    applicant = _applicant(application)
    if applicant is None:
        return  # do_apply's member checks say what is wrong
    today = clock.today()
    try:
        age = parse_resident_id(applicant.resident_id, today=today).age_on(today)
    except (InvalidResidentId, ValueError):
        return  # likewise reported by do_apply with the member's name
    if application.details.get("orphan") is True and age < ADULT_AGE:
        raise ActionError(
            _(
                "An orphan under 18 is supported by the orphan programme: "
                "apply for the orphan allowance instead."
            )
        )
    if age >= OLD_AGE or age < CHILD_AGE:
        return
    if applicant.disability_grade in SEVERE_DISABILITY_GRADES:
        return
    raise ActionError(
        _(
            "Extreme-poverty support is only for people without capacity to work: "
            "aged 60 or over, under 16, or with a grade 1 or 2 disability."
        )
    )


def start_data(case: Case, common: dict[str, Any]) -> dict[str, Any]:
    day = clock.today()
    applicant = case.household.members.get(is_applicant=True)
    minor = applicant.age_on(day) < ADULT_AGE
    return {
        "applicant": {
            "key": str(applicant.pk),
            "age": applicant.age_on(day),
            "minor": minor,
            "disability_grade": applicant.disability_grade,
        },
        # Only the applicant is supported and named: no notice for a minor (R4).
        "notice_required": not minor,
    }


# ---------------------------------------------------------------- outcomes


def apply_tekun_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    fields = apply_application_outcome(case, data)
    if data.get("outcome") != "approved":
        return fields
    amount = data["amount"]
    case.details = {
        **case.details,
        "care_level": str(data["care_level"]),
        "support_form": str(data["support_form"]),
        "basic_living": str(amount["basic_living"]),
        "care_allowance": str(amount["care_allowance"]),
    }
    return [*fields, "details"]


def apply_reassessment_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    """The case stays active; only its care level and amount change."""
    amount = data["amount"]
    case.monthly_amount = Decimal(str(amount["monthly_amount"]))
    case.details = {
        **case.details,
        "care_level": str(data["care_level"]),
        "basic_living": str(amount["basic_living"]),
        "care_allowance": str(amount["care_allowance"]),
        "care_reassessed_on": str(data["decided_on"]),
        # Benefits change from the month after the decision, as they start (R8).
        "care_amount_from": str(data["effective_month"]),
    }
    return ["monthly_amount", "details"]


register_outcome_handler(PROCESS_KEY, apply_tekun_outcome)
register_outcome_handler(REASSESSMENT_KEY, apply_reassessment_outcome)


@transaction.atomic
def do_report_care_change(case: Case, *, actor: User, note: str) -> ProcessInstance:
    """A reported change in self-care ability: re-assess within the statutory working days."""
    access.require_role_in_region(actor, case.region, REPORT_ROLES)
    # Locked so two reports at once cannot start two re-assessments.
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.assistance_type != AssistanceType.TEKUN or case.status != CaseStatus.ACTIVE:
        raise ActionError(_("Only an active extreme-poverty support case can be re-assessed."))
    if len(note.strip()) < 2:
        raise ActionError(_("Describe the change in the person's condition."))
    if ProcessInstance.objects.filter(case=case, status=InstanceStatus.RUNNING).exists():
        raise ActionError(_("This case already has a process under way."), case=case)
    role = next((r for r in access.acting_roles(actor) if r in REPORT_ROLES), "")
    audit.record(
        "case.care_change_reported",
        actor=actor,
        role=role,
        region_id=case.region_id,
        case_id=case.pk,
        payload={"note": note.strip()},
    )
    data = {
        **process_data(case),
        "reported_change": note.strip(),
        "reported_on": clock.today().isoformat(),
        "previous_care_level": str(case.details.get("care_level", "")),
        "previous_amount": str(case.monthly_amount) if case.monthly_amount is not None else "",
    }
    return runtime.start(
        REASSESSMENT_KEY,
        case_id=case.pk,
        region_id=case.region_id,
        actor=actor,
        role=role,
        data=data,
    )


# ---------------------------------------------------------------- demo

# (name, birth date, disability grade, hukou, how far the case gets)
DEMO_CASES = [
    ("李德顺", date(1948, 2, 11), None, "rural", "acceptance"),
    ("王秀珍", date(1951, 6, 2), None, "rural", "check"),
    ("赵长福", date(1945, 9, 23), None, "rural", "investigate"),
    ("钱桂芳", date(1950, 4, 17), None, "rural", "care_assessment"),
    ("孙有田", date(1973, 8, 5), 1, "rural", "support_arrangement"),
    ("周玉兰", date(1947, 12, 30), None, "rural", "care_agreement"),
    ("吴老根", date(1944, 3, 8), None, "rural", "opinion"),
    ("郑秋菊", date(1952, 10, 14), None, "rural", "notice"),
    ("冯小宝", date(2016, 7, 1), None, "rural", "confirm"),
    ("陈福贵", date(1942, 1, 19), None, "rural", "active"),
    ("褚金花", date(1946, 5, 25), None, "rural", "reassessment"),
    ("卫大山", date(1955, 11, 3), None, "rural", "refused"),
]
STEPS = [
    "acceptance",
    "check",
    "investigate",
    "care_assessment",
    "support_arrangement",
    "care_agreement",
    "opinion",
    "notice",
    "confirm",
    "active",
    "reassessment",
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    village = regions[DEMO_VILLAGE]
    now = clock.now()
    for index, (name, born, grade, hukou, stage) in enumerate(DEMO_CASES):
        # A case still in its notice must have started recently, or its notice would be over.
        with clock_at(now - timedelta(days=2 if stage == "notice" else 14, minutes=60 - index)):
            _demo_case(users, village, index, name, born, grade, hukou, stage)


def _demo_case(
    users: Mapping[str, User],
    village: Region,
    index: int,
    name: str,
    born: date,
    grade: int | None,
    hukou: str,
    stage: str,
) -> None:
    application = ApplicationData(
        region_id=village.pk,
        address=f"东村{index + 1}组",
        hukou=hukou,
        members=[
            MemberData(
                name=name,
                resident_id=make_resident_id("431102", born, 80 + index, "M" if index % 2 else "F"),
                is_applicant=True,
                disability_grade=grade,
            )
        ],
        assistance_type=AssistanceType.TEKUN,
    )
    case = actions.do_apply(application, actor=users["clerk"])
    reached = STEPS.index(stage) if stage in STEPS else STEPS.index("opinion")

    def done(step: str) -> bool:
        return reached > STEPS.index(step)

    if done("acceptance"):
        complete_step(users, case, "clerk", "acceptance", acceptance_decision="complete")
    if done("check"):
        case.refresh_from_db()
        actions.do_record_check_result(
            case, actor=users["checker"], eligible=True, report_no=f"TK-HD-{case.pk:05d}"
        )
    if done("investigate"):
        today = clock.today().isoformat()
        complete_step(
            users,
            case,
            "investigator",
            "investigate",
            visited_on=today,
            findings="独居，无劳动能力，无收入来源，无法定赡养人。",
            matches_declaration=True,
        )
        complete_step(users, case, "investigator2", "cosign", cosign_agrees=True)
    if done("care_assessment"):
        # A spread of care levels: the first `failed` activities cannot be done.
        failed = index % 6
        abilities = {name: position >= failed for position, name in enumerate(ACTIVITIES)}
        complete_step(
            users,
            case,
            "investigator",
            "care_assessment",
            assessed_on=clock.today().isoformat(),
            **abilities,
        )
    if done("support_arrangement"):
        centralised = index % 2 == 0
        form: dict[str, Any] = {"support_form": "centralised" if centralised else "dispersed"}
        if centralised:
            form["institution"] = "零陵区东镇敬老院"
        complete_step(users, case, "investigator", "support_arrangement", **form)
    if done("care_agreement") and _has_task(case, "care_agreement"):
        complete_step(
            users,
            case,
            "clerk",
            "care_agreement",
            caregiver_name="东村邻居" + name[0] + "某",
            agreement_signed_on=clock.today().isoformat(),
        )
    if stage == "refused":
        complete_step(
            users,
            case,
            "reviewer",
            "opinion",
            opinion="refuse",
            no_supporter=False,
            opinion_reasons="其子具有赡养能力。",
        )
        return
    if done("opinion"):
        complete_step(users, case, "reviewer", "opinion", opinion="approve", no_supporter=True)
    if done("notice") and not Task.objects.filter(case=case).exists():
        clock.advance(timedelta(days=8))
        runtime.fire_due_timers()
    if done("confirm"):
        complete_step(users, case, "approver", "county_confirm", decision="approve")
    if done("active"):
        case.refresh_from_db()
        do_report_care_change(case, actor=users["clerk"], note="近期中风，行动不便。")


def _has_task(case: Case, spec_name: str) -> bool:
    return Task.objects.filter(case=case, spec_name=spec_name).exists()


KIND = register(
    Kind(
        paid_monthly=True,
        code=AssistanceType.TEKUN,
        process_key=PROCESS_KEY,
        case_prefix="TK",
        start_data=start_data,
        check_application=check_application,
        seed_demo=seed_demo,
        demo_policy=DEMO_POLICY,
        intake_form="intake_tekun.json",
        amount_breakdown=amount_breakdown,
        amount_facts=("care_level",),
    )
)
