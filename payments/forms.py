"""The payments pages' forms: parse and render only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.ids import InvalidBankCard, parse_bank_card


class BuildForm(forms.Form):
    county = forms.TypedChoiceField(label=_("County"), coerce=int)
    month = forms.CharField(
        label=_("Month paid"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-04"}),
    )

    def __init__(self, *args: Any, counties: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = counties  # type: ignore[attr-defined]

    def clean_month(self) -> date:
        raw = str(self.cleaned_data.get("month", "")).strip()
        try:
            year, month = (int(part) for part in raw.split("-")[:2])
            return date(year, month, 1)
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from exc


class ResultsForm(forms.Form):
    results = forms.FileField(
        label=_("Bank results file (CSV: reference, result, reason)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class AccountForm(forms.Form):
    payee_name = forms.CharField(label=_("Account holder"), max_length=50)
    bank_name = forms.CharField(label=_("Bank"), max_length=100)
    bank_card = forms.CharField(
        label=_("Bank card number"),
        max_length=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_bank_card(self) -> str:
        try:
            return parse_bank_card(self.cleaned_data.get("bank_card", ""))
        except InvalidBankCard as exc:
            raise forms.ValidationError(str(exc)) from exc
