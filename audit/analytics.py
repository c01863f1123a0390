"""Statutory-limit analytics: how long each stage of the application procedure took, in working
days, against the limit the case's own policy set (R4-R6), per county and township, month by
month; and where the cases of a process are now and how long they stay at each step.

Everything is read from the audit trail and the engine's projections, never from a process's
state. The trail tells when each step ended: `task.completed`, `message.received`,
`timer.fired`. A step began when the step before it ended (the instance's previous such
event, a window function over the instance's events); the steps of one stage that follow each
other form one stay in the stage ("gaps and islands"), so a stage is measured from the first
moment the case reached it to the moment it left, and a stage the case comes back to (a new
investigation after an objection) counts again. The steps open now (the engine's Task and
Wait rows) close the islands still under way. The database returns one row per distinct
(stage, village, policy day, start day, end day) with its number of cases; working days and
limits are counted in Python over those rows, with one calendar and one policy query, so a
page costs the same number of queries for ten cases or a million.

The whole procedure runs from the application (its acceptance, R6) to the decision
(`Case.decided_on`); a procedure that was extended is held to the extended limit.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DateField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Concat, TruncDate
from django.utils.functional import Promise

from assistance.kinds import KINDS
from assistance.models import Case, CaseStatus, Region, RegionLevel, RegionPolicy
from assistance.policy import merge_records
from assistance.workdays import WorkdayCalendar
from audit.analytics_stages import PROCEDURE, PROCEDURES, WHOLE, Procedure
from engine import runtime
from engine.models import AuditEvent, ProcessDefinition, Task, Wait

# Events that move an instance on: each ends the step the instance waited at.
TRANSITIONS = ("instance.started", "task.completed", "message.received", "timer.fired")
# Open steps sort after every event of their instance.
OPEN_SEQ = 2**62


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# ---------------------------------------------------------------- figures


def percentile(counts: Counter[int], fraction: float) -> float | None:
    """The `fraction` percentile of a weighted sample, interpolated between the two nearest
    values like PostgreSQL's percentile_cont (the median of 1, 2, 3, 10 is 2.5)."""
    total = sum(counts.values())
    if total == 0:
        return None
    position = fraction * (total - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None
    return low + (high - low) * (position - low_rank)


@dataclass
class Sample:
    """Working days of the stays in one stage (or procedures) of one region and period."""

    days: Counter[int] = field(default_factory=Counter)
    overdue: int = 0
    limits: set[int] = field(default_factory=set)
    open: int = 0
    open_overdue: int = 0

    def add(self, days: int, count: int, limit: int | None) -> None:
        self.days[days] += count
        if limit is not None:
            self.limits.add(limit)
            if days > limit:
                self.overdue += count

    def add_open(self, elapsed: int, count: int, limit: int | None) -> None:
        self.open += count
        if limit is not None:
            self.limits.add(limit)
            if elapsed > limit:
                self.open_overdue += count

    @property
    def count(self) -> int:
        return sum(self.days.values())

    @property
    def median(self) -> float | None:
        return percentile(self.days, 0.5)

    @property
    def p90(self) -> float | None:
        return percentile(self.days, 0.9)

    @property
    def overdue_rate(self) -> float | None:
        """Share of the stays finished in the period that took longer than their limit."""
        count = self.count
        return self.overdue / count if count and self.limits else None

    @property
    def limit(self) -> str:
        """The limit in working days, or its range when regions or dates differ."""
        if not self.limits:
            return ""
        low, high = min(self.limits), max(self.limits)
        return str(low) if low == high else f"{low}–{high}"

    def as_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "median": self.median,
            "p90": self.p90,
            "overdue": self.overdue,
            "overdue_rate": self.overdue_rate,
            "open": self.open,
            "open_overdue": self.open_overdue,
            "limit": self.limit,
            "limit_high": max(self.limits) if self.limits else None,
        }


# ---------------------------------------------------------------- working days and limits


class WorkingDays:
    """Working days between two days from one calendar load: each day's ordinal is the number
    of working days since the first day, so a difference of ordinals is a count."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        calendar = WorkdayCalendar(first, last)
        self.ordinals: dict[date, int] = {first: 0}
        count = 0
        day = first
        while day < last:
            day += timedelta(days=1)
            count += calendar.is_working_day(day)
            self.ordinals[day] = count

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end], as assistance.workdays.working_days_between."""
        return self.ordinals[end] - self.ordinals[start]


class Limits:
    """The policy values in force for a region on a day, from one query for every region."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.lineage = {region.pk: region.ancestor_ids() for region in regions}
        ancestors = {pk for ids in self.lineage.values() for pk in ids}
        records = list(
            RegionPolicy.objects.filter(region_id__in=ancestors).select_related("region")
        )
        self.records: dict[int, list[RegionPolicy]] = defaultdict(list)
        for record in records:
            self.records[record.region_id].append(record)
        self.cache: dict[tuple[int, date | None], dict[str, Any]] = {}

    def values(self, region_id: int, day: date) -> dict[str, Any]:
        ids = self.lineage.get(region_id, [])
        mine = [record for pk in ids for record in self.records.get(pk, [])]
        days = sorted(record.effective_from for record in mine)
        # Between two records' effective days the values are the same: cache per record day.
        index = bisect_right(days, day)
        since = days[index - 1] if index else None
        key = (region_id, since)
        if key not in self.cache:
            self.cache[key] = merge_records(mine, ids, day)[0] if since else {}
        return self.cache[key]

    def limit(self, param: str | None, region_id: int, day: date) -> int | None:
        if param is None:
            return None
        value = self.values(region_id, day).get(param)
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


# ---------------------------------------------------------------- scope


@dataclass(frozen=True)
class Unit:
    """A row of the tables by region: the whole scope, a county or a township."""

    key: str
    name: str
    level: str
    region_id: int | None = None


@dataclass
class Scope:
    regions: list[Region]
    units: list[Unit]
    # Region id of each region in scope -> the keys of the units it counts in.
    unit_keys: dict[int, tuple[str, ...]]


def scope_for(regions: Sequence[Region], total_name: str, total_id: int | None = None) -> Scope:
    """Units to group by: the total (region `total_id`, when the scope is one region), then
    each county with its townships (by code)."""
    by_id = {region.pk: region for region in regions}
    counties = sorted(
        (region for region in regions if region.level == RegionLevel.COUNTY),
        key=lambda region: region.code,
    )
    townships = sorted(
        (region for region in regions if region.level == RegionLevel.TOWNSHIP),
        key=lambda region: region.code,
    )
    units = [Unit("all", total_name, "total", total_id)]
    placed: set[int] = {total_id} if total_id is not None else set()
    for county in counties:
        if county.pk != total_id:
            units.append(Unit(str(county.pk), county.name, county.level, county.pk))
        for township in townships:
            if township.parent_id == county.pk and township.pk not in placed:
                units.append(Unit(str(township.pk), township.name, township.level, township.pk))
                placed.add(township.pk)
    units += [
        Unit(str(township.pk), township.name, township.level, township.pk)
        for township in townships
        if township.pk not in placed
    ]
    unit_keys: dict[int, tuple[str, ...]] = {}
    for region in regions:
        keys = ["all"]
        for pk in region.ancestor_ids():
            ancestor = by_id.get(pk)
            if (
                ancestor is not None
                and pk != total_id
                and ancestor.level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
            ):
                keys.append(str(pk))
        unit_keys[region.pk] = tuple(keys)
    return Scope(list(regions), units, unit_keys)


def months_between(first: date, last: date) -> list[str]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# ---------------------------------------------------------------- steps and stages


def process_key(kind: str) -> str:
    return KINDS[kind].process_key


def definitions_newest_first(key: str) -> list[int]:
    return list(
        ProcessDefinition.objects.filter(key=key)
        .order_by("-deployed_at", "-pk")
        .values_list("pk", flat=True)
    )


def step_elements(definition_ids: Sequence[int]) -> dict[str, str]:
    """Step keys (as the trail names the end of a step, and "spec:<name>" for the open steps)
    -> the element of the main diagram, over the versions given (the first one wins)."""
    found: dict[str, str] = {}
    for definition_id in definition_ids:
        for step, element in runtime.main_diagram_waits(definition_id).items():
            found.setdefault(step, element)
        for spec_name, element in runtime.main_diagram_elements(definition_id).items():
            found.setdefault(f"spec:{spec_name}", element)
    return found


def stage_steps(procedure: Procedure, elements: dict[str, str]) -> dict[str, list[str]]:
    """Stage code -> the step keys that belong to it."""
    found: dict[str, list[str]] = {stage.code: [] for stage in procedure.stages}
    for step, element in sorted(elements.items()):
        for stage in procedure.stages:
            if element in stage.elements:
                found[stage.code].append(step)
    return found


def element_steps(elements: dict[str, str]) -> dict[str, list[str]]:
    """Element id -> the step keys that end or hold a stay at it."""
    found: dict[str, list[str]] = defaultdict(list)
    for step, element in sorted(elements.items()):
        found[element].append(step)
    return dict(found)


def _period_moments(first: date, last: date) -> tuple[datetime, datetime]:
    zone = local_zone()
    return (
        datetime.combine(first, time.min, zone),
        datetime.combine(last + timedelta(days=1), time.min, zone),
    )


def _step_expression() -> SqlCase:
    return SqlCase(
        When(action="task.completed", then=Concat(Value("task:"), KT("payload__task"))),
        When(action="message.received", then=Concat(Value("message:"), KT("payload__message"))),
        When(action="timer.fired", then=Concat(Value("timer:"), KT("payload__timer"))),
        default=Value(""),
        output_field=CharField(),
    )


def _group_expression(groups: dict[str, list[str]]) -> SqlCase | Value:
    whens = [When(x_step__in=steps, then=Value(code)) for code, steps in groups.items() if steps]
    if not whens:
        return Value(None, output_field=CharField())
    return SqlCase(*whens, default=Value(None), output_field=CharField())


_COLUMNS = ("x_instance", "x_seq", "x_region", "x_opened", "x_step", "x_group", "x_day")


def _ended_steps(
    cases: QuerySet[Case], key: str, group: SqlCase | Value, first: date, last: date
) -> QuerySet[Any]:
    """The events that ended a step of the instances of process `key` in the cases, for
    instances alive at some time in the period."""
    start, end = _period_moments(first, last)
    return (
        AuditEvent.objects.filter(
            action__in=TRANSITIONS,
            case__in=cases,
            instance__definition__key=key,
            instance__created_at__lt=end,
        )
        .filter(Q(instance__completed_at__isnull=True) | Q(instance__completed_at__gte=start))
        .annotate(
            x_instance=F("instance_id"),
            x_seq=F("seq"),
            x_region=F("case__region_id"),
            x_opened=TruncDate("instance__created_at", tzinfo=local_zone()),
            x_step=_step_expression(),
            x_day=TruncDate("at", tzinfo=local_zone()),
        )
        .annotate(x_group=group)
        .values_list(*_COLUMNS)
    )


def _open_steps(
    model: type[Task] | type[Wait], cases: QuerySet[Case], key: str, group: SqlCase | Value
) -> QuerySet[Any]:
    """The steps open now (a task to do, a message awaited), as rows after every event."""
    return (
        model.objects.filter(case__in=cases, instance__definition__key=key)
        .annotate(
            x_instance=F("instance_id"),
            x_seq=Cast(Value(OPEN_SEQ), BigIntegerField()),
            x_region=F("case__region_id"),
            x_opened=TruncDate("instance__created_at", tzinfo=local_zone()),
            x_step=Concat(Value("spec:"), F("spec_name"), output_field=CharField()),
            x_day=Cast(Value(None), DateField()),
        )
        .annotate(x_group=group)
        .values_list(*_COLUMNS)
    )


@dataclass(frozen=True)
class StayRow:
    """Stays in one group (a stage, or an element of the diagram) with the same region,
    policy day (the day the process started), first day and last day."""

    group: str
    region_id: int
    opened: date
    started: date
    ended: date | None  # None: the stay is under way
    count: int


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def stay_rows(
    cases: QuerySet[Case], key: str, groups: dict[str, list[str]], first: date, last: date
) -> list[StayRow]:
    """Stays in each group (code -> its step keys) that ended in the period, and those under
    way now: one query.

    Each ended step began on the day of the instance's previous event; consecutive steps of
    one group form one stay (islands: a new one starts where the group changes), which ends
    with its last step, or is under way when a step of it is open now."""
    group = _group_expression(groups)
    steps = _ended_steps(cases, key, group, first, last).union(
        _open_steps(Task, cases, key, group), _open_steps(Wait, cases, key, group), all=True
    )
    union_sql, params = steps.query.sql_with_params()
    sql = f"""
        SELECT grp, region, opened, started, ended, still_open, COUNT(*)
        FROM (
            SELECT x_instance, region, opened, grp, island,
                   MIN(began) AS started, MAX(x_day) AS ended,
                   MAX(CASE WHEN x_day IS NULL THEN 1 ELSE 0 END) AS still_open
            FROM (
                SELECT w.*, SUM(CASE WHEN w.grp = w.prev_grp THEN 0 ELSE 1 END) OVER (
                    PARTITION BY w.x_instance ORDER BY w.x_seq ROWS UNBOUNDED PRECEDING
                ) AS island
                FROM (
                    SELECT u.x_instance, u.x_seq, u.x_day, u.x_region AS region,
                           u.x_opened AS opened, u.x_group AS grp,
                           MAX(u.x_day) OVER (
                               PARTITION BY u.x_instance ORDER BY u.x_seq
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                           ) AS began,
                           LAG(u.x_group) OVER (PARTITION BY u.x_instance ORDER BY u.x_seq)
                               AS prev_grp
                    FROM ({union_sql}) u
                ) w
            ) i
            WHERE grp IS NOT NULL
            GROUP BY x_instance, region, opened, grp, island
        ) o
        WHERE started IS NOT NULL AND (still_open = 1 OR (ended >= %s AND ended <= %s))
        GROUP BY grp, region, opened, started, ended, still_open
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, first, last])
        found = cursor.fetchall()
    rows = []
    for code, region_id, opened, started, ended, still_open, count in found:
        start_day, opened_day = _as_date(started), _as_date(opened)
        assert start_day is not None and opened_day is not None
        ended_day = None if still_open else _as_date(ended)
        rows.append(StayRow(code, region_id, opened_day, start_day, ended_day, count))
    return rows


@dataclass(frozen=True)
class ProcedureRow:
    region_id: int
    opened: date
    decided: date | None  # None: still in progress
    extended: bool
    count: int


def procedure_rows(cases: QuerySet[Case], first: date, last: date) -> list[ProcedureRow]:
    """Applications decided in the period and those still in progress: two queries."""
    shaped = cases.annotate(
        opened=TruncDate("created_at", tzinfo=local_zone()),
        extended=Q(procedure_extended_at__isnull=False),
    )
    decided = (
        shaped.filter(decided_on__gte=first, decided_on__lte=last)
        .values("region_id", "opened", "decided_on", "extended")
        .annotate(count=Count("pk"))
        .order_by()
    )
    running = (
        shaped.filter(status=CaseStatus.IN_PROGRESS, decided_on__isnull=True)
        .values("region_id", "opened", "extended")
        .annotate(count=Count("pk"))
        .order_by()
    )
    rows = []
    for found in decided:
        opened = _as_date(found["opened"])
        assert opened is not None
        rows.append(
            ProcedureRow(
                found["region_id"], opened, found["decided_on"], found["extended"], found["count"]
            )
        )
    for still in running:
        opened = _as_date(still["opened"])
        assert opened is not None
        rows.append(
            ProcedureRow(still["region_id"], opened, None, still["extended"], still["count"])
        )
    return rows


# ---------------------------------------------------------------- the analysis


@dataclass(frozen=True)
class Measure:
    code: str
    label: Promise
    has_limit: bool


@dataclass
class Analysis:
    procedure: Procedure
    scope: Scope
    first: date
    last: date
    today: date
    months: list[str]
    measures: list[Measure]
    # (measure code, unit key) -> the whole period; (measure code, month) -> the scope's month.
    by_unit: dict[tuple[str, str], Sample]
    by_month: dict[tuple[str, str], Sample]

    def sample(self, measure: str, unit: str = "all") -> Sample:
        return self.by_unit.get((measure, unit)) or Sample()

    def month(self, measure: str, month: str) -> Sample:
        return self.by_month.get((measure, month)) or Sample()

    def measure(self, code: str) -> Measure:
        return next(measure for measure in self.measures if measure.code == code)


def measures_of(procedure: Procedure) -> list[Measure]:
    return [
        *(Measure(stage.code, stage.label, stage.limit is not None) for stage in procedure.stages),
        Measure(PROCEDURE, WHOLE, True),
    ]


def analyse(
    cases: QuerySet[Case],
    scope: Scope,
    kind: str,
    first: date,
    last: date,
    today: date,
) -> Analysis:
    """Every figure of the page: a fixed number of queries whatever the number of cases."""
    procedure = PROCEDURES[kind]
    elements = step_elements(definitions_newest_first(process_key(kind)))
    stays = stay_rows(cases, process_key(kind), stage_steps(procedure, elements), first, last)
    procedures = procedure_rows(cases, first, last)
    days = [row.started for row in stays] + [row.opened for row in procedures]
    days += [row.ended for row in stays if row.ended] + [r.decided for r in procedures if r.decided]
    span_first = min([*days, first, today])
    span_last = max([*days, last, today])
    working = WorkingDays(span_first, span_last)
    limits = Limits(scope.regions)
    stage_limits = {stage.code: stage.limit for stage in procedure.stages}
    by_unit: dict[tuple[str, str], Sample] = defaultdict(Sample)
    by_month: dict[tuple[str, str], Sample] = defaultdict(Sample)

    def place(
        code: str, region_id: int, ended: date | None, elapsed: int, count: int, limit: int | None
    ) -> None:
        for unit in scope.unit_keys.get(region_id, ("all",)):
            if ended is None:
                by_unit[(code, unit)].add_open(elapsed, count, limit)
            else:
                by_unit[(code, unit)].add(elapsed, count, limit)
        if ended is not None:
            by_month[(code, f"{ended:%Y-%m}")].add(elapsed, count, limit)

    for stay in stays:
        limit = limits.limit(stage_limits.get(stay.group), stay.region_id, stay.opened)
        end = stay.ended or today
        elapsed = working.between(stay.started, max(end, stay.started))
        place(stay.group, stay.region_id, stay.ended, elapsed, stay.count, limit)
    for row in procedures:
        param = procedure.extended_limit if row.extended and procedure.extended_limit else None
        limit = limits.limit(param or procedure.limit, row.region_id, row.opened)
        end = row.decided or today
        elapsed = working.between(row.opened, max(end, row.opened))
        place(PROCEDURE, row.region_id, row.decided, elapsed, row.count, limit)
    return Analysis(
        procedure=procedure,
        scope=scope,
        first=first,
        last=last,
        today=today,
        months=months_between(first, last),
        measures=measures_of(procedure),
        by_unit=dict(by_unit),
        by_month=dict(by_month),
    )


# ---------------------------------------------------------------- the heatmap


@dataclass
class Node:
    element: str
    name: str
    now: int = 0
    passes: int = 0
    total_days: int = 0
    level: int = 0

    @property
    def average(self) -> float | None:
        return round(self.total_days / self.passes, 1) if self.passes else None


@dataclass
class Heatmap:
    definition: ProcessDefinition
    nodes: list[Node]

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {
            node.element: {
                "now": node.now,
                "passes": node.passes,
                "average": node.average,
                "level": node.level,
            }
            for node in self.nodes
        }


HEAT_LEVELS = 4


def heatmap(
    cases: QuerySet[Case],
    kind: str,
    region_ids: Sequence[int],
    first: date,
    last: date,
    today: date,
) -> Heatmap:
    """The diagram in force for the region (its own version or the province's), with the
    cases at each of its elements now and the average working days a stay there took (stays
    ended in the period). Steps of older versions count at the element they map to."""
    key = process_key(kind)
    definition = runtime.definition_for(key, list(region_ids))
    elements = step_elements([definition.pk, *definitions_newest_first(key)])
    names = runtime.main_diagram_names(definition.pk)
    stays = stay_rows(cases, key, element_steps(elements), first, last)
    nodes: dict[str, Node] = {}
    if stays:
        days = [row.started for row in stays] + [row.ended for row in stays if row.ended]
        working = WorkingDays(min(days), max([*days, today]))
        for row in stays:
            node = nodes.setdefault(row.group, Node(row.group, names.get(row.group, row.group)))
            if row.ended is None:
                node.now += row.count
            else:
                node.passes += row.count
                node.total_days += working.between(row.started, row.ended) * row.count
    highest = max((node.average or 0 for node in nodes.values()), default=0)
    for node in nodes.values():
        if node.average is not None:
            node.level = max(1, math.ceil(HEAT_LEVELS * node.average / highest)) if highest else 1
    ordered = sorted(nodes.values(), key=lambda node: (-(node.average or 0), -node.now, node.name))
    return Heatmap(definition, ordered)
