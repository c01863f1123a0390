"""Temporary assistance (临时救助): one-off aid after an emergency or a surge in expenditure.

Two ways through the process "temporary": the ordinary procedure (check, investigation,
township assessment, short public notice, approval by the township within its limit or by
the county above it), and for emergencies "aid first, paperwork later" (先行救助、后补手续):
the township pays from its reserve fund at once and the file must be completed within a
deadline, with an overdue warning in the township's queue otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy

from assistance.actions import (
    ActionError,
    ApplicationData,
    MemberData,
    do_apply,
    do_record_check_result,
)
from assistance.breakdowns import Breakdown, Line, money
from assistance.demo import complete_step
from assistance.ids import make_resident_id
from assistance.kinds import Kind, close_when_granted, register
from assistance.kinds.common import (
    CENT,
    cents,
    clock_at,
    decimal_or_none,
    policy_today,
    resident_numbers,
    unseeded_village,
    whole_number,
)
from assistance.models import AssistanceType, Case, CaseStatus, Region
from assistance.policy import (
    Param,
    PolicyError,
    clean_count,
    clean_money,
    register_params,
)
from engine import registry, runtime
from engine.clock import clock
from engine.models import ProcessInstance

if TYPE_CHECKING:
    from django.contrib.auth.models import User


PROCESS_KEY = "temporary"
AID_TYPES = ("emergency", "expenditure")
# Refused and withdrawn applications granted nothing, so they do not use up the year.
NOT_COUNTED = (CaseStatus.REFUSED, CaseStatus.WITHDRAWN)


class TemporaryRuleError(ValueError):
    """Limits or amounts the helpers cannot work with (a broken policy or form value)."""


def _multiple(value: Any) -> str:
    """A multiple of the monthly dibao standard, kept as a string so policies stay JSON."""
    if isinstance(value, bool):
        raise PolicyError(gettext_lazy("Expected a multiple such as 3 or 2.5."))
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise PolicyError(gettext_lazy("Expected a multiple such as 3 or 2.5.")) from exc
    if not number.is_finite() or number <= 0 or number > 100:
        raise PolicyError(gettext_lazy("A multiple lies above 0 and at most 100."))
    return str(number.normalize())


def _fixed_sum(value: Any) -> str | None:
    """A fixed sum in yuan that replaces the multiple of the standard; null keeps the multiple."""
    if value is None:
        return None
    amount = clean_money(value)
    if Decimal(amount) <= 0:
        raise PolicyError(
            gettext_lazy("A fixed sum is more than 0 yuan, or null to use the multiple.")
        )
    return amount


_window_days = whole_number(
    1, 3660, gettext_lazy("Expected a whole number of days from 1 to 3660.")
)


register_params(
    {
        "temporary_notice_days": Param(
            gettext_lazy("Temporary aid: public notice days"), clean_count
        ),
        "temporary_township_limit_multiple": Param(
            gettext_lazy("Temporary aid: township approves alone up to (x monthly standard)"),
            _multiple,
            "decimal",
        ),
        "temporary_max_multiple": Param(
            gettext_lazy("Temporary aid: maximum amount (x monthly standard)"), _multiple, "decimal"
        ),
        # Local rules set either limit as a multiple of the standard or as a fixed sum
        # (e.g. 5,000 yuan alone, 20,000 yuan with the county): a sum here wins over the multiple.
        "temporary_township_limit_fixed": Param(
            gettext_lazy(
                "Temporary aid: township approves alone up to (fixed yuan, else multiple)"
            ),
            _fixed_sum,
            "money_or_none",
        ),
        "temporary_max_fixed": Param(
            gettext_lazy("Temporary aid: maximum amount (fixed yuan, else multiple)"),
            _fixed_sum,
            "money_or_none",
        ),
        "temporary_same_cause_window_days": Param(
            gettext_lazy(
                "Temporary aid: days before the same person may get aid for the same cause"
            ),
            _window_days,
            "integer",
        ),
        "temporary_procedure_working_days": Param(
            gettext_lazy("Temporary aid: working days for the whole procedure"), clean_count
        ),
        "temporary_paperwork_working_days": Param(
            gettext_lazy("Temporary aid: working days to complete the file after aid first"),
            clean_count,
        ),
    }
)

DEMO_POLICY: dict[str, Any] = {
    "temporary_notice_days": 3,
    "temporary_township_limit_multiple": "3",
    "temporary_max_multiple": "6",
    "temporary_township_limit_fixed": None,
    "temporary_max_fixed": None,
    "temporary_same_cause_window_days": 365,
    "temporary_procedure_working_days": 15,
    "temporary_paperwork_working_days": 5,
}


# ---------------------------------------------------------------- helpers for the diagram


def _decimal(value: Any, what: str) -> Decimal:
    return cents(value, what, TemporaryRuleError)


def temporary_limits(policy: Mapping[str, Any], hukou: str) -> dict[str, str]:
    """The township's approval limit and the maximum: each a fixed sum where the policy sets
    one, else a multiple of the standard of the hukou."""
    standard = _decimal(policy[f"dibao_standard_{hukou}"], "the dibao standard")
    maximum = _limit(policy, standard, "temporary_max_fixed", "temporary_max_multiple")
    township = _limit(
        policy, standard, "temporary_township_limit_fixed", "temporary_township_limit_multiple"
    )
    # A township can never approve more than anyone may be granted.
    township = min(township, maximum)
    return {"standard": str(standard), "township_limit": str(township), "maximum": str(maximum)}


def _limit(policy: Mapping[str, Any], standard: Decimal, fixed: str, multiple: str) -> Decimal:
    if policy.get(fixed) is not None:
        return _decimal(policy[fixed], "the fixed limit")
    return (standard * Decimal(str(policy[multiple]))).quantize(CENT)


def temporary_amount(amount: Any, limits: Mapping[str, Any]) -> dict[str, Any]:
    """The amount granted (capped at the maximum) and who approves it.

    An assessment above the maximum is capped rather than refused: the household is needy
    either way, and the rule limits what may be paid, not who may ask.
    """
    requested = _decimal(amount, "the amount")
    if requested <= 0:
        raise TemporaryRuleError("the amount must be more than 0")
    maximum = _decimal(limits["maximum"], "the maximum")
    granted = min(requested, maximum)
    level = "township" if granted <= _decimal(limits["township_limit"], "the limit") else "county"
    return {
        "requested": str(requested),
        "amount": str(granted),
        "capped": requested > maximum,
        "level": level,
    }


registry.register_helper("temporary_limits", temporary_limits)
registry.register_helper("temporary_amount", temporary_amount)

LEVELS = {"township": _lazy("the township"), "county": _lazy("the county")}


def _limit_line(
    label: Any, policy: Mapping[str, Any], fixed: str, multiple: str, value: str
) -> Line:
    if policy.get(fixed) is not None:
        return Line(label, money(value), params=(fixed,), note=_lazy("fixed sum"))
    return Line(
        label,
        money(value),
        params=(multiple,),
        note=_("%(multiple)s × the monthly standard") % {"multiple": policy[multiple]},
    )


def amount_breakdown(
    case: Case,
    members: Iterable[Any],
    deductions: Iterable[Any],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> Breakdown:
    """`temporary_limits` and `temporary_amount`, as the diagram calls them, on the amount the
    township assessed (or paid first in an emergency), else the amount requested."""
    process = process or {}
    hukou = case.household.hukou
    limits = temporary_limits(policy, hukou)
    requested = money(case.details.get("requested_amount") or "0")
    assessed = process.get("assessed_amount") or process.get("paid_amount")
    lines = [Line(_lazy("Amount requested"), requested)]
    if process.get("assessed_amount"):
        lines.append(Line(_lazy("Amount assessed by the township"), money(assessed)))
    elif process.get("paid_amount"):
        lines.append(Line(_lazy("Paid first from the reserve fund"), money(assessed)))
    standard_key = f"dibao_standard_{hukou}"
    lines += [
        Line(
            _("Monthly dibao standard (%(hukou)s)") % {"hukou": case.household.get_hukou_display()},
            money(limits["standard"]),
            params=(standard_key,),
        ),
        _limit_line(
            _lazy("Township approves alone up to"),
            policy,
            "temporary_township_limit_fixed",
            "temporary_township_limit_multiple",
            limits["township_limit"],
        ),
        _limit_line(
            _lazy("Maximum"),
            policy,
            "temporary_max_fixed",
            "temporary_max_multiple",
            limits["maximum"],
        ),
    ]
    base = assessed or (requested if requested > 0 else None)
    if base is None:
        return Breakdown(
            kind=AssistanceType.TEMPORARY,
            lines=tuple(lines),
            total=money(0),
            total_label=_lazy("One-off amount"),
        )
    granted = temporary_amount(base, limits)
    lines.append(Line(_lazy("Approved by"), value=LEVELS[granted["level"]]))
    return Breakdown(
        kind=AssistanceType.TEMPORARY,
        lines=tuple(lines),
        total=money(granted["amount"]),
        total_label=_lazy("One-off amount"),
        formula=_lazy("the amount assessed, at most the maximum")
        if assessed
        else _lazy("the amount requested, at most the maximum"),
        notes=(_lazy("Capped at the maximum."),) if granted["capped"] else (),
    )


# ---------------------------------------------------------------- application


def _check_details(details: Mapping[str, Any]) -> None:
    if details.get("aid_type") not in AID_TYPES:
        raise ActionError(_("Choose emergency or expenditure temporary aid."))
    cause = str(details.get("cause", "")).strip()
    if not cause or len(cause) > 50:
        raise ActionError(_("Give the cause of the hardship (a short code such as fire)."))
    requested = decimal_or_none(details.get("requested_amount", ""))
    if requested is None or requested <= 0:
        raise ActionError(_("Give the amount requested, more than 0 yuan."))


def earlier_same_cause(
    resident_ids: list[str], cause: str, today: date, window_days: int
) -> Case | None:
    """Another temporary case for one of these people and this cause within the window."""
    cutoff = today - timedelta(days=window_days - 1)
    # A decided case counts from its decision, an undecided one from its creation; the
    # creation date is a timestamp, so it is compared from the start of the cutoff day.
    cutoff_moment = datetime.combine(cutoff, time.min, ZoneInfo(settings.TIME_ZONE))
    recent = Q(decided_on__gte=cutoff) | Q(decided_on__isnull=True, created_at__gte=cutoff_moment)
    return (
        Case.objects.filter(
            recent,
            assistance_type=AssistanceType.TEMPORARY,
            household__members__resident_id__in=resident_ids,
            details__cause=cause,
        )
        .exclude(status__in=NOT_COUNTED)
        .order_by("-pk")
        .distinct()
        .first()
    )


# Seed 004: people applying for dibao or 特困 may get temporary aid first, "再按照规定程序进行
# 审核审批": such an application is a bridge, not a duplicate.
BRIDGED_TYPES = (AssistanceType.DIBAO, AssistanceType.TEKUN)


def check_application(application: ApplicationData) -> None:
    """Refuse on the spot what the rules already refuse: bad details, the same cause twice
    within the policy's window; mark a bridge to a dibao or 特困 application under way."""
    details = application.details
    _check_details(details)
    # Stored as checked, so that "Fire " today and "fire" next month are the same cause.
    details["cause"] = str(details["cause"]).strip().lower()
    today = clock.today()
    numbers = resident_numbers(application.members)
    window = int(policy_today(application)["temporary_same_cause_window_days"])
    earlier = earlier_same_cause(numbers, details["cause"], today, window)
    if earlier is not None:
        raise ActionError(
            _(
                "Temporary aid for the same person and the same cause is granted at most once "
                "in %(days)s days: see case %(number)s."
            )
            % {"days": window, "number": earlier.number},
            case=earlier,
        )
    pending = pending_application(numbers)
    if pending is not None:
        details["bridge"] = True
        details["bridge_for_case"] = pending.number
        details["bridge_for_type"] = pending.assistance_type


def pending_application(resident_ids: list[str]) -> Case | None:
    """A dibao or 特困 application of one of these people still being decided."""
    return (
        Case.objects.filter(
            assistance_type__in=BRIDGED_TYPES,
            status=CaseStatus.IN_PROGRESS,
            household__members__resident_id__in=resident_ids,
        )
        .order_by("pk")
        .distinct()
        .first()
    )


# A granted temporary aid is paid once, so its case is closed, not left active: an active
# case would also block the household's next application (for another cause, or the same
# cause a year later) as "an open case of this type".
close_when_granted(PROCESS_KEY)


# ---------------------------------------------------------------- demo

# (applicant, hukou, aid type, cause, requested, amount assessed or paid, how far it gets, days ago)
DEMO_CASES = [
    ("钱桂芳", "rural", "expenditure", "medical_costs", "3000.00", "", "acceptance", 2),
    ("冯大勇", "rural", "emergency", "fire", "5000.00", "", "emergency_acceptance", 0),
    ("蒋秀兰", "rural", "expenditure", "education_costs", "2000.00", "", "check", 4),
    ("沈建华", "rural", "expenditure", "medical_costs", "2500.00", "", "investigate", 4),
    ("韩玉梅", "urban", "emergency", "accident", "2000.00", "", "assessment", 5),
    ("杨志刚", "rural", "expenditure", "illness", "1500.00", "1500.00", "notice", 1),
    (
        "朱丽娟",
        "rural",
        "expenditure",
        "medical_costs",
        "1500.00",
        "1200.00",
        "township_approve",
        8,
    ),
    ("秦永安", "rural", "emergency", "accident", "4000.00", "3000.00", "county_approve", 8),
    ("尤春梅", "rural", "expenditure", "illness", "3000.00", "2800.00", "approved", 12),
    ("许国栋", "rural", "expenditure", "medical_costs", "6000.00", "", "refused", 12),
    ("何小红", "rural", "emergency", "fire", "2000.00", "1500.00", "aid_first", 1),
    ("吕福生", "rural", "emergency", "accident", "1800.00", "1000.00", "aid_first_overdue", 12),
    ("施翠英", "rural", "emergency", "illness", "1200.00", "1200.00", "aid_first_done", 6),
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    """One temporary case in every stage, each replayed under a clock set back in time."""
    village = unseeded_village(regions, AssistanceType.TEMPORARY)
    if village is None:
        return
    now = clock.now()
    for index, row in enumerate(DEMO_CASES):
        with clock_at(now - timedelta(days=row[7], minutes=len(DEMO_CASES) - index)):
            case = _demo_case(users, village, index, row)
        if row[6] == "aid_first_overdue":
            # Back in the present, the paperwork deadline has passed: raise the warning.
            instance = ProcessInstance.objects.get(case=case)
            runtime.fire_instance_timers(instance.pk)


def _demo_case(
    users: Mapping[str, User], village: Region, index: int, row: tuple[Any, ...]
) -> Case:
    name, hukou, aid_type, cause, requested, amount, stage, _days_ago = row
    people = [
        MemberData(
            name=name,
            resident_id=make_resident_id("431102", date(1960, 6, 1 + index), 77, "M"),
            is_applicant=True,
            incomes=[("wage", Decimal("300.00"))],
        ),
        MemberData(
            name=f"{name[0]}家成员",
            resident_id=make_resident_id("431102", date(1990, 6, 1 + index), 78, "F"),
            relation="family",
        ),
    ]
    application = ApplicationData(
        region_id=village.pk,
        address=f"东村{index + 1}组",
        hukou=hukou,
        members=people,
        assistance_type=AssistanceType.TEMPORARY,
        details={"aid_type": aid_type, "cause": cause, "requested_amount": requested},
    )
    case = do_apply(application, actor=users["clerk"])
    if stage in ("acceptance", "emergency_acceptance"):
        return case
    if stage.startswith("aid_first"):
        _demo_aid_first(users, case, name, amount, stage)
        return case
    acceptance = "emergency_acceptance" if aid_type == "emergency" else "acceptance"
    complete_step(users, case, "clerk", acceptance, acceptance_decision="complete")
    if stage == "check":
        return case
    case.refresh_from_db()
    do_record_check_result(case, actor=users["checker"], eligible=True, report_no=f"HD-T{index}")
    if stage == "investigate":
        return case
    complete_step(
        users,
        case,
        "investigator",
        "investigate",
        visited_on=clock.today().isoformat(),
        findings="入户核实，家庭遭遇困难情况属实。",
        matches_declaration=True,
    )
    complete_step(users, case, "investigator2", "cosign", cosign_agrees=True)
    if stage == "assessment":
        return case
    if stage == "refused":
        complete_step(
            users,
            case,
            "reviewer",
            "assessment",
            assessment="refuse",
            assessment_reasons="医疗费用已由医保和大病保险报销，自付部分不大。",
        )
        return case
    complete_step(
        users,
        case,
        "reviewer",
        "assessment",
        assessment="approve",
        assessed_amount=amount,
        assessment_basis="按自付费用和家庭困难程度核定。",
    )
    if stage == "notice":
        return case
    clock.advance(timedelta(days=4))
    instance = ProcessInstance.objects.get(case=case)
    runtime.fire_instance_timers(instance.pk)
    if stage == "approved":
        complete_step(users, case, "approver", "county_approve", decision="approve")
    return case


def _demo_aid_first(
    users: Mapping[str, User], case: Case, payee: str, amount: str, stage: str
) -> None:
    complete_step(
        users,
        case,
        "clerk",
        "emergency_acceptance",
        acceptance_decision="aid_first",
        urgency_note="家中突发变故，基本生活难以为继。",
    )
    complete_step(
        users,
        case,
        "clerk",
        "immediate_aid",
        paid_amount=amount,
        payee=payee,
        payment_method="cash",
    )
    if stage == "aid_first_done":
        complete_step(users, case, "clerk", "complete_file", **DEMO_PAPERWORK)


DEMO_PAPERWORK: dict[str, Any] = {
    "application_signed": True,
    "investigation_record_signed": True,
    "receipt_signed": True,
}


KIND = register(
    Kind(
        code=AssistanceType.TEMPORARY,
        process_key=PROCESS_KEY,
        case_prefix="LS",
        check_application=check_application,
        seed_demo=seed_demo,
        demo_policy=DEMO_POLICY,
        intake_form="intake_temporary.json",
        amount_breakdown=amount_breakdown,
        # `amount` is set on both paths (assessed, or paid first): the process holding it
        # also holds the figure it was set from.
        amount_facts=("amount", "assessed_amount", "paid_amount"),
    )
)
