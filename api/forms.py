"""The API pages' forms: parse and render only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import KIND_SCOPES, SystemKind
from assistance.models import Region, RegionLevel
from assistance.processes.onewindow import Department

SCOPE_LABELS = {
    "checks": _("Economic checks: open requests and their results"),
    "deaths": _("Death records"),
    "payments": _("Payments: approved rosters and the bank's results"),
    "registry": _("Poverty registry file for the quarterly comparison"),
    "events": _("Events of its region (case confirmed, refused, exited)"),
    "referrals": _("Referrals to and from the department"),
}


def scope_label(scope: str) -> str:
    return str(SCOPE_LABELS.get(scope, scope))


class LastDayField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Valid until (included)"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            help_text=_("Leave empty for a token that lasts until it is revoked."),
            **kwargs,
        )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “spreadsheet on my office computer”."),
    )
    last_day = LastDayField()


class RegionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


class SystemAccountForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of system"), choices=SystemKind.choices)
    region = RegionField(label=_("Region it serves"), queryset=Region.objects.none())
    name = forms.CharField(label=_("Name of the system"), max_length=100)
    department = forms.ChoiceField(
        label=_("Which department"),
        required=False,
        choices=[("", "—"), *Department.choices],
        help_text=_("For another department only: the referrals it sends come from it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Region.objects.exclude(level=RegionLevel.VILLAGE).order_by("path")


class SystemTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=[]
    )
    last_day = LastDayField()

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(scope, scope_label(scope)) for scope in KIND_SCOPES[kind]]
        field.initial = list(KIND_SCOPES[kind])
