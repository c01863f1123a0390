"""Forms of the window's pages: parse and render only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from assistance.models import AssistanceType, Region
from onewindow.models import Channel, Department, Disposition


class RegisterForm(forms.Form):
    region = forms.TypedChoiceField(label=_("Village or township"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    resident_id = forms.CharField(label=_("Resident ID"), max_length=18, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    channel = forms.ChoiceField(label=_("Came in"), choices=Channel.choices)
    need = forms.CharField(
        label=_("What is needed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(region.pk, region.name) for region in regions]


class ReferForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"), choices=[("", "—"), *Department.choices])
    note = forms.CharField(
        label=_("What the department is asked to do"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ComplaintForm(forms.Form):
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    subject_case_number = forms.CharField(
        label=_("About case (number)"), max_length=40, required=False
    )
    subject_staff = forms.TypedChoiceField(
        label=_("About staff member"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subject_staff"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((user.pk, user.staff.full_name) for user in staff)]


class CloseForm(forms.Form):
    disposition = forms.ChoiceField(
        choices=[
            (Disposition.APPLICATION, Disposition.APPLICATION.label),
            (Disposition.ANSWERED, Disposition.ANSWERED.label),
        ],
        widget=forms.HiddenInput,
    )
    assistance_type = forms.ChoiceField(label=_("Assistance applied for"), required=False)
    note = forms.CharField(
        label=_("Answer given or note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from assistance.kinds import KINDS

        field = self.fields["assistance_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "—"),
            *((code, label) for code, label in AssistanceType.choices if code in KINDS),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("disposition") == Disposition.APPLICATION and not cleaned.get(
            "assistance_type"
        ):
            self.add_error("assistance_type", _("Choose the assistance applied for."))
        return cleaned
