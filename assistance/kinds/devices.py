"""Assistive devices for poor disabled people (贫困残疾人辅助器具适配, seed 000: 福康工程).

Disabled members of registered-poor, dibao and 特困 households get a device fitted free of
charge: prostheses, orthoses, wheelchairs, crutches, walkers, nursing beds. The township
checks the application; the county disabled persons' federation (its rehabilitation-aid
centre) assesses what device fits and at what price, then issues it. The federation pays
the supplier up to a cap per person, so the household receives the device, not money: an
issued case closes at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assistance.actions import ActionError, ApplicationData, MemberData, do_apply
from assistance.breakdowns import Breakdown, Line, money
from assistance.demo import complete_step
from assistance.ids import make_resident_id
from assistance.kinds import Kind, close_when_granted, register
from assistance.kinds.common import (
    CENT,
    decimal_or_none,
    paid_once,
    receives_now,
    replay_demo_cases,
    resident_numbers,
    unseeded_village,
)
from assistance.kinds.disability import CATEGORY_LABELS, _federation_user, check_certificate
from assistance.models import AssistanceType, Case, Region
from assistance.policy import Param, clean_count, clean_money, register_params
from engine import registry
from engine.clock import clock

PROCESS_KEY = "devices"
DEVICE_ISSUED = "device_issued"
DEVICES = (
    "wheelchair",
    "prosthesis",
    "orthosis",
    "crutches",
    "walker",
    "nursing_bed",
    "hearing_aid",
    "low_vision_aid",
)
CLASSES = ("registered_poor", "dibao", "tekun")
# Dibao and 特困 households must be on record as such; the registered-poor list is the
# poverty-relief office's, which the township checks by hand.
CLASS_CASE_TYPES = {"dibao": AssistanceType.DIBAO, "tekun": AssistanceType.TEKUN}

register_params(
    {
        "devices_cap_per_person": Param(
            _lazy("Assistive devices: most paid for one person's device (yuan)"), clean_money
        ),
        "devices_assessment_working_days": Param(
            _lazy("Assistive devices: working days for the federation's assessment"), clean_count
        ),
        "devices_issue_working_days": Param(
            _lazy("Assistive devices: working days to issue the device after the assessment"),
            clean_count,
        ),
    }
)

DEMO_POLICY: dict[str, Any] = {
    "devices_cap_per_person": "5000.00",
    "devices_assessment_working_days": 15,
    "devices_issue_working_days": 20,
}


# ---------------------------------------------------------------- the amount rule


class DevicesRuleError(ValueError):
    """A price the rule cannot work with."""


def devices_amount(price: Any, policy: Mapping[str, Any]) -> dict[str, Any]:
    """What the programme pays for the fitted device: its price, at most the cap per person;
    above the cap the federation fits a cheaper device or finds other funds."""
    value = decimal_or_none(price)
    if value is None or value <= 0:
        raise DevicesRuleError(f"not a price: {price!r}")
    value = value.quantize(CENT)
    cap = Decimal(str(policy["devices_cap_per_person"])).quantize(CENT)
    paid = min(value, cap)
    return {
        "price": str(value),
        "cap": str(cap),
        "paid": str(paid),
        "within_cap": value <= cap,
        # What the case records: the device's value (never paid to the household).
        **paid_once(paid),
    }


registry.register_helper("devices_amount", devices_amount)

CLASS_LABELS = {
    "registered_poor": _lazy("registered-poor household"),
    "dibao": _lazy("dibao household"),
    "tekun": _lazy("extreme-poverty person"),
}

DEVICE_LABELS = {
    "wheelchair": _lazy("wheelchair"),
    "prosthesis": _lazy("prosthesis"),
    "orthosis": _lazy("orthosis"),
    "crutches": _lazy("crutches"),
    "walker": _lazy("walker"),
    "nursing_bed": _lazy("nursing bed"),
    "hearing_aid": _lazy("hearing aid"),
    "low_vision_aid": _lazy("low-vision aid"),
}


def amount_breakdown(
    case: Case,
    members: Iterable[Any],
    deductions: Iterable[Any],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> Breakdown:
    """`devices_amount` on the price the federation assessed; before it, the cap alone."""
    process = process or {}
    details = case.details
    device = str(process.get("assessed_device") or details["device"])
    category = str(details.get("category", ""))
    lines = [
        Line(
            _lazy("Disability"),
            value=_("grade %(grade)s, %(category)s disability")
            % {"grade": details.get("grade"), "category": CATEGORY_LABELS.get(category, category)},
            note=_("certificate %(number)s") % {"number": details.get("certificate_no", "")},
        ),
        Line(
            _lazy("Household class"),
            value=CLASS_LABELS.get(str(details.get("recipient_class")), ""),
        ),
        Line(
            _lazy("Device"),
            value=DEVICE_LABELS.get(device, device),
            note=_lazy("as assessed by the federation")
            if process.get("assessed_device")
            else _lazy("as applied for"),
        ),
    ]
    cap = money(policy["devices_cap_per_person"])
    if not process.get("device_price"):
        lines.append(Line(_lazy("Cap per person"), cap, params=("devices_cap_per_person",)))
        return Breakdown(
            kind=AssistanceType.DEVICES,
            lines=tuple(lines),
            total=money(0),
            total_label=_lazy("Paid for the device"),
            notes=(_lazy("The federation has not assessed the device yet."),),
        )
    result = devices_amount(process["device_price"], policy)
    lines += [
        Line(_lazy("Price of the fitted device"), money(result["price"])),
        Line(_lazy("Cap per person"), money(result["cap"]), params=("devices_cap_per_person",)),
    ]
    return Breakdown(
        kind=AssistanceType.DEVICES,
        lines=tuple(lines),
        total=money(result["paid"]),
        total_label=_lazy("Paid for the device"),
        formula=_lazy("the price, at most the cap"),
        notes=() if result["within_cap"] else (_lazy("The price is above the cap."),),
    )


# ---------------------------------------------------------------- application


def check_details(details: Mapping[str, Any], members: int) -> None:
    check_certificate(details, members)
    if details.get("device") not in DEVICES:
        raise ActionError(_("Choose the device needed."))
    if details.get("recipient_class") not in CLASSES:
        raise ActionError(
            _("Assistive devices are for registered-poor, dibao and extreme-poverty households.")
        )


def check_application(application: ApplicationData) -> None:
    details = application.details
    check_details(details, len(application.members))
    member = application.members[details["disabled_member"]]
    if member.disability_grade is None:
        member.disability_grade = details["grade"]
    case_type = CLASS_CASE_TYPES.get(details["recipient_class"])
    if case_type is not None and not receives_now(case_type, resident_numbers(application.members)):
        raise ActionError(
            _("The household is not on record as receiving %(benefit)s now: choose another class.")
            % {"benefit": AssistanceType(case_type).label}
        )


def start_data(case: Case, common: dict[str, Any]) -> dict[str, Any]:
    members = common["household"]["members"]
    return {"disabled_member_name": members[int(case.details["disabled_member"])]["name"]}


close_when_granted(PROCESS_KEY, DEVICE_ISSUED, _lazy("Device issued, value"))


# ---------------------------------------------------------------- demo

# applicant, device, grade, category, price, how far the case gets
DEMO_CASES = [
    ("蔡永福", "wheelchair", 1, "physical", "", "township_review"),
    ("潘玉珍", "prosthesis", 2, "physical", "", "assessment"),
    ("夏明亮", "hearing_aid", 2, "hearing", "2600.00", "issue"),
    ("付桂兰", "nursing_bed", 1, "multiple", "1800.00", "issued"),
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    village = unseeded_village(regions, AssistanceType.DEVICES)
    if village is not None:
        staff = {**users, "federation": _federation_user(regions["431102"])}
        replay_demo_cases(DEMO_CASES, partial(_demo_case, staff, village), days_ago=9)


def _demo_case(
    users: Mapping[str, User],
    village: Region,
    index: int,
    name: str,
    device: str,
    grade: int,
    category: str,
    price: str,
    stage: str,
) -> None:
    case = do_apply(
        ApplicationData(
            region_id=village.pk,
            address=f"东村{index + 41}组",
            hukou="rural",
            members=[
                MemberData(
                    name=name,
                    resident_id=make_resident_id(
                        "431102", date(1962 + index, 7, 2), 30 + index, "M"
                    ),
                    is_applicant=True,
                    disability_grade=grade,
                )
            ],
            assistance_type=AssistanceType.DEVICES,
            details={
                "disabled_member": 0,
                "certificate_no": f"4311021962070{index}{grade}",
                "grade": grade,
                "category": category,
                "device": device,
                "recipient_class": "registered_poor",
            },
        ),
        actor=users["clerk"],
    )
    if stage == "township_review":
        return
    complete_step(users, case, "reviewer", "township_review", opinion="approve")
    if stage == "assessment":
        return
    complete_step(
        users,
        case,
        "federation",
        "assessment",
        assessment="suitable",
        assessed_device=device,
        device_price=price,
        assessment_note="康复辅具中心上门评估，适配。",
    )
    if stage == "issued":
        complete_step(
            users,
            case,
            "federation",
            "issue_device",
            issued_on=clock.today().isoformat(),
            received_signed=True,
        )


KIND = register(
    Kind(
        code=AssistanceType.DEVICES,
        process_key=PROCESS_KEY,
        case_prefix="FJ",
        start_data=start_data,
        check_application=check_application,
        seed_demo=seed_demo,
        demo_policy=DEMO_POLICY,
        intake_form="intake_devices.json",
        amount_breakdown=amount_breakdown,
        amount_facts=("assessed_device", "device_price"),
    )
)
