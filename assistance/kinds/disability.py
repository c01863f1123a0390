"""Disability subsidies (残疾人两项补贴): the living subsidy for disabled members of dibao
households and the nursing subsidy for the severely disabled.

The application's `details` name the subsidy asked for, the disabled member (an index into
the application's members), the certificate number, the grade (1-4) and the category.
Members carry no certificate data, so these facts travel in `Case.details`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from guardian.shortcuts import assign_perm

from assistance.actions import ActionError, ApplicationData, MemberData, do_apply
from assistance.breakdowns import Breakdown, Line, money
from assistance.demo import DEMO_PASSWORD, complete_step
from assistance.ids import make_resident_id
from assistance.kinds import Kind, register
from assistance.kinds.common import (
    DEMO_VILLAGE,
    is_member_index,
    policy_today,
    receives_now,
    replay_demo_cases,
    resident_numbers,
)
from assistance.models import AssistanceType, Case, Region, StaffProfile
from assistance.policy import (
    Param,
    clean_count,
    clean_flag,
    clean_money,
    register_params,
)
from engine import registry, runtime
from engine.clock import clock

SUBSIDIES = ("living", "nursing", "both")
CATEGORIES = (
    "physical",
    "visual",
    "hearing",
    "speech",
    "intellectual",
    "mental",
    "multiple",
)
# Grades 3-4 qualify for nursing only for these categories, and only where the region says so.
GRADE34_NURSING_CATEGORIES = frozenset({"intellectual", "mental"})
# The village notice lasts at least seven days whatever the general notice length (domain 4).
NOTICE_MIN_DAYS = 7

register_params(
    {
        "disability_township_review_working_days": Param(
            _lazy("Working days for the township review of a disability subsidy"), clean_count
        ),
        "disability_federation_review_working_days": Param(
            _lazy("Working days for the disabled persons' federation review"), clean_count
        ),
        "disability_living_monthly": Param(
            _lazy("Living subsidy for disabled persons (yuan/month)"), clean_money
        ),
        "disability_nursing_monthly": Param(
            _lazy("Nursing subsidy for the severely disabled (yuan/month)"), clean_money
        ),
        "disability_nursing_grade34_mental": Param(
            _lazy("Nursing subsidy also for grade 3-4 intellectual or mental disability"),
            clean_flag,
        ),
    }
)

DEMO_POLICY: dict[str, Any] = {
    "disability_township_review_working_days": 10,
    "disability_federation_review_working_days": 10,
    "disability_living_monthly": "80.00",
    "disability_nursing_monthly": "90.00",
    "disability_nursing_grade34_mental": True,
}


# ---------------------------------------------------------------- rules (also diagram helpers)


def nursing_qualifies(grade: int, category: str, policy: Mapping[str, Any]) -> bool:
    """Severe disability: grade 1-2, or grade 3-4 intellectual/mental where policy allows."""
    if grade in (1, 2):
        return True
    return (
        grade in (3, 4)
        and category in GRADE34_NURSING_CATEGORIES
        and bool(policy["disability_nursing_grade34_mental"])
    )


def granted_subsidy(subsidy: str, grade: int, category: str, policy: Mapping[str, Any]) -> str:
    """What may be granted once the federation has confirmed the grade; "" for nothing.

    A household asking for both keeps the living subsidy when the confirmed grade is too
    light for nursing: the living subsidy does not depend on the grade.
    """
    nursing = nursing_qualifies(int(grade), category, policy)
    if subsidy == "living":
        return "living"
    if subsidy == "nursing":
        return "nursing" if nursing else ""
    if subsidy == "both":
        return "both" if nursing else "living"
    return ""


def subsidy_amount(subsidy: str, policy: Mapping[str, Any]) -> dict[str, str]:
    """Monthly amounts: the living and/or nursing standard, summed for "both"."""
    if subsidy not in SUBSIDIES:
        raise ValueError(f"unknown disability subsidy {subsidy!r}")
    living = (
        Decimal(str(policy["disability_living_monthly"]))
        if subsidy in ("living", "both")
        else Decimal("0")
    )
    nursing = (
        Decimal(str(policy["disability_nursing_monthly"]))
        if subsidy in ("nursing", "both")
        else Decimal("0")
    )
    cents = Decimal("0.01")
    return {
        "subsidy": subsidy,
        "living_monthly": str(living.quantize(cents)),
        "nursing_monthly": str(nursing.quantize(cents)),
        "monthly_amount": str((living + nursing).quantize(cents)),
    }


def month_of(day: Any) -> str:
    """The first day of the month of `day` (ISO): disability subsidies run from it (R8)."""
    current = date.fromisoformat(str(day)[:10])
    return current.replace(day=1).isoformat()


CATEGORY_LABELS = {
    "physical": _lazy("physical"),
    "visual": _lazy("visual"),
    "hearing": _lazy("hearing"),
    "speech": _lazy("speech"),
    "intellectual": _lazy("intellectual"),
    "mental": _lazy("mental"),
    "multiple": _lazy("multiple"),
}


def amount_breakdown(
    case: Case,
    members: Iterable[Any],
    deductions: Iterable[Any],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> Breakdown:
    """`granted_subsidy` and `subsidy_amount` as the diagram calls them: on the grade the
    federation confirmed once it has, else the certificate's; from the month of application."""
    process = process or {}
    details = case.details
    grade = int(process.get("confirmed_grade") or details["grade"])
    category = str(details["category"])
    granted = granted_subsidy(str(details["subsidy"]), grade, category, policy)
    amount = subsidy_amount(granted, policy) if granted else None
    applied_on = process.get("applied_on") or timezone.localtime(case.created_at).date()
    grade_text = _("grade %(grade)s, %(category)s disability") % {
        "grade": grade,
        "category": CATEGORY_LABELS.get(category, category),
    }
    lines = []
    if granted in ("living", "both") and amount is not None:
        lines.append(
            Line(
                _lazy("Living subsidy"),
                money(amount["living_monthly"]),
                params=("disability_living_monthly",),
                note=_lazy("disabled member of a dibao household"),
            )
        )
    if granted in ("nursing", "both") and amount is not None:
        lines.append(
            Line(
                _lazy("Nursing subsidy"),
                money(amount["nursing_monthly"]),
                params=("disability_nursing_monthly",)
                + (("disability_nursing_grade34_mental",) if grade in (3, 4) else ()),
                note=grade_text,
            )
        )
    lines.append(
        Line(
            _lazy("Grade"),
            value=grade_text,
            note=_lazy("confirmed by the disabled persons' federation")
            if process.get("confirmed_grade")
            else _lazy("as on the certificate"),
        )
    )
    lines.append(
        Line(
            _lazy("Paid from"),
            value=month_of(applied_on)[:7],
            note=_lazy("the month of application"),
        )
    )
    return Breakdown(
        kind=AssistanceType.DISABILITY,
        lines=tuple(lines),
        total=money(amount["monthly_amount"] if amount else 0),
        formula=_lazy("living subsidy + nursing subsidy"),
        eligible=amount is not None,
        ineligible_reason=_lazy("the confirmed grade does not qualify for the subsidy asked for"),
    )


registry.register_helper("disability_granted_subsidy", granted_subsidy)
registry.register_helper("disability_amount", subsidy_amount)
registry.register_helper("disability_month_of", month_of)


# ---------------------------------------------------------------- application


def check_certificate(details: Mapping[str, Any], members: int) -> None:
    """The disabled member and their certificate: its number, grade and category (assistive
    devices ask for them too)."""
    if not is_member_index(details.get("disabled_member"), members):
        raise ActionError(_("Choose the disabled member among the household members."))
    if not str(details.get("certificate_no", "")).strip():
        raise ActionError(_("Give the number of the disability certificate."))
    grade = details.get("grade")
    if isinstance(grade, bool) or grade not in (1, 2, 3, 4):
        raise ActionError(_("The disability grade is 1, 2, 3 or 4."))
    if details.get("category") not in CATEGORIES:
        raise ActionError(_("Choose the category of disability."))


def _details(application: ApplicationData) -> dict[str, Any]:
    details: dict[str, Any] = dict(application.details or {})
    if details.get("subsidy") not in SUBSIDIES:
        raise ActionError(_("Choose the living subsidy, the nursing subsidy or both."))
    check_certificate(details, len(application.members))
    return details


def _match_member_grade(member: MemberData, grade: int) -> None:
    """The certificate's grade is the member's: recorded on the member when not given there,
    so later rules reading members (extreme poverty, single-person cover) see it too."""
    if member.disability_grade is None:
        member.disability_grade = grade
    elif member.disability_grade != grade:
        raise ActionError(
            _(
                "%(name)s is recorded with disability grade %(member)s, the certificate "
                "says %(grade)s: correct one of them."
            )
            % {"name": member.name, "member": member.disability_grade, "grade": grade}
        )


def check_application(application: ApplicationData) -> None:
    details = _details(application)
    _match_member_grade(application.members[details["disabled_member"]], details["grade"])
    subsidy = details["subsidy"]
    if subsidy in ("living", "both") and not receives_now(
        AssistanceType.DIBAO, resident_numbers(application.members)
    ):
        raise ActionError(_("The living subsidy is only for disabled members of dibao households."))
    if subsidy in ("nursing", "both"):
        policy = policy_today(application)
        if not nursing_qualifies(details["grade"], details["category"], policy):
            raise ActionError(
                _(
                    "The nursing subsidy is for grade 1-2 disability (grade 3-4 intellectual "
                    "or mental disability only where the local policy allows it)."
                )
            )


def start_data(case: Case, common: dict[str, Any]) -> dict[str, Any]:
    members = common["household"]["members"]
    disabled = members[int(case.details["disabled_member"])]
    return {
        # The notice names the disabled person: none for a minor (child privacy, R4).
        "notice_required": not disabled["minor"],
        "notice_length": max(int(common["policy"]["notice_days"]), NOTICE_MIN_DAYS),
        "disabled_member_name": disabled["name"],
    }


# ---------------------------------------------------------------- demo

# applicant name, subsidy, grade, category, how far the case gets
DEMO_CASES = [
    ("蒋立新", "nursing", 1, "physical", "township_review"),
    ("袁小梅", "nursing", 2, "visual", "notice"),
    ("何志强", "nursing", 1, "multiple", "federation_review"),
    ("罗翠英", "nursing", 3, "intellectual", "county_decision"),
    ("谢长生", "nursing", 2, "physical", "active"),
    ("唐美玲", "nursing", 2, "hearing", "refused"),
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    federation = _federation_user(regions["431102"])
    staff = {**users, "federation": federation}
    # A case still in its notice must have started recently, or its notice would be over.
    replay_demo_cases(
        DEMO_CASES,
        partial(_demo_case, staff, regions[DEMO_VILLAGE]),
        days_ago=lambda row: 2 if row[4] == "notice" else 12,
    )


def _federation_user(county: Region) -> User:
    existing = User.objects.filter(username="federation").first()
    if existing is not None:
        return existing
    user = User.objects.create_user(username="federation", password=DEMO_PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="disability_federation_reviewer")[0])
    assign_perm("assistance.act_in_region", user, county)
    StaffProfile.objects.create(user=user, full_name="钱审核（县残联）", office=county)
    return user


def _demo_case(
    users: Mapping[str, User],
    village: Region,
    index: int,
    name: str,
    subsidy: str,
    grade: int,
    category: str,
    stage: str,
) -> None:
    born = date(1958 + index, 11, 20)
    application = ApplicationData(
        region_id=village.pk,
        address=f"东村{index + 11}组",
        hukou="rural",
        members=[
            MemberData(
                name=name,
                resident_id=make_resident_id("431102", born, 90 + index, "M"),
                is_applicant=True,
                disability_grade=grade,
            )
        ],
        assistance_type=AssistanceType.DISABILITY,
        details={
            "subsidy": subsidy,
            "disabled_member": 0,
            "certificate_no": f"43110219{index:02d}11201{grade}{index}",
            "grade": grade,
            "category": category,
        },
    )
    case = do_apply(application, actor=users["clerk"])
    steps = ["township_review", "notice", "federation_review", "county_decision", "active"]
    reached = steps.index(stage) if stage in steps else len(steps)
    if reached > 0:
        complete_step(users, case, "reviewer", "township_review", opinion="approve")
    if reached > 1:
        clock.advance(timedelta(days=8))
        runtime.fire_due_timers()
    if reached > 2:
        complete_step(
            users,
            case,
            "federation",
            "federation_review",
            federation_decision="confirmed",
            confirmed_grade=grade,
        )
    if stage == "refused":
        complete_step(
            users,
            case,
            "approver",
            "county_decision",
            decision="refuse",
            decision_reasons="经核实，申请人已享受同类护理补贴。",
        )
    elif reached > 3:
        complete_step(users, case, "approver", "county_decision", decision="approve")


KIND = register(
    Kind(
        paid_monthly=True,
        code=AssistanceType.DISABILITY,
        process_key="disability",
        case_prefix="CB",
        start_data=start_data,
        check_application=check_application,
        seed_demo=seed_demo,
        demo_policy=DEMO_POLICY,
        intake_form="intake_disability.json",
        amount_breakdown=amount_breakdown,
        amount_facts=("confirmed_grade", "applied_on"),
    )
)
