"""The exchanges' forms: parse and render only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.models import Region
from exchanges import actions, registry
from exchanges.models import DifferenceKind, DifferenceStatus


class ImportFileForm(forms.Form):
    source = forms.FileField(label=_("File (XLSX or CSV)"))

    def __init__(self, *args: Any, max_bytes: int, help_text: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        field = self.fields["source"]
        field.help_text = help_text
        field.widget.attrs["accept"] = ".xlsx,.csv"

    def clean_source(self) -> Any:
        upload = self.cleaned_data["source"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: split the list.")
                % {"mb": self.max_bytes >> 20}
            )
        return upload


def check_results_form(*args: Any, **kwargs: Any) -> ImportFileForm:
    return ImportFileForm(
        *args,
        max_bytes=actions.MAX_BYTES,
        help_text=str(
            _(
                "Columns: request number (核对编号), result (核对结果: 符合 or 不符合), report "
                "number (报告编号), reasons (原因, required for 不符合), for a review whether "
                "anything changed (有无变化: 是 or 否). At most 500 rows and 2 MB."
            )
        ),
        **kwargs,
    )


def deaths_form(*args: Any, **kwargs: Any) -> ImportFileForm:
    return ImportFileForm(
        *args,
        max_bytes=actions.MAX_BYTES,
        help_text=str(
            _(
                "Columns: resident ID (身份证号), date of death (死亡日期, YYYY-MM-DD), source "
                "(来源). At most 2,000 rows and 2 MB."
            )
        ),
        **kwargs,
    )


def quarters(today: date, count: int = 5) -> list[tuple[str, str]]:
    """This quarter and the ones before it, newest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    choices = []
    for _step in range(count):
        code = f"{year}Q{quarter}"
        choices.append((code, code))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return choices


class RegistryImportForm(ImportFileForm):
    county = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("County"))
    quarter = forms.ChoiceField(label=_("Quarter"))

    def __init__(self, *args: Any, counties: list[Region], today: date, **kwargs: Any) -> None:
        super().__init__(
            *args,
            max_bytes=registry.MAX_BYTES,
            help_text=str(
                _(
                    "The county's whole extract of the poverty-registration database. Columns: "
                    "resident ID (身份证号), name (姓名), standing (贫困状态: 贫困, "
                    "脱贫享受政策 or 已脱贫). At most 60,000 rows and 8 MB."
                )
            ),
            **kwargs,
        )
        county = self.fields["county"]
        county.queryset = Region.objects.filter(pk__in=[c.pk for c in counties])  # type: ignore[attr-defined]
        county.empty_label = None  # type: ignore[attr-defined]
        self.fields["quarter"].choices = quarters(today)  # type: ignore[attr-defined]
        self.order_fields(["county", "quarter", "source"])


class DifferenceFilterForm(forms.Form):
    township = forms.ModelChoiceField(
        queryset=Region.objects.none(), label=_("Township"), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, townships: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        township = self.fields["township"]
        township.queryset = Region.objects.filter(pk__in=[t.pk for t in townships])  # type: ignore[attr-defined]
        township.empty_label = _("All")  # type: ignore[attr-defined]
        self.fields["kind"].choices = [("", _("All")), *DifferenceKind.choices]  # type: ignore[attr-defined]
        self.fields["status"].choices = DifferenceStatus.choices  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was found or done"),
        min_length=2,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
