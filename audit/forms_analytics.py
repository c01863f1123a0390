"""The choices of the time-limit analytics page: the kind of assistance, the region, the
months and the measure the tables by region and by month show. Parses and renders only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.models import AssistanceType, Region
from audit.analytics_stages import PROCEDURE, PROCEDURES, WHOLE

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The longest period a page covers: five years of months.
MAX_MONTHS = 60
DEFAULT_MONTHS = 12


def month_start(text: str) -> date | None:
    match = MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def shift_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Choice:
    """What the page shows: checked, with the defaults filled in."""

    kind: str
    region: Region | None
    first: date
    last: date
    measure: str

    def query(self) -> dict[str, str]:
        """The same choice as query parameters, for the JSON and export links."""
        values = {
            "kind": self.kind,
            "start": f"{self.first:%Y-%m}",
            "end": f"{self.last:%Y-%m}",
            "measure": self.measure,
        }
        if self.region is not None:
            values["region"] = str(self.region.pk)
        return values

    def as_payload(self) -> dict[str, Any]:
        """For the audit trail: what the auditor looked at."""
        return {
            "kind": self.kind,
            "region": self.region.pk if self.region is not None else None,
            "start": self.first.isoformat(),
            "end": self.last.isoformat(),
            "measure": self.measure,
        }


class AnalyticsForm(forms.Form):
    kind = forms.ChoiceField(label=_("Assistance type"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    start = forms.CharField(
        label=_("From month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    end = forms.CharField(
        label=_("To month"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    measure = forms.ChoiceField(label=_("Stage shown by region and month"), required=False)

    def __init__(self, data: Any, *, regions: list[Region], root_label: str, today: date) -> None:
        super().__init__(data)
        self.regions = {region.pk: region for region in regions}
        self.today = today
        kinds = AssistanceType.choices
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [(code, label) for code, label in kinds if code in PROCEDURES]
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)
        region_field.choices = [
            ("", root_label),
            *((region.pk, region_label(region)) for region in regions),
        ]
        kind = str(self.data.get("kind") or AssistanceType.DIBAO)
        procedure = PROCEDURES.get(kind, PROCEDURES[AssistanceType.DIBAO])
        measure_field = self.fields["measure"]
        assert isinstance(measure_field, forms.ChoiceField)
        measure_field.choices = [
            *((stage.code, stage.label) for stage in procedure.stages),
            (PROCEDURE, WHOLE),
        ]
        self.initial = defaults(today)

    def kind_label(self, code: str) -> str:
        return str(dict(AssistanceType.choices).get(code, code))

    def clean_start(self) -> date:
        return self._month("start")

    def clean_end(self) -> date:
        return self._month("end")

    def _month(self, name: str) -> date:
        text = str(self.cleaned_data.get(name) or self.initial[name])
        first = month_start(text)
        if first is None:
            raise forms.ValidationError(_("Give a month as YYYY-MM."))
        return first

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("start"), cleaned.get("end")
        if isinstance(first, date) and isinstance(last, date):
            if first > last:
                self.add_error("end", _("The last month comes before the first."))
            elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                self.add_error(
                    "start", _("Choose at most %(count)d months.") % {"count": MAX_MONTHS}
                )
        return cleaned

    def choice(self) -> Choice:
        """The checked choice (call after is_valid())."""
        cleaned = self.cleaned_data
        region_id = cleaned.get("region")
        return Choice(
            kind=cleaned.get("kind") or AssistanceType.DIBAO,
            region=self.regions.get(region_id) if region_id is not None else None,
            first=cleaned["start"],
            last=month_end(cleaned["end"]),
            measure=cleaned.get("measure") or PROCEDURE,
        )


def defaults(today: date) -> dict[str, str]:
    """The choice of a page opened without one: minimum living guarantee, the whole procedure,
    the twelve months up to this one."""
    last = today.replace(day=1)
    return {
        "kind": AssistanceType.DIBAO,
        "start": f"{shift_months(last, 1 - DEFAULT_MONTHS):%Y-%m}",
        "end": f"{last:%Y-%m}",
        "measure": PROCEDURE,
    }


def region_label(region: Region) -> str:
    # Townships under their county: the select lists the county first, then its townships.
    return f"— {region.name}" if region.level == "township" else region.name
