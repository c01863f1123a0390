from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from assistance.ids import InvalidBankCard, InvalidResidentId, parse_bank_card, parse_resident_id
from assistance.models import AssistanceType, EvidenceKind, NearRelative, Relation
from engine.clock import clock
from engine.forms import FormInvalid, validate_submission
from portal.schema_forms import SchemaForm


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
    payee_name = forms.CharField(label=_("Account holder"), max_length=50, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_card = forms.CharField(
        label=_("Bank card number"),
        max_length=23,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, villages: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages  # type: ignore[attr-defined]

    def clean_bank_card(self) -> str:
        raw = self.cleaned_data.get("bank_card", "")
        if not raw.strip():
            return ""
        try:
            return parse_bank_card(raw)
        except InvalidBankCard as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("bank_card"):
            for name in ("payee_name", "bank_name"):
                if not str(data.get(name, "")).strip():
                    self.add_error(name, _("Give it with the bank card number."))
        return data


GRADES = [("", _("None")), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    resident_id = forms.CharField(label=_("Resident ID"), max_length=18, min_length=18)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    covered = forms.BooleanField(label=_("Covered"), required=False, initial=True)
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        choices=GRADES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    seriously_ill = forms.BooleanField(label=_("Serious illness"), required=False)
    single_cover = forms.BooleanField(label=_("Single-person cover"), required=False)
    wage = money(_("Net wage (yuan/month)"))
    employment_cost = money(_("Employment costs (yuan/month)"))
    business = money(_("Business income"))
    property = money(_("Property income"))
    transfer = money(_("Transfer income"))

    def clean_resident_id(self) -> str:
        # Checked here too, so the error stands on the member's row, not atop the page.
        try:
            return parse_resident_id(self.cleaned_data["resident_id"], today=clock.today()).number
        except InvalidResidentId as exc:
            raise forms.ValidationError(str(exc)) from exc

    def has_changed(self) -> bool:
        # A row without a name or ID is no member, whatever its defaults (relation, covered):
        # it is skipped, not refused, so a household of one leaves no phantom rows behind.
        return any(str(self[name].value() or "").strip() for name in ("name", "resident_id"))


class BaseMemberFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        # Only the first row is the applicant; a row added later is another member.
        kwargs["initial"] = {"relation": Relation.SELF if index == 0 else Relation.FAMILY}
        return kwargs

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        single = [form for form in self.forms if form.cleaned_data.get("single_cover")]
        if len(single) > 1:
            raise forms.ValidationError(_("Only one member can be covered alone."))


MemberFormSet = forms.formset_factory(
    MemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    max_num=20,
    validate_max=True,
    min_num=1,
    validate_min=True,
)


class AssistanceTypeForm(forms.Form):
    assistance_type = forms.ChoiceField(choices=AssistanceType.choices, widget=forms.HiddenInput)


class IntakeForm(SchemaForm):
    """A kind's intake fields from its JSON Schema; the schema alone says what is valid."""

    def __init__(self, schema: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(schema, *args, **kwargs)
        for name, spec in schema.get("properties", {}).items():
            if "default" in spec:
                self.fields[name].initial = spec["default"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                validate_submission(self.schema, self.submission())
            except FormInvalid as exc:
                self.add_schema_errors(exc.errors)
        return data

    def details(self) -> dict[str, Any]:
        """The submission as the kind reads it: member rows counted from 0, not 1."""
        details = self.submission()
        for name, spec in self.schema.get("properties", {}).items():
            if spec.get("x-member-row") and isinstance(details.get(name), int):
                details[name] -= 1
        return details


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    file = forms.FileField(label=_("Scan (PDF, JPEG, PNG or TIFF)"))
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RelativeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    resident_id = forms.CharField(label=_("Resident ID"), max_length=18, min_length=18)
    relation = forms.ChoiceField(label=_("Relation"), choices=NearRelative.Relation.choices)
