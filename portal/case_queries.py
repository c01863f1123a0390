"""Read side of the task and case pages: what every step recorded, the amount with the figures
behind it, the deadlines, the scans. A fixed number of queries whatever the length of the case's
history: one for the audit trail, one for its processes, one for the scans, one per clock.

Each completed step is shown with the labels of the form it was submitted with, messages with
the labels `assistance.records` declares for them. Auditors' reads of the case (`audit.*`) are
not shown here: whom an auditor looks at is not for the staff under audit to see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import records, workdays
from assistance.amounts import AmountInputError, DibaoBreakdown
from assistance.breakdowns import Breakdown
from assistance.kinds import Kind, kind_for
from assistance.models import Case, Deduction, Evidence, Member
from assistance.policy import PARAMS, ParamSource, PolicyError, policy_in_force
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Timer
from portal import workflow_text

# What each step recorded, with its labels (assistance.records, shared with the auditors).
Step = records.Step


@dataclass(frozen=True)
class MemberAmount:
    name: str
    incomes: list[tuple[str, Any, bool]]  # kind, monthly, counted
    counted: Any
    employment_costs: Any
    employment_costs_allowed: Any
    net: Any


@dataclass(frozen=True)
class AmountView:
    breakdown: DibaoBreakdown
    members: list[MemberAmount]
    deductions: list[tuple[str, str, Any]]  # kind, member name or "", monthly
    standard_label: str
    standard_source: ParamSource | None
    cap_source: ParamSource | None
    policy_day: date


@dataclass(frozen=True)
class SourceView:
    """A policy parameter behind a figure: its name in words, where and since when it is set."""

    label: str
    region: str
    effective_from: date | None


@dataclass(frozen=True)
class LineView:
    label: str
    amount: Decimal | None
    value: str
    note: str
    sources: list[SourceView]


@dataclass(frozen=True)
class LinesView:
    """Any kind but dibao: its own lines, each with the parameters it comes from."""

    breakdown: Breakdown
    lines: list[LineView]
    policy_day: date
    ineligible: str = ""  # why nothing is due, when it is not
    lines_of_kind: bool = True


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date | datetime
    working_days_left: int

    @property
    def overdue_days(self) -> int:
        return max(-self.working_days_left, 0)


@dataclass(frozen=True)
class ProcedureClock:
    accepted_on: date | None
    limit: int | None
    due: date | None
    working_days_left: int | None
    stopped_on: date | None
    extended: bool
    reason: str
    can_extend: bool


@dataclass
class CaseFile:
    steps: list[Step]
    deadlines: list[Deadline]
    procedure: ProcedureClock
    amount: AmountView | LinesView | None
    amount_problem: str = ""

    @property
    def records(self) -> list[Step]:
        return [step for step in self.steps if step.is_record and step.entries]


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


# ----------------------------------------------------------------- recorded data

# The prefix of the auditors' own events (the audit app's reads of a case).
AUDITORS_READS = "audit."


def steps_for(events: Iterable[AuditEvent], forms_by_instance: Mapping[int, Any]) -> list[Step]:
    from portal.templatetags.doudi import action_label

    return records.steps_for(events, forms_by_instance, action_label=action_label)


def _instances(case: Case, *, with_state: bool) -> list[ProcessInstance]:
    """The case's processes, newest first; their state only when the amount reads from it."""
    found = ProcessInstance.objects.filter(case=case).order_by("-pk")
    fields = ["pk", "definition_id", "case_id", *(["state"] if with_state else [])]
    return list(found.only(*fields))


def _forms_by_instance(instances: Iterable[ProcessInstance]) -> dict[int, dict[str, Any]]:
    return {item.pk: runtime.task_forms(item.definition_id) for item in instances}


def process_facts(kind: Kind, instances: Sequence[ProcessInstance]) -> dict[str, Any]:
    """The kind's amount facts from the newest process that has the first of them."""
    if not kind.amount_facts:
        return {}
    for instance in instances:
        data = runtime.instance_data(instance)
        if data.get(kind.amount_facts[0]) is not None:
            return {name: data[name] for name in kind.amount_facts if name in data}
    return {}


# ----------------------------------------------------------------- amount


def amount_for(
    case: Case,
    members: Sequence[Member],
    deductions: Sequence[Deduction],
    instances: Sequence[ProcessInstance] | None = None,
) -> tuple[AmountView | LinesView | None, str]:
    """The amount as the process computes it, from the policy in force on the application day
    and the figures the process itself decided (`instances`, newest first, with their state)."""
    kind = kind_for(case.assistance_type)
    if kind is None or kind.amount_breakdown is None:
        return None, ""
    day = _local_day(case.created_at)
    if instances is None:
        instances = _instances(case, with_state=bool(kind.amount_facts))
    try:
        policy, sources = policy_in_force(case.region, day)
        breakdown = kind.amount_breakdown(
            case, members, deductions, policy, process=process_facts(kind, instances)
        )
    except (PolicyError, AmountInputError, KeyError, ValueError, ArithmeticError) as exc:
        return None, str(exc)
    if isinstance(breakdown, Breakdown):
        return _lines_view(breakdown, sources, day), ""
    names = {str(member.pk): member.name for member in members}
    by_key = {str(member.pk): member for member in members}
    rows = [
        MemberAmount(
            name=names.get(line.key, line.key),
            # Employment costs get their own line, with the cap.
            incomes=[
                (income.kind, _money(income.monthly_amount), income.kind in _COUNTED_KINDS)
                for income in (by_key[line.key].incomes.all() if line.key in by_key else [])
                if income.kind != "employment_cost"
            ],
            counted=_money(line.counted),
            employment_costs=_money(line.employment_costs),
            employment_costs_allowed=_money(line.employment_costs_allowed),
            net=_money(line.net),
        )
        for line in breakdown.members
    ]
    standard_key = f"dibao_standard_{case.household.hukou}"
    return (
        AmountView(
            breakdown=breakdown,
            members=rows,
            deductions=[
                (d.kind, names.get(d.member, "") if d.member else "", _money(d.monthly))
                for d in breakdown.deductions
            ],
            standard_label=str(case.household.get_hukou_display()),
            standard_source=sources.get(standard_key),
            cap_source=sources.get("employment_cost_cap"),
            policy_day=day,
        ),
        "",
    )


def _labelled(label: str, value: str) -> str:
    """A line's label with its fact (a care level, an age, a band), if it has one."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value} if value else label


def _lines_view(breakdown: Breakdown, sources: Mapping[str, ParamSource], day: date) -> LinesView:
    def source(key: str) -> SourceView:
        found = sources.get(key)
        return SourceView(
            label=str(PARAMS[key].label) if key in PARAMS else key,
            region=found.region if found else "",
            effective_from=found.effective_from if found else None,
        )

    return LinesView(
        breakdown=breakdown,
        lines=[
            LineView(
                label=_labelled(str(line.label), workflow_text.translate(line.value)),
                amount=line.amount,
                value=str(line.value),
                # Punctuation by language: full-width in Chinese, plain in English.
                note=_("(%(note)s)") % {"note": line.note} if str(line.note) else "",
                sources=[source(key) for key in line.params],
            )
            for line in breakdown.lines
        ],
        policy_day=day,
        ineligible=""
        if breakdown.eligible
        else _("(not eligible: %(reason)s)") % {"reason": breakdown.ineligible_reason},
    )


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _counted_kinds() -> frozenset[str]:
    from assistance.amounts import COUNTED, INCOME_KINDS

    return frozenset(k for k, how in INCOME_KINDS.items() if how == COUNTED)


_COUNTED_KINDS = _counted_kinds()


# ----------------------------------------------------------------- clocks


def _accepted_on(events: Iterable[AuditEvent]) -> date | None:
    """The day the application was accepted as complete: the whole procedure counts from it."""
    for event in events:
        if event.action != "task.completed":
            continue
        data = (event.payload or {}).get("data") or {}
        if data.get("acceptance_decision") == "complete":
            return _local_day(event.at)
    return None


def procedure_clock(case: Case, events: Sequence[AuditEvent]) -> ProcedureClock:
    """R6: working days from acceptance, the region's longer limit once extended."""
    accepted = _accepted_on(events)
    extended = case.procedure_extended_at is not None
    in_progress = case.status == "in_progress"
    if accepted is None:
        return ProcedureClock(
            None, None, None, None, None, extended, case.procedure_extension_reason, False
        )
    try:
        policy, _sources = policy_in_force(case.region, accepted)
    except PolicyError:
        policy = {}
    key = "procedure_extended_working_days" if extended else "procedure_working_days"
    # A kind with its own limit names it after itself (temporary_procedure_working_days).
    limit = policy.get(f"{case.assistance_type}_{key}", policy.get(key))
    due = workdays.add_working_days(accepted, int(limit)) if limit is not None else None
    stopped = None if in_progress else case.decided_on
    left = (
        workdays.working_days_between(clock.today(), due)
        if due is not None and stopped is None
        else None
    )
    return ProcedureClock(
        accepted_on=accepted,
        limit=limit,
        due=due,
        working_days_left=left,
        stopped_on=stopped,
        extended=extended,
        reason=case.procedure_extension_reason,
        can_extend=in_progress and not extended,
    )


def deadlines(case: Case, task_due: date | None = None) -> list[Deadline]:
    """This task's due date and every timer the case's process waits on (the notice end)."""
    today = clock.today()
    found = []
    if task_due is not None:
        found.append(
            Deadline(_("This task"), task_due, workdays.working_days_between(today, task_due))
        )
    timers = Timer.objects.filter(
        instance__case=case, instance__status=InstanceStatus.RUNNING
    ).order_by("due_at")
    for timer in timers:
        # A notice "until midnight" ends with the day before: show the last full day.
        last_day = _local_day(timer.due_at - timedelta(seconds=1))
        found.append(
            Deadline(timer.spec_name, last_day, workdays.working_days_between(today, last_day))
        )
    return found


# ----------------------------------------------------------------- the whole file


def case_file(
    case: Case,
    *,
    members: Sequence[Member],
    deductions: Sequence[Deduction],
    task_due: date | None = None,
) -> CaseFile:
    events = list(
        AuditEvent.objects.filter(case=case)
        .exclude(action__startswith=AUDITORS_READS)
        .order_by("at", "seq")
    )
    kind = kind_for(case.assistance_type)
    instances = _instances(case, with_state=bool(kind and kind.amount_facts))
    amount, problem = amount_for(case, members, deductions, instances)
    return CaseFile(
        steps=steps_for(events, _forms_by_instance(instances)),
        deadlines=deadlines(case, task_due),
        procedure=procedure_clock(case, events),
        amount=amount,
        amount_problem=problem,
    )


def current_evidence(case: Case) -> list[Evidence]:
    return list(
        case.evidence.filter(superseded_by__isnull=True)
        .select_related("superseded_by")
        .order_by("kind", "pk")
    )
