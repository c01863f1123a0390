"""The read side of the case reconstruction: everything an auditor needs to say what happened
in a case, who did it, on which process and policy, with which evidence; and the path the case
took on its diagram, position by position.

A fixed number of queries whatever the length of the case's history: the trail, the processes
with their versions, today's versions, the household, the other cases, the scans, the people
who acted, the policy records. Forms and diagrams come from the engine's per-definition caches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import access, records
from assistance.models import (
    Case,
    Deduction,
    Evidence,
    Member,
    RegionPolicy,
    StaffProfile,
)
from assistance.policy import PARAMS, sources_among
from assistance.records import Step
from assistance.roles import ROLES
from engine import runtime
from engine.models import AuditEvent, ProcessDefinition, ProcessInstance
from portal import workflow_text

# Events that change nothing: reads of the case, its scans, its file. The replay passes them by.
READ_ACTIONS = frozenset({"evidence.viewed"})
READ_PREFIX = "audit."
# Audit actions whose payload names the evidence record they are about.
EVIDENCE_ACTIONS = ("evidence.uploaded", "evidence.viewed", "document.issued")


def is_read(action: str) -> bool:
    return action in READ_ACTIONS or action.startswith(READ_PREFIX)


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


# ----------------------------------------------------------------- people


@dataclass(frozen=True)
class Person:
    name: str
    office: str


class People:
    """Staff by user id: their full name and office (the region they work for), one query."""

    def __init__(self, user_ids: Iterable[int | None]) -> None:
        ids = {pk for pk in user_ids if pk is not None}
        self._known: dict[int, Person] = {}
        for user in User.objects.filter(pk__in=ids).select_related("staff", "staff__office"):
            try:
                profile: StaffProfile | None = user.staff
            except StaffProfile.DoesNotExist:
                profile = None
            if profile is None:
                self._known[user.pk] = Person(user.username, "")
            else:
                office = profile.office.name if profile.office else ""
                self._known[user.pk] = Person(profile.full_name or user.username, office)

    def get(self, user_id: int | None, fallback: str = "") -> Person:
        if user_id is None:
            return Person(_("System"), "")
        return self._known.get(user_id, Person(fallback, ""))


def role_label(codes: str) -> str:
    """An audit event's role(s): "township_clerk" or "county_approver,auditor" in words."""
    parts = [part.strip() for part in codes.split(",")]
    # The system is named as the actor already ("System"), not again as its role.
    return "、".join(str(ROLES.get(code, code)) for code in parts if code and code != "system")


# ----------------------------------------------------------------- the reconstruction


@dataclass(frozen=True)
class Moment:
    """One event of the case's trail with who acted, in which role, from which office."""

    step: Step
    who: str
    role: str
    office: str
    is_read: bool


@dataclass(frozen=True)
class Look:
    at: datetime
    who: str
    role: str


@dataclass(frozen=True)
class Scan:
    evidence: Evidence
    uploaded_by: str
    uploaded_office: str
    views: list[Look]


@dataclass(frozen=True)
class Migration:
    at: datetime
    who: str
    from_version: Any
    to_version: Any


@dataclass(frozen=True)
class ProcessView:
    """A process the case ran: the version it is pinned to, who deployed and reviewed it, and
    today's version in scope for the case's region."""

    instance: ProcessInstance
    definition: ProcessDefinition
    scope: str
    deployed_by: str
    reviewed_by: str
    today: ProcessDefinition | None
    migrations: list[Migration]
    is_application: bool

    @property
    def is_today(self) -> bool:
        return self.today is not None and self.today.pk == self.definition.pk

    @property
    def same_content_as_today(self) -> bool:
        return self.today is not None and self.today.sha256 == self.definition.sha256


@dataclass(frozen=True)
class ParamRow:
    key: str
    label: str
    value: str
    source_region: str
    source_from: date | None


@dataclass(frozen=True)
class PolicyCopy:
    """The policy a process copied into its data the day it started: what it decided with."""

    process: ProcessView
    day: date
    rows: list[ParamRow]
    # For a later process (a review, an exit): only the values that differ from the first copy.
    changes_only: bool = False


@dataclass(frozen=True)
class Decision:
    at: datetime
    process: str
    entries: list[records.Entry]


@dataclass
class Reconstruction:
    case: Case
    members: list[Member]
    deductions: list[Deduction]
    other_cases: list[Case]
    moments: list[Moment]
    scans: list[Scan]
    processes: list[ProcessView]
    policies: list[PolicyCopy]
    decisions: list[Decision]
    missing_policy: list[ProcessView] = field(default_factory=list)

    @property
    def replay_length(self) -> int:
        return sum(1 for moment in self.moments if not moment.is_read)


def reconstruct(
    user: User, case: Case, *, action_label: Callable[[str], str] = str
) -> Reconstruction:
    """Everything about `case` (already checked to be in `user`'s jurisdiction)."""
    events = list(AuditEvent.objects.filter(case=case).order_by("seq"))
    instances = list(
        ProcessInstance.objects.filter(case=case)
        .select_related("definition", "definition__region")
        .defer("definition__sources", "definition__spec")
        .order_by("pk")
    )
    scans = list(case.evidence.select_related("superseded_by").order_by("uploaded_at", "pk"))
    people = People(
        [event.actor_id for event in events]
        + [scan.uploaded_by_id for scan in scans]
        + [item.definition.deployed_by_id for item in instances]
        + [item.definition.reviewed_by_id for item in instances]
    )
    forms = {item.pk: runtime.task_forms(item.definition_id) for item in instances}
    steps = records.steps_for(events, forms, action_label=action_label)
    _name_scans_looked_at(steps, events, scans)
    moments = []
    for step in steps:
        person = people.get(step.actor_id, step.actor_name)
        role = role_label(step.role)
        moments.append(Moment(step, person.name, role, person.office, is_read(step.code)))
    processes = _processes(case, instances, events, people)
    policies, missing = _policies(case, processes)
    household = case.household
    return Reconstruction(
        case=case,
        members=list(household.members.prefetch_related("incomes").order_by("-is_applicant", "pk")),
        deductions=list(household.deductions.select_related("member").order_by("pk")),
        other_cases=list(
            access.cases_for_user(user)
            .filter(household=household)
            .exclude(pk=case.pk)
            .order_by("created_at", "pk")
        ),
        moments=moments,
        scans=_scans(scans, events, people),
        processes=processes,
        policies=policies,
        decisions=[
            Decision(step.at, str((event.payload or {}).get("process", "")), step.entries)
            for step, event in zip(steps, events, strict=True)
            if step.code == "case.decided"
        ],
        missing_policy=missing,
    )


def _name_scans_looked_at(
    steps: Sequence[Step], events: Sequence[AuditEvent], scans: Sequence[Evidence]
) -> None:
    """A look at a scan says which: its kind and file name."""
    by_id = {scan.pk: scan for scan in scans}
    for step, event in zip(steps, events, strict=True):
        if event.action == "evidence.viewed" and not step.title:
            evidence_id = (event.payload or {}).get("evidence_id")
            scan = by_id.get(evidence_id) if isinstance(evidence_id, int) else None
            if scan is not None:
                step.title = f"{scan.get_kind_display()} · {scan.original_name}"


def _scans(scans: Sequence[Evidence], events: Sequence[AuditEvent], people: People) -> list[Scan]:
    looks: dict[int, list[Look]] = {}
    for event in events:
        if event.action != "evidence.viewed":
            continue
        evidence_id = (event.payload or {}).get("evidence_id")
        if isinstance(evidence_id, int):
            person = people.get(event.actor_id, event.actor_name)
            looks.setdefault(evidence_id, []).append(
                Look(event.at, person.name, role_label(event.role))
            )
    found = []
    for scan in scans:
        person = people.get(scan.uploaded_by_id)
        found.append(Scan(scan, person.name, person.office, looks.get(scan.pk, [])))
    return found


def _processes(
    case: Case,
    instances: Sequence[ProcessInstance],
    events: Sequence[AuditEvent],
    people: People,
) -> list[ProcessView]:
    today = todays_versions(case, {item.definition.key for item in instances})
    moved: dict[int, list[Migration]] = {}
    for event in events:
        if event.action == "instance.migrated" and event.instance_id is not None:
            payload = event.payload or {}
            moved.setdefault(event.instance_id, []).append(
                Migration(
                    event.at,
                    people.get(event.actor_id, event.actor_name).name,
                    payload.get("from_version"),
                    payload.get("to_version"),
                )
            )
    views = []
    for index, instance in enumerate(instances):
        definition = instance.definition
        views.append(
            ProcessView(
                instance=instance,
                definition=definition,
                scope=definition.region.name if definition.region else _("Province-wide"),
                deployed_by=people.get(definition.deployed_by_id).name
                if definition.deployed_by_id
                else "",
                reviewed_by=people.get(definition.reviewed_by_id).name
                if definition.reviewed_by_id
                else "",
                today=today.get(definition.key),
                migrations=moved.get(instance.pk, []),
                is_application=index == 0,
            )
        )
    return views


def todays_versions(case: Case, keys: Iterable[str]) -> dict[str, ProcessDefinition]:
    """Per process key, the version a case of this region would start on today: the newest
    version of the nearest region in scope, else the newest province-wide one (as
    engine.runtime.definition_for chooses), in one query."""
    keys = set(keys)
    if not keys:
        return {}
    lineage = case.region.ancestor_ids()
    found = list(
        ProcessDefinition.objects.filter(key__in=keys)
        .filter(Q(region__isnull=True) | Q(region_id__in=lineage))
        .defer("sources", "spec")
        .order_by("-version")
    )
    nearest = {region_id: depth for depth, region_id in enumerate(lineage)}
    chosen: dict[str, ProcessDefinition] = {}
    for key in keys:
        candidates = [item for item in found if item.key == key]
        scoped = [
            (nearest[item.region_id], item)
            for item in candidates
            if item.region_id is not None and item.region_id in nearest
        ]
        if scoped:
            deepest = max(depth for depth, _item in scoped)
            chosen[key] = next(item for depth, item in scoped if depth == deepest)
        else:
            general = [item for item in candidates if item.region_id is None]
            if general:
                chosen[key] = general[0]
    return chosen


# ----------------------------------------------------------------- policy


def _policies(
    case: Case, processes: Sequence[ProcessView]
) -> tuple[list[PolicyCopy], list[ProcessView]]:
    """Each process's copy of the policy (the application's in full, later ones' changes), with
    the record each value came from: the nearest, newest record in force on the day the copy
    was taken that gives that value."""
    lineage = case.region.ancestor_ids()
    in_region = list(
        RegionPolicy.objects.filter(region_id__in=lineage).select_related("region").order_by("pk")
    )
    copies: list[PolicyCopy] = []
    missing: list[ProcessView] = []
    first: dict[str, Any] | None = None
    for process in processes:
        data = runtime.instance_data(process.instance)
        policy = data.get("policy")
        if not isinstance(policy, Mapping) or not policy:
            missing.append(process)
            continue
        day = local_day(process.instance.created_at)
        sources = sources_among(in_region, lineage, day, policy)
        keys = [key for key in policy if first is None or first.get(key) != policy[key]]
        rows = [
            ParamRow(
                key=key,
                label=str(PARAMS[key].label) if key in PARAMS else key,
                value=param_value(key, policy[key]),
                source_region=sources[key].region if key in sources else "",
                source_from=sources[key].effective_from if key in sources else None,
            )
            for key in _ordered(keys)
        ]
        copies.append(PolicyCopy(process, day, rows, changes_only=first is not None))
        if first is None:
            first = dict(policy)
    return copies, missing


def _ordered(keys: Iterable[str]) -> list[str]:
    """In the order policy staff see them (PARAMS), unknown keys last."""
    order = {key: index for index, key in enumerate(PARAMS)}
    return sorted(keys, key=lambda key: (order.get(key, len(order)), key))


def param_value(key: str, value: Any) -> str:
    param = PARAMS.get(key)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if param is not None and param.choices:
        return str(dict(param.choices).get(str(value), value))
    return "—" if value is None or value == "" else str(value)


# ----------------------------------------------------------------- replay


@dataclass(frozen=True)
class Position:
    """The diagram as it stood right after one event of the case."""

    seq: int
    at: datetime
    label: str
    who: str
    done: list[str]
    active: list[str]
    # From the marks the engine recorded with the event; False where guessed from older events.
    exact: bool


class _Guess:
    """The path guessed from events recorded before the engine wrote its marks into them: the
    step a task event names is where the case is; the steps it was at before are done."""

    def __init__(self, elements: Mapping[str, str]) -> None:
        self.elements = elements
        self.done: set[str] = set()
        self.active: set[str] = set()

    def load(self, done: Iterable[str], active: Iterable[str]) -> None:
        self.done, self.active = set(done), set(active)

    def apply(self, event: AuditEvent) -> bool:
        """Move along for the event; False when it tells nothing about the path."""
        payload = event.payload or {}
        if event.action == "instance.started":
            self.done, self.active = set(), set()
            return True
        task = str(payload.get("task", ""))
        element = self.elements.get(task)
        if element is None:
            return False
        if event.action in ("task.claimed", "task.assigned", "task.unclaimed"):
            self._reach(element)
            return True
        if event.action == "task.completed":
            self._reach(element)
            if element == task:
                # A step of the main diagram is done; one inside a called stage leaves its
                # box under way.
                self.active.discard(element)
                self.done.add(element)
            return True
        return False

    def _reach(self, element: str) -> None:
        self.done |= self.active - {element}
        self.done.discard(element)
        self.active = {element}


def replay(
    events: Sequence[AuditEvent],
    instance: ProcessInstance,
    *,
    current: Mapping[str, Sequence[str]],
    elements: Mapping[str, str],
    steps: Sequence[Step],
    people: People,
    translate: Callable[[str], str] = str,
) -> list[Position]:
    """One position per event of the case that is not a read: the diagram of `instance` right
    after it. Events of the case's other processes, and of the case itself, keep the diagram
    as it was; before the process started nothing is marked. The last position is the state
    the engine holds now (`current`: runtime.diagram's completed and active)."""
    guess = _Guess(elements)
    done: list[str] = []
    active: list[str] = []
    exact = True
    positions = []
    for event, step in zip(events, steps, strict=True):
        if is_read(event.action):
            continue
        if event.instance_id == instance.pk:
            marks = (event.payload or {}).get("elements")
            if isinstance(marks, Mapping):
                done = sorted(marks.get("done") or [])
                active = sorted(marks.get("active") or [])
                guess.load(done, active)
                exact = True
            elif guess.apply(event):
                done, active = sorted(guess.done - guess.active), sorted(guess.active)
                exact = False
        label = step.action + (_(": ") + translate(step.title) if step.title else "")
        who = people.get(event.actor_id, event.actor_name).name
        positions.append(Position(event.seq, event.at, label, who, done, active, exact))
    if positions:
        last = positions[-1]
        positions[-1] = Position(
            last.seq,
            last.at,
            last.label,
            last.who,
            sorted(current.get("completed") or []),
            sorted(current.get("active") or []),
            True,
        )
    return positions


def replay_data(
    case: Case, instance: ProcessInstance, *, action_label: Callable[[str], str] = str
) -> dict[str, Any]:
    """The JSON the diagram and its slider read: the diagram as it is now (xml, completed,
    active) and the positions of the replay, oldest first."""
    events = list(AuditEvent.objects.filter(case=case).order_by("seq"))
    people = People(event.actor_id for event in events)
    steps = records.steps_for(events, {}, action_label=action_label)
    data = runtime.diagram(instance)
    positions = replay(
        events,
        instance,
        current=data,
        elements=runtime.main_diagram_elements(instance.definition_id),
        steps=steps,
        people=people,
        translate=workflow_text.translate,
    )
    data["labels"] = workflow_text.diagram_labels(data["xml"])
    data["positions"] = [
        {
            "seq": item.seq,
            "at": timezone.localtime(item.at).strftime("%Y-%m-%d %H:%M"),
            "label": item.label,
            "who": item.who,
            "done": item.done,
            "active": item.active,
            "exact": item.exact,
        }
        for item in positions
    ]
    data["exact"] = all(item.exact for item in positions)
    return data
