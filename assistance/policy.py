"""Per-region, effective-dated policy parameters.

Every number the rules leave to localities lives here as a parameter, never as a constant
in code or diagrams. A region inherits from its ancestors; the nearest region with a value
in force on the day wins, so a county can override the province for one parameter only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


PARAMS: dict[str, Param] = {
    "dibao_standard_urban": Param(_("Urban dibao standard (yuan/month)"), clean_money),
    "dibao_standard_rural": Param(_("Rural dibao standard (yuan/month)"), clean_money),
    "employment_cost_cap": Param(_("Employment cost cap per earner (yuan/month)"), clean_money),
    "notice_days": Param(_("Public notice days"), clean_count),
    "notice_working_days": Param(_("Notice counted in working days"), clean_flag),
    "confirm_level": Param(_("Who confirms: county or township"), clean_confirm_level),
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


def policy_for(region: Region, day: date) -> dict[str, Any]:
    """The parameters in force for `region` on `day`, JSON-safe (money as strings)."""
    values, _sources = policy_in_force(region, day)
    return values


def policy_in_force(region: Region, day: date) -> tuple[dict[str, Any], dict[str, ParamSource]]:
    """policy_for, with the record each value comes from (to show "the standard of <date>")."""
    merged, sources = _merged(region, day)
    missing = sorted(set(PARAMS) - set(merged))
    if missing:
        raise PolicyError(
            _("No policy in force for %(region)s on %(day)s: %(keys)s")
            % {"region": region.name, "day": day.isoformat(), "keys": ", ".join(missing)}
        )
    return merged, sources


def _merged(
    region: Region, day: date, *, without: int | None = None
) -> tuple[dict[str, Any], dict[str, ParamSource]]:
    ancestor_ids = region.ancestor_ids()
    depth = {region_id: index for index, region_id in enumerate(ancestor_ids)}
    records = (
        RegionPolicy.objects.filter(region_id__in=ancestor_ids, effective_from__lte=day)
        .select_related("region")
        .order_by("effective_from")
    )
    if without is not None:
        records = records.exclude(pk=without)
    by_depth: dict[int, list[RegionPolicy]] = {}
    for record in records:
        by_depth.setdefault(depth[record.region_id], []).append(record)
    merged: dict[str, Any] = {}
    sources: dict[str, ParamSource] = {}
    # Shallow to deep, older to newer: later writes win, so the nearest, newest value stays.
    for level in sorted(by_depth):
        for record in by_depth[level]:
            cleaned = clean_values(record.values)
            merged.update(cleaned)
            source = ParamSource(record.region.name, record.effective_from)
            sources.update(dict.fromkeys(cleaned, source))
    return merged, sources


# Seeds 000 and 003: standards "只升不降"; lowering one is a decision someone must own.
STANDARD_KEYS = ("dibao_standard_urban", "dibao_standard_rural")


def check_policy_record(record: RegionPolicy) -> None:
    """Validate a policy record before it is saved: known, well-formed values, and no dibao
    standard below the one in force on its effective date unless the record says it lowers
    it on purpose, with a reason."""
    values = clean_values(record.values)
    if record.lowers_standard:
        if not record.override_reason.strip():
            raise PolicyError(_("Give the reason for lowering the standard."))
        return
    raised = [key for key in STANDARD_KEYS if key in values]
    if not raised:
        return
    region = Region.objects.get(pk=record.region_id)
    in_force, _sources = _merged(region, record.effective_from, without=record.pk)
    for key in raised:
        if key in in_force and Decimal(values[key]) < Decimal(in_force[key]):
            raise PolicyError(
                _(
                    "Dibao standards only go up: %(label)s would fall from %(old)s to "
                    "%(new)s yuan. Lowering it needs an explicit override with a reason."
                )
                % {"label": PARAMS[key].label, "old": in_force[key], "new": values[key]}
            )
