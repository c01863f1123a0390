from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from assistance.models import EvidenceKind, NearRelative


class CheckResultForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("Check result"),
        choices=[("yes", _("Meets the conditions")), ("no", _("Does not meet the conditions"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    report_no = forms.CharField(label=_("Report number"), max_length=50)
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ObjectionForm(forms.Form):
    objector = forms.CharField(label=_("Objector"), max_length=50)
    reason = forms.CharField(
        label=_("Objection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the extension"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates  # type: ignore[attr-defined]


def money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=12, decimal_places=2, min_value=0, required=False
    )


class HouseholdForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village of household registration"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=200)
    hukou = forms.ChoiceField(
        label=_("Household registration"), choices=[("rural", _("Rural")), ("urban", _("Urban"))]
    )
    medical = money(_("Medical expenses (yuan/month)"))
    education = money(_("Education expenses (yuan/month)"))
    disability = money(_("Disability expenses (yuan/month)"))

    def __init__(self, *args: Any, villages: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    resident_id = forms.CharField(label=_("Resident ID"), max_length=18, min_length=18)
    relation = forms.ChoiceField(
        label=_("Relation"),
        choices=[
            ("self", _("Applicant")),
            ("spouse", _("Spouse")),
            ("child", _("Child")),
            ("parent", _("Parent")),
            ("other", _("Other")),
        ],
    )
    covered = forms.BooleanField(label=_("Covered"), required=False, initial=True)
    wage = money(_("Net wage (yuan/month)"))
    employment_cost = money(_("Employment costs (yuan/month)"))
    business = money(_("Business income"))
    property = money(_("Property income"))
    transfer = money(_("Transfer income"))


MemberFormSet = forms.formset_factory(MemberForm, extra=4, max_num=20, min_num=1, validate_min=True)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    file = forms.FileField(label=_("Scan (PDF, JPEG, PNG or TIFF)"))
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RelativeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    resident_id = forms.CharField(label=_("Resident ID"), max_length=18, min_length=18)
    relation = forms.ChoiceField(label=_("Relation"), choices=NearRelative.Relation.choices)
