"""Medical assistance top-up (医疗救助): the compliant in-patient costs a poor patient still
pays after basic medical insurance and serious-illness insurance (seed 002).

The application's `details` name the patient (an index into the members), whom the patient
is (特困, dibao or low-income), the hospital stay and its compliant costs with what the two
insurances reimbursed. The aid is a share of what is left, by class, up to a yearly cap per
person; it is paid once, so an approved case closes like a temporary aid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assistance.actions import ActionError, ApplicationData, MemberData, do_apply
from assistance.breakdowns import Breakdown, Line, money
from assistance.demo import complete_step
from assistance.ids import make_resident_id
from assistance.kinds import Kind, close_when_granted, register
from assistance.kinds.common import (
    CENT,
    cents,
    decimal_or_none,
    is_member_index,
    paid_once,
    receives_now,
    replay_demo_cases,
    resident_numbers,
    unseeded_village,
    whole_percent,
)
from assistance.models import AssistanceType, Case, CaseStatus, Region
from assistance.policy import Param, clean_count, clean_money, register_params
from engine import registry
from engine.clock import clock

PROCESS_KEY = "medical"
CLASSES = ("tekun", "dibao", "low_income")
# A patient of these classes must be on record as receiving that benefit now.
CLASS_CASE_TYPES = {"tekun": AssistanceType.TEKUN, "dibao": AssistanceType.DIBAO}


register_params(
    {
        "medical_rate_tekun_percent": Param(
            # xgettext:no-python-format
            _lazy("Medical aid: share of the remaining costs for extreme-poverty persons (%)"),
            whole_percent,
            "integer",
        ),
        "medical_rate_dibao_percent": Param(
            # xgettext:no-python-format
            _lazy("Medical aid: share of the remaining costs for dibao members (%)"),
            whole_percent,
            "integer",
        ),
        "medical_rate_low_income_percent": Param(
            # xgettext:no-python-format
            _lazy("Medical aid: share of the remaining costs for low-income members (%)"),
            whole_percent,
            "integer",
        ),
        "medical_yearly_cap": Param(
            _lazy("Medical aid: most paid per person in a calendar year (yuan)"), clean_money
        ),
        "medical_review_working_days": Param(
            _lazy("Medical aid: working days for the township review"), clean_count
        ),
    }
)

DEMO_POLICY: dict[str, Any] = {
    "medical_rate_tekun_percent": 100,
    "medical_rate_dibao_percent": 70,
    "medical_rate_low_income_percent": 50,
    "medical_yearly_cap": "30000.00",
    "medical_review_working_days": 10,
}


# ---------------------------------------------------------------- the amount rule


class MedicalRuleError(ValueError):
    """Figures the rule cannot work with (a broken form value or policy)."""


def _amount(value: Any, what: str) -> Decimal:
    return cents(value, what, MedicalRuleError)


def medical_amount(
    total_cost: Any,
    basic_paid: Any,
    serious_paid: Any,
    recipient_class: str,
    granted_this_year: Any,
    policy: Mapping[str, Any],
) -> dict[str, Any]:
    """The top-up: the class's share of the compliant costs left after both insurances,
    at most what the yearly cap per person still allows."""
    if recipient_class not in CLASSES:
        raise MedicalRuleError(f"unknown recipient class {recipient_class!r}")
    total = _amount(total_cost, "the compliant costs")
    reimbursed = _amount(basic_paid, "the basic insurance") + _amount(
        serious_paid, "the serious-illness insurance"
    )
    remaining = max(total - reimbursed, Decimal(0)).quantize(CENT)
    rate = int(policy[f"medical_rate_{recipient_class}_percent"])
    computed = (remaining * rate / 100).quantize(CENT)
    cap = _amount(policy["medical_yearly_cap"], "the yearly cap")
    granted = _amount(granted_this_year, "the aid granted this year")
    cap_left = max(cap - granted, Decimal(0)).quantize(CENT)
    amount = min(computed, cap_left)
    return {
        "remaining": str(remaining),
        "rate": rate,
        "computed": str(computed),
        "cap": str(cap),
        "granted_this_year": str(granted),
        "cap_left": str(cap_left),
        "amount": str(amount),
        "capped": computed > cap_left,
        **paid_once(amount),
    }


registry.register_helper("medical_amount", medical_amount)

CLASS_LABELS = {
    "tekun": _lazy("extreme-poverty person"),
    "dibao": _lazy("dibao member"),
    "low_income": _lazy("low-income member"),
}


def amount_breakdown(
    case: Case,
    members: Iterable[Any],
    deductions: Iterable[Any],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> Breakdown:
    """`medical_amount` as the diagram calls it, on the figures of the application."""
    process = process or {}
    details = case.details
    recipient_class = str(details["recipient_class"])
    granted = process.get("medical_granted_this_year", "0")
    result = medical_amount(
        details["total_cost"],
        details["basic_insurance_paid"],
        details["serious_illness_paid"],
        recipient_class,
        granted,
        policy,
    )
    lines = [
        Line(
            _lazy("Patient"),
            value=process.get("patient_name", ""),
            note=CLASS_LABELS[recipient_class],
        ),
        Line(
            _lazy("Hospital"),
            value=str(details.get("hospital", "")),
            note=_("left hospital on %(day)s") % {"day": details.get("discharged_on", "")},
        ),
        Line(_lazy("Compliant in-patient costs"), money(details["total_cost"])),
        Line(
            _lazy("Reimbursed by basic medical insurance"), money(details["basic_insurance_paid"])
        ),
        Line(
            _lazy("Reimbursed by serious-illness insurance"), money(details["serious_illness_paid"])
        ),
        Line(_lazy("Left to pay"), money(result["remaining"]), subtotal=True),
        Line(
            _lazy("Share paid"),
            value=f"{result['rate']}%",
            params=(f"medical_rate_{recipient_class}_percent",),
            note=CLASS_LABELS[recipient_class],
        ),
        Line(_lazy("Share of the costs left"), money(result["computed"])),
        Line(_lazy("Yearly cap per person"), money(result["cap"]), params=("medical_yearly_cap",)),
        Line(_lazy("Already granted this year"), money(result["granted_this_year"])),
    ]
    return Breakdown(
        kind=AssistanceType.MEDICAL,
        lines=tuple(lines),
        total=money(result["amount"]),
        total_label=_lazy("One-off amount"),
        formula=_lazy("(costs − both insurances) × share, at most the cap left this year"),
        eligible=Decimal(result["amount"]) > 0,
        ineligible_reason=_lazy("nothing is left to pay, or the yearly cap is used up"),
        notes=(_lazy("Capped at what the yearly cap still allows."),) if result["capped"] else (),
    )


# ---------------------------------------------------------------- application


def _money_field(details: Mapping[str, Any], name: str) -> Decimal | None:
    value = decimal_or_none(details.get(name, ""))
    return value if value is not None and value >= 0 else None


def check_details(details: Mapping[str, Any], members: int, today: date) -> None:
    """Refuse what no review can fix: the figures do not add up, the stay is in the future."""
    if not is_member_index(details.get("patient_member"), members):
        raise ActionError(_("Choose the patient among the household members."))
    if details.get("recipient_class") not in CLASSES:
        raise ActionError(
            _("Choose whether the patient is an extreme-poverty, dibao or low-income member.")
        )
    total = _money_field(details, "total_cost")
    basic = _money_field(details, "basic_insurance_paid")
    serious = _money_field(details, "serious_illness_paid")
    if total is None or total <= 0:
        raise ActionError(_("Give the compliant in-patient costs, more than 0 yuan."))
    if basic is None or serious is None:
        raise ActionError(_("Give what each insurance reimbursed, 0 if nothing."))
    if basic + serious > total:
        raise ActionError(
            _("The two insurances cannot have reimbursed more than the compliant costs.")
        )
    try:
        discharged = date.fromisoformat(str(details.get("discharged_on", "")))
    except ValueError:
        raise ActionError(_("Give the day the patient left hospital.")) from None
    if discharged > today:
        raise ActionError(_("The patient must have left hospital: the day is in the future."))


def check_application(application: ApplicationData) -> None:
    details = application.details
    check_details(details, len(application.members), clock.today())
    patient = resident_numbers([application.members[int(details["patient_member"])]])
    if not patient:
        return
    number = details["patient_resident_id"] = patient[0]
    case_type = CLASS_CASE_TYPES.get(details["recipient_class"])
    if case_type is not None and not receives_now(case_type, patient):
        raise ActionError(
            _("The patient is not on record as receiving %(benefit)s now: choose another class.")
            % {"benefit": AssistanceType(case_type).label}
        )
    pending = Case.objects.filter(
        assistance_type=AssistanceType.MEDICAL,
        status=CaseStatus.IN_PROGRESS,
        details__patient_resident_id=number,
    ).first()
    if pending is not None:
        # One at a time, so the yearly cap counts every aid granted before.
        raise ActionError(
            _("The patient already has a medical aid application under way: see case %(number)s.")
            % {"number": pending.number},
            case=pending,
        )


def granted_this_year(resident_id: str, year: int) -> Decimal:
    """Medical aid paid to this person in the calendar year (the cap counts it)."""
    total = Case.objects.filter(
        assistance_type=AssistanceType.MEDICAL,
        status=CaseStatus.CLOSED,
        decided_on__year=year,
        details__patient_resident_id=resident_id,
    ).aggregate(total=Sum("monthly_amount"))["total"]
    return (total or Decimal(0)).quantize(CENT)


def start_data(case: Case, common: dict[str, Any]) -> dict[str, Any]:
    members = common["household"]["members"]
    patient = members[int(case.details["patient_member"])]
    number = str(case.details.get("patient_resident_id", ""))
    return {
        "patient_name": patient["name"],
        "medical_granted_this_year": str(granted_this_year(number, clock.today().year)),
    }


close_when_granted(PROCESS_KEY)


# ---------------------------------------------------------------- demo

# patient, class, costs, basic, serious, how far the case gets
DEMO_CASES = [
    ("周玉兰", "low_income", "26000.00", "15600.00", "3000.00", "township_review"),
    ("吴国庆", "low_income", "48000.00", "28800.00", "8000.00", "county_decision"),
    ("郑桂香", "low_income", "12000.00", "7200.00", "0.00", "approved"),
    ("王德胜", "low_income", "9000.00", "5400.00", "0.00", "refused"),
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    village = unseeded_village(regions, AssistanceType.MEDICAL)
    if village is not None:
        replay_demo_cases(DEMO_CASES, partial(_demo_case, users, village), days_ago=6)


def _demo_case(
    users: Mapping[str, User],
    village: Region,
    index: int,
    name: str,
    recipient_class: str,
    total: str,
    basic: str,
    serious: str,
    stage: str,
) -> None:
    application = ApplicationData(
        region_id=village.pk,
        address=f"东村{index + 21}组",
        hukou="rural",
        members=[
            MemberData(
                name=name,
                resident_id=make_resident_id("431102", date(1955 + index, 3, 8), 60 + index, "F"),
                is_applicant=True,
                seriously_ill=True,
            )
        ],
        assistance_type=AssistanceType.MEDICAL,
        details={
            "patient_member": 0,
            "recipient_class": recipient_class,
            "hospital": "东县人民医院",
            "discharged_on": (clock.today() - timedelta(days=10)).isoformat(),
            "total_cost": total,
            "basic_insurance_paid": basic,
            "serious_illness_paid": serious,
        },
    )
    case = do_apply(application, actor=users["clerk"])
    if stage == "township_review":
        return
    if stage == "refused":
        complete_step(
            users,
            case,
            "reviewer",
            "township_review",
            opinion="refuse",
            opinion_reasons="经核对，住院费用已由其他救助渠道全额解决。",
        )
        complete_step(
            users,
            case,
            "clerk",
            "refusal_notice",
            delivered_on=clock.today().isoformat(),
            delivery_method="in_person",
        )
        return
    complete_step(users, case, "reviewer", "township_review", opinion="approve")
    if stage == "approved":
        complete_step(users, case, "approver", "county_decision", decision="approve")


KIND = register(
    Kind(
        code=AssistanceType.MEDICAL,
        process_key=PROCESS_KEY,
        case_prefix="YL",
        start_data=start_data,
        check_application=check_application,
        seed_demo=seed_demo,
        demo_policy=DEMO_POLICY,
        intake_form="intake_medical.json",
        amount_breakdown=amount_breakdown,
        amount_facts=("medical_granted_this_year", "patient_name"),
    )
)
