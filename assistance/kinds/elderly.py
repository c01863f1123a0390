"""Elderly allowances (高龄津贴 / 困难老年人补贴): the old-age allowance by age band and the
flat needy-elderly subsidy for dibao members.

The application's `details` name the allowance: {"allowance": "old_age" | "needy_elderly"}.
The applicant is the elderly person alone. The monthly amount comes from the decision table
workflows/elderly_age_bands.dmn (the province default; a county that pays other bands
deploys its own version of the processes with its own table, as for any diagram change).
The needy-elderly age range has one source, the parameters elderly_needy_min_age and
elderly_needy_max_age: the on-the-spot check reads them and the table's row reads them too.

After approval a yearly check runs as its own process, one instance per year: each instance
waits for the anniversary, has the clerk confirm the person is alive and resident, runs the
band table again and ends; the outcome handler below then writes the (possibly new) amount
to the case and starts next year's instance, or closes the case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assistance.actions import (
    ActionError,
    ApplicationData,
    MemberData,
    do_apply,
    process_data,
)
from assistance.breakdowns import Breakdown, Line, money
from assistance.demo import complete_step
from assistance.ids import InvalidResidentId, make_resident_id, parse_resident_id
from assistance.kinds import Kind, register
from assistance.kinds.common import DEMO_VILLAGE, clock_at, whole_number
from assistance.models import AssistanceType, Case, CaseStatus, Region
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
from engine.models import InstanceStatus, ProcessInstance

PROCESS_KEY = "elderly"
YEARLY_CHECK_KEY = "elderly_yearly_check"
ALLOWANCES = ("old_age", "needy_elderly")
OLDEST_AGE = 150


_age = whole_number(0, OLDEST_AGE, _lazy("Expected an age in whole years from 0 to 150."))


register_params(
    {
        "elderly_allowance_min_age": Param(
            _lazy("Lowest age of the old-age allowance (the first band of the table)"),
            _age,
            "integer",
        ),
        "elderly_needy_min_age": Param(
            _lazy("Lowest age of the needy-elderly subsidy"), _age, "integer"
        ),
        "elderly_needy_max_age": Param(
            _lazy("Highest age of the needy-elderly subsidy"), _age, "integer"
        ),
        "elderly_needy_monthly": Param(_lazy("Needy-elderly subsidy (yuan/month)"), clean_money),
        "elderly_verify_working_days": Param(
            _lazy("Working days to verify an elderly allowance application"), clean_count
        ),
        "elderly_check_working_days": Param(
            _lazy("Working days for the yearly check of an elderly allowance"), clean_count
        ),
    }
)

DEMO_POLICY: dict[str, Any] = {
    "elderly_allowance_min_age": 80,
    "elderly_needy_min_age": 60,
    "elderly_needy_max_age": 99,
    "elderly_needy_monthly": "50.00",
    "elderly_verify_working_days": 10,
    "elderly_check_working_days": 10,
}


# ---------------------------------------------------------------- diagram helpers


def _local_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def age_on(birth_date: Any, day: Any) -> int:
    """Completed years on `day` (someone born on 29 February ages on 1 March)."""
    born, on = _local_day(birth_date), _local_day(day)
    return on.year - born.year - int((on.month, on.day) < (born.month, born.day))


def anniversary(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: the year is over on 28 February
        return day.replace(year=day.year + 1, day=28)


def elderly_check_due(day: Any) -> str:
    """When the yearly check after `day` falls due: the start of its anniversary, local time.

    The result's first ten characters are the local date: the outcome handler anchors the
    next year's check on it, so late checks do not push the schedule back year after year.
    """
    due = datetime.combine(anniversary(_local_day(day)), time.min, ZoneInfo(settings.TIME_ZONE))
    return due.isoformat()


ALLOWANCE_LABELS = {
    "old_age": _lazy("Old-age allowance"),
    "needy_elderly": _lazy("Needy-elderly subsidy"),
}


def amount_breakdown(
    case: Case,
    members: Iterable[Any],
    deductions: Iterable[Any],
    policy: Mapping[str, Any],
    process: Mapping[str, Any] | None = None,
) -> Breakdown:
    """The age and band the process found (the `age_on` helper, then the band table
    workflows/elderly_age_bands.dmn); the page adds nothing of its own."""
    process = process or {}
    allowance = str(case.details.get("allowance", ""))
    age = process.get("age")
    # The yearly check computes the age on its due day; the application, on its own day.
    day = str(process.get("check_due") or process.get("applied_on") or "")[:10]
    band = process.get("band")
    monthly = process.get("band_monthly")
    lines = [
        Line(_lazy("Allowance"), value=ALLOWANCE_LABELS.get(allowance, allowance)),
        Line(
            _lazy("Age"),
            value="" if age is None else str(age),
            note=_("in whole years on %(day)s") % {"day": day} if day and age is not None else "",
        ),
    ]
    if band is not None:
        params: tuple[str, ...] = (
            ("elderly_needy_monthly", "elderly_needy_min_age", "elderly_needy_max_age")
            if allowance == "needy_elderly"
            else ()
        )
        lines.append(
            Line(
                _lazy("Band"),
                money(monthly) if monthly is not None else None,
                value=str(band),
                params=params,
                note=_lazy("from the age-band table of the process")
                if allowance == "old_age"
                else "",
            )
        )
    return Breakdown(
        kind=AssistanceType.ELDERLY,
        lines=tuple(lines),
        total=money(monthly) if monthly is not None else money(0),
        eligible=monthly is not None or band is None,
        ineligible_reason=_lazy("the age is outside every band"),
    )


registry.register_helper("age_on", age_on)
registry.register_helper("elderly_check_due", elderly_check_due)


# ---------------------------------------------------------------- application


def receives_dibao(resident_id: str) -> bool:
    """The person is covered by an active dibao case (a single-person case covers one member)."""
    return (
        Case.objects.filter(
            assistance_type=AssistanceType.DIBAO,
            status=CaseStatus.ACTIVE,
            household__members__resident_id=resident_id,
        )
        .filter(Q(single_person__isnull=True) | Q(single_person__resident_id=resident_id))
        .exists()
    )


def check_application(application: ApplicationData) -> None:
    allowance = application.details.get("allowance")
    if allowance not in ALLOWANCES:
        raise ActionError(_("Choose the old-age allowance or the needy-elderly subsidy."))
    applicants = [member for member in application.members if member.is_applicant]
    if len(applicants) != 1:
        return  # do_apply's member checks say what is wrong
    # The household may be listed, but the allowance is the elderly applicant's alone.
    if any(member.covered for member in application.members if not member.is_applicant):
        raise ActionError(
            _(
                "An elderly allowance covers the elderly applicant alone: "
                "untick Covered for the other members."
            )
        )
    today = clock.today()
    try:
        resident = parse_resident_id(applicants[0].resident_id, today=today)
    except InvalidResidentId:
        return  # the common member checks report it with the member's name
    region = Region.objects.filter(pk=application.region_id).first()
    if region is None:
        return  # do_apply has refused it already
    policy = policy_for(region, today)
    age = resident.age_on(today)
    if allowance == "old_age":
        if age < policy["elderly_allowance_min_age"]:
            raise ActionError(
                _("The old-age allowance starts at %(min)s years of age; the applicant is %(age)s.")
                % {"min": policy["elderly_allowance_min_age"], "age": age}
            )
        return
    low, high = policy["elderly_needy_min_age"], policy["elderly_needy_max_age"]
    if not low <= age <= high:
        raise ActionError(
            _(
                "The needy-elderly subsidy is for people aged %(low)s to %(high)s; "
                "the applicant is %(age)s."
            )
            % {"low": low, "high": high, "age": age}
        )
    if not receives_dibao(resident.number):
        raise ActionError(_("The needy-elderly subsidy is only for people covered by dibao."))


def start_data(case: Case, common: dict[str, Any]) -> dict[str, Any]:
    # A case shares its household with others only once do_apply can reuse a household;
    # the single person, when set, is then the beneficiary.
    member = case.single_person or case.household.members.get(is_applicant=True)
    return {
        "beneficiary": {
            "key": str(member.pk),
            "name": member.name,
            "birth_date": member.birth_date.isoformat(),
        },
        "allowance": str(case.details.get("allowance", "")),
        "previous_band": None,
        "check_round": 0,
    }


# ---------------------------------------------------------------- outcomes and yearly check


def start_yearly_check(
    case: Case, *, check_from: str, previous_band: str, check_round: int
) -> None:
    data = {
        **process_data(case),
        "check_from": check_from,
        "previous_band": previous_band,
        "check_round": check_round,
    }
    runtime.start(
        YEARLY_CHECK_KEY,
        case_id=case.pk,
        region_id=case.region_id,
        actor=None,
        role="system",
        data=data,
    )


def on_application_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    fields = apply_application_outcome(case, data)
    if case.status == CaseStatus.ACTIVE:
        band = str(data["amount"]["band"])
        case.details = {**case.details, "band": band}
        fields.append("details")
        start_yearly_check(
            case, check_from=str(data["decided_on"]), previous_band=band, check_round=1
        )
    return fields


def on_yearly_check_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    if data.get("outcome") == "continued":
        band = str(data["amount"]["band"])
        case.monthly_amount = Decimal(str(data["amount"]["monthly_amount"]))
        case.details = {**case.details, "band": band}
        start_yearly_check(
            case,
            check_from=str(data["check_due"])[:10],
            previous_band=band,
            check_round=int(data["check_round"]) + 1,
        )
        return ["monthly_amount", "details"]
    fields = apply_application_outcome(case, data)
    if case.status == CaseStatus.CLOSED:
        case.ended_on = date.fromisoformat(str(data["ended_on"]))
        case.end_reason = str(data["end_reason"])
        fields += ["ended_on", "end_reason"]
    return fields


register_outcome_handler(PROCESS_KEY, on_application_outcome)
register_outcome_handler(YEARLY_CHECK_KEY, on_yearly_check_outcome)


# ---------------------------------------------------------------- demo

# (name, birth date as years and days before the seeding day, stage)
DEMO_CASES = [
    ("高寿英", 85, 40, "verify"),
    ("钱长福", 91, 100, "confirm"),
    ("林百岁", 101, 10, "active"),
    ("何满堂", 82, 300, "refused"),
    ("罗贵生", 89, 200, "check_due"),
]


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    village = regions[DEMO_VILLAGE]
    now = clock.now()
    for index, (name, years, days, stage) in enumerate(DEMO_CASES):
        # The case whose yearly check is due was approved a little over a year ago.
        back = timedelta(days=380 if stage == "check_due" else 5, minutes=index)
        with clock_at(now - back):
            case = _demo_case(users, village, index, name, years, days, stage)
        if stage == "check_due":
            running = ProcessInstance.objects.get(
                case=case, status=InstanceStatus.RUNNING, definition__key=YEARLY_CHECK_KEY
            )
            runtime.fire_instance_timers(running.pk)


def _demo_case(
    users: Mapping[str, User],
    village: Region,
    index: int,
    name: str,
    years: int,
    days: int,
    stage: str,
) -> Case:
    today = clock.today()
    born = today.replace(year=today.year - years) - timedelta(days=days)
    application = ApplicationData(
        region_id=village.pk,
        address=f"东村{index + 11}组",
        hukou="rural",
        members=[
            MemberData(
                name=name,
                resident_id=make_resident_id("431102", born, 70 + index, "F" if index % 2 else "M"),
                is_applicant=True,
            )
        ],
        assistance_type=AssistanceType.ELDERLY,
        details={"allowance": "old_age"},
    )
    case = do_apply(application, actor=users["clerk"])
    if stage == "verify":
        return case
    if stage == "refused":
        complete_step(
            users,
            case,
            "clerk",
            "verify",
            verified_on=today.isoformat(),
            compared_with=["hukou", "id_card"],
            verify_result="fail",
            verify_reasons="户籍登记的出生日期与身份证不一致，待更正。",
        )
        return case
    complete_step(
        users,
        case,
        "clerk",
        "verify",
        verified_on=today.isoformat(),
        compared_with=["hukou", "id_card", "funeral"],
        verify_result="pass",
    )
    if stage != "confirm":
        complete_step(users, case, "approver", "county_confirm", decision="approve")
    return case


KIND = register(
    Kind(
        paid_monthly=True,
        code=AssistanceType.ELDERLY,
        process_key=PROCESS_KEY,
        case_prefix="GL",
        start_data=start_data,
        check_application=check_application,
        seed_demo=seed_demo,
        demo_policy=DEMO_POLICY,
        intake_form="intake_elderly.json",
        amount_breakdown=amount_breakdown,
        amount_facts=("age", "band", "band_monthly", "applied_on", "check_due"),
    )
)
