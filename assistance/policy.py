"""Per-region, effective-dated policy parameters.

Every number the rules leave to localities lives here as a parameter, never as a constant
in code or diagrams. A region inherits from its ancestors; the nearest region with a value
in force on the day wins, so a county can override the province for one parameter only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from assistance.models import Region, RegionPolicy


class PolicyError(ValueError):
    pass


def clean_money(value: Any) -> str:
    if isinstance(value, bool):
        raise PolicyError(_("Expected an amount of money."))
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise PolicyError(_("Expected an amount of money.")) from exc
    if not amount.is_finite() or amount < 0:
        raise PolicyError(_("An amount of money cannot be negative."))
    return str(amount.quantize(Decimal("0.01")))


def clean_count(value: Any) -> int:
    """A number of days: a limit of zero days (or fewer) would make every case overdue at once."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
        raise PolicyError(_("Expected a whole number of days from 1 to 366."))
    return value


def clean_flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise PolicyError(_("Expected true or false."))
    return value


def clean_age(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 50 <= value <= 100:
        raise PolicyError(_("Expected an age in whole years from 50 to 100."))
    return value


def clean_confirm_level(value: Any) -> str:
    if value not in ("county", "township"):
        raise PolicyError(_("Confirmation is by the county or by the township."))
    return str(value)


@dataclass(frozen=True)
class Param:
    label: Any
    clean: Callable[[Any], Any]
    # How a form asks for it (see INPUTS); "" lets input_of() tell from a shared cleaner.
    input: str = ""
    # For input "choice": (stored value, label) pairs.
    choices: tuple[tuple[str, Any], ...] = ()


PARAMS: dict[str, Param] = {
    "dibao_standard_urban": Param(_("Urban dibao standard (yuan/month)"), clean_money),
    "dibao_standard_rural": Param(_("Rural dibao standard (yuan/month)"), clean_money),
    "employment_cost_cap": Param(_("Employment cost cap per earner (yuan/month)"), clean_money),
    "notice_days": Param(_("Public notice days"), clean_count),
    "notice_working_days": Param(_("Notice counted in working days"), clean_flag),
    "confirm_level": Param(
        _("Who confirms: county or township"),
        clean_confirm_level,
        input="choice",
        choices=(("county", _("The county confirms")), ("township", _("The township confirms"))),
    ),
    "acceptance_working_days": Param(_("Working days to accept an application"), clean_count),
    "investigation_working_days": Param(_("Working days for the home investigation"), clean_count),
    "opinion_working_days": Param(_("Working days for the township opinion"), clean_count),
    "confirmation_working_days": Param(_("Working days to confirm after the notice"), clean_count),
    "refusal_notice_working_days": Param(_("Working days to notify a refusal"), clean_count),
    "procedure_working_days": Param(_("Working days for the whole procedure"), clean_count),
    "procedure_extended_working_days": Param(
        _("Working days for the whole procedure once extended"), clean_count
    ),
    # 增发 (seed 000): extra dibao per covered member of a special group, yuan/month.
    "dibao_supplement_elderly": Param(
        _("Extra dibao per elderly member (yuan/month)"), clean_money
    ),
    "dibao_supplement_elderly_age": Param(
        _("Age from which a member counts as elderly"), clean_age
    ),
    "dibao_supplement_minor": Param(_("Extra dibao per minor (yuan/month)"), clean_money),
    "dibao_supplement_severe_disability": Param(
        _("Extra dibao per severely disabled member, grade 1-2 (yuan/month)"), clean_money
    ),
    "dibao_supplement_serious_illness": Param(
        _("Extra dibao per seriously ill member (yuan/month)"), clean_money
    ),
    # Seed 002: a one-off resettlement grant per person relocated for poverty relief.
    "relocation_grant_per_person": Param(
        _("Relocation resettlement grant per person (yuan, once)"), clean_money
    ),
}


def register_params(params: dict[str, Param]) -> None:
    """Kinds of assistance add the parameters their processes read (see assistance.kinds)."""
    clashes = set(params) & set(PARAMS)
    if clashes:
        raise ValueError(f"policy parameters registered twice: {sorted(clashes)}")
    PARAMS.update(params)


def clean_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a policy record's values; unknown keys are errors, not silently kept."""
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        param = PARAMS.get(key)
        if param is None:
            raise PolicyError(_("Unknown policy parameter: %(key)s") % {"key": key})
        try:
            cleaned[key] = param.clean(raw)
        except PolicyError as exc:
            raise PolicyError(f"{param.label}: {exc}") from exc
    return cleaned


@dataclass(frozen=True)
class ParamSource:
    """Where a parameter in force comes from: which region's record, effective since when."""

    region: str
    effective_from: date
    # The record's region, for pages that tell a region's own values from inherited ones.
    region_id: int | None = field(default=None, compare=False)


def policy_for(region: Region, day: date) -> dict[str, Any]:
    """The parameters in force for `region` on `day`, JSON-safe (money as strings)."""
    values, _sources = policy_in_force(region, day)
    return values


def policy_in_force(
    region: Region, day: date, *, complete: bool = True
) -> tuple[dict[str, Any], dict[str, ParamSource]]:
    """policy_for, with the record each value comes from (to show "the standard of <date>").

    `complete=False` returns what is set, leaving out the parameters no record gives yet (a
    page showing a province with no record of its own), instead of raising PolicyError."""
    merged, sources = _merged(region, day)
    missing = sorted(set(PARAMS) - set(merged))
    if missing and complete:
        raise PolicyError(
            _("No policy in force for %(region)s on %(day)s: %(keys)s")
            % {"region": region.name, "day": day.isoformat(), "keys": ", ".join(missing)}
        )
    return merged, sources


def copied_policy(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The policy a process copied into its data the day it started (assistance.actions
    `process_data`, exit and review data): what its scripts, gateways and due dates read,
    whatever records were approved since. None for data from before processes kept one."""
    policy = data.get("policy")
    return dict(policy) if isinstance(policy, Mapping) and policy else None


def sources_of(region: Region, day: date, values: Mapping[str, Any]) -> dict[str, ParamSource]:
    """Where each of `values` comes from: a process's copy of the policy in force for `region`
    on `day`, the day it started (see `sources_among`)."""
    ancestor_ids = region.ancestor_ids()
    records = (
        RegionPolicy.objects.filter(region_id__in=ancestor_ids, effective_from__lte=day)
        .select_related("region")
        .order_by("effective_from")
    )
    return sources_among(records, ancestor_ids, day, values)


def sources_among(
    records: Iterable[RegionPolicy],
    lineage: Sequence[int],
    day: date,
    values: Mapping[str, Any],
) -> dict[str, ParamSource]:
    """For each of `values`, the nearest, newest of `records` in force on `day` that gives that
    value (`lineage`: the region's ancestors from the top of the tree down, the region last).
    A record approved after the copy was taken, for a day the copy covers, is passed over where
    it says otherwise. A value no record gives has no source. Pure: callers that show many
    copies load the records once."""
    depth = {region_id: index for index, region_id in enumerate(lineage)}
    in_force = sorted(
        (record for record in records if record.effective_from <= day),
        key=lambda record: (depth[record.region_id], record.effective_from),
        reverse=True,
    )
    sources: dict[str, ParamSource] = {}
    for record in in_force:
        try:
            cleaned = clean_values(record.values)
        except PolicyError:
            continue
        for key, value in cleaned.items():
            if key in sources or key not in values:
                continue
            if values[key] == value or str(values[key]) == str(value):
                sources[key] = ParamSource(
                    record.region.name, record.effective_from, record.region_id
                )
    return sources


def procedure_limit(policy: Mapping[str, Any], assistance_type: str, *, extended: bool) -> Any:
    """R6: the working days of the whole procedure (once extended, the longer limit); a kind
    with a limit of its own names it after itself (temporary_procedure_working_days)."""
    key = "procedure_extended_working_days" if extended else "procedure_working_days"
    for name in (f"{assistance_type}_{key}", key):
        if policy.get(name) is not None:
            return policy[name]
    return None


def _merged(
    region: Region, day: date, *, without: int | None = None
) -> tuple[dict[str, Any], dict[str, ParamSource]]:
    ancestor_ids = region.ancestor_ids()
    records = (
        RegionPolicy.objects.filter(region_id__in=ancestor_ids, effective_from__lte=day)
        .select_related("region")
        .order_by("effective_from")
    )
    if without is not None:
        records = records.exclude(pk=without)
    return merge_records(records, ancestor_ids, day)


def merge_records(
    records: Iterable[RegionPolicy], ancestor_ids: Sequence[int], day: date
) -> tuple[dict[str, Any], dict[str, ParamSource]]:
    """The values in force on `day` for the region whose path is `ancestor_ids` (the province
    first, the region itself last), from records of those regions (with their region loaded):
    the nearest region wins, and within a region the newest record in force on the day."""
    depth = {region_id: index for index, region_id in enumerate(ancestor_ids)}
    by_depth: dict[int, list[RegionPolicy]] = {}
    for record in records:
        if record.effective_from <= day and record.region_id in depth:
            by_depth.setdefault(depth[record.region_id], []).append(record)
    merged: dict[str, Any] = {}
    sources: dict[str, ParamSource] = {}
    # Shallow to deep, older to newer: later writes win, so the nearest, newest value stays.
    for level in sorted(by_depth):
        for record in sorted(by_depth[level], key=lambda record: record.effective_from):
            cleaned = clean_values(record.values)
            merged.update(cleaned)
            source = ParamSource(record.region.name, record.effective_from, record.region_id)
            sources.update(dict.fromkeys(cleaned, source))
    return merged, sources


# Seeds 000 and 003: standards "只升不降"; lowering one is a decision someone must own.
STANDARD_KEYS = ("dibao_standard_urban", "dibao_standard_rural")


def lowered_standards(
    region: Region, day: date, values: Mapping[str, Any], *, without: int | None = None
) -> dict[str, tuple[str, str]]:
    """The dibao standards among `values` (cleaned) that would fall below the one in force for
    `region` on `day`: key -> (old, new). `without`: a record to leave out (the one saved)."""
    raised = [key for key in STANDARD_KEYS if key in values]
    if not raised:
        return {}
    in_force, _sources = _merged(region, day, without=without)
    return {
        key: (in_force[key], values[key])
        for key in raised
        if key in in_force and Decimal(values[key]) < Decimal(in_force[key])
    }


def check_policy_record(record: RegionPolicy) -> None:
    """Validate a policy record before it is saved, whoever saves it (the studio, the admin, a
    command): known, well-formed values within the floors and maxima of the published rules
    (LIMITS), pairs kept in order once merged with the values in force on its effective date
    (ORDERED_PAIRS), and no dibao standard below the one in force that day unless the record
    says it lowers it on purpose, with a reason."""
    values = clean_values(record.values)
    problems = check_limits(values)
    if not problems and any(key in values for pair in ORDERED_PAIRS for key in pair[:2]):
        region = Region.objects.get(pk=record.region_id)
        in_force, _sources = _merged(region, record.effective_from, without=record.pk)
        problems = check_consistency({**in_force, **values}, values)
    if problems:
        key, message = next(iter(problems.items()))
        label = PARAMS[key].label if key in PARAMS else key
        raise PolicyError(f"{label}: {message}")
    if record.lowers_standard:
        if not record.override_reason.strip():
            raise PolicyError(_("Give the reason for lowering the standard."))
        return
    if not any(key in values for key in STANDARD_KEYS):
        return
    region = Region.objects.get(pk=record.region_id)
    lowered = lowered_standards(region, record.effective_from, values, without=record.pk)
    if lowered:
        key, (old, new) = next(iter(lowered.items()))
        raise PolicyError(
            _(
                "Dibao standards only go up: %(label)s would fall from %(old)s to "
                "%(new)s yuan. Lowering it needs an explicit override with a reason."
            )
            % {"label": PARAMS[key].label, "old": old, "new": new}
        )


# ---------------------------------------------------------------- what a form asks, and the limits

# How a parameter is typed in: money (yuan, 2 decimals), decimal (a multiple), integer (days,
# months, ages, percentages), flag (yes/no), choice (one of Param.choices), money_or_none (a
# fixed sum, or none to use the multiple instead).
INPUTS = ("money", "decimal", "integer", "flag", "choice", "money_or_none")
_SHARED_INPUTS: dict[Callable[[Any], Any], str] = {
    clean_money: "money",
    clean_count: "integer",
    clean_flag: "flag",
    clean_age: "integer",
}


def input_of(param: Param) -> str:
    """The input a form uses for `param` ("" when neither it nor its cleaner tells)."""
    return param.input or _SHARED_INPUTS.get(param.clean, "")


@dataclass(frozen=True)
class Limit:
    """A bound the published rules set on a parameter (docs/domain.md), whatever the region."""

    minimum: Decimal | None
    maximum: Decimal | None
    message: Any


# Floors (and the statutory maxima of time limits) from docs/domain.md. Checked when policy staff
# change a parameter in the studio, and on every save of a record (check_policy_record); a
# province with other rules changes them here.
LIMITS: dict[str, Limit] = {
    # Seed 000 (Hunan 2020): the rural standard not below 4,000 yuan a year.
    "dibao_standard_rural": Limit(
        Decimal("333.34"),
        None,
        _("The rural dibao standard is at least 4,000 yuan a year (333.34 yuan a month)."),
    ),
    # Seed 003: extreme-poverty basic living at least 1.3 times the dibao standard.
    "tekun_basic_multiplier": Limit(
        Decimal("1.3"),
        None,
        _("Extreme-poverty basic living is at least 1.3 times the dibao standard."),
    ),
    # Seed 000: each disability subsidy at least 65 yuan a month.
    "disability_living_monthly": Limit(
        Decimal("65"), None, _("A disability subsidy is at least 65 yuan a month.")
    ),
    "disability_nursing_monthly": Limit(
        Decimal("65"), None, _("A disability subsidy is at least 65 yuan a month.")
    ),
    # R4: the public notice lasts 7 days; temporary aid's at least 3 (local practice 3-7).
    "notice_days": Limit(Decimal(7), None, _("The public notice lasts at least 7 days.")),
    "temporary_notice_days": Limit(
        Decimal(3), None, _("The public notice of temporary aid lasts at least 3 days.")
    ),
    # R5, R6: national maxima; a region may set shorter limits, not longer ones.
    "confirmation_working_days": Limit(
        None, Decimal(10), _("Confirmation comes within 10 working days after the notice.")
    ),
    "refusal_notice_working_days": Limit(
        None, Decimal(3), _("A refusal is notified within 3 working days.")
    ),
    "procedure_working_days": Limit(
        None, Decimal(30), _("The whole procedure takes at most 30 working days.")
    ),
    "procedure_extended_working_days": Limit(
        None, Decimal(45), _("An extended procedure takes at most 45 working days.")
    ),
}


def check_limits(values: Mapping[str, Any]) -> dict[str, str]:
    """Cleaned values outside the bounds of LIMITS: key -> the rule, translated."""
    problems: dict[str, str] = {}
    for key, value in values.items():
        limit = LIMITS.get(key)
        if limit is None or value is None or isinstance(value, bool):
            continue
        number = Decimal(str(value))
        if (limit.minimum is not None and number < limit.minimum) or (
            limit.maximum is not None and number > limit.maximum
        ):
            problems[key] = str(limit.message)
    return problems


# Pairs that must stay in order once merged: (lower key, higher key, message).
ORDERED_PAIRS: tuple[tuple[str, str, Any], ...] = (
    (
        "procedure_working_days",
        "procedure_extended_working_days",
        _("The extended procedure cannot be shorter than the ordinary one."),
    ),
    (
        "elderly_needy_min_age",
        "elderly_needy_max_age",
        _("The lowest age of the needy-elderly subsidy cannot exceed the highest."),
    ),
    (
        "tekun_care_partial_percent",
        "tekun_care_full_percent",
        _("The allowance for partial care cannot exceed the one for full care."),
    ),
    (
        "temporary_township_limit_multiple",
        "temporary_max_multiple",
        _("The township's own limit cannot exceed the maximum amount."),
    ),
)


def check_consistency(merged: Mapping[str, Any], changed: Iterable[str]) -> dict[str, str]:
    """Pairs of ORDERED_PAIRS out of order in `merged` (the values in force with a change
    applied), reported on whichever of the two `changed` names: key -> message."""
    changed = set(changed)
    problems: dict[str, str] = {}
    for low, high, message in ORDERED_PAIRS:
        if low not in merged or high not in merged or not {low, high} & changed:
            continue
        if Decimal(str(merged[low])) > Decimal(str(merged[high])):
            problems[low if low in changed else high] = str(message)
    return problems
