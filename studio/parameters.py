"""Region policy parameters in the studio: who may see which region, what is in force and
where it comes from, the form that proposes a change, the checks a change must pass, and what
a change does to the cases under way.

How cases read parameters (the impact statement says this, so it must stay true): every
process copies the whole policy in force for its case's region on the day it starts into its
own data (`assistance.actions.process_data`, `exit_data`, the review, re-assessment, yearly
check and orphan support starts), and its scripts, gateways and due dates read that copy to
the end. A process already running therefore keeps the old values, whatever the effective
date of a change; only processes started on or after that date (new applications, the next
periodic review, a reported change, an exit) read the new ones. A case already paid keeps
its amount until such a process recalculates it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance import access
from assistance.actions import ActionError
from assistance.models import Case, CaseStatus, Region, RegionLevel, RegionPolicy
from assistance.policy import (
    PARAMS,
    STANDARD_KEYS,
    Param,
    ParamSource,
    PolicyError,
    check_consistency,
    check_limits,
    input_of,
    lowered_standards,
    merge_records,
    policy_in_force,
)
from engine.models import InstanceStatus, ProcessInstance
from studio.access import require_studio
from studio.models import PolicyChange

# Parameters are set per province, city, county and township; villages follow their township.
EDITABLE_LEVELS = (
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.COUNTY,
    RegionLevel.TOWNSHIP,
)
# Case numbers named in an impact statement; the counts cover them all.
CASES_NAMED = 20
# Regions named as keeping their own value.
REGIONS_NAMED = 20
# A note in the table of changes: errors not about one field.
GENERAL = "__all__"


# ---------------------------------------------------------------- access


def editable_regions(user: User) -> QuerySet[Region]:
    """The regions in the user's jurisdiction whose parameters the studio edits."""
    return access.regions_for_user(user).filter(level__in=EDITABLE_LEVELS)


def get_region_for_user(user: User, code: str) -> Region:
    """Policy staff whose jurisdiction holds the region; to anyone else it does not exist."""
    require_studio(user)
    region = editable_regions(user).filter(code=code).first()
    if region is None:
        raise Http404("No such region.")
    return region


def get_region_by_id_for_user(user: User, region_id: int) -> Region:
    require_studio(user)
    region = editable_regions(user).filter(pk=region_id).first()
    if region is None:
        raise Http404("No such region.")
    return region


def get_policy_change_for_user(user: User, change_id: int, *, lock: bool = False) -> PolicyChange:
    """A change of a region in the user's jurisdiction; to anyone else it does not exist."""
    require_studio(user)
    changes = PolicyChange.objects.in_regions(access.jurisdiction_paths(user))
    if lock:
        changes = changes.select_for_update(of=("self",))
    change = (
        changes.select_related("region", "author__staff", "reviewer__staff", "policy")
        .filter(pk=change_id)
        .first()
    )
    if change is None:
        raise Http404("No such change.")
    return change


def person(user: User | None) -> str:
    """A staff member's name as pages and the audit trail show it."""
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.full_name if staff is not None and staff.full_name else user.get_username()


# ---------------------------------------------------------------- showing values


def show_value(key: str, value: Any) -> str:
    """A parameter's value as people read it: yes/no, a choice's label, money as typed."""
    param = PARAMS.get(key)
    if param is None:
        return str(value)
    kind = input_of(param)
    if value is None:
        return _("none (the multiple applies)") if kind == "money_or_none" else "—"
    if kind == "flag":
        return _("Yes") if value else _("No")
    if kind == "choice":
        return str(dict(param.choices).get(value, value))
    return str(value)


@dataclass
class Upcoming:
    day: date
    value: str
    region: str


@dataclass
class ParamRow:
    key: str
    label: str
    value: str
    raw: Any
    source: ParamSource | None
    own: bool
    upcoming: list[Upcoming] = field(default_factory=list)


@dataclass
class HistoryEntry:
    record: RegionPolicy
    values: list[tuple[str, str]]
    changes: list[PolicyChange]
    future: bool


@dataclass
class RegionPage:
    region: Region
    ancestors: list[Region]
    rows: list[ParamRow]
    history: list[HistoryEntry]
    pending: list[PolicyChange]
    missing: int


def _chain(region: Region) -> list[Region]:
    """The region's ancestors and itself, the province first (one query)."""
    ids = region.ancestor_ids()
    found = {r.pk: r for r in Region.objects.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def region_page(region: Region, today: date) -> RegionPage:
    """Every parameter in force for the region today, where it comes from and what is
    scheduled; the region's own records, newest first; the changes waiting for review."""
    chain = _chain(region)
    ids = [r.pk for r in chain]
    records = list(
        RegionPolicy.objects.filter(region_id__in=ids).select_related("region").order_by("pk")
    )
    values, sources = merge_records(records, ids, today)
    rows = [
        ParamRow(
            key=key,
            label=str(param.label),
            value=show_value(key, values[key]) if key in values else "—",
            raw=values.get(key),
            source=sources.get(key),
            own=key in sources and sources[key].region_id == region.pk,
        )
        for key, param in PARAMS.items()
    ]
    by_key = {row.key: row for row in rows}
    before = values
    for day in sorted({r.effective_from for r in records if r.effective_from > today}):
        after, after_sources = merge_records(records, ids, day)
        for key, value in after.items():
            if key in by_key and before.get(key, _MISSING) != value:
                by_key[key].upcoming.append(
                    Upcoming(day, show_value(key, value), after_sources[key].region)
                )
        before = after
    own = sorted(
        (r for r in records if r.region_id == region.pk),
        key=lambda r: r.effective_from,
        reverse=True,
    )
    approvals: dict[int, list[PolicyChange]] = defaultdict(list)
    for change in (
        PolicyChange.objects.filter(policy__in=own)
        .select_related("author__staff", "reviewer__staff")
        .order_by("reviewed_at", "pk")
    ):
        assert change.policy_id is not None
        approvals[change.policy_id].append(change)
    history = [
        HistoryEntry(
            record=record,
            values=[
                (str(PARAMS[key].label) if key in PARAMS else key, show_value(key, value))
                for key, value in record.values.items()
            ],
            changes=approvals.get(record.pk, []),
            future=record.effective_from > today,
        )
        for record in own
    ]
    pending = list(
        PolicyChange.objects.pending()
        .filter(region=region)
        .select_related("author__staff")
        .order_by("effective_from", "pk")
    )
    return RegionPage(
        region=region,
        ancestors=chain[:-1],
        rows=rows,
        history=history,
        pending=pending,
        missing=sum(1 for row in rows if row.source is None),
    )


_MISSING = object()


# ---------------------------------------------------------------- the list of regions


@dataclass
class RegionRow:
    region: Region
    depth: int
    records: int
    pending: int


def region_rows(user: User) -> list[RegionRow]:
    """The editable regions of the user's jurisdiction as a tree, with counts (3 queries)."""
    regions = list(editable_regions(user))
    ids = [r.pk for r in regions]
    records = dict(
        RegionPolicy.objects.filter(region_id__in=ids)
        .values_list("region_id")
        .annotate(n=Count("pk"))
        .values_list("region_id", "n")
    )
    pending = dict(
        PolicyChange.objects.pending()
        .filter(region_id__in=ids)
        .values_list("region_id")
        .annotate(n=Count("pk"))
        .values_list("region_id", "n")
    )
    regions.sort(key=lambda r: r.ancestor_ids())
    top = min((len(r.ancestor_ids()) for r in regions), default=0)
    return [
        RegionRow(
            region=r,
            depth=min(len(r.ancestor_ids()) - top, 4),
            records=records.get(r.pk, 0),
            pending=pending.get(r.pk, 0),
        )
        for r in regions
    ]


def pending_changes(user: User) -> list[PolicyChange]:
    """Every change waiting for review in the user's jurisdiction, oldest first."""
    return list(
        PolicyChange.objects.pending()
        .in_regions(access.jurisdiction_paths(user))
        .select_related("region", "author__staff")
        .order_by("created_at", "pk")
    )


def changes_to_review(user: User) -> list[PolicyChange]:
    """The pending changes this user may approve: in their jurisdiction, not their own."""
    return [change for change in pending_changes(user) if change.author_id != user.pk]


# ---------------------------------------------------------------- checking a change


class ChangeInvalid(ActionError):
    """A change the rules refuse; `errors` maps a parameter (or a form field) to messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        first = next((message for messages in errors.values() for message in messages), "")
        super().__init__(first)
        self.errors = dict(errors)


@dataclass
class ValidChange:
    values: dict[str, Any]
    previous: dict[str, Any]


def validate_change(
    region: Region,
    effective_from: date,
    values: Mapping[str, Any],
    *,
    lowers_standard: bool,
    override_reason: str,
    today: date,
) -> ValidChange:
    """Check a change before it is proposed and again before it is approved.

    Refused: a day already gone (cases decided since then used the old value), values the
    parameter's own check refuses (zero days among them), values outside the floors and
    maxima of the published rules (`assistance.policy.LIMITS`), pairs left out of order, and
    a lower dibao standard unless the change says it lowers one, with a reason. Values equal
    to the ones in force on the day are dropped: a change holds only what it changes.
    """
    errors: dict[str, list[str]] = defaultdict(list)
    if effective_from < today:
        errors["effective_from"].append(
            _(
                "The effective date has passed. A parameter cannot change from a day already "
                "gone: cases decided since then used the value in force. Choose today or a "
                "later day."
            )
        )
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        param = PARAMS.get(key)
        if param is None:
            errors[GENERAL].append(_("Unknown policy parameter: %(key)s") % {"key": key})
            continue
        try:
            cleaned[key] = param.clean(raw)
        except PolicyError as exc:
            errors[key].append(str(exc))
    for key, message in check_limits(cleaned).items():
        errors[key].append(message)
    in_force, _sources = policy_in_force(region, effective_from, complete=False)
    changes = {key: value for key, value in cleaned.items() if in_force.get(key, _MISSING) != value}
    if not changes and not errors:
        errors[GENERAL].append(
            _("Nothing changes: every value given is the one in force on that day.")
        )
    for key, message in check_consistency({**in_force, **changes}, changes).items():
        errors[key].append(message)
    lowered = lowered_standards(region, effective_from, changes)
    later = _lowered_later(region, effective_from, changes)
    if lowers_standard:
        if not override_reason.strip():
            errors["override_reason"].append(_("Give the reason for lowering the standard."))
        if not lowered and not later:
            errors["lowers_standard"].append(
                _("Nothing in this change lowers a dibao standard: leave this unticked.")
            )
    else:
        for key, (old, new) in lowered.items():
            errors[key].append(
                _(
                    "Dibao standards only go up: this lowers it from %(old)s to %(new)s yuan. "
                    "To lower it on purpose, tick “lowers a standard” and give the reason."
                )
                % {"old": old, "new": new}
            )
        for key, (day, value) in later.items():
            errors[key].append(
                _(
                    "A record of this region already sets it to %(value)s yuan from %(day)s, "
                    "which would then lower it. Tick “lowers a standard” with the reason, or "
                    "choose a value no higher."
                )
                % {"value": value, "day": day.isoformat()}
            )
    if errors:
        raise ChangeInvalid(errors)
    return ValidChange(changes, {key: in_force.get(key) for key in changes})


def _lowered_later(
    region: Region, effective_from: date, changes: Mapping[str, Any]
) -> dict[str, tuple[date, str]]:
    """Standards this change sets above what a later record of the region already sets."""
    keys = [key for key in STANDARD_KEYS if key in changes]
    if not keys:
        return {}
    found: dict[str, tuple[date, str]] = {}
    later = RegionPolicy.objects.filter(region=region, effective_from__gt=effective_from)
    for record in later.order_by("effective_from"):
        for key in keys:
            value = record.values.get(key)
            if key not in found and value is not None and Decimal(value) < Decimal(changes[key]):
                found[key] = (record.effective_from, str(value))
    return found


# ---------------------------------------------------------------- what a change does to cases


@dataclass
class ProcessCount:
    key: str
    name: str
    cases: int


@dataclass
class Impact:
    effective_from: date
    running: int
    running_cases: list[tuple[int, str]]
    by_process: list[ProcessCount]
    active: int
    active_reviewed_later: int
    keeping_own: list[tuple[Region, list[str]]]
    keeping_own_count: int

    @property
    def more_running(self) -> int:
        return max(self.running - len(self.running_cases), 0)


def impact(region: Region, effective_from: date, keys: Sequence[str]) -> Impact:
    """What changing `keys` for `region` from `effective_from` does to cases, in 7 queries.

    Counted: cases of the region and the regions below it that would read at least one of
    the new values, leaving out those below a region that keeps its own value for every
    changed key. Running processes keep the values they started with (see the module's
    docstring); active cases keep their amount until a process started on or after the day.
    """
    changed = set(keys)
    subtree = list(
        Region.objects.filter(path__startswith=region.path).values_list(
            "pk", "path", "name", "code", "level"
        )
    )
    own_keys: dict[int, set[str]] = defaultdict(set)
    for region_id, values in (
        RegionPolicy.objects.filter(
            region__path__startswith=region.path, effective_from__lte=effective_from
        )
        .exclude(region_id=region.pk)
        .values_list("region_id", "values")
    ):
        own_keys[region_id] |= set(values) & changed
    shadowed: dict[int, set[str]] = {region.pk: set()}
    for pk, path, *_rest in sorted(subtree, key=lambda row: row[1].count("/")):
        if pk == region.pk:
            continue
        parent = int(path.strip("/").split("/")[-2])
        shadowed[pk] = shadowed.get(parent, set()) | own_keys.get(pk, set())
    reached = [pk for pk, *_rest in subtree if changed - shadowed.get(pk, set())]
    keeping = [
        (pk, name, code, level, sorted(own_keys[pk], key=list(PARAMS).index))
        for pk, _path, name, code, level in subtree
        if own_keys.get(pk)
    ]
    if len(reached) == len(subtree):
        where = Q(region__path__startswith=region.path)
    else:
        where = Q(region_id__in=reached)
    running_cases = Case.objects.filter(where, instances__status=InstanceStatus.RUNNING).distinct()
    running = running_cases.count()
    named = list(running_cases.order_by("number").values_list("pk", "number")[:CASES_NAMED])
    by_process = [
        ProcessCount(row["definition__key"], row["definition__name"], row["cases"])
        for row in ProcessInstance.objects.filter(where, status=InstanceStatus.RUNNING)
        .values("definition__key", "definition__name")
        .annotate(cases=Count("case_id", distinct=True))
        .order_by("-cases", "definition__key")
    ]
    active = Case.objects.filter(where, status=CaseStatus.ACTIVE).aggregate(
        total=Count("pk"), later=Count("pk", filter=Q(next_review_on__gte=effective_from))
    )
    keeping_regions = [
        (
            Region(pk=pk, name=name, code=code, level=level),
            [str(PARAMS[key].label) for key in own if key in PARAMS],
        )
        for pk, name, code, level, own in keeping[:REGIONS_NAMED]
    ]
    return Impact(
        effective_from=effective_from,
        running=running,
        running_cases=named,
        by_process=by_process,
        active=active["total"],
        active_reviewed_later=active["later"],
        keeping_own=keeping_regions,
        keeping_own_count=len(keeping),
    )


@dataclass
class DiffRow:
    key: str
    label: str
    old: str
    new: str


def diff_rows(values: Mapping[str, Any], previous: Mapping[str, Any]) -> list[DiffRow]:
    return [
        DiffRow(
            key,
            str(PARAMS[key].label) if key in PARAMS else key,
            show_value(key, previous[key]) if previous.get(key) is not None else "—",
            show_value(key, value),
        )
        for key, value in values.items()
    ]


# ---------------------------------------------------------------- the form


def first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


UNCHANGED = ""
FLAG_CHOICES = [
    (UNCHANGED, gettext_lazy("unchanged")),
    ("yes", gettext_lazy("Yes")),
    ("no", gettext_lazy("No")),
]


def _field_for(param: Param) -> forms.Field:
    kind = input_of(param)
    label = param.label
    if kind in ("money", "money_or_none"):
        return forms.DecimalField(
            label=label,
            required=False,
            max_digits=12,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        )
    if kind == "decimal":
        return forms.DecimalField(
            label=label,
            required=False,
            max_digits=8,
            decimal_places=3,
            widget=forms.NumberInput(attrs={"step": "0.001", "min": "0"}),
        )
    if kind == "integer":
        return forms.IntegerField(
            label=label, required=False, widget=forms.NumberInput(attrs={"step": "1"})
        )
    if kind == "flag":
        return forms.ChoiceField(label=label, required=False, choices=FLAG_CHOICES)
    if kind == "choice":
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[(UNCHANGED, gettext_lazy("unchanged")), *param.choices],
        )
    return forms.CharField(label=label, required=False, max_length=100)


def clear_name(key: str) -> str:
    """The checkbox that sets a fixed sum to none (the multiple applies)."""
    return f"{key}__none"


class ParameterChangeForm(forms.Form):
    """Parses a proposed change: blank leaves a parameter unchanged. The checks are the
    action's (validate_change); the view puts their messages on these fields."""

    effective_from = forms.DateField(
        label=gettext_lazy("Effective from"),
        # A date input takes ISO dates whatever the language's format.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=gettext_lazy("Why the parameters change (the reviewer reads it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lowers_standard = forms.BooleanField(
        label=gettext_lazy("This change lowers a dibao standard on purpose"), required=False
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for lowering the standard"), required=False, max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, param in PARAMS.items():
            self.fields[key] = _field_for(param)
            if input_of(param) == "money_or_none":
                self.fields[clear_name(key)] = forms.BooleanField(
                    label=gettext_lazy("No fixed sum: the multiple applies"), required=False
                )

    def values(self) -> dict[str, Any]:
        """The parameters given, in the types their checks take (call after is_valid)."""
        given: dict[str, Any] = {}
        for key, param in PARAMS.items():
            kind = input_of(param)
            value = self.cleaned_data.get(key)
            if kind == "money_or_none" and self.cleaned_data.get(clear_name(key)):
                given[key] = None
            elif value in (None, UNCHANGED):
                continue
            elif kind == "flag":
                given[key] = value == "yes"
            elif isinstance(value, Decimal):
                given[key] = str(value)
            else:
                given[key] = value
        return given

    def add_change_errors(self, errors: Mapping[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(None if name not in self.fields else name, message)

    def inputs(
        self, rows: Sequence[ParamRow]
    ) -> list[tuple[ParamRow, forms.BoundField, forms.BoundField | None]]:
        """Each parameter's row (its value today) with its field, and the clearing box of a
        fixed sum."""
        return [
            (
                row,
                self[row.key],
                self[clear_name(row.key)] if clear_name(row.key) in self.fields else None,
            )
            for row in rows
        ]
