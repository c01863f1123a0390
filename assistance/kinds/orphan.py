"""Orphans and de facto unattended children (孤儿 / 事实无人抚养儿童).

The guardian applies for the child: the child is the applicant member and the only one
covered; the guardian is named in the application's `details` (category, guardian's name
and resident ID, whether the child is in school). The township verifies mainly by comparing
data (death records, court declarations, detention, disability and illness records), the
county confirms, and there is never a public notice (child privacy, R4).

Benefits end at 18 unless the young person is in full-time schooling. The application
process ends when the county approves; the outcome handler then starts a second process,
`orphan_support`, that waits for the 18th birthday, asks for proof of schooling and then
re-checks at a policy interval until the schooling ends and the case is closed.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assistance.actions import ActionError, ApplicationData, MemberData, do_apply
from assistance.breakdowns import Breakdown, Line, money
from assistance.demo import complete_step
from assistance.ids import InvalidResidentId, make_resident_id, parse_resident_id
from assistance.kinds import Kind, register
from assistance.kinds.common import DEMO_VILLAGE, clock_at, whole_number
from assistance.models import AssistanceType, Case, CaseStatus, Member, Region
from assistance.policy import (
    Param,
    clean_count,
    clean_money,
    policy_for,
    register_params,
)
from assistance.projections import apply_application_outcome, register_outcome_handler
from engine import registry, runtime
from engine.clock import clock
from engine.models import ProcessInstance

CATEGORIES = ("orphan", "unattended")
DETAIL_KEYS = frozenset(
    {"category", "guardian_name", "guardian_resident_id", "guardian_relation", "in_school"}
)
ADULT_AGE = 18
SUPPORT_PROCESS = "orphan_support"
MAX_RECHECK_MONTHS = 24


_months = whole_number(
    1, MAX_RECHECK_MONTHS, _lazy("Expected a whole number of months from 1 to 24.")
)


register_params(
    {
        "orphan_verification_working_days": Param(
            _lazy("Working days for the township to verify an orphan application"), clean_count
        ),
        "orphan_confirmation_working_days": Param(
            _lazy("Working days for the county to confirm an orphan application"), clean_count
        ),
        "orphan_allowance_monthly": Param(_lazy("Orphan allowance (yuan/month)"), clean_money),
        "unattended_allowance_monthly": Param(
            _lazy("Allowance for de facto unattended children (yuan/month)"), clean_money
        ),
        "orphan_schooling_check_working_days": Param(
            _lazy("Working days to check the schooling of an orphan who turns 18"), clean_count
        ),
        "orphan_schooling_recheck_months": Param(
            _lazy("Months between schooling re-checks of orphans over 18"), _months, "integer"
        ),
    }
)

DEMO_POLICY: dict[str, Any] = {
    "orphan_verification_working_days": 15,
    "orphan_confirmation_working_days": 15,
    "orphan_allowance_monthly": "1500.00",
    "unattended_allowance_monthly": "1200.00",
    "orphan_schooling_check_working_days": 10,
    "orphan_schooling_recheck_months": 12,
}


# ---------------------------------------------------------------- dates (also diagram helpers)


def turns_18_on(birth_date: date) -> date:
    """The 18th birthday; someone born on 29 February comes of age on 1 March (as in ids)."""
    try:
        return birth_date.replace(year=birth_date.year + ADULT_AGE)
    except ValueError:
        return date(birth_date.year + ADULT_AGE, 3, 1)


def _local_day(value: Any) -> date:
    text = str(value)
    if "T" in text:
        zone = ZoneInfo(settings.TIME_ZONE)
        return datetime.fromisoformat(text).astimezone(zone).date()
    return date.fromisoformat(text)


def midnight(day: Any) -> str:
    """The first moment of `day` in the deployment's time zone, for timeDate timers."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(_local_day(day), time.min, zone).isoformat()


def add_months(day: Any, months: int) -> str:
    """`day` moved by whole months, kept within the target month (31 Jan + 1 = 28/29 Feb)."""
    start = _local_day(day)
    index = start.year * 12 + start.month - 1 + int(months)
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last)).isoformat()


ALLOWANCE_PARAMS = {
    "orphan": "orphan_allowance_monthly",
    "unattended": "unattended_allowance_monthly",
}
ALLOWANCE_LABELS = {
    "orphan": _lazy("Orphan allowance"),
    "unattended": _lazy("Allowance for a de facto unattended child"),
}


def orphan_amount(details: Mapping[str, Any], policy: Mapping[str, Any]) -> dict[str, Any]:
    """The monthly allowance of the child's category (a diagram helper)."""
    category = str(details["category"])
    return {"monthly_amount": policy[ALLOWANCE_PARAMS[category]], "category": category}


def amount_breakdown(
    case: Case,
    members: Iterable[Any],
    deductions: Iterable[Any],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> Breakdown:
    category = str(case.details["category"])
    result = orphan_amount(case.details, policy)
    return Breakdown(
        kind=AssistanceType.ORPHAN,
        lines=(
            Line(
                ALLOWANCE_LABELS[category],
                money(result["monthly_amount"]),
                params=(ALLOWANCE_PARAMS[category],),
            ),
        ),
        total=money(result["monthly_amount"]),
    )


registry.register_helper("orphan_amount", orphan_amount)
registry.register_helper("orphan_midnight", midnight)
registry.register_helper("orphan_add_months", add_months)


# ---------------------------------------------------------------- application


def _applicant(application: ApplicationData) -> MemberData | None:
    applicants = [member for member in application.members if member.is_applicant]
    # Anything but exactly one applicant is refused by the common member checks.
    return applicants[0] if len(applicants) == 1 else None


def check_application(application: ApplicationData) -> None:
    child = _applicant(application)
    if child is None:
        return
    today = clock.today()
    try:
        resident = parse_resident_id(child.resident_id, today=today)
    except InvalidResidentId as exc:
        raise ActionError(f"{child.name}: {exc}") from exc
    if today < resident.birth_date or resident.age_on(today) >= ADULT_AGE:
        raise ActionError(
            _("%(name)s is 18 or older: the orphan allowance is for children under 18.")
            % {"name": child.name}
        )
    if not child.covered or any(m.covered for m in application.members if m is not child):
        raise ActionError(
            _("Only the child is covered by an orphan application: apply for each child.")
        )
    _check_details(application.details, resident.number)


def _check_details(details: dict[str, Any], child_number: str) -> None:
    unknown = set(details) - DETAIL_KEYS
    if unknown:
        raise ActionError(
            _("Unknown application details: %(keys)s") % {"keys": ", ".join(sorted(unknown))}
        )
    if details.get("category") not in CATEGORIES:
        raise ActionError(
            _("Choose whether the child is an orphan or a de facto unattended child.")
        )
    if not str(details.get("guardian_name", "")).strip():
        raise ActionError(_("Give the guardian's name."))
    try:
        guardian = parse_resident_id(
            str(details.get("guardian_resident_id", "")), today=clock.today()
        )
    except InvalidResidentId as exc:
        raise ActionError(_("Guardian: %(error)s") % {"error": exc}) from exc
    if guardian.number == child_number:
        raise ActionError(_("The guardian cannot be the child."))
    if clock.today() < guardian.birth_date or guardian.age_on(clock.today()) < ADULT_AGE:
        raise ActionError(_("The guardian must be an adult."))
    if not isinstance(details.get("in_school"), bool):
        raise ActionError(_("Say whether the child is in school."))
    # Stored in the normal form (upper-case X), like members' resident IDs.
    details["guardian_resident_id"] = guardian.number


def masked_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Case details for process data: the guardian's ID number only by its last four digits."""
    masked = dict(details)
    number = str(masked.get("guardian_resident_id", ""))
    if number:
        masked["guardian_resident_id"] = "*" * (len(number) - 4) + number[-4:]
    return masked


def _child(case: Case) -> Member:
    return case.household.members.get(is_applicant=True)


def start_data(case: Case, common: dict[str, Any]) -> dict[str, Any]:
    child = _child(case)
    return {
        "details": masked_details(case.details),
        "child_name": child.name,
        "turns_18_on": turns_18_on(child.birth_date).isoformat(),
        # Never a public notice for a child (R4), whatever the household looks like.
        "notice_required": False,
    }


# ---------------------------------------------------------------- outcomes


def apply_orphan_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    """The common application outcome; an approved child then gets the follow-up process."""
    fields = apply_application_outcome(case, data)
    if case.status == CaseStatus.ACTIVE:
        start_support(case)
    return fields


def start_support(case: Case) -> ProcessInstance:
    child = _child(case)
    return runtime.start(
        SUPPORT_PROCESS,
        case_id=case.pk,
        region_id=case.region_id,
        actor=None,
        role="system",
        data={
            "case_id": case.pk,
            "case_number": case.number,
            "assistance_type": case.assistance_type,
            "policy": policy_for(case.region, clock.today()),
            "details": masked_details(case.details),
            "child_name": child.name,
            "turns_18_on": turns_18_on(child.birth_date).isoformat(),
            "monthly_amount": str(case.monthly_amount),
            "start_month": case.start_month.isoformat() if case.start_month else None,
        },
    )


def apply_support_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    if data.get("outcome") != "closed":
        raise ValueError(f"{SUPPORT_PROCESS} ended without closing (got {data.get('outcome')!r})")
    case.status = CaseStatus.CLOSED
    case.ended_on = date.fromisoformat(str(data["decided_on"]))
    case.end_reason = str(data.get("end_reason") or "age_18")
    return ["status", "ended_on", "end_reason"]


register_outcome_handler("orphan", apply_orphan_outcome)
register_outcome_handler(SUPPORT_PROCESS, apply_support_outcome)


# ---------------------------------------------------------------- demo

# child, category, age in days on the application day (or None: born 9 years earlier), stage
DEMO_CASES = [
    ("周小雨", "orphan", None, "verify"),
    ("蔡晓东", "unattended", None, "verify"),
    ("田甜", "unattended", None, "confirm"),
    ("彭子轩", "orphan", None, "active"),
    ("龙小燕", "unattended", None, "refused"),
    ("石磊", "orphan", "turned_18", "schooling_check"),
    ("向晴", "orphan", "turned_18", "studying"),
    ("覃浩", "unattended", "turned_18", "closed"),
]
DEMO_GUARDIANS = ["周大山", "蔡桂芳", "田秀兰", "彭建华", "龙正明", "石秋菊", "向国平", "覃玉梅"]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    now = clock.now()
    today = clock.today()
    for index, (name, category, age, stage) in enumerate(DEMO_CASES):
        # Children who come of age in the demo turned 18 five days ago; the others are 9.
        born = (
            _years_before(today - timedelta(days=5), ADULT_AGE)
            if age == "turned_18"
            else _years_before(today, 9) - timedelta(days=index * 37)
        )
        with clock_at(now - timedelta(days=40, minutes=len(DEMO_CASES) - index)):
            _demo_case(users, regions[DEMO_VILLAGE], index, name, born, category, stage)


def _demo_case(
    users: Mapping[str, User],
    village: Region,
    index: int,
    name: str,
    born: date,
    category: str,
    stage: str,
) -> None:
    guardian_born = date(1962 + index, 4, 10)
    application = ApplicationData(
        region_id=village.pk,
        address=f"东村{index + 21}组",
        hukou="rural",
        members=[
            MemberData(
                name=name,
                resident_id=make_resident_id("431102", born, 80 + index, "F" if index % 2 else "M"),
                is_applicant=True,
            )
        ],
        assistance_type=AssistanceType.ORPHAN,
        details={
            "category": category,
            "guardian_name": DEMO_GUARDIANS[index],
            "guardian_resident_id": make_resident_id("431102", guardian_born, 80 + index, "M"),
            "in_school": True,
        },
    )
    case = do_apply(application, actor=users["clerk"])
    if stage == "verify":
        return
    clock.advance(timedelta(days=3))
    verified = stage != "refused"
    complete_step(users, case, "clerk", f"verify_{category}", **_verification(category, verified))
    if stage in ("confirm", "refused"):
        return
    clock.advance(timedelta(days=3))
    complete_step(users, case, "approver", "county_confirm", decision="approve")
    if stage == "active":
        return
    # Only this case's own timer: firing every due timer would move other demo cases on.
    clock.reset()
    support = ProcessInstance.objects.get(case=case, definition__key=SUPPORT_PROCESS)
    runtime.fire_instance_timers(support.pk)
    if stage == "schooling_check":
        return
    complete_step(
        users,
        case,
        "clerk",
        "schooling_check",
        checked_on=clock.today().isoformat(),
        in_full_time_school=stage == "studying",
        **({"school_name": "零陵区第一中学"} if stage == "studying" else {}),
    )


def _verification(category: str, verified: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "compared_on": clock.today().isoformat(),
        "death_records": "both" if category == "orphan" else "father",
        "missing_declarations": "none",
        "verification": "verified" if verified else "not_verified",
    }
    if category == "unattended":
        data.update(
            detention_records="mother" if verified else "none",
            disability_illness_records="none",
            lost_contact="none",
        )
    if not verified:
        data["verification_reasons"] = "经比对，母亲未服刑在押，亦无重残、重病或失联情形。"
    return data


KIND = register(
    Kind(
        paid_monthly=True,
        code=AssistanceType.ORPHAN,
        process_key="orphan",
        case_prefix="GE",
        start_data=start_data,
        check_application=check_application,
        seed_demo=seed_demo,
        demo_policy=DEMO_POLICY,
        intake_form="intake_orphan.json",
        amount_breakdown=amount_breakdown,
    )
)
