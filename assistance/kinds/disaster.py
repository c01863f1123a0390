"""Disaster relief (受灾人员救助, seed 002): two kinds of living aid after a natural disaster.

- Transition living aid (过渡期生活救助): for people whose home collapsed or was severely
  damaged and who have nowhere to live, a sum per person per day for a number of months.
- Winter-spring living aid (冬春生活救助): for households still in difficulty through the
  winter and spring after the year's disasters, a sum per person.

The township checks the damage, the village posts the notice, the county decides; the aid is
paid once, so an approved case closes like a temporary aid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
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
    paid_once,
    policy_today,
    replay_demo_cases,
    unseeded_village,
    whole_number,
)
from assistance.models import AssistanceType, Case, Region
from assistance.policy import (
    Param,
    clean_count,
    clean_money,
    register_params,
)
from engine import registry, runtime
from engine.clock import clock
from engine.models import ProcessInstance

PROCESS_KEY = "disaster"
AIDS = ("transition", "winter_spring")
DISASTERS = ("flood", "earthquake", "landslide", "storm", "drought", "freeze", "other")
HOUSING = ("collapsed", "severely_damaged")
# Transition aid counts each month as 30 days (the national guidance: per person per day).
DAYS_PER_MONTH = 30


_months = whole_number(1, 12, _lazy("Expected a whole number of months from 1 to 12."))


register_params(
    {
        "disaster_transition_daily": Param(
            _lazy("Disaster relief: transition aid per person per day (yuan)"), clean_money
        ),
        "disaster_transition_max_months": Param(
            _lazy("Disaster relief: most months of transition aid"), _months, "integer"
        ),
        "disaster_winter_per_person": Param(
            _lazy("Disaster relief: winter-spring aid per person (yuan)"), clean_money
        ),
        "disaster_review_working_days": Param(
            _lazy("Disaster relief: working days for the township damage check"), clean_count
        ),
    }
)

DEMO_POLICY: dict[str, Any] = {
    "disaster_transition_daily": "20.00",
    "disaster_transition_max_months": 3,
    "disaster_winter_per_person": "300.00",
    "disaster_review_working_days": 10,
}


# ---------------------------------------------------------------- the amount rule


class DisasterRuleError(ValueError):
    """Figures the rule cannot work with (a broken form value or policy)."""


def disaster_amount(
    aid: str, persons: Any, months: Any, policy: Mapping[str, Any]
) -> dict[str, Any]:
    """Transition aid: persons × daily sum × 30 × months (at most the policy's months);
    winter-spring aid: persons × the sum per person."""
    if isinstance(persons, bool) or not isinstance(persons, int) or persons < 1:
        raise DisasterRuleError(f"not a number of persons: {persons!r}")
    if aid == "transition":
        if isinstance(months, bool) or not isinstance(months, int) or months < 1:
            raise DisasterRuleError(f"not a number of months: {months!r}")
        allowed = min(months, int(policy["disaster_transition_max_months"]))
        daily = Decimal(str(policy["disaster_transition_daily"]))
        total = (daily * persons * DAYS_PER_MONTH * allowed).quantize(CENT)
        result = {
            "aid": aid,
            "persons": persons,
            "months": allowed,
            "days": DAYS_PER_MONTH * allowed,
            "rate": str(daily.quantize(CENT)),
            "capped": months > allowed,
        }
    elif aid == "winter_spring":
        per_person = Decimal(str(policy["disaster_winter_per_person"]))
        total = (per_person * persons).quantize(CENT)
        result = {
            "aid": aid,
            "persons": persons,
            "months": 0,
            "days": 0,
            "rate": str(per_person.quantize(CENT)),
            "capped": False,
        }
    else:
        raise DisasterRuleError(f"unknown disaster aid {aid!r}")
    return {**result, "amount": str(total), **paid_once(total)}


registry.register_helper("disaster_amount", disaster_amount)

DISASTER_LABELS = {
    "flood": _lazy("flood"),
    "earthquake": _lazy("earthquake"),
    "landslide": _lazy("landslide or mudslide"),
    "storm": _lazy("wind and hail"),
    "drought": _lazy("drought"),
    "freeze": _lazy("freeze or snowstorm"),
    "other": _lazy("other disaster"),
}
HOUSING_LABELS = {
    "collapsed": _lazy("collapsed"),
    "severely_damaged": _lazy("severely damaged"),
}

AID_LABELS = {
    "transition": _lazy("Transition living aid"),
    "winter_spring": _lazy("Winter-spring living aid"),
}


def amount_breakdown(
    case: Case,
    members: Iterable[Any],
    deductions: Iterable[Any],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> Breakdown:
    """`disaster_amount` as the diagram calls it, on the persons and months applied for."""
    details = case.details
    aid = str(details["aid"])
    result = disaster_amount(aid, details["persons"], details.get("months", 0), policy)
    disaster = str(details.get("disaster", ""))
    lines = [
        Line(_lazy("Aid"), value=AID_LABELS[aid]),
        Line(
            _lazy("Disaster"),
            value=DISASTER_LABELS.get(disaster, disaster),
            note=_("on %(day)s") % {"day": details.get("disaster_date", "")},
        ),
    ]
    if aid == "transition":
        housing = str(details.get("housing", ""))
        lines.append(Line(_lazy("The house"), value=HOUSING_LABELS.get(housing, housing)))
    lines.append(Line(_lazy("Persons affected"), value=str(result["persons"])))
    if aid == "transition":
        lines += [
            Line(
                _lazy("Per person per day"),
                money(result["rate"]),
                params=("disaster_transition_daily",),
            ),
            Line(
                _lazy("Months"),
                value=str(result["months"]),
                params=("disaster_transition_max_months",),
                note=_("%(days)s days") % {"days": result["days"]},
            ),
        ]
        formula = _lazy("persons × per person per day × 30 × months")
    else:
        lines.append(
            Line(_lazy("Per person"), money(result["rate"]), params=("disaster_winter_per_person",))
        )
        formula = _lazy("persons × per person")
    return Breakdown(
        kind=AssistanceType.DISASTER,
        lines=tuple(lines),
        total=money(result["amount"]),
        total_label=_lazy("One-off amount"),
        formula=formula,
        notes=(_lazy("Months capped at the policy's most."),) if result["capped"] else (),
    )


# ---------------------------------------------------------------- application


def check_details(details: Mapping[str, Any], members: int, policy: Mapping[str, Any]) -> None:
    if details.get("aid") not in AIDS:
        raise ActionError(_("Choose transition living aid or winter-spring living aid."))
    if details.get("disaster") not in DISASTERS:
        raise ActionError(_("Choose the kind of disaster."))
    try:
        day = date.fromisoformat(str(details.get("disaster_date", "")))
    except ValueError:
        raise ActionError(_("Give the day of the disaster.")) from None
    if day > clock.today():
        raise ActionError(_("The day of the disaster is in the future."))
    persons = details.get("persons")
    if isinstance(persons, bool) or not isinstance(persons, int) or not 1 <= persons <= members:
        raise ActionError(
            _("The persons affected number from 1 to the %(members)s members declared.")
            % {"members": members}
        )
    if details["aid"] == "transition":
        if details.get("housing") not in HOUSING:
            raise ActionError(
                _("Transition aid is for a home that collapsed or was severely damaged.")
            )
        months = details.get("months")
        most = int(policy["disaster_transition_max_months"])
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= most:
            raise ActionError(
                _("Transition aid lasts from 1 to %(most)s months here.") % {"most": most}
            )


def check_application(application: ApplicationData) -> None:
    check_details(application.details, len(application.members), policy_today(application))
    if application.details["aid"] == "winter_spring":
        application.details.pop("months", None)
        application.details.pop("housing", None)


close_when_granted(PROCESS_KEY)


# ---------------------------------------------------------------- demo

# applicant, aid, disaster, persons, months, how far the case gets
DEMO_CASES = [
    ("田大山", "transition", "flood", 3, 3, "township_review"),
    ("邓秀英", "winter_spring", "drought", 2, 0, "notice"),
    ("彭家富", "transition", "landslide", 4, 2, "county_decision"),
    ("曾春花", "winter_spring", "freeze", 3, 0, "approved"),
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    village = unseeded_village(regions, AssistanceType.DISASTER)
    if village is not None:
        # A case still in its notice must have started recently, or its notice would be over.
        replay_demo_cases(
            DEMO_CASES,
            partial(_demo_case, users, village),
            days_ago=lambda row: 2 if row[5] == "notice" else 12,
        )


def _demo_case(
    users: Mapping[str, User],
    village: Region,
    index: int,
    name: str,
    aid: str,
    disaster: str,
    persons: int,
    months: int,
    stage: str,
) -> None:
    people = [
        MemberData(
            name=name if number == 0 else f"{name[0]}家成员{number}",
            resident_id=make_resident_id(
                "431102", date(1968 + number, 4, 10 + index), 40 + number, "M"
            ),
            is_applicant=number == 0,
            relation="self" if number == 0 else "family",
        )
        for number in range(persons)
    ]
    details: dict[str, Any] = {
        "aid": aid,
        "disaster": disaster,
        "disaster_date": (clock.today() - timedelta(days=5)).isoformat(),
        "persons": persons,
    }
    if aid == "transition":
        details.update(housing="collapsed", months=months)
    case = do_apply(
        ApplicationData(
            region_id=village.pk,
            address=f"东村{index + 31}组",
            hukou="rural",
            members=people,
            assistance_type=AssistanceType.DISASTER,
            details=details,
        ),
        actor=users["clerk"],
    )
    if stage == "township_review":
        return
    complete_step(
        users, case, "reviewer", "township_review", opinion="approve", findings="入户核灾属实。"
    )
    if stage == "notice":
        return
    clock.advance(timedelta(days=8))
    runtime.fire_instance_timers(ProcessInstance.objects.get(case=case).pk)
    if stage == "approved":
        complete_step(users, case, "approver", "county_decision", decision="approve")


KIND = register(
    Kind(
        code=AssistanceType.DISASTER,
        process_key=PROCESS_KEY,
        case_prefix="SZ",
        check_application=check_application,
        seed_demo=seed_demo,
        demo_policy=DEMO_POLICY,
        intake_form="intake_disaster.json",
        amount_breakdown=amount_breakdown,
    )
)
