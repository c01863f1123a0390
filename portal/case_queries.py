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
from assistance.kinds import amount_markers, kind_for
from assistance.models import Case, Deduction, Evidence, Member
from assistance.policy import (
    PARAMS,
    ParamSource,
    PolicyError,
    copied_policy,
    policy_in_force,
    procedure_limit,
    sources_of,
)
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
    # The policy is the application's process's copy (or in force on the application day),
    # not a later process's (a review that recalculated the amount).
    policy_of_application: bool = True


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
    policy_of_application: bool = True  # see AmountView
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
    # Applications only (R6): a referral or a complaint (onewindow/) keeps its own limits.
    applies: bool = True


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


def _instances(case: Case) -> list[ProcessInstance]:
    """The case's processes, newest first, with their state (the amount and the procedure
    clock read the data of the process that decided with it)."""
    found = ProcessInstance.objects.filter(case=case).order_by("-pk")
    return list(
        found.only("pk", "definition_id", "case_id", "created_at", "state", "policy_snapshot_id")
    )


def _forms_by_instance(instances: Iterable[ProcessInstance]) -> dict[int, dict[str, Any]]:
    return {item.pk: runtime.task_forms(item.definition_id) for item in instances}


@dataclass(frozen=True)
class ProcessPolicy:
    """The policy a process copied into its data the day it started: what it decides with,
    whatever records were approved since (assistance.policy.copied_policy)."""

    values: dict[str, Any]
    day: date
    # Copied by the application's process, not by a later one (a review, an exit).
    application: bool


class CaseProcesses:
    """A case's processes, newest first, with their state (`_instances`). A process's data
    is read (its workflow deserialized) only when asked, and once per page."""

    def __init__(self, instances: Sequence[ProcessInstance]) -> None:
        self.instances = list(instances)
        self._data: dict[int, dict[str, Any]] = {}

    def data(self, instance: ProcessInstance) -> dict[str, Any]:
        if instance.pk not in self._data:
            self._data[instance.pk] = runtime.instance_data(instance)
        return self._data[instance.pk]

    def get(self, pk: int | None) -> ProcessInstance | None:
        return next((item for item in self.instances if item.pk == pk), None)

    @property
    def application(self) -> ProcessInstance | None:
        """The case's first process: the one its application started."""
        return self.instances[-1] if self.instances else None

    def newest_with(self, names: Sequence[str]) -> ProcessInstance | None:
        """The newest process whose data has a value for any of `names`."""
        for instance in self.instances:
            data = self.data(instance)
            if any(data.get(name) is not None for name in names):
                return instance
        return None

    def policy(self, instance: ProcessInstance | None) -> ProcessPolicy | None:
        """The policy `instance` copied when it started; None for data from before processes
        kept one."""
        if instance is None:
            return None
        values = copied_policy(self.data(instance))
        if values is None:
            return None
        return ProcessPolicy(
            values, _local_day(instance.created_at), instance.pk == self.instances[-1].pk
        )


def _processes(case: Case, processes: CaseProcesses | None) -> CaseProcesses:
    return processes if processes is not None else CaseProcesses(_instances(case))


# ----------------------------------------------------------------- amount


def amount_for(
    case: Case,
    members: Sequence[Member],
    deductions: Sequence[Deduction],
    processes: CaseProcesses | None = None,
) -> tuple[AmountView | LinesView | None, str]:
    """The amount as the process computes it: with the figures and the policy copy of the
    newest process that computed it (a review's, once one recalculated it), else of the
    application's process; the policy in force on the application day only for processes
    that kept no copy."""
    kind = kind_for(case.assistance_type)
    if kind is None or kind.amount_breakdown is None:
        return None, ""
    processes = _processes(case, processes)
    computed = processes.newest_with(amount_markers(kind))
    data = processes.data(computed) if computed is not None else {}
    facts = {name: data[name] for name in kind.amount_facts if name in data}
    try:
        policy, sources, day, application = _amount_policy(
            case, processes.policy(computed or processes.application)
        )
        breakdown = kind.amount_breakdown(case, members, deductions, policy, process=facts)
    except (PolicyError, AmountInputError, KeyError, ValueError, ArithmeticError) as exc:
        return None, str(exc)
    if isinstance(breakdown, Breakdown):
        return _lines_view(breakdown, sources, day, application), ""
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
            policy_of_application=application,
        ),
        "",
    )


def _amount_policy(
    case: Case, copy: ProcessPolicy | None
) -> tuple[dict[str, Any], dict[str, ParamSource], date, bool]:
    """(values, where each comes from, the day they were in force, whether that is the
    application day): the process's copy, or for a process without one the policy in force
    on the application day."""
    if copy is None:
        day = _local_day(case.created_at)
        policy, sources = policy_in_force(case.region, day)
        return policy, sources, day, True
    return copy.values, sources_of(case.region, copy.day, copy.values), copy.day, copy.application


def _labelled(label: str, value: str) -> str:
    """A line's label with its fact (a care level, an age, a band), if it has one."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value} if value else label


def _lines_view(
    breakdown: Breakdown, sources: Mapping[str, ParamSource], day: date, application: bool
) -> LinesView:
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
        policy_of_application=application,
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


def _acceptance(events: Iterable[AuditEvent]) -> AuditEvent | None:
    """The step that accepted the application as complete: the whole procedure counts from it."""
    for event in events:
        if event.action != "task.completed":
            continue
        data = (event.payload or {}).get("data") or {}
        if data.get("acceptance_decision") == "complete":
            return event
    return None


def procedure_clock(
    case: Case, events: Sequence[AuditEvent], processes: CaseProcesses | None = None
) -> ProcedureClock:
    """R6: working days from acceptance, the region's longer limit once extended, as the
    accepting process's policy copy sets them (the policy in force on the acceptance day for
    a process without one)."""
    if kind_for(case.assistance_type) is None:
        return ProcedureClock(None, None, None, None, None, False, "", False, applies=False)
    acceptance = _acceptance(events)
    extended = case.procedure_extended_at is not None
    in_progress = case.status == "in_progress"
    if acceptance is None:
        return ProcedureClock(
            None, None, None, None, None, extended, case.procedure_extension_reason, False
        )
    accepted = _local_day(acceptance.at)
    copy = None
    if acceptance.instance_id is not None:
        processes = _processes(case, processes)
        copy = processes.policy(processes.get(acceptance.instance_id))
    limit = procedure_limit(copy.values, case.assistance_type, extended=extended) if copy else None
    if limit is None:
        try:
            policy, _sources = policy_in_force(case.region, accepted)
        except PolicyError:
            policy = {}
        limit = procedure_limit(policy, case.assistance_type, extended=extended)
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
    processes = CaseProcesses(_instances(case))
    amount, problem = amount_for(case, members, deductions, processes)
    return CaseFile(
        steps=steps_for(events, _forms_by_instance(processes.instances)),
        deadlines=deadlines(case, task_due),
        procedure=procedure_clock(case, events, processes),
        amount=amount,
        amount_problem=problem,
    )


def current_evidence(case: Case) -> list[Evidence]:
    return list(
        case.evidence.filter(superseded_by__isnull=True)
        .select_related("superseded_by")
        .order_by("kind", "pk")
    )
