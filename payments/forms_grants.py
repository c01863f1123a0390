"""The forms of batch grants: parse and render only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.models import AssistanceType, Region
from payments import grants
from payments.grants_files import MAX_UPLOAD_BYTES


def _county_field(counties: list[Region]) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        queryset=Region.objects.filter(pk__in=[c.pk for c in counties]).order_by("code"),
        label=_("County"),
        empty_label=None,
    )
    return field


class RelocationImportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    source = forms.FileField(
        label=_("List of relocated households (XLSX or CSV)"),
        help_text=_(
            "Columns: resident ID of the head (户主身份证号), name (姓名), village code or name "
            "(村), people relocated (搬迁人数), bank card (银行卡号), optionally the bank "
            "(开户银行). At most 5,000 rows and 2 MB."
        ),
    )

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"county": _county_field(counties), **self.fields}
        self.fields["source"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_source(self) -> Any:
        upload = self.cleaned_data["source"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: split the list.")
                % {"mb": MAX_UPLOAD_BYTES >> 20}
            )
        return upload


def _month_choices(today: date) -> list[tuple[str, str]]:
    choices = []
    year, month = today.year, today.month
    for _step in range(13):
        choices.append((f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return choices


class PriceSubsidyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    types = forms.MultipleChoiceField(
        label=_("Recipients: active cases of"),
        choices=[
            (code, label) for code, label in AssistanceType.choices if code in grants.SUBSIDY_TYPES
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    as_of = forms.DateField(
        label=_("Receiving benefits on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Cases active today whose benefits had started by this day."),
    )
    per = forms.ChoiceField(
        label=_("Amount per"),
        choices=[(grants.PER_PERSON, _("person covered")), (grants.PER_CASE, _("case"))],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("10000"),
        decimal_places=2,
        max_digits=7,
    )
    month = forms.ChoiceField(label=_("Paid with the roster of"))

    def __init__(self, *args: Any, counties: list[Region], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields = {"county": _county_field(counties), **self.fields}
        month = self.fields["month"]
        assert isinstance(month, forms.ChoiceField)
        month.choices = _month_choices(today)

    def clean_as_of(self) -> date:
        as_of: date = self.cleaned_data["as_of"]
        if as_of > self.today:
            raise forms.ValidationError(_("Choose today or a day before it."))
        return as_of

    def subsidy_class(self) -> grants.SubsidyClass:
        data = self.cleaned_data
        return grants.SubsidyClass(
            types=tuple(code for code in grants.SUBSIDY_TYPES if code in data["types"]),
            as_of=data["as_of"],
            per=data["per"],
            amount=data["amount"],
            month=date.fromisoformat(data["month"] + "-01"),
        )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
