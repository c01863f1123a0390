"""Parse and render only."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.models import Region, RegionLevel
from public.models import PageKind

PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", value or "")


def normalise_receipt(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


class ObjectionForm(forms.Form):
    objector_name = forms.CharField(
        label=_("Your name"),
        max_length=50,
        min_length=2,
        help_text=_("Kept confidential; the township uses it to follow up."),
    )
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    reason = forms.CharField(
        label=_("What is wrong with this notice"),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Say what you know: income, property, members, anything the notice gets wrong."
        ),
    )

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if not PHONE.match(phone):
            raise forms.ValidationError(_("Give an 11-digit mobile number or a landline number."))
        return phone


class LookupForm(forms.Form):
    receipt = forms.CharField(label=_("Receipt number"), max_length=30)
    phone = forms.CharField(
        label=_("The phone number you gave"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def clean_receipt(self) -> str:
        return normalise_receipt(self.cleaned_data["receipt"])

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])


class DisclosureForm(forms.Form):
    LISTS = [
        ("first", _("Township first opinion")),
        ("confirmed", _("Confirmed")),
        ("terminated", _("Terminated")),
    ]
    list = forms.ChoiceField(label=_("List"), choices=LISTS, required=False)
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    def clean_month(self) -> date | None:
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise forms.ValidationError(_("Give a month as YYYY-MM."))
        return date(int(match.group(1)), int(match.group(2)), 1)


class PageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of page"), choices=PageKind.choices)
    region = forms.ModelChoiceField(
        label=_("Shown in"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("The whole province"),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Plain text. Leave a blank line between paragraphs."),
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=0)
    published = forms.BooleanField(label=_("Published"), required=False, initial=True)

    def __init__(self, *args: object, regions: list[Region], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Region.objects.filter(pk__in=[r.pk for r in regions]).order_by("path")
        field.label_from_instance = lambda region: (  # type: ignore[method-assign,assignment]
            f"{region.name}（{region.get_level_display()}）"
        )


PAGE_REGION_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
