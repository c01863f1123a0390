from django import forms
from django.utils.translation import gettext_lazy as _


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
